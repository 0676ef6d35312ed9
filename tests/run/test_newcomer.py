"""What a newcomer trips on: every bad input is one line and leaves no run directory, resume
says what is wrong, numbers written as floats, human play without a display, the multirun table."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch
from rich.console import Console

import rlkit
import rlkit.play
from rlkit.config.compose import compose_config, integral_numbers
from rlkit.errors import ConfigError
from rlkit.train import main as train_main

NO_GPU = not torch.cuda.is_available()


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """``python -m rlkit.train ARGV`` in this process: it must exit 2 with one line on stderr."""
    with pytest.raises(SystemExit) as info:
        train_main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


BAD_INPUTS = [
    (["--agent", "dqn"], "write agent=dqn"),
    (["--agent=dqn"], "e.g. agent=dqn"),
    (["dqn"], "cannot read 'dqn'"),
    (["agent=nope"], "unknown agent 'nope'"),
    (["env=nope"], "unknown env 'nope'"),
    (["agent.bogus=1"], "unknown key 'agent.bogus'"),
    (["total_steps=1.5"], "total_steps=1.5 has the wrong type"),
    (["agent=ddpg", "env=cliff"], "agent=ddpg needs"),
    (["resume=no/such/run"], "no such run directory"),
    (["stop_at_return=1"], "give eval_interval"),
]
if NO_GPU:
    BAD_INPUTS += [
        (["agent=dqn", "device=cuda"], "no CUDA GPU is available"),
        (["agent=dqn", "agent.cuda_graphs=true"], "agent.cuda_graphs=true needs device=cuda"),
        (["agent=ddpg", "env=pendulum", "agent.cuda_graphs=true"], "needs device=cuda"),
    ]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUTS)
def test_a_bad_input_is_one_line_and_leaves_no_run_directory(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    err = _fails(argv, capsys)
    assert message.replace("write ", "") in err
    assert not (in_tmp / "runs").exists()


def test_an_argparse_habit_is_shown_the_hydra_form(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails(["--agent", "dqn", "env=cliff"], capsys)
    assert "--agent dqn is not an option" in err and "agent=dqn" in err


@pytest.fixture
def finished_run(in_tmp: Path) -> Path:
    return rlkit.train("qlearning", "cliff", total_steps=500, progress=False).dir


@pytest.mark.parametrize("other", ["agent=dqn", "env=cartpole"])
def test_resume_with_another_agent_or_env_says_so_first(
    finished_run: Path, capsys: pytest.CaptureFixture[str], other: str
) -> None:
    runs_before = sorted(finished_run.parent.iterdir())
    err = _fails([f"resume={finished_run}", other, "total_steps=1000"], capsys)
    assert "this run is qlearning on cliff; resume takes its agent and env from the run" in err
    assert sorted(finished_run.parent.iterdir()) == runs_before


def test_resuming_a_finished_run_names_the_command_that_goes_on(
    finished_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs_before = sorted(finished_run.parent.iterdir())
    err = _fails([f"resume={finished_run}"], capsys)
    assert "already took 500 of total_steps=500" in err
    assert f"python -m rlkit.train resume={finished_run} total_steps=1000" in err
    assert sorted(finished_run.parent.iterdir()) == runs_before
    with pytest.raises(ConfigError, match="already took 500"):
        rlkit.train(resume=str(finished_run))


def test_integral_numbers_written_as_floats_are_accepted() -> None:
    assert integral_numbers(["total_steps=1e4", "agent.lr=1e-3", "seed=2.0", "x=1.5"]) == [
        "total_steps=10000",
        "agent.lr=1e-3",
        "seed=2",
        "x=1.5",
    ]
    _, config = compose_config(integral_numbers(["agent=dqn", "total_steps=1e4", "agent.tau=1.0"]))
    assert config.total_steps == 10_000 and config.agent.tau == 1.0  # type: ignore[attr-defined]


def test_the_api_takes_a_float_budget_and_returns_an_absolute_run_dir(in_tmp: Path) -> None:
    run = rlkit.train("qlearning", "cliff", total_steps=5e2, progress=False)
    assert run.summary["total_steps"] == 500
    assert run.dir.is_absolute() and run.dir.is_dir()
    # matplotlib's first-import message would reach the console through Hydra's logging.
    assert logging.getLogger("matplotlib").getEffectiveLevel() >= logging.WARNING


@pytest.mark.parametrize(
    "argv", [["render=human"], ["env=pong", "opponent=human"]], ids=["watch", "play"]
)
def test_human_play_without_a_display_stops_with_one_line(
    finished_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    for name in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    args = [f"run={finished_run}", *argv] if argv[0] == "render=human" else argv
    with pytest.raises(SystemExit) as info:
        rlkit.play.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs a window, and none can open here: no display" in err
    assert "video=out.mp4" in err


def test_the_progress_bar_labels_its_time(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rlkit.run.callbacks import progress

    shown = Console(record=True, force_terminal=True, width=160)
    monkeypatch.setattr(progress.ProgressBar, "min_interval", 0.0)
    bar = progress.ProgressBar()

    class Run:
        console, budget, label = shown, 100, "dqn on cliff"
        state = type("S", (), {"global_step": 50, "last_return": -12.0})()

    bar.on_training_start(Run())  # type: ignore[arg-type]
    bar.on_step(Run())  # type: ignore[arg-type]
    assert bar._progress is not None
    shown.print(bar._progress.get_renderable())
    bar.on_training_end(Run())  # type: ignore[arg-type]
    assert "ETA" in shown.export_text()


def test_printing_the_config_claims_no_run_directory(in_tmp: Path) -> None:
    from helpers import run_cli

    result = run_cli("agent=dqn", "env=cliff", "--cfg", "job", cwd=in_tmp)
    assert result.returncode == 0 and "name: dqn" in result.stdout
    assert not (in_tmp / "runs").exists()
