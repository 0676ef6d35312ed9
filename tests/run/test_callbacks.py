"""The run loop's callbacks: a user's own see every record and can stop a run; stop_at_return;
the run says which update ran."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import rlkit
from rlkit.errors import ConfigError
from rlkit.run.callbacks import Callback, Record, StopAtReturn
from rlkit.run.callbacks.base import CallbackList


class Recorder(Callback):
    """Keeps every hook call, and stops after ``stop_after`` env steps if given."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after = stop_after
        self.calls: list[str] = []
        self.records: list[Record] = []
        self.steps = 0

    def on_training_start(self, run: Any) -> None:
        self.calls.append("start")

    def on_step(self, run: Any) -> bool:
        self.steps += 1
        return self.stop_after is None or run.state.global_step < self.stop_after

    def on_record(self, run: Any, record: Record) -> None:
        self.records.append(record)

    def on_checkpoint(self, run: Any) -> None:
        self.calls.append("checkpoint")

    def on_training_end(self, run: Any) -> None:
        self.calls.append("end")


def _metrics_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_a_user_callback_hears_every_row_of_metrics_csv(in_tmp: Path) -> None:
    recorder = Recorder()
    run = rlkit.train(
        "qlearning", "cliff", total_steps=3000, log_interval=500, eval_interval=1500,
        eval_episodes=2, progress=False, callbacks=[recorder],
    )  # fmt: skip
    rows = _metrics_rows(run.dir)
    assert len(rows) == len(recorder.records) > 10
    for row, record in zip(rows, recorder.records, strict=True):
        assert int(row["step"]) == record.step
        for key, value in record.values.items():
            assert row[key] == ("" if value is None else repr(value) if isinstance(value, float)
                                else str(value))  # fmt: skip
    kinds = [r.kind for r in recorder.records]
    assert {"episode", "train", "eval"} == set(kinds) and kinds[-1] == "eval"
    assert recorder.steps == 3000
    assert recorder.calls == ["start", "checkpoint", "end"]


def test_a_callback_that_returns_false_stops_the_run(in_tmp: Path) -> None:
    recorder = Recorder(stop_after=1234)
    run = rlkit.train("qlearning", "cliff", total_steps=5000, progress=False, callbacks=[recorder])
    assert run.summary["total_steps"] == 1234
    assert recorder.steps == 1234
    assert run.summary["eval_return_mean"] is not None  # the run still ends with its evaluation
    resumed = rlkit.train(resume=str(run.dir), progress=False)
    assert resumed.summary["total_steps"] == 5000


def test_stop_at_return_stops_at_the_first_good_evaluation(in_tmp: Path) -> None:
    run = rlkit.train(
        "qlearning", "cliff", total_steps=100_000, eval_interval=2000, eval_episodes=1,
        stop_at_return=-13.0, progress=False,
    )  # fmt: skip
    evaluations = run.summary["evaluations"]
    assert evaluations[-1]["return_mean"] >= -13.0
    assert all(e["return_mean"] < -13.0 for e in evaluations[:-1])
    assert run.summary["total_steps"] == evaluations[-1]["step"] < 100_000


def test_stop_at_return_needs_evaluations(in_tmp: Path) -> None:
    with pytest.raises(ConfigError, match=r"stop_at_return .* give eval_interval"):
        rlkit.train("qlearning", "cliff", stop_at_return=-13.0)
    assert not Path("runs").exists()


def test_stop_at_return_as_a_callback_counts_only_new_evaluations() -> None:
    printed: list[str] = []
    state = SimpleNamespace(evaluations=[{"return_mean": 10.0}], global_step=100)
    run: Any = SimpleNamespace(state=state, print=printed.append)
    stop = StopAtReturn(5.0)
    stop.on_training_start(run)
    assert stop.on_step(run)  # the earlier sitting's evaluation does not count
    state.evaluations.append({"return_mean": 4.0})
    assert stop.on_step(run)
    state.evaluations.append({"return_mean": 5.0})
    assert not stop.on_step(run)
    assert "stop_at_return=5" in printed[-1]


def test_only_callbacks_are_accepted() -> None:
    with pytest.raises(TypeError, match="Callback instances, got function"):
        CallbackList([lambda run: True])  # type: ignore[list-item]


def test_the_run_says_which_update_ran(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = rlkit.train("dqn", "cliff", total_steps=1500, progress=False, device="cpu")
    first = capsys.readouterr().out.splitlines()[0]
    assert (
        first
        == "update: numpy (rlkit/fast/numpy_dqn.py; agent.update_backend=torch runs DQN.update)"
    )
    assert json.loads((run.dir / "summary.json").read_text())["update"] == "numpy"
    run = rlkit.train(
        "dqn",
        "cliff",
        total_steps=1500,
        progress=False,
        device="cpu",
        agent__update_backend="torch",
    )
    assert capsys.readouterr().out.startswith("update: torch (DQN.update, rlkit/agents/dqn.py)")
    assert run.summary["update"] == "torch"
    assert rlkit.train("qlearning", "cliff", total_steps=500, progress=False).summary["update"] == (
        "table"
    )
