"""The training loop every agent runs, as the pseudo-code reads:

    repeat until total_steps env steps are taken:
        a = agent.act(s)                      (exploring, one action per vector env)
        s', r, terminated, truncated = envs.step(a)
        agent.store(s, a, r, s', terminated, truncated)
        agent.run_due_updates(step)                     (the updates that are due)
        s = s'
        callbacks: log, evaluate, checkpoint, progress, stop?

Everything around the four agent calls is a callback (``rlkit/run/callbacks/``); the run ends
with a checkpoint, the final evaluation and ``summary.json``.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from rlkit.agents.registry import AGENTS
from rlkit.config.schema import Config
from rlkit.envkit.make import make_vec_env
from rlkit.parts.transition import Transition
from rlkit.run.callbacks.base import Callback, CallbackList
from rlkit.run.callbacks.builtin import builtin_callbacks
from rlkit.run.callbacks.stop_on_signal import StopOnSignal, TrainingStopped
from rlkit.run.context import RunContext
from rlkit.run.resume import read_resume_checkpoint, restore
from rlkit.run.state import LoopState
from rlkit.run.summary import finish, print_update
from rlkit.storage.checkpoint import BEST_DIR


def run_training(
    cfg: Config, run_dir: Path, console: Console, callbacks: Sequence[Callback] = ()
) -> dict[str, Any]:
    """Train ``cfg.agent`` on ``cfg.env``, write the run directory and return the summary.

    The run directory gets ``metrics.csv``, ``checkpoint.npz``, ``summary.json`` and the agent's
    own report. With ``cfg.resume`` the run continues from that run's checkpoint (the old
    directory is only read). ``callbacks`` run after the built-in ones, in order. Ctrl-C or
    SIGTERM stops the run at the end of the env step under way, keeps the metrics and a
    checkpoint, and raises ``TrainingStopped``.
    """
    started = time.perf_counter()
    resume_state = read_resume_checkpoint(cfg) if cfg.resume else None
    run_dir.mkdir(parents=True, exist_ok=True)
    spec = AGENTS[cfg.agent.name]
    if spec.uses_torch:
        _limit_threads(cfg.torch_threads)
    if spec.offline:
        from rlkit.run.offline import run_offline

        return run_offline(cfg, run_dir, console, started, callbacks)
    if resume_state is not None:
        _carry_best_over(Path(str(cfg.resume)), run_dir)
    envs = make_vec_env(cfg.env, cfg.num_envs, cfg.vector_mode)
    agent = spec.build(
        cfg.agent,
        envs.single_observation_space,
        envs.single_action_space,
        seed=cfg.seed,
        device=cfg.device,
        num_envs=cfg.num_envs,
    )
    print_update(console, agent)
    state = _new_state(cfg, envs)
    if resume_state is not None:
        state = restore(cfg, agent, envs, resume_state, console)
    run = RunContext(
        cfg, agent, run_dir, state, console, _callbacks(cfg, callbacks), envs=envs,
        budget=cfg.total_steps, label=f"{cfg.agent.name} on {cfg.env.name}",
    )  # fmt: skip
    steps_at_start = state.global_step
    try:
        returns = _train(run)
    finally:
        envs.close()
    return finish(run, started, run.state.global_step - steps_at_start, returns)


def _train(run: RunContext) -> np.ndarray:
    """Take the env steps, then checkpoint and evaluate; the final evaluation's returns."""
    run.callbacks.on_training_start(run)
    try:
        _collect(run)
        returns = run.end_with_evaluation()
    except KeyboardInterrupt as stop:
        run.stopped_by = stop.signum if isinstance(stop, TrainingStopped) else None
        run.save_checkpoint()
        run.console.print(
            f"stopped at step {run.state.global_step:,}; metrics and checkpoint kept in "
            f"{run.run_dir} (continue with: python -m rlkit.train resume={run.run_dir})",
            soft_wrap=True,  # one line, so the command can be copied
        )
        raise
    finally:
        run.callbacks.on_training_end(run)
    return returns


def _collect(run: RunContext) -> None:
    """The hot loop: act, step, store, learn, until ``total_steps`` (or a callback says stop)."""
    agent, envs, s, callbacks = run.agent, run.envs, run.state, run.callbacks
    total_steps, n = run.cfg.total_steps, run.cfg.num_envs
    run.collecting = True
    while s.global_step < total_steps:
        actions = agent.act(s.obs, s.global_step)
        next_obs, rewards, terminated, truncated, infos = envs.step(actions)
        s.global_step += n
        done = terminated | truncated
        any_done = bool(done.any())
        real_next_obs = _final_next_obs(next_obs, done, infos) if any_done else next_obs
        agent.store(Transition(s.obs, actions, rewards, real_next_obs, terminated, truncated))
        metrics = agent.run_due_updates(s.global_step)
        if metrics is not None:
            s.last_metrics = metrics  # tensors stay unread until the next log row
        s.episode_return += rewards
        s.episode_length += 1
        if any_done:
            _end_episodes(run, done)
        s.obs = next_obs
        if not callbacks.on_step(run):
            break
    run.collecting = False


def _end_episodes(run: RunContext, done: np.ndarray) -> None:
    """Record each episode that just ended and start its counts again."""
    s = run.state
    for i in np.flatnonzero(done):
        s.episode += 1
        s.last_return = float(s.episode_return[i])
        run.record(
            "episode",
            episode=s.episode,
            episode_return=s.last_return,
            episode_length=int(s.episode_length[i]),
        )
    s.episode_return[done] = 0.0
    s.episode_length[done] = 0


def _final_next_obs(next_obs: np.ndarray, done: np.ndarray, infos: dict[str, Any]) -> np.ndarray:
    """The true next observations: for envs that just ended, the one before the autoreset."""
    real = next_obs.copy()
    for i in np.flatnonzero(done):
        real[i] = infos["final_obs"][i]
    return real


def _callbacks(cfg: Config, user: Sequence[Callback]) -> CallbackList:
    resumed_from = Path(str(cfg.resume)) if cfg.resume else None
    # The signal handler comes last: every callback sees the step in which Ctrl-C came.
    return CallbackList([*builtin_callbacks(cfg, resumed_from), *user, StopOnSignal()])


def _new_state(cfg: Config, envs: Any) -> LoopState:
    obs, _ = envs.reset(seed=cfg.seed)
    return LoopState(
        obs=obs,
        episode_return=np.zeros(cfg.num_envs),
        episode_length=np.zeros(cfg.num_envs, dtype=np.int64),
        next_log=cfg.log_interval,
        next_eval=cfg.eval_interval or math.inf,
        next_checkpoint=cfg.checkpoint_interval or math.inf,
    )


def _carry_best_over(resumed: Path, run_dir: Path) -> None:
    """A resumed run keeps the best agent so far (and the evaluations it beat come along in the
    loop state)."""
    if (resumed / BEST_DIR).is_dir() and not (run_dir / BEST_DIR).exists():
        shutil.copytree(resumed / BEST_DIR, run_dir / BEST_DIR)


def _limit_threads(threads: int | None) -> None:
    """Set PyTorch's and NumPy's BLAS CPU threads (``torch_threads``)."""
    if threads is None:
        return
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    # NumPy's BLAS too (the NumPy DQN update): its idle threads spin for small products.
    threadpool_limits(threads, user_api="blas")
