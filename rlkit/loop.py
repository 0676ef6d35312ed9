"""The one training loop every agent runs: act, step, store, learn, log, evaluate, checkpoint."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

import rlkit
from rlkit.agents import AGENTS, Agent
from rlkit.checkpoint import CHECKPOINT_NAME, save_checkpoint
from rlkit.config import Config, EnvConfig
from rlkit.envs_factory import make_env, make_vec_env
from rlkit.metrics import MetricsWriter, ProgressBar
from rlkit.transition import Transition

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
    "rlkit_version",
)

EVAL_SEED_OFFSET = 1_000_000
"""Evaluation episodes are seeded apart from the training envs (seed + this)."""


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


def _checkpoint(path: Path, cfg: Config, agent: Agent, global_step: int, episode: int) -> None:
    save_checkpoint(
        path,
        {
            "meta": {
                "agent": cfg.agent.name,
                "env": cfg.env.name,
                "env_id": cfg.env.id,
                "rlkit_version": rlkit.__version__,
            },
            "loop": {"global_step": global_step, "episode": episode},
            "agent": agent.state_dict(),
        },
    )


def train_agent(cfg: Config, run_dir: Path, console: Console) -> dict[str, Any]:
    """Train ``cfg.agent`` on ``cfg.env`` and write the run directory; return the summary.

    The run directory gets ``metrics.csv``, ``checkpoint.npz``, ``summary.json`` and the agent's
    own report (the Q-table for tabular Q-learning). On Ctrl-C the metrics so far and a checkpoint
    are kept before the interrupt goes on.
    """
    started = time.perf_counter()
    run_dir.mkdir(parents=True, exist_ok=True)
    n = cfg.num_envs
    envs = make_vec_env(cfg.env, n, cfg.vector_mode)
    agent = AGENTS[cfg.agent.name].build(
        cfg.agent,
        envs.single_observation_space,
        envs.single_action_space,
        seed=cfg.seed,
        device=cfg.device,
    )

    episode_return = np.zeros(n)
    episode_length = np.zeros(n, dtype=np.int64)
    episode, global_step = 0, 0
    last_return: float | None = None
    last_metrics: dict[str, Any] = {}
    next_log = cfg.log_interval
    next_eval = cfg.eval_interval or math.inf
    next_checkpoint = cfg.checkpoint_interval or math.inf
    checkpoint_path = run_dir / CHECKPOINT_NAME

    writer = MetricsWriter(run_dir / "metrics.csv", agent.metric_names)
    bar = ProgressBar(
        cfg.total_steps, f"{cfg.agent.name} on {cfg.env.name}", console, enabled=cfg.progress
    )
    loop_started = time.perf_counter()
    try:
        with bar:
            obs, _ = envs.reset(seed=cfg.seed)
            while global_step < cfg.total_steps:
                actions = agent.act(obs, global_step)
                next_obs, rewards, terminated, truncated, infos = envs.step(actions)
                global_step += n
                done = terminated | truncated
                any_done = bool(done.any())
                real_next_obs = _final_next_obs(next_obs, done, infos) if any_done else next_obs
                agent.store(Transition(obs, actions, rewards, real_next_obs, terminated))
                metrics = agent.learn(global_step)
                if metrics is not None:
                    last_metrics = metrics
                episode_return += rewards
                episode_length += 1
                if any_done:
                    for i in np.flatnonzero(done):
                        episode += 1
                        last_return = float(episode_return[i])
                        writer.write(
                            step=global_step,
                            episode=episode,
                            episode_return=last_return,
                            episode_length=int(episode_length[i]),
                        )
                    episode_return[done] = 0.0
                    episode_length[done] = 0
                obs = next_obs

                if global_step >= next_log:
                    writer.write(step=global_step, **{k: float(v) for k, v in last_metrics.items()})
                    writer.flush()
                    next_log += cfg.log_interval
                if global_step >= next_eval:
                    returns = evaluate(
                        agent, cfg.env, cfg.eval_episodes, cfg.seed + EVAL_SEED_OFFSET
                    )
                    writer.write(
                        step=global_step,
                        eval_return_mean=float(returns.mean()),
                        eval_return_std=float(returns.std()),
                    )
                    next_eval += cfg.eval_interval or math.inf
                if global_step >= next_checkpoint:
                    _checkpoint(checkpoint_path, cfg, agent, global_step, episode)
                    next_checkpoint += cfg.checkpoint_interval or math.inf
                bar.update(global_step, last_return)
        train_time = time.perf_counter() - loop_started
        _checkpoint(checkpoint_path, cfg, agent, global_step, episode)
        returns = evaluate(agent, cfg.env, cfg.eval_episodes, cfg.seed + EVAL_SEED_OFFSET)
        eval_mean = float(returns.mean()) if len(returns) else None
        eval_std = float(returns.std()) if len(returns) else None
        writer.write(step=global_step, eval_return_mean=eval_mean, eval_return_std=eval_std)
    except KeyboardInterrupt:
        _checkpoint(checkpoint_path, cfg, agent, global_step, episode)
        console.print(
            f"interrupted at step {global_step}; metrics and checkpoint kept in {run_dir}"
        )
        raise
    finally:
        writer.close()
        envs.close()

    report_env = make_env(cfg.env)
    report = agent.write_report(run_dir, report_env)
    report_env.close()

    summary = {
        "agent": cfg.agent.name,
        "env": cfg.env.name,
        "seed": cfg.seed,
        "total_steps": global_step,
        "eval_episodes": cfg.eval_episodes,
        "eval_return_mean": eval_mean,
        "eval_return_std": eval_std,
        "wall_time_s": round(time.perf_counter() - started, 3),
        "env_steps_per_s": round(global_step / max(train_time, 1e-9), 1),
        "rlkit_version": rlkit.__version__,
    }
    assert tuple(summary) == SUMMARY_KEYS
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    if report:
        console.print(report, markup=False, highlight=False, soft_wrap=True, end="")
    eval_text = (
        "no evaluation"
        if eval_mean is None
        else (f"eval return {eval_mean:.2f} ± {eval_std:.2f} over {cfg.eval_episodes} episodes")
    )
    console.print(
        f"{eval_text} | {global_step:,} steps in {train_time:.1f} s "
        f"({summary['env_steps_per_s']:,.0f} steps/s)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return summary
