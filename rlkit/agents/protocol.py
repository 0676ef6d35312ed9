"""What the run loop, ``rlkit.load``, play and export ask of an agent: the ``Agent`` protocol.

There is no base class: each agent is a plain class in its own file whose update reads like the
course's pseudo-code, and this protocol only states the interface (a type checker holds every
agent to it). ``OfflineAgent`` adds what an agent that learns from a recorded dataset needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import gymnasium as gym
import numpy as np

from rlkit.parts.transition import Transition

if TYPE_CHECKING:
    from torch import nn

    from rlkit.storage.datasets import Dataset


class Agent(Protocol):
    """An agent that the run loop trains, ``rlkit.load`` restores, play watches and export reads."""

    metric_names: tuple[str, ...]
    """Names of the values ``run_due_updates`` returns; they become columns of ``metrics.csv``."""

    update_backend: str
    """Which code computes the update: ``table`` (Q-learning), ``torch`` (the agent's own
    ``update`` method), ``numpy`` (``rlkit/fast/numpy_dqn.py``), ``compile`` or ``cuda_graphs``
    (``rlkit/fast/cuda_graphs.py``); ``summary.json`` records it."""

    def describe_update(self) -> str:
        """One line saying which code computes the update and how to choose another (the run's
        first console line)."""
        ...

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """Exploring actions for a batch of observations (one per vector env)."""
        ...

    cfg: Any
    """The agent's config (an ``AgentConfig`` of ``rlkit.config.schema``)."""

    observation_space: gym.Space
    action_space: gym.Space

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, Any]:
        """``(action, state)`` for one observation or a batch of them: SB3's signature and
        return value, so that SB3's ``evaluate_policy`` and code written for SB3 take an rlkit
        agent. ``state`` is always ``None`` (no agent is recurrent) and ``episode_start`` is
        unused; ``deterministic`` defaults to ``False`` as in SB3 (pass ``True`` for the greedy
        policy)."""
        ...

    def save(self, path: str | Path) -> Path:
        """Write the policy file (``rlkit.load(path)`` reads it; no replay buffer)."""
        ...

    def store(self, transition: Transition) -> None:
        """Keep a vector env step for learning (a replay buffer, or just the last step)."""
        ...

    def run_due_updates(self, global_step: int) -> dict[str, Any] | None:
        """Run the gradient steps (and target updates) due at this env step; return their
        metrics (read only when logged). Named apart from SB3's ``learn(total_timesteps)``, which
        is a whole training run."""
        ...

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Everything needed to resume: tables or weights, optimiser, RNG state, counters.

        ``include_buffer``: keep a replay buffer's transitions (``None``: as the config's
        ``save_buffer`` says; agents without a buffer ignore it)."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""
        ...

    def policy_module(self) -> nn.Module | None:
        """The policy as a CPU ``nn.Module`` in eval mode (observations in, Q-values, logits or
        actions out) for ONNX export; ``None`` for an agent without a network (a Q-table)."""
        ...

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """Write the agent's own artefacts into the run directory; return text to print."""
        ...


class OfflineAgent(Agent, Protocol):
    """An agent that learns from a recorded dataset in epochs rather than from its own env steps
    (behaviour cloning)."""

    epochs: int
    """Passes over the training part of the dataset."""

    val_fraction: float
    """Share of the dataset held out to score each epoch on."""

    def fit_epoch(self, train: Dataset, held_out: Dataset) -> dict[str, float]:
        """One pass over ``train``; its metrics (``metric_names``), scored on ``held_out`` too
        when it is not empty."""
        ...
