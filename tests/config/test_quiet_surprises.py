"""Mistakes that once passed quietly (a fresh run for an empty ``resume=``, a schema taken as an
agent, a resume that changed its seed) are one line now, with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rlkit
from rlkit.errors import InvalidObservationError
from tests.helpers import run_cli


def one_line_error(result_stderr: str, message: str) -> None:
    assert result_stderr.count("\n") == 1 and result_stderr.startswith("error: "), result_stderr
    assert message in result_stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["resume="], "resume= needs the run directory"),
        (["resume=notes.txt"], "resume=notes.txt is a file; give the run directory"),
        (["agent=dqn_schema", "env=cliff"], "unknown agent 'dqn_schema'; valid choices: bc,"),
        (["agent=dqn", "env=env_schema"], "unknown env 'env_schema'"),
    ],
)
def test_is_one_line_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "notes.txt").write_text("not a run")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    one_line_error(result.stderr, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_resume_cannot_change_the_seed(tmp_path: Path) -> None:
    run = rlkit.train(
        "qlearning", "cliff", total_steps=200, run_dir=tmp_path / "run", progress=False
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli(f"resume={run.dir}", "seed=5", "total_steps=400", cwd=tmp_path)
    assert result.returncode == 2
    one_line_error(result.stderr, "the run is seed=0")
    assert "cannot become seed=5" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    same = run_cli(f"resume={run.dir}", "seed=0", "total_steps=400", cwd=tmp_path)
    assert same.returncode == 0, same.stderr  # naming the run's own seed is fine


def test_qlearning_predict_outside_the_states_is_a_clear_error(tmp_path: Path) -> None:
    run = rlkit.train(
        "qlearning", "cliff", total_steps=200, run_dir=tmp_path / "run", progress=False
    )
    agent = rlkit.load(run.dir)
    for bad in (48, -1, np.array([3, 48]), 2.5):
        with pytest.raises(InvalidObservationError, match="is not in Discrete"):
            agent.predict(bad, deterministic=True)
    assert agent.predict(np.array([3, 47]), deterministic=True)[0].shape == (2,)


def test_a_float_budget_prints_the_config(tmp_path: Path) -> None:
    result = run_cli("agent=dqn", "env=cliff", "total_steps=1e4", "--cfg", "job", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "total_steps: 10000" in result.stdout
