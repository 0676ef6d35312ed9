"""The one metric namespace of TensorBoard and W&B: ``metrics.csv``'s columns under CleanRL's
names (``charts/episode_return``, ``losses/td_loss``, ``eval/return_mean``, ...), each at the
global env step (the epoch for an offline agent).

Both loggers go through :class:`MetricStream`, so a chart has the same name and the same points
in either of them; a new column is one line of ``NAMES``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

NAMES: dict[str, str] = {
    # an ended episode
    "episode_return": "charts/episode_return",
    "episode_length": "charts/episode_length",
    # the agents' training metrics (their metric_names)
    "loss": "losses/td_loss",  # Q-learning's and DQN's (1/m)·Σ(y − q)²
    "q_mean": "losses/q_mean",
    "epsilon": "charts/epsilon",
    "actor_loss": "losses/actor_loss",
    "critic_loss": "losses/critic_loss",
    "ent_coef": "losses/alpha",  # SAC's temperature α (CleanRL's name)
    "ent_coef_loss": "losses/alpha_loss",
    "accuracy": "charts/accuracy",
    "val_accuracy": "charts/val_accuracy",
    # an evaluation of the greedy policy
    "eval_return_mean": "eval/return_mean",
    "eval_return_std": "eval/return_std",
}
"""``metrics.csv`` column -> logged name. Columns not listed (``episode``) are not logged."""

AGENT_NAMES: dict[str, dict[str, str]] = {
    "bc": {"loss": "losses/cross_entropy"},  # behaviour cloning's loss is no TD error
}
"""Per-agent exceptions to ``NAMES``."""

SPS = "charts/sps"
"""Env steps per second of this sitting, logged with each row of training metrics."""


def logged_name(column: str, agent: str) -> str | None:
    """The namespaced name of a ``metrics.csv`` column for ``agent``, or ``None`` if it is not
    logged."""
    return AGENT_NAMES.get(agent, {}).get(column) or NAMES.get(column)


class MetricStream:
    """Turns the run's records into namespaced scalars, adding ``charts/sps`` to training rows.

    Call :meth:`start` when training starts (a resumed run counts its speed from there).
    """

    def __init__(self, agent: str, sps: bool = True) -> None:
        """Name the columns as ``agent``'s (see ``AGENT_NAMES``); ``sps``: add ``charts/sps`` (not
        for an offline agent, whose steps are epochs)."""
        self.agent, self.sps = agent, sps
        self._started = time.perf_counter()
        self._first_step = 0

    def start(self, global_step: int) -> None:
        """Training (this sitting) starts at ``global_step``."""
        self._started, self._first_step = time.perf_counter(), global_step

    def scalars(self, kind: str, step: int, values: Mapping[str, Any]) -> dict[str, float]:
        """The record's loggable values under their names; ``None`` values are left out (a final
        evaluation of zero episodes has no return)."""
        out: dict[str, float] = {}
        for column, value in values.items():
            name = logged_name(column, self.agent)
            if name is not None and value is not None:
                out[name] = float(value)
        if kind == "train" and self.sps:
            elapsed = time.perf_counter() - self._started
            if elapsed > 0 and step > self._first_step:
                out[SPS] = (step - self._first_step) / elapsed
        return out


VIDEO = "videos/eval"
"""The name of the ``video_interval`` videos in TensorBoard and W&B."""
