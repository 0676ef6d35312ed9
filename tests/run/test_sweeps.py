"""Sweeps and scale-out through Hydra's plugins: joblib (seeds side by side), Optuna (tuning), Ray
(a cluster); the one-line refusals before anything starts; and install.sh's extras.

The plugin tests skip without the extras (``bash scripts/install.sh sweep``, ``... ray``); ``dev``
brings ``sweep``, so CI runs all but Ray's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
TINY = ("total_steps=300", "progress=false", "eval_episodes=2")


def _sweep_dir(result: subprocess.CompletedProcess[str]) -> Path:
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])  # the last line is the sweep directory


def test_joblib_runs_the_seeds_side_by_side(in_tmp: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    result = run_cli("-m", "agent=dqn", "env=cliff", "seed=0,1", *TINY,
                     "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", cwd=in_tmp)  # fmt: skip
    sweep = _sweep_dir(result)
    summaries = sorted(sweep.glob("*/summary.json"))
    assert [json.loads(p.read_text())["seed"] for p in summaries] == [0, 1]
    # The jobs ran in joblib's worker processes: the table is read from their summaries.
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines[-3:-1]] == ["0", "1"]


def test_optuna_tunes_towards_a_higher_return(in_tmp: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    result = run_cli("-m", "agent=dqn", "env=cartpole", *TINY, "hydra/sweeper=optuna",
                     "hydra.sweeper.n_trials=2", "hydra.sweeper.sampler.seed=0",
                     "agent.lr=tag(log,interval(1e-4,1e-2))",
                     "agent.target_update_interval=choice(10,100)", cwd=in_tmp)  # fmt: skip
    sweep = _sweep_dir(result)
    returns = [json.loads(p.read_text())["eval_return_mean"] for p in sweep.glob("*/summary.json")]
    assert len(returns) == 2
    from omegaconf import OmegaConf

    best = OmegaConf.load(sweep / "optimization_results.yaml")
    # The task hands Optuna the final evaluation's return, and rlkit makes Optuna maximise it.
    assert best.best_value == max(returns)
    assert set(best.best_params) == {"agent.lr", "agent.target_update_interval"}
    hydra = OmegaConf.load(sweep / "0_seed0" / ".hydra" / "hydra.yaml")
    assert hydra.hydra.sweeper.direction == "maximize"
    assert any(line.startswith("best trial: agent.lr=") for line in result.stdout.splitlines())


def test_ray_runs_the_sweep_on_a_cluster(in_tmp: Path) -> None:
    """A local Ray instance started here stands for the cluster the command joins (~15 s).
    hydra-ray-launcher 1.2.2 alone fails to join one (it asks for an object store size)."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    context = ray.init(num_cpus=2, include_dashboard=False)
    try:
        address = context.address_info["gcs_address"]
        result = run_cli("-m", "seed=0,1", *TINY, "hydra/launcher=ray",
                         f"hydra.launcher.ray.init.address={address}", cwd=in_tmp)  # fmt: skip
    finally:
        ray.shutdown()
    sweep = _sweep_dir(result)
    assert len(list(sweep.glob("*/summary.json"))) == 2


def _hidden_plugin_cli(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m rlkit.train ARGS`` as on a machine without the plugin ``module``."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"  # find_spec then finds nothing
        f"from rlkit.train import main; main({list(args)!r})\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


@pytest.mark.parametrize(
    ("plugin", "override", "extra"),
    [
        ("hydra_plugins.hydra_joblib_launcher", "hydra/launcher=joblib", "sweep"),
        ("hydra_plugins.hydra_optuna_sweeper", "hydra/sweeper=optuna", "sweep"),
        ("hydra_plugins.hydra_ray_launcher", "hydra/launcher=ray", "ray"),
    ],
)
def test_a_missing_plugin_names_its_extra(plugin: str, override: str, extra: str,
                                          in_tmp: Path) -> None:  # fmt: skip
    result = _hidden_plugin_cli(plugin, "-m", "seed=0,1", *TINY, override, cwd=in_tmp)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"pip install -e '.[{extra}]'" in result.stderr
    assert f"bash scripts/install.sh {extra}" in result.stderr
    assert not (in_tmp / "runs").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-m", "seed=0,1", "hydra/launcher=jobib"],
         "unknown hydra/launcher 'jobib'; valid choices: basic, joblib"),
        (["-m", "seed=0,1", "hydra/sweeper=optuma"],
         "unknown hydra/sweeper 'optuma'; valid choices: basic, optuna"),
        (["seed=0", "hydra/launcher=joblib"],
         "hydra/launcher=joblib works on a multirun's jobs: add -m"),
        (["-m", "seed=0,1", "eval_episodes=0", "hydra/sweeper=optuna"],
         "eval_episodes=0 leaves none"),
    ],
)  # fmt: skip
def test_bad_launcher_or_sweeper_is_one_line(args: list[str], expected: str, in_tmp: Path) -> None:
    if "joblib" in expected:
        pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    if "eval_episodes" in expected:
        pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    result = run_cli(*args, "total_steps=300", cwd=in_tmp)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert not (in_tmp / "runs").exists()


def test_a_sweep_hydra_refuses_leaves_no_empty_directory(in_tmp: Path) -> None:
    # Hydra refuses a launcher key it does not have after rlkit claimed the sweep directory.
    result = run_cli("-m", "seed=0,1", *TINY, "hydra.launcher.n_jobz=2", cwd=in_tmp)
    assert result.returncode != 0
    assert list(in_tmp.glob("runs/*/multirun_*")) == []


@pytest.mark.parametrize(
    ("args", "extras"),
    [([], ""), (["dev"], "[dev]"), (["dev,sweep"], "[dev,sweep]"), (["dev", "ray"], "[dev,ray]")],
)
def test_install_script_takes_several_extras(args: list[str], extras: str, tmp_path: Path) -> None:
    fake = tmp_path / "python"  # records its arguments; "import torch" succeeds
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "calls"}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PYTHON": str(fake)}
    subprocess.run(["bash", str(ROOT / "scripts" / "install.sh"), *args], env=env, check=True)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[-1] == f"-m pip install -e .{extras}"
