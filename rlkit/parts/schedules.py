"""Schedules: ε as a function of the env step, and when off-policy agents train."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any


def linear_schedule(start: float, end: float, duration: int, step: int) -> float:
    """Go from ``start`` to ``end`` linearly over ``duration`` steps, then stay at ``end``."""
    if duration <= 0 or step >= duration:
        return end
    return start + (end - start) * (step / duration)


def exponential_schedule(start: float, end: float, duration: int, step: int) -> float:
    """Decay geometrically from ``start`` to ``end`` over ``duration`` steps, then stay at ``end``.

    ε(step) = start · (end / start)^(step / duration): the same ratio every step, as in MATLAB's
    ``EpsilonDecay``, but reaching ``end`` exactly at ``duration``.
    """
    if duration <= 0 or step >= duration or start <= 0:
        return end
    return start * math.exp(math.log(end / start) * (step / duration))


SCHEDULES = {"linear": linear_schedule, "exponential": exponential_schedule}


def epsilon_at(
    step: int, *, start: float, end: float, duration: int, schedule: str = "linear"
) -> float:
    """ε at env step ``step`` for the named ``schedule`` (``linear`` or ``exponential``)."""
    return SCHEDULES[schedule](start, end, duration, step)


def epsilon_schedule_of(cfg: Any) -> Callable[[int], float]:
    """``step -> ε`` for an agent config with ``epsilon_start``, ``epsilon_end``,
    ``epsilon_decay_steps`` and ``epsilon_schedule`` fields."""
    return functools.partial(
        epsilon_at,
        start=cfg.epsilon_start,
        end=cfg.epsilon_end,
        duration=cfg.epsilon_decay_steps,
        schedule=cfg.epsilon_schedule,
    )


class Ticks:
    """How many times a period of env steps has come round since the last call.

    The loop advances ``num_envs`` env steps at a time, so an update every ``period`` steps can
    fall due 0, 1 or several times per call. Ticks that pass before ``started`` are dropped, not
    owed: the first update comes at ``learning_starts``, not a burst of them.
    """

    def __init__(self, period: int) -> None:
        """Count periods of ``period`` env steps."""
        self.period = period
        self.done = 0
        """Periods already served (kept in checkpoints)."""

    def due(self, step: int, started: bool = True) -> int:
        """Periods completed by ``step`` and not yet served (0 while not ``started``)."""
        ticks = step // self.period
        count = ticks - self.done if started else 0
        self.done = ticks
        return count


TRAIN_FREQ_UNITS = ("step", "episode")


class TrainSchedule:
    """When an off-policy agent trains, and for how many gradient steps (SB3's ``train_freq`` and
    ``gradient_steps``).

    It trains every ``train_freq`` env steps (over all envs) or every ``train_freq`` ended
    episodes (``unit="episode"``: the policy stays fixed while an episode is played, as
    rl-baselines3-zoo's DDPG on LunarLander), ``gradient_steps`` steps each time, or with
    ``gradient_steps=-1`` as many as env steps were taken since the last time. As with ``Ticks``,
    periods that end before ``started`` are dropped, not owed.
    """

    def __init__(self, train_freq: int, unit: str = "step", gradient_steps: int = 1) -> None:
        """Train every ``train_freq`` steps or episodes, ``gradient_steps`` each time."""
        if unit not in TRAIN_FREQ_UNITS:
            raise ValueError(f"unit={unit!r} is not one of {', '.join(TRAIN_FREQ_UNITS)}")
        self.train_freq = train_freq
        self.unit = unit
        self.gradient_steps = gradient_steps
        self.done = 0
        """Periods already passed (kept in checkpoints)."""
        self.episodes = 0
        """Episodes ended so far (counted for ``unit="episode"``)."""
        self.last_step = 0
        """The env step at which the last period ended."""

    def episodes_ended(self, count: int) -> None:
        """Count ``count`` more ended episodes (terminated or truncated, over all envs)."""
        self.episodes += count

    def due(self, step: int, started: bool = True) -> int:
        """Gradient steps to run now, at env step ``step`` (0 while not ``started``)."""
        progress = step if self.unit == "step" else self.episodes
        periods = progress // self.train_freq - self.done
        if periods == 0:
            return 0
        self.done += periods
        steps_since = step - self.last_step
        self.last_step = step
        if not started:
            return 0
        return steps_since if self.gradient_steps < 0 else periods * self.gradient_steps

    def state_dict(self) -> dict[str, int]:
        """The counters (for checkpoints)."""
        return {"updates_done": self.done, "episodes": self.episodes, "last_step": self.last_step}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Restore ``state_dict``'s counters (checkpoints from before episodes were counted
        hold ``updates_done`` only; they trained by steps, where the others do not matter)."""
        self.done = int(state["updates_done"])
        self.episodes = int(state.get("episodes", 0))
        self.last_step = int(state.get("last_step", 0))
