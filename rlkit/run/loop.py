"""The one training loop every agent runs: act, step, store, learn, log, evaluate, checkpoint."""

from __future__ import annotations

import csv
import json
import math
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf
from rich.console import Console

import rlkit
from rlkit.agents import AGENTS, Agent
from rlkit.config.schema import Config, EnvConfig
from rlkit.envkit.make import make_env, make_vec_env
from rlkit.errors import CheckpointError
from rlkit.parts.transition import Transition
from rlkit.run.checkpoint import BEST_DIR, CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from rlkit.run.metrics import MetricsWriter, ProgressBar

SUMMARY_KEYS = (
    "agent",
    "env",
    "seed",
    "total_steps",
    "eval_episodes",
    "eval_return_mean",
    "eval_return_std",
    "wall_time_s",
    "env_steps_per_s",
    "evaluations",
    "rlkit_version",
)

EVAL_SEED_OFFSET = 1_000_000
"""Evaluation episodes are seeded apart from the training envs (seed + this)."""


class TrainingStopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; ``signum`` says which (the CLI exits with 128 + it)."""

    def __init__(self, signum: int) -> None:
        """Remember the signal."""
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopRequests:
    """While active, Ctrl-C (SIGINT) and SIGTERM only ask the loop to stop: it stops at the end of
    the env step under way, so the checkpoint holds a whole step and resuming from it is exact. A
    second signal stops at once (say, in a long evaluation).

    Signal handlers belong to the main thread; elsewhere (a run in a worker thread) this does
    nothing and the signals act as usual.
    """

    def __init__(self) -> None:
        """No stop asked for yet."""
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopRequests:
        """Install the handlers."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._ask)
        return self

    def _ask(self, signum: int, frame: Any) -> None:
        if self.signum is not None:
            raise TrainingStopped(signum)
        self.signum = signum

    def raise_if_asked(self) -> None:
        """Raise ``TrainingStopped`` if a signal came since the handlers were installed."""
        if self.signum is not None:
            raise TrainingStopped(self.signum)

    def __exit__(self, *exc: object) -> None:
        """Put the previous handlers back."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()


@dataclass
class LoopState:
    """Everything of the loop itself that an exact resume needs (the agent keeps its own)."""

    obs: np.ndarray
    episode_return: np.ndarray
    episode_length: np.ndarray
    global_step: int = 0
    episode: int = 0
    last_return: float | None = None
    last_metrics: dict[str, float] = field(default_factory=dict)
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


def evaluate(agent: Agent, env_cfg: EnvConfig, episodes: int, seed: int) -> np.ndarray:
    """Returns of ``episodes`` episodes of the agent's deterministic policy on a fresh env."""
    env = make_env(env_cfg)
    returns = np.zeros(episodes)
    try:
        for episode in range(episodes):
            obs, _ = env.reset(seed=seed if episode == 0 else None)
            done = False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(agent.predict(obs))
                returns[episode] += float(reward)
                done = terminated or truncated
    finally:
        env.close()
    return returns


def _final_next_obs(next_obs: np.ndarray, done: np.ndarray, infos: dict[str, Any]) -> np.ndarray:
    """The true next observations: for envs that just ended, the one before the autoreset."""
    real = next_obs.copy()
    for i in np.flatnonzero(done):
        real[i] = infos["final_obs"][i]
    return real


def _save(path: Path, cfg: Config, agent: Agent, state: LoopState, envs: Any | None) -> None:
    from rlkit.envkit.state import EnvStateError, get_vector_env_state

    try:
        env_states = None if envs is None else get_vector_env_state(envs)
    except EnvStateError:
        env_states = None  # resuming restarts the episodes in progress (said at resume time)
    save_checkpoint(
        path,
        {
            "meta": {
                "agent": cfg.agent.name,
                "env": cfg.env.name,
                "env_id": cfg.env.id,
                "num_envs": cfg.num_envs,
                "rlkit_version": rlkit.__version__,
            },
            "loop": state.to_dict(),
            "envs": env_states,
            "agent": agent.state_dict(),
        },
    )


def read_resume_checkpoint(cfg: Config) -> dict[str, Any]:
    """Load and check the checkpoint of ``cfg.resume`` before anything is written.

    Raises:
        CheckpointError: missing directory or checkpoint, corrupt file, another agent, env or
            number of envs.
    """
    run_dir = Path(str(cfg.resume))
    if not run_dir.is_dir():
        raise CheckpointError(f"resume={run_dir}: no such run directory")
    state = load_checkpoint(run_dir / CHECKPOINT_NAME)
    meta = state.get("meta") if isinstance(state, dict) else None
    if not isinstance(meta, dict) or "loop" not in state or "agent" not in state:
        raise CheckpointError(f"resume={run_dir}: the checkpoint is not an rlkit training state")
    for key, wanted in (
        ("agent", cfg.agent.name),
        ("env", cfg.env.name),
        ("num_envs", cfg.num_envs),
    ):
        if meta.get(key) != wanted:
            raise CheckpointError(
                f"resume={run_dir}: the checkpoint is from {key} {meta.get(key)!r}, "
                f"this run asks for {wanted!r}"
            )
    if not (run_dir / "metrics.csv").is_file():
        raise CheckpointError(f"resume={run_dir}: metrics.csv is missing")
    return state


def _resumed_rows(run_dir: Path, columns: tuple[str, ...], count: int) -> list[list[str]]:
    with open(run_dir / "metrics.csv", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or tuple(rows[0]) != columns:
        raise CheckpointError(f"resume={run_dir}: metrics.csv has other columns than this agent's")
    if len(rows) - 1 < count:
        raise CheckpointError(f"resume={run_dir}: metrics.csv is shorter than the checkpoint")
    return rows[1 : 1 + count]


def train_agent(cfg: Config, run_dir: Path, console: Console) -> dict[str, Any]:
    """Train ``cfg.agent`` on ``cfg.env`` and write the run directory; return the summary.

    The run directory gets ``metrics.csv``, ``checkpoint.npz``, ``summary.json`` and the agent's
    own report. With ``cfg.resume`` the run continues from that run's checkpoint (the old directory
    is only read). Ctrl-C or SIGTERM stops the run at the end of the env step under way (see
    ``StopRequests``), keeps the metrics and a checkpoint, and raises ``TrainingStopped``.
    """
    started = time.perf_counter()
    resume_state = read_resume_checkpoint(cfg) if cfg.resume else None
    run_dir.mkdir(parents=True, exist_ok=True)
    old_best = Path(str(cfg.resume)) / BEST_DIR
    if resume_state is not None and old_best.is_dir() and not (run_dir / BEST_DIR).exists():
        shutil.copytree(old_best, run_dir / BEST_DIR)  # the evaluations it beat come along too
    n = cfg.num_envs
    if AGENTS[cfg.agent.name].uses_torch and cfg.torch_threads is not None:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(cfg.torch_threads)
        # NumPy's BLAS too (the NumPy DQN update): its idle threads spin for small products.
        threadpool_limits(cfg.torch_threads, user_api="blas")
    if AGENTS[cfg.agent.name].offline:
        return _train_offline(cfg, run_dir, console, started)
    envs = make_vec_env(cfg.env, n, cfg.vector_mode)
    agent = AGENTS[cfg.agent.name].build(
        cfg.agent,
        envs.single_observation_space,
        envs.single_action_space,
        seed=cfg.seed,
        device=cfg.device,
        num_envs=n,
    )
    obs, _ = envs.reset(seed=cfg.seed)
    state = LoopState(
        obs=obs,
        episode_return=np.zeros(n),
        episode_length=np.zeros(n, dtype=np.int64),
        next_log=cfg.log_interval,
        next_eval=cfg.eval_interval or math.inf,
        next_checkpoint=cfg.checkpoint_interval or math.inf,
    )
    writer = MetricsWriter(run_dir / "metrics.csv", agent.metric_names)
    if resume_state is not None:
        state = _restore(cfg, agent, envs, resume_state, writer, console)
    checkpoint_path = run_dir / CHECKPOINT_NAME
    steps_at_start = state.global_step

    bar = ProgressBar(
        cfg.total_steps, f"{cfg.agent.name} on {cfg.env.name}", console, enabled=cfg.progress
    )
    loop_started = time.perf_counter()
    s = state  # short name for the hot loop
    # Periodic evaluations carry the training time spent before each, earlier sittings included;
    # kept out of metrics.csv, which must not depend on time.
    time_before = s.train_time_s
    try:
        with bar, StopRequests() as stop:
            while s.global_step < cfg.total_steps:
                actions = agent.act(s.obs, s.global_step)
                next_obs, rewards, terminated, truncated, infos = envs.step(actions)
                s.global_step += n
                done = terminated | truncated
                any_done = bool(done.any())
                real_next_obs = _final_next_obs(next_obs, done, infos) if any_done else next_obs
                agent.store(
                    Transition(s.obs, actions, rewards, real_next_obs, terminated, truncated)
                )
                metrics = agent.learn(s.global_step)
                if metrics is not None:
                    s.last_metrics = metrics  # tensors stay unread until the next log row
                s.episode_return += rewards
                s.episode_length += 1
                if any_done:
                    for i in np.flatnonzero(done):
                        s.episode += 1
                        s.last_return = float(s.episode_return[i])
                        writer.write(
                            step=s.global_step,
                            episode=s.episode,
                            episode_return=s.last_return,
                            episode_length=int(s.episode_length[i]),
                        )
                    s.episode_return[done] = 0.0
                    s.episode_length[done] = 0
                s.obs = next_obs

                if s.global_step >= s.next_log:
                    s.last_metrics = {k: float(v) for k, v in s.last_metrics.items()}
                    writer.write(step=s.global_step, **s.last_metrics)
                    writer.flush()
                    s.next_log += cfg.log_interval
                if s.global_step >= s.next_eval:
                    returns = evaluate(
                        agent, cfg.env, cfg.eval_episodes, cfg.seed + EVAL_SEED_OFFSET
                    )
                    writer.write(
                        step=s.global_step,
                        eval_return_mean=float(returns.mean()),
                        eval_return_std=float(returns.std()),
                    )
                    s.train_time_s = time_before + time.perf_counter() - loop_started
                    s.evaluations.append(_evaluation_record(s.global_step, s.train_time_s, returns))
                    seconds = s.train_time_s
                    best = cfg.save_best and _is_best(s.evaluations)
                    if best:
                        _save_best(run_dir, cfg, agent, s.global_step)
                    bar.print(
                        f"eval at step {s.global_step:,} after {seconds:.0f} s of training: "
                        f"return {returns.mean():.2f} ± {returns.std():.2f}"
                        + (f" (best so far: kept in {run_dir / BEST_DIR})" if best else "")
                    )
                    s.next_eval += cfg.eval_interval or math.inf
                if s.global_step >= s.next_checkpoint:
                    s.next_checkpoint += cfg.checkpoint_interval or math.inf
                    s.train_time_s = time_before + time.perf_counter() - loop_started
                    _checkpoint(checkpoint_path, cfg, agent, s, envs, writer, console)
                bar.update(s.global_step, s.last_return)
                stop.raise_if_asked()
        train_time = time.perf_counter() - loop_started
        s.train_time_s = time_before + train_time
        _checkpoint(checkpoint_path, cfg, agent, s, envs, writer, console)
        returns = evaluate(agent, cfg.env, cfg.eval_episodes, cfg.seed + EVAL_SEED_OFFSET)
        eval_mean = float(returns.mean()) if len(returns) else None
        eval_std = float(returns.std()) if len(returns) else None
        writer.write(step=s.global_step, eval_return_mean=eval_mean, eval_return_std=eval_std)
    except KeyboardInterrupt:
        s.train_time_s = time_before + time.perf_counter() - loop_started
        _checkpoint(checkpoint_path, cfg, agent, s, envs, writer, console)
        console.print(
            f"stopped at step {s.global_step:,}; metrics and checkpoint kept in {run_dir} "
            f"(continue with: python -m rlkit.train resume={run_dir})",
            soft_wrap=True,  # one line, so the command can be copied
        )
        raise
    finally:
        writer.close()
        envs.close()

    return _finish(
        cfg,
        agent,
        run_dir,
        console,
        started,
        s.global_step,
        s.global_step - steps_at_start,
        train_time,
        eval_mean,
        eval_std,
        s.evaluations,
    )


def _is_best(evaluations: list[dict[str, Any]]) -> bool:
    """Whether the last evaluation beats every earlier one (an equal score keeps the earlier)."""
    return all(e["return_mean"] < evaluations[-1]["return_mean"] for e in evaluations[:-1])


def _save_best(run_dir: Path, cfg: Config, agent: Agent, step: int) -> None:
    """Write the agent as a loadable run directory ``run_dir/best``: its config and a checkpoint
    of the agent alone (no loop state, so it is not mistaken for a training state to resume)."""
    best = run_dir / BEST_DIR
    (best / ".hydra").mkdir(parents=True, exist_ok=True)
    config = run_dir / ".hydra" / "config.yaml"
    if config.is_file():
        shutil.copyfile(config, best / ".hydra" / "config.yaml")
    else:  # a run started from a Config in Python, without a .hydra directory
        OmegaConf.save(OmegaConf.structured(cfg), best / ".hydra" / "config.yaml")
    save_checkpoint(
        best / CHECKPOINT_NAME,
        {
            "meta": {
                "agent": cfg.agent.name,
                "env": cfg.env.name,
                "env_id": cfg.env.id,
                "step": int(step),
                "rlkit_version": rlkit.__version__,
            },
            "agent": agent.state_dict(include_buffer=False),  # a policy, not a training state
        },
    )


def _evaluation_record(step: int, train_time: float, returns: np.ndarray) -> dict[str, Any]:
    """One periodic evaluation for ``summary.json``: when, after how much training, and how well."""
    return {
        "step": int(step),
        "train_time_s": round(train_time, 3),
        "return_mean": float(returns.mean()),
        "return_std": float(returns.std()),
        "returns": [float(r) for r in returns],
    }


def _train_offline(cfg: Config, run_dir: Path, console: Console, started: float) -> dict[str, Any]:
    """Fit an offline agent (behaviour cloning) to ``cfg.dataset`` for its epochs, then evaluate
    it on the env like any other agent. No env steps are taken to learn (``total_steps`` is 0)."""
    from rlkit.parts.datasets import load_dataset

    env = make_env(cfg.env)
    dataset = load_dataset(str(cfg.dataset), env.observation_space, env.action_space)
    agent = AGENTS[cfg.agent.name].build(
        cfg.agent, env.observation_space, env.action_space, seed=cfg.seed, device=cfg.device
    )
    env.close()
    train, held_out = dataset.split(cfg.agent.val_fraction, cfg.seed)  # type: ignore[attr-defined]
    epochs = cfg.agent.epochs  # type: ignore[attr-defined]
    writer = MetricsWriter(run_dir / "metrics.csv", agent.metric_names)
    bar = ProgressBar(epochs, f"{cfg.agent.name} on {len(train):,} pairs", console, cfg.progress)
    loop_started = time.perf_counter()
    try:
        with bar:
            for epoch in range(1, epochs + 1):
                metrics = agent.fit_epoch(train)  # type: ignore[attr-defined]
                if len(held_out):
                    agent.val_accuracy = agent.accuracy(held_out)  # type: ignore[attr-defined]
                    metrics["val_accuracy"] = agent.val_accuracy  # type: ignore[attr-defined]
                writer.write(step=epoch, **metrics)
                bar.update(epoch, None)
        train_time = time.perf_counter() - loop_started
        state = LoopState(obs=np.zeros(0), episode_return=np.zeros(0), episode_length=np.zeros(0))
        _save(run_dir / CHECKPOINT_NAME, cfg, agent, state, envs=None)
        returns = evaluate(agent, cfg.env, cfg.eval_episodes, cfg.seed + EVAL_SEED_OFFSET)
        eval_mean = float(returns.mean()) if len(returns) else None
        eval_std = float(returns.std()) if len(returns) else None
        writer.write(step=epochs, eval_return_mean=eval_mean, eval_return_std=eval_std)
    finally:
        writer.close()
    return _finish(cfg, agent, run_dir, console, started, 0, 0, train_time, eval_mean, eval_std)


def _finish(
    cfg: Config,
    agent: Agent,
    run_dir: Path,
    console: Console,
    started: float,
    total_steps: int,
    steps_run: int,
    train_time: float,
    eval_mean: float | None,
    eval_std: float | None,
    evaluations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The agent's report, ``summary.json`` and the closing line.

    ``evaluations`` are the periodic ones (``eval_interval``), each with its step, the training
    time before it (earlier sittings of a resumed run included) and the episode returns; the
    final evaluation is ``eval_return_mean``/``std``.
    """
    report_env = make_env(cfg.env)
    report = agent.write_report(run_dir, report_env)
    report_env.close()

    summary = {
        "agent": cfg.agent.name,
        "env": cfg.env.name,
        "seed": cfg.seed,
        "total_steps": total_steps,
        "eval_episodes": cfg.eval_episodes,
        "eval_return_mean": eval_mean,
        "eval_return_std": eval_std,
        "wall_time_s": round(time.perf_counter() - started, 3),
        "env_steps_per_s": round(steps_run / max(train_time, 1e-9), 1),
        "evaluations": evaluations or [],
        "rlkit_version": rlkit.__version__,
    }
    assert tuple(summary) == SUMMARY_KEYS
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    if report:
        console.print(report, markup=False, highlight=False, soft_wrap=True, end="")
    eval_text = (
        "no evaluation"
        if eval_mean is None
        else f"eval return {eval_mean:.2f} ± {eval_std:.2f} over {cfg.eval_episodes} episodes"
    )
    speed = (
        f"fitted to the dataset in {train_time:.1f} s"
        if AGENTS[cfg.agent.name].offline
        else f"{steps_run:,} steps in {train_time:.1f} s "
        f"({summary['env_steps_per_s']:,.0f} steps/s)"
    )
    console.print(
        f"{eval_text} | {speed}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return summary


def _checkpoint(
    path: Path,
    cfg: Config,
    agent: Agent,
    state: LoopState,
    envs: Any,
    writer: MetricsWriter,
    console: Console,
) -> None:
    writer.flush()
    state.last_metrics = {k: float(v) for k, v in state.last_metrics.items()}
    state.rows_written = writer.rows
    _save(path, cfg, agent, state, envs)


def _restore(
    cfg: Config,
    agent: Agent,
    envs: Any,
    checkpoint: dict[str, Any],
    writer: MetricsWriter,
    console: Console,
) -> LoopState:
    from rlkit.envkit.state import set_vector_env_state

    try:
        agent.load_state_dict(checkpoint["agent"])
        state = LoopState.from_dict(checkpoint["loop"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"resume={cfg.resume}: the checkpoint does not fit: {e}") from e
    if checkpoint.get("envs") is not None:
        set_vector_env_state(envs, checkpoint["envs"])
    else:
        state.obs, _ = envs.reset(seed=cfg.seed + state.global_step)
        state.episode_return[:] = 0.0
        state.episode_length[:] = 0
        console.print(
            f"note: {cfg.env.id} keeps state rlkit cannot save; the resumed run starts new "
            "episodes, so it will not match an uninterrupted run exactly"
        )
    for row in _resumed_rows(Path(str(cfg.resume)), writer.columns, state.rows_written):
        writer.write_raw(row)
    return state
