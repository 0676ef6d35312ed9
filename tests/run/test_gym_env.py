"""Training on any registered Gymnasium env by its id, from the command line and from Python: the
run directory and summary.json name the id, and bad input stops before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli
from omegaconf import OmegaConf

import rlkit

SHORT = [
    "total_steps=300",
    "agent.learning_starts=100",
    "env.max_episode_steps=50",
    "eval_episodes=1",
    "progress=false",
]


def _run_dir(stdout: str, cwd: Path) -> Path:
    run_dir = Path(stdout.strip().splitlines()[-1])  # the last line is the run directory
    return run_dir if run_dir.is_absolute() else cwd / run_dir


def test_an_id_trains_into_a_directory_named_after_it(in_tmp: Path) -> None:
    result = run_cli("agent=dqn", "env=Acrobot-v1", *SHORT, cwd=in_tmp)
    assert result.returncode == 0, result.stderr
    run_dir = _run_dir(result.stdout, in_tmp)
    assert run_dir.parent == in_tmp / "runs" / "dqn-Acrobot-v1"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["agent"], summary["env"], summary["total_steps"]) == ("dqn", "Acrobot-v1", 300)
    saved = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    assert (saved.env.name, saved.env.id) == ("Acrobot-v1", "Acrobot-v1")
    resumed = run_cli(f"resume={run_dir}", "total_steps=400", cwd=in_tmp)
    assert resumed.returncode == 0, resumed.stderr
    assert _run_dir(resumed.stdout, in_tmp).parent == run_dir.parent


def test_the_api_takes_an_id_and_the_gym_form(in_tmp: Path) -> None:
    by_id = rlkit.train(agent="dqn", env="Acrobot-v1", overrides=SHORT)
    by_gym = rlkit.train(agent="dqn", env="gym", env__id="Acrobot-v1", overrides=SHORT)
    for run in (by_id, by_gym):
        assert run.dir.parent == in_tmp / "runs" / "dqn-Acrobot-v1"
        assert run.summary["env"] == "Acrobot-v1"
    assert by_id.config == by_gym.config
    assert rlkit.load(by_id.dir).predict  # a run of an id reads back


def test_a_namespaced_id_gets_a_flat_folder(in_tmp: Path) -> None:
    run = rlkit.train(agent="qlearning", env="rlkit/CliffWalk-v0", total_steps=300, progress=False)
    assert run.dir.parent == in_tmp / "runs" / "qlearning-rlkit_CliffWalk-v0"
    assert run.summary["env"] == "rlkit/CliffWalk-v0"


def test_a_sweep_over_ids_gets_one_directory(in_tmp: Path) -> None:
    ids = "env.id=Acrobot-v1,CartPole-v1"
    result = run_cli("-m", "agent=dqn", "env=gym", ids, *SHORT, cwd=in_tmp)
    assert result.returncode == 0, result.stderr
    summaries = sorted(in_tmp.glob("runs/dqn-Acrobot-v1+CartPole-v1/multirun_*/*/summary.json"))
    assert [json.loads(p.read_text())["env"] for p in summaries] == ["Acrobot-v1", "CartPole-v1"]


def test_printing_the_config_of_an_id(in_tmp: Path) -> None:
    result = run_cli("agent=dqn", "env=Acrobot-v1", "--cfg", "job", "--resolve", cwd=in_tmp)
    assert result.returncode == 0, result.stderr
    assert "name: Acrobot-v1\n  id: Acrobot-v1" in result.stdout
    assert not (in_tmp / "runs").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["env=cartpole", "env.id=Acrobot-v1"], "give env=Acrobot-v1 (or env=gym env.id="),
        (["agent=dqn", "env=cartpole", "env.id=Pendulum-v1"], "to train Pendulum-v1 with"),
        (["agent=dqn", "env=Acrobt-v1"], "unknown env 'Acrobt-v1'"),
        (["agent=dqn", "env=Acrobt-v1"], "did you mean Acrobot-v1?"),
        (["agent=dqn", "env=gym", "env.id=Acrobt-v1"], "env.id=Acrobt-v1 is not a registered"),
        (["agent=dqn", "env=Pendulum-v1"], "agent=dqn needs discrete actions"),
        (["agent=dqn", "env=Pendulum-v1"], "env=Pendulum-v1 has Box(3,) observations and Box(1,)"),
        (["agent=qlearning", "env=Acrobot-v1"], "agents that can learn env=Acrobot-v1: bc, dqn;"),
        (["agent=dqn", "env=Acrobt-v1", "--cfg", "job"], "did you mean Acrobot-v1?"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    args: list[str], expected: str, in_tmp: Path
) -> None:
    result = run_cli(*args, cwd=in_tmp)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert not (in_tmp / "runs").exists()
