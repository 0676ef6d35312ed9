"""The loop's own state: what an exact resume needs besides the agent's."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class LoopState:
    """Everything of the loop and its built-in callbacks that an exact resume needs (the agent
    keeps its own). Saved in every checkpoint as plain data (``to_dict``)."""

    obs: np.ndarray
    episode_return: np.ndarray
    episode_length: np.ndarray
    global_step: int = 0
    episode: int = 0
    last_return: float | None = None
    last_metrics: dict[str, Any] = field(default_factory=dict)
    """The agent's latest training metrics (tensors until the next log row reads them)."""
    next_log: float = math.inf
    next_eval: float = math.inf
    next_checkpoint: float = math.inf
    rows_written: int = 0
    """Rows of ``metrics.csv`` (after the header) that belong to the run up to ``global_step``."""
    train_time_s: float = 0.0
    """Seconds spent in the training loop up to ``global_step``, over all sittings."""
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    """The periodic evaluations so far, so a resumed run's summary lists all of them."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a checkpoint (``inf`` as ``None``)."""
        out = dict(self.__dict__)
        for key in ("next_log", "next_eval", "next_checkpoint"):
            out[key] = None if math.isinf(out[key]) else int(out[key])
        return out

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> LoopState:
        """Inverse of ``to_dict``."""
        state = dict(state)
        for key in ("next_log", "next_eval", "next_checkpoint"):
            state[key] = math.inf if state[key] is None else state[key]
        state["last_metrics"] = dict(state["last_metrics"])
        state["evaluations"] = list(state.get("evaluations", []))  # older checkpoints lack both
        return cls(**state)
