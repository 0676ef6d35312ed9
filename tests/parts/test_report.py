"""The Q-table report (CSV, PNG, greedy path) and metrics.csv writing."""

from __future__ import annotations

import csv
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rlkit  # noqa: F401
from rlkit.parts import qtable_report
from rlkit.run.metrics import MetricsWriter
from rlkit.tools.planning import value_iteration


@pytest.fixture
def cliff() -> gym.Env:
    return gym.make("rlkit/CliffWalk-v0")


def test_report_of_q_star(tmp_path: Path, cliff: gym.Env) -> None:
    q_star = value_iteration(cliff.unwrapped, 0.9)
    text = qtable_report.write(q_star, cliff, tmp_path)
    assert text.startswith("greedy path: 13 steps, return -12, reaches the goal")
    grid = text.splitlines()[1:]
    assert grid[2] == "→ → → → → → → → → → → ↓"
    assert grid[3] == "↑ C C C C C C C C C C G"
    rows = list(csv.reader((tmp_path / "q_table.csv").open()))
    assert rows[0] == ["state", "row", "col", "up", "right", "down", "left"]
    assert len(rows) == 49
    start = rows[1 + 36]
    assert start[:3] == ["36", "3", "0"] and float(start[3]) == pytest.approx(-7.1757, abs=1e-4)
    png = (tmp_path / "q_table.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_untrained_table_path_does_not_reach_the_goal(tmp_path: Path, cliff: gym.Env) -> None:
    q = np.zeros((48, 4))  # argmax = up forever: truncated by the 100-step cap
    text = qtable_report.path_text(q, cliff.unwrapped)
    assert "does not reach the goal" in text


def test_metrics_writer_leaves_unknown_columns_empty(tmp_path: Path) -> None:
    with MetricsWriter(tmp_path / "m.csv", ["loss"]) as writer:
        writer.write(step=1, episode=1, episode_return=-3.0, episode_length=3)
        writer.write(step=2, loss=0.5)
        with pytest.raises(KeyError, match="unknown metrics columns"):
            writer.write(step=3, nope=1)
    rows = list(csv.DictReader((tmp_path / "m.csv").open()))
    assert rows[0]["episode_return"] == "-3.0" and rows[0]["loss"] == ""
    assert rows[1]["loss"] == "0.5" and rows[1]["episode"] == ""
