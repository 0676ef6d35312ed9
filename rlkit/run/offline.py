"""Training an offline agent (behaviour cloning): epochs over a recorded dataset instead of env
steps, through the same callbacks, checkpoint, evaluation and summary as any other run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from rlkit.agents.registry import AGENTS
from rlkit.config.schema import Config
from rlkit.envkit.make import make_env
from rlkit.run.callbacks.base import Callback, CallbackList
from rlkit.run.callbacks.builtin import logger_callbacks
from rlkit.run.callbacks.csv_logger import CSVLogger
from rlkit.run.callbacks.nan_guard import NaNGuard
from rlkit.run.callbacks.progress import ProgressBar
from rlkit.run.context import RunContext
from rlkit.run.state import LoopState
from rlkit.run.summary import finish, print_update
from rlkit.storage.datasets import load_dataset


def run_offline(
    cfg: Config, run_dir: Path, console: Console, started: float, callbacks: Sequence[Callback]
) -> dict[str, Any]:
    """Fit the agent to ``cfg.dataset`` for its epochs (a record of its metrics each epoch, at
    ``step`` = the epoch), checkpoint it and evaluate it on the env like any other agent. No env
    steps are taken to learn (``total_steps`` is 0 in the summary)."""
    env = make_env(cfg.env)
    dataset = load_dataset(str(cfg.dataset), env.observation_space, env.action_space)
    agent = AGENTS[cfg.agent.name].build_offline(
        cfg.agent, env.observation_space, env.action_space, seed=cfg.seed, device=cfg.device
    )
    env.close()
    print_update(console, agent)
    train, held_out = dataset.split(agent.val_fraction, cfg.seed)
    state = LoopState(obs=np.zeros(0), episode_return=np.zeros(0), episode_length=np.zeros(0))
    builtin: list[Callback] = [CSVLogger(), NaNGuard(), *logger_callbacks(cfg)]
    builtin += [ProgressBar()] if cfg.progress else []
    run = RunContext(
        cfg, agent, run_dir, state, console, CallbackList([*builtin, *callbacks]),
        budget=agent.epochs, label=f"{cfg.agent.name} on {len(train):,} pairs",
    )  # fmt: skip
    run.callbacks.on_training_start(run)
    try:
        for epoch in range(1, agent.epochs + 1):
            metrics = agent.fit_epoch(train, held_out)
            state.global_step = epoch
            run.record("train", **metrics)
            if not run.callbacks.on_step(run):
                break
        returns = run.end_with_evaluation()
    finally:
        run.callbacks.on_training_end(run)
    return finish(run, started, 0, returns, offline=True)
