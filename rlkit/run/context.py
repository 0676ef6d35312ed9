"""``RunContext``: what the loop and its callbacks share while a run trains."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from rlkit.agents.policy_file import POLICY_NAME, save_policy
from rlkit.agents.protocol import Agent
from rlkit.config.schema import Config
from rlkit.errors import TrainingDiverged
from rlkit.run.callbacks.base import CallbackList, Record
from rlkit.run.divergence import diverged, first_non_finite
from rlkit.run.evaluate import EVAL_SEED_OFFSET, evaluate
from rlkit.run.resume import save_training_state
from rlkit.run.state import LoopState
from rlkit.storage.checkpoint import CHECKPOINT_NAME


@dataclass
class RunContext:
    """A run in progress: its config, agent, envs, directory and loop state, and the calls the
    callbacks make on it (record a row, evaluate, checkpoint, print)."""

    cfg: Config
    agent: Agent
    run_dir: Path
    state: LoopState
    console: Console
    callbacks: CallbackList
    envs: Any = None
    """The vector env (``None`` for an offline agent)."""
    budget: int = 0
    """What the progress bar counts to: ``total_steps``, or epochs for an offline agent."""
    label: str = ""
    """The progress bar's description."""
    last_checkpoint_step: int | None = None
    """The step of the last checkpoint this sitting wrote."""
    collecting: bool = False
    """Whether the loop is taking env steps (a signal then waits for the step to end)."""
    stopped_by: int | None = None
    """The signal that stopped the run, if one did."""
    _sitting_started: float = field(default_factory=time.perf_counter)
    _time_before: float = 0.0

    def __post_init__(self) -> None:
        """Training time counts from here, on top of earlier sittings' (a resumed run)."""
        self._time_before = self.state.train_time_s

    def train_time(self) -> float:
        """Seconds of training so far, earlier sittings of a resumed run included."""
        return self._time_before + time.perf_counter() - self._sitting_started

    def sitting_time(self) -> float:
        """Seconds of training in this sitting, up to the last checkpoint."""
        return self.state.train_time_s - self._time_before

    def record(self, kind: str, **values: Any) -> None:
        """Record a row of metrics at the current step: every callback hears it (``on_record``)."""
        self.callbacks.on_record(self, Record(kind, self.state.global_step, values))

    def evaluate(self) -> np.ndarray:
        """Returns of ``eval_episodes`` greedy episodes on a fresh env, seeded apart from the
        training envs (the same episodes at every evaluation of a run)."""
        return evaluate(
            self.agent, self.cfg.env, self.cfg.eval_episodes, self.cfg.seed + EVAL_SEED_OFFSET
        )

    def save_checkpoint(self) -> None:
        """Write ``<run>/checkpoint.npz`` (atomically) after the callbacks have flushed what it
        counts."""
        self.callbacks.on_checkpoint(self)
        self.state.train_time_s = self.train_time()
        self.state.last_metrics = {k: float(v) for k, v in self.state.last_metrics.items()}
        agent_state = self.agent.state_dict()
        bad = first_non_finite(agent_state)  # a checkpoint never holds diverged numbers
        if bad is not None:
            raise self.diverged(f"the agent's {bad} holds NaN or inf")
        path = self.run_dir / CHECKPOINT_NAME
        save_training_state(path, self.cfg, agent_state, self.state, self.envs)
        # The policy alone beside it, for rlkit.load, play and export: they need not read the
        # replay buffer. Written second, so a resume never depends on it.
        save_policy(self.run_dir / POLICY_NAME, self.agent, self.cfg.env)
        self.last_checkpoint_step = self.state.global_step

    def end_with_evaluation(self) -> np.ndarray:
        """How every run ends: a checkpoint, then the final evaluation, recorded (the checkpoint
        comes first, so that a resumed run's ``metrics.csv`` leaves this evaluation out)."""
        self.save_checkpoint()
        returns = self.evaluate()
        self.record(
            "eval",
            eval_return_mean=float(returns.mean()) if len(returns) else None,
            eval_return_std=float(returns.std()) if len(returns) else None,
        )
        return returns

    def diverged(self, what: str) -> TrainingDiverged:
        """The one-line error for numbers gone non-finite now: the step, ``what``, and the last
        good checkpoint."""
        return diverged(what, self.state.global_step, self.run_dir, self.last_checkpoint_step)

    def print(self, line: str) -> None:
        """Print one line (above the progress bar, if it is on)."""
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)
