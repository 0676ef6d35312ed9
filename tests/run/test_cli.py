"""``python -m rlkit.train`` end to end, in a subprocess as a user runs it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli

from rlkit.run.summary import SUMMARY_KEYS


def test_short_run_writes_the_run_directory(in_tmp: Path) -> None:
    result = run_cli("agent=qlearning", "env=cliff", "total_steps=3000", cwd=in_tmp)
    assert result.returncode == 0, result.stderr
    run_dir = Path(result.stdout.strip().splitlines()[-1])  # the last line is the run directory
    if not run_dir.is_absolute():
        run_dir = in_tmp / run_dir
    assert run_dir.is_dir() and run_dir.parent.name == "qlearning-cliff"
    for name in (".hydra/config.yaml", "metrics.csv", "checkpoint.npz", "summary.json",
                 "q_table.csv", "q_table.png"):  # fmt: skip
        assert (run_dir / name).is_file(), name
    summary = json.loads((run_dir / "summary.json").read_text())
    assert tuple(summary) == SUMMARY_KEYS
    assert summary["total_steps"] == 3000 and summary["agent"] == "qlearning"
    header = (run_dir / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["step", "episode", "episode_return", "episode_length"]
    assert {"loss", "epsilon"} <= set(header)
    assert "greedy path" in result.stdout


def test_multirun_sweeps_seeds(in_tmp: Path) -> None:
    result = run_cli("-m", "seed=0,1", "total_steps=500", "progress=false", cwd=in_tmp)
    assert result.returncode == 0, result.stderr
    summaries = sorted(in_tmp.glob("runs/qlearning-cliff/multirun_*/*/summary.json"))
    assert [json.loads(p.read_text())["seed"] for p in summaries] == [0, 1]
    # It ends with a table of the seeds and, last, the sweep directory.
    lines = result.stdout.strip().splitlines()
    assert Path(lines[-1]) == summaries[0].parent.parent.resolve()
    assert lines[-4].split() == ["seed", "return", "time", "(s)", "run"]
    assert [line.split()[0] for line in lines[-3:-1]] == ["0", "1"]


def test_two_sweeps_at_once_get_their_own_directories(in_tmp: Path) -> None:
    # Started together, both land in the same second: Hydra's ${now:...} sweep dir would be
    # shared, and job 0 of one would overwrite job 0 of the other.
    args = [sys.executable, "-m", "rlkit.train", "-m", "seed=0,1", "total_steps=300"]
    sweeps = [subprocess.Popen([*args, "progress=false"], cwd=in_tmp) for _ in range(2)]
    assert [p.wait(timeout=300) for p in sweeps] == [0, 0]
    dirs = sorted(in_tmp.glob("runs/qlearning-cliff/multirun_*"))
    assert len(dirs) == 2
    for sweep in dirs:
        assert len(list(sweep.glob("*/summary.json"))) == 2


def test_claimed_directories_are_distinct_under_races(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from rlkit.run.run_dir import claim_directory

    base = tmp_path / "runs" / "x" / "2026-01-01_00-00-00_seed0"
    with ThreadPoolExecutor(8) as pool:
        claimed = list(pool.map(lambda _: claim_directory(base), range(16)))
    assert len(set(claimed)) == 16 and all(d.is_dir() for d in claimed)
    assert base in claimed and base.with_name(base.name + "-15") in claimed


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["agent=nope"], "unknown agent 'nope'; valid choices: bc, ddpg, dqn, qlearning, sac, td3"),
        (["agent=ddpg", "env=cliff"], "agent=ddpg needs continuous (Box) actions"),
        (["agent=ddpg", "env=cliff"], "agents that can learn env=cliff: bc, dqn, qlearning;"),
        (["agent=ddpg", "env=cartpole"], "envs it can use: lunarlander, mountaincar, pendulum"),
        (["agent=ddpg", "env=pendulum", "agent.noise=pink"], "agent.noise='pink' is not valid"),
        (["agent=sac", "env=cartpole"], "agents that can learn env=cartpole: bc, dqn;"),
        (
            ["agent=td3", "env=pendulum", "agent.policy_delay=0"],
            "agent.policy_delay=0 must be >= 1",
        ),
        (["agent=dqn", "env=pendulum"], "agent=dqn needs discrete actions"),
        (["agent=dqn", "agent.batch_size=0"], "agent.batch_size=0 must be >= 1"),
        (["agent=dqn", "agent.buffer_size=8"], "agent.buffer_size=8 must be >= agent.batch_size"),
        (
            ["agent=dqn", "agent.dueling=true", "agent.update_backend=numpy"],
            "agent.update_backend=numpy needs an MLP q on the CPU",
        ),
        (["env=nope"], "valid choices: atari, cartpole, cliff"),
        (["agent.alpah=0.1"], "unknown key 'agent.alpah'"),
        (["agent.alpha=abc"], "agent.alpha=abc has the wrong type: expected a number"),
        (["seed=x"], "seed=x has the wrong type: expected an integer"),
        (["agent.gamma=1.5"], "agent.gamma=1.5 is out of range [0, 1]"),
        (["total_steps=-5"], "total_steps=-5 must be > 0"),
        (["agent=qlearning", "env=pendulum"], "needs discrete observations and discrete actions"),
        (["-m", "seed=0,x"], "seed=x has the wrong type"),
    ],
)
def test_bad_input_is_one_line_on_stderr(args: list[str], expected: str, in_tmp: Path) -> None:
    result = run_cli(*args, cwd=in_tmp)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (in_tmp / "runs").exists()  # nothing was started


def test_pendulum_error_names_the_envs_it_can_use(in_tmp: Path) -> None:
    result = run_cli("agent=qlearning", "env=pendulum", cwd=in_tmp)
    assert "env=pendulum has Box(3,) observations and Box(1,) actions" in result.stderr
    assert result.stderr.strip().endswith("envs it can use: cliff")


def test_tabular_run_does_not_import_torch_or_wandb(in_tmp: Path) -> None:
    """The tabular path's start-up stays light: PyTorch and wandb take seconds to import."""
    code = (
        "import sys, rlkit\n"
        "rlkit.train(agent='qlearning', env='cliff', total_steps=200, progress=False)\n"
        "heavy = [m for m in ('torch', 'wandb', 'stable_baselines3') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=in_tmp, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["rlkit.train", "agent=dqn", "env=cliff"],
        ["rlkit.compare", "agent=ddpg", "env=pendulum", "seeds=1", "total_steps=2000", "out=c"],
    ],
)
def test_ctrl_c_while_starting_is_one_line(in_tmp: Path, command: list[str]) -> None:
    """Ctrl-C while a command imports PyTorch or checks its arguments: one line, exit 130.
    (Not in the first ~0.1 s, while Python imports the ``rlkit`` package before any command code
    runs: under load that can take longer, so the kills here come later.)"""
    for delay in (1.0, 2.0):
        process = subprocess.Popen(
            [sys.executable, "-m", *command], cwd=in_tmp, stderr=subprocess.PIPE, text=True
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stderr, stderr
        assert "KeyboardInterrupt" not in stderr, stderr
        # A shell shows 130 for both: exit(130), or death by SIGINT where Python's own exit
        # rethrows it (when the interrupt passed through an extension's start-up code).
        assert process.returncode in (130, -signal.SIGINT), (process.returncode, stderr)


def test_help_lists_choices_not_the_schemas_they_build_on(in_tmp: Path) -> None:
    out = run_cli("agent=dqn", "--help", cwd=in_tmp)
    assert out.returncode == 0, out.stderr
    groups = {line.split(":")[0]: line for line in out.stdout.splitlines() if ": " in line}
    assert groups["agent"] == "agent: bc, ddpg, dqn, qlearning, sac, td3"
    assert "cliff" in groups["env"]
    assert "_schema" not in out.stdout
    assert "name: dqn" in out.stdout  # the composed config of the overrides given
    assert not (in_tmp / "runs").exists()


def test_a_sweep_that_would_only_print_is_one_line(in_tmp: Path) -> None:
    out = run_cli("-m", "seed=0,1", "--cfg", "job", cwd=in_tmp)
    assert out.returncode == 2
    assert out.stderr.startswith("error: -m runs a sweep and --cfg prints without running")
    assert "Traceback" not in out.stderr
    assert not (in_tmp / "runs").exists()
