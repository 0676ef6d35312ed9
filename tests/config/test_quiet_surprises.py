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


def test_a_replay_buffer_that_cannot_fit_is_one_line_before_anything_is_written(
    tmp_path: Path,
) -> None:
    result = run_cli("agent=dqn", "env=cartpole", "agent.buffer_size=1e11", cwd=tmp_path)
    assert result.returncode == 2
    one_line_error(result.stderr, "agent.buffer_size=100,000,000,000 needs 5,215.4 GiB")
    assert "lower agent.buffer_size (at most about" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_memory_check_counts_each_pixel_frame_once(tmp_path: Path) -> None:
    """The pixel preset's buffer keeps frames once (rlkit.parts.frame_replay): 703 GiB for 1e8
    transitions, where stacks kept whole for s and s' would be 5,259 GiB."""
    result = run_cli("agent=dqn", "env=pong_pixels", "agent.buffer_size=1e8", cwd=tmp_path)
    assert result.returncode == 2
    one_line_error(result.stderr, "agent.buffer_size=100,000,000 needs 703.4 GiB")


@pytest.mark.parametrize("env", ["cartpole", "pendulum", "pong_pixels"])
def test_replay_bytes_is_what_the_buffer_allocates(env: str) -> None:
    from rlkit.parts.replay import ReplayBuffer, replay_bytes

    made = rlkit.make_env(env)
    space, actions = made.observation_space, made.action_space
    buffer = ReplayBuffer(50, space, actions, n_step=3)
    assert buffer._arrays is not None
    assert replay_bytes(50, space, actions) == sum(a.nbytes for a in buffer._arrays)


UNWRITABLE = "/sys/rlkit-test"  # sysfs refuses new entries, even to root


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs = tmp_path_factory.mktemp("runs")
    cliff = rlkit.train("qlearning", "cliff", total_steps=100, run_dir=runs / "q", progress=False)
    dqn = rlkit.train("dqn", "cartpole", total_steps=200, run_dir=runs / "d", progress=False)
    return {"run": cliff.dir, "dqn": dqn.dir}


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        ("rlkit.train", ["hydra.run.dir=afile/run"], "afile is a file, not a directory"),
        ("rlkit.train", [f"hydra.run.dir={UNWRITABLE}"], "/sys is not writable"),
        ("rlkit.train", ["-m", "seed=0,1", f"hydra.sweep.dir={UNWRITABLE}"], "is not writable"),
        ("rlkit.compare", ["agent=dqn", "env=cliff", "agent.loss=huber", "out=afile/c"], "afile"),
        ("rlkit.play", ["run={run}", "video=afile/x.mp4"], "afile is a file, not a directory"),
        ("rlkit.play", ["run={run}", f"video={UNWRITABLE}/x.gif"], "is not writable"),
        ("rlkit.export", ["run={dqn}", f"out={UNWRITABLE}.onnx"], "/sys is not writable"),
        ("rlkit.export", ["run={dqn}", "out=afile/p.onnx"], "afile is a file, not a directory"),
    ],
)
def test_a_place_that_cannot_be_written_is_one_line_before_any_work(
    tmp_path: Path, trained: dict[str, Path], module: str, args: list[str], message: str
) -> None:
    if not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    work = tmp_path / "work"
    work.mkdir()
    (work / "afile").write_text("a file")
    filled = [a.format(**trained) for a in args]
    result = run_cli(*filled, cwd=work, module=module)
    assert result.returncode == 2, result.stderr
    one_line_error(result.stderr, message)
    assert sorted(p.name for p in work.iterdir()) == ["afile"]


def test_a_working_directory_that_cannot_be_written_is_one_line() -> None:
    if not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    result = run_cli("agent=qlearning", "env=cliff", cwd=Path("/sys"))
    assert result.returncode == 2
    one_line_error(result.stderr, "/sys/runs cannot be written")
