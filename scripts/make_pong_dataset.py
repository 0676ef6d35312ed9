"""Record a scripted player's pong, as a person's would be recorded, for behaviour cloning.

The player is the right paddle and sees only what the department's bot sees, the ``classic``
observation ``[ball_x, ball_y, paddle_y] / 705`` (top-left corners): it moves its paddle's centre
toward the ball's centre and stays within a dead band. Its action is a function of the observation,
so a clone can learn it exactly; it still misses some fast, steep balls, as a person does.

    python scripts/make_pong_dataset.py [--steps 50000] [--mode squash] [--seed 0] \
        [--out pong_play.npz]
    python -m rlkit.train agent=bc env=pong env.mode=squash env.obs_type=classic \
        dataset=pong_play.npz
"""

from __future__ import annotations

import argparse
import sys

import gymnasium as gym
import numpy as np

import rlkit  # noqa: F401  (registers rlkit/PingPong-v0)
from rlkit.storage.datasets import save_dataset

SCALE = 705.0
"""The department's normalisation of the classic observation."""


def tracking_action(
    obs: np.ndarray, ball_size: float = 15.0, paddle_height: float = 75.0, dead_band: float = 6.0
) -> int:
    """0 stay, 1 down, 2 up: move the paddle's centre toward the ball's centre.

    ``obs`` is the classic observation ``[ball_x, ball_y, paddle_y] / 705``.
    """
    ball_centre = obs[1] * SCALE + ball_size / 2
    paddle_centre = obs[2] * SCALE + paddle_height / 2
    if ball_centre > paddle_centre + dead_band:
        return 1
    if ball_centre < paddle_centre - dead_band:
        return 2
    return 0


def record(steps: int, mode: str, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """``steps`` (observation, action) pairs of the tracking player; with a few play statistics."""
    env = gym.make("rlkit/PingPong-v0", mode=mode, obs_type="classic")
    obs, _ = env.reset(seed=seed)
    observations = np.empty((steps, *env.observation_space.shape), np.float32)
    actions = np.empty(steps, np.int64)
    episodes, total_reward = 0, 0.0
    for t in range(steps):
        action = tracking_action(obs)
        observations[t], actions[t] = obs, action
        obs, reward, terminated, truncated, _ = env.step(action)
        total_reward += float(reward)
        if terminated or truncated:
            episodes += 1
            obs, _ = env.reset()
    env.close()
    return observations, actions, {"episodes": episodes, "reward": total_reward}


def main(argv: list[str] | None = None) -> None:
    """Record and write the dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--mode", choices=("squash", "versus"), default="squash")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="pong_play.npz")
    args = parser.parse_args(argv)
    if args.steps <= 0:
        sys.exit(f"error: --steps={args.steps} must be > 0")
    observations, actions, stats = record(args.steps, args.mode, args.seed)
    path = save_dataset(
        args.out, observations, actions, obs_type=np.array("classic"), mode=np.array(args.mode)
    )
    counts = np.bincount(actions, minlength=3)
    print(
        f"{path}: {args.steps:,} steps of the tracking player in {args.mode} mode, "
        f"{stats['episodes']} episodes ended, reward {stats['reward']:.0f}; "
        f"actions stay/down/up {counts[0]}/{counts[1]}/{counts[2]}"
    )


if __name__ == "__main__":
    main()
