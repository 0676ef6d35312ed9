"""Evaluation: episodes of the agent's greedy policy on a fresh env, seeded apart from training."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.envkit.make import make_env

EVAL_SEED_OFFSET = 1_000_000
"""Evaluation episodes are seeded apart from the training envs (seed + this)."""


class Policy(Protocol):
    """Anything with SB3's ``predict(observation, deterministic=...) -> (action, state)``: an
    rlkit agent or an SB3 model."""

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, Any]:
        """The action for one observation, and the recurrent state."""
        ...


def evaluate(agent: Policy, env_cfg: EnvConfig, episodes: int, seed: int) -> np.ndarray:
    """Returns of ``episodes`` episodes of the agent's deterministic policy on a fresh env; the
    first reset is seeded ``seed``, the later ones continue its random stream."""
    env = make_env(env_cfg)
    returns = np.zeros(episodes)
    try:
        for episode in range(episodes):
            obs, _ = env.reset(seed=seed if episode == 0 else None)
            done = False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(
                    agent.predict(obs, deterministic=True)[0]
                )
                returns[episode] += float(reward)
                done = terminated or truncated
    finally:
        env.close()
    return returns


def evaluation_record(step: int, train_time: float, returns: np.ndarray) -> dict[str, Any]:
    """One periodic evaluation for ``summary.json``: when, after how much training, and how well."""
    return {
        "step": int(step),
        "train_time_s": round(train_time, 3),
        "return_mean": float(returns.mean()),
        "return_std": float(returns.std()),
        "returns": [float(r) for r in returns],
    }
