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
    if "rlkit/PingPong-v0" not in gym.registry:
        # gymnasium.make_vec picks vector_entry_point (the batched env) whenever it is set and no
        # vectorization_mode is given; it passes make_vec's kwargs and this max_episode_steps on.
        # The time limit leaves room for a full 21-point game between good players (see the
        # env's docstring).
        gym.register(
            id="rlkit/PingPong-v0",
            entry_point="rlkit.envs.ping_pong:PingPongEnv",
            vector_entry_point="rlkit.envs.ping_pong:PingPongVectorEnv",
            max_episode_steps=50_000,
        )


register_envs()
