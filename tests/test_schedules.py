"""ε schedules."""

from __future__ import annotations

import itertools

import pytest

from rlkit.schedules import epsilon_at, exponential_schedule, linear_schedule


def test_linear_goes_straight_then_holds() -> None:
    assert linear_schedule(1.0, 0.1, 100, 0) == 1.0
    assert linear_schedule(1.0, 0.1, 100, 50) == pytest.approx(0.55)
    assert linear_schedule(1.0, 0.1, 100, 100) == 0.1
    assert linear_schedule(1.0, 0.1, 100, 10_000) == 0.1


def test_exponential_has_a_constant_ratio_and_reaches_the_end() -> None:
    values = [exponential_schedule(1.0, 0.01, 100, step) for step in range(0, 101, 25)]
    ratios = [b / a for a, b in itertools.pairwise(values)]
    assert values[0] == 1.0 and values[-1] == pytest.approx(0.01)
    assert ratios == pytest.approx([ratios[0]] * len(ratios))
    assert exponential_schedule(1.0, 0.01, 100, 500) == 0.01


def test_zero_duration_means_the_end_value_at_once() -> None:
    assert linear_schedule(1.0, 0.2, 0, 0) == 0.2
    assert exponential_schedule(1.0, 0.2, 0, 0) == 0.2


def test_epsilon_at_names_the_schedule() -> None:
    kwargs = {"start": 1.0, "end": 0.5, "duration": 10}
    assert epsilon_at(5, schedule="linear", **kwargs) == pytest.approx(0.75)
    assert epsilon_at(5, schedule="exponential", **kwargs) == pytest.approx(0.5**0.5)
    # The schedule is a function of the step, not of how often it was called.
    assert epsilon_at(5, **kwargs) == epsilon_at(5, **kwargs)


def test_ticks_count_periods_and_drop_those_before_the_start() -> None:
    from rlkit.schedules import Ticks

    ticks = Ticks(4)
    assert [ticks.due(step, started=False) for step in (1, 5, 9)] == [0, 0, 0]
    assert ticks.due(10) == 0  # period 2 was already passed before the start
    assert ticks.due(12) == 1
    assert ticks.due(20) == 2  # several at once (vector envs step many at a time)
    assert ticks.due(21) == 0
