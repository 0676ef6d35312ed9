"""rlkit's own Gymnasium envs, registered under the ``rlkit/`` namespace on ``import rlkit``."""

from __future__ import annotations

import gymnasium as gym


def register_envs() -> None:
    """Register rlkit's envs with Gymnasium (idempotent)."""
    if "rlkit/CliffWalk-v0" not in gym.registry:
        gym.register(
            id="rlkit/CliffWalk-v0",
            entry_point="rlkit.envs.cliff_walk:CliffWalkEnv",
            max_episode_steps=100,
        )


register_envs()
