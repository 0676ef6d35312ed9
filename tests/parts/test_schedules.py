"""ε schedules."""

from __future__ import annotations

import itertools

import pytest

from rlkit.parts.schedules import epsilon_at, exponential_schedule, linear_schedule


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
    from rlkit.parts.schedules import Ticks

    ticks = Ticks(4)
    assert [ticks.due(step, started=False) for step in (1, 5, 9)] == [0, 0, 0]
    assert ticks.due(10) == 0  # period 2 was already passed before the start
    assert ticks.due(12) == 1
    assert ticks.due(20) == 2  # several at once (vector envs step many at a time)
    assert ticks.due(21) == 0


def test_train_schedule_by_steps_is_ticks_times_gradient_steps() -> None:
    from rlkit.parts.schedules import Ticks, TrainSchedule

    schedule, ticks = TrainSchedule(4, "step", 3), Ticks(4)
    steps = [1, 5, 9, 10, 12, 20, 21]
    started = [False, False, False, True, True, True, True]
    got = [schedule.due(step, on) for step, on in zip(steps, started, strict=True)]
    assert got == [3 * ticks.due(step, on) for step, on in zip(steps, started, strict=True)]
    assert got == [0, 0, 0, 0, 3, 6, 0]


def test_train_schedule_by_episodes_runs_one_gradient_step_per_env_step_of_the_episode() -> None:
    from rlkit.parts.schedules import TrainSchedule

    # SB3's train_freq=(1, "episode"), gradient_steps=-1: nothing while an episode is played,
    # then as many gradient steps as it had env steps, counting from the episode's first step
    # even if learning started in its middle (here at step 6, in the 7-step episode).
    schedule = TrainSchedule(1, "episode", -1)
    due, step = [], 0
    for length in (5, 7, 3):
        for k in range(length):
            step += 1
            if k == length - 1:
                schedule.episodes_ended(1)
            due.append(schedule.due(step, started=step >= 6))
    assert due == [0, 0, 0, 0, 0] + [0] * 6 + [7] + [0, 0, 3]
    # Every second episode, 10 gradient steps each time; two episodes can end in one vector step.
    schedule = TrainSchedule(2, "episode", 10)
    schedule.episodes_ended(1)
    assert schedule.due(50) == 0
    schedule.episodes_ended(3)
    assert schedule.due(60) == 20


def test_train_schedule_counters_round_trip_and_old_checkpoints_load() -> None:
    from rlkit.parts.schedules import TrainSchedule

    schedule = TrainSchedule(1, "episode", -1)
    schedule.episodes_ended(2)
    schedule.due(300)
    copy = TrainSchedule(1, "episode", -1)
    copy.load_state_dict(schedule.state_dict())
    assert copy.state_dict() == {"updates_done": 2, "episodes": 2, "last_step": 300}
    old = TrainSchedule(4)
    old.load_state_dict({"updates_done": 7})  # a checkpoint from before episodes were counted
    assert old.due(32) == 1
