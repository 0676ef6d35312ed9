"""No command overwrites a run: a new run, a resume or a sweep aimed at a directory that holds
one is refused in one line, and the run is left byte for byte as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

import rlkit
from rlkit.errors import ConfigError
from rlkit.train import main as train_main


@pytest.fixture
def run(in_tmp: Path) -> Path:
    return rlkit.train("qlearning", "cliff", total_steps=500, progress=False).dir


def _files(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        train_main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def test_a_new_run_into_a_directory_that_holds_one_is_refused(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(run)
    err = _refused(["total_steps=300", f"hydra.run.dir={run}"], capsys)
    assert "already holds a run" in err and f"resume={run}" in err
    with pytest.raises(ConfigError, match="already holds a run"):
        rlkit.train("qlearning", "cliff", total_steps=300, run_dir=run)
    assert _files(run) == before


def test_a_resume_into_its_own_directory_is_refused(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(run)
    err = _refused([f"resume={run}", "total_steps=1000", f"hydra.run.dir={run}"], capsys)
    assert "a resume writes a new run directory" in err
    assert _files(run) == before
    # ... and the run can still be resumed, into a new directory.
    resumed = rlkit.train(resume=str(run), total_steps=1000, progress=False)
    assert resumed.summary["total_steps"] == 1000 and resumed.dir != run


def test_a_sweep_into_a_directory_that_holds_runs_is_refused(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = in_tmp / "sweep"
    rlkit.train("qlearning", "cliff", total_steps=300, progress=False, run_dir=sweep / "0_seed0")
    before = _files(sweep)
    err = _refused(["-m", "seed=0,1", "total_steps=300", f"hydra.sweep.dir={sweep}"], capsys)
    assert "already holds runs (0_seed0)" in err
    assert _files(sweep) == before


def test_an_empty_directory_may_take_a_run(in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    run = rlkit.train("qlearning", "cliff", total_steps=300, progress=False, run_dir="empty")
    assert (run.dir / "summary.json").is_file()


def test_an_existing_video_or_onnx_file_is_kept_unless_asked(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import rlkit.export
    import rlkit.play

    dqn = rlkit.train("dqn", "cliff", total_steps=300, progress=False, device="cpu").dir
    for path in (Path("a.gif"), dqn / "policy.onnx"):
        path.write_bytes(b"the user's own file")
    with pytest.raises(SystemExit):
        rlkit.play.main([f"run={run}", "episodes=1", "video=a.gif"])
    assert "video=a.gif exists; give another name, or overwrite=true" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        rlkit.export.main([f"run={dqn}"])
    assert "policy.onnx exists; give another name, or overwrite=true" in capsys.readouterr().err
    assert (
        Path("a.gif").read_bytes() == (dqn / "policy.onnx").read_bytes() == b"the user's own file"
    )
    rlkit.play.main([f"run={run}", "episodes=1", "video=a.gif", "overwrite=true"])
    rlkit.export.main([f"run={dqn}", "overwrite=true"])
    assert Path("a.gif").read_bytes()[:3] == b"GIF"
    assert (dqn / "policy.onnx").read_bytes() != b"the user's own file"
