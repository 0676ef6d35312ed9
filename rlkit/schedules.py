"""Exploration schedules: ε as a function of the env step."""

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
