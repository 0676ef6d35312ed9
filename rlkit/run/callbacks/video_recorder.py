"""Videos during training (``video_interval=K``): one greedy evaluation episode every K env steps
to ``<run>/videos/step_<n>.mp4``, passed on to the loggers (``on_video``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlkit.config.schema import EnvConfig
from rlkit.envkit.make import make_env
from rlkit.envkit.video import VideoWriter, frames_per_second
from rlkit.run.callbacks.base import Callback
from rlkit.run.evaluate import EVAL_SEED_OFFSET, Policy

if TYPE_CHECKING:
    from rlkit.run.context import RunContext

VIDEO_DIR = "videos"
"""The videos' folder in the run directory."""


class VideoRecorder(Callback):
    """Records a video whenever ``global_step`` passes a multiple of ``video_interval``.

    The schedule follows from the step alone (no state in the checkpoint): a resumed run records
    at the same steps as an uninterrupted one.
    """

    def __init__(self, interval: int) -> None:
        """Record every ``interval`` env steps."""
        self.interval = interval
        self.next_video = interval

    def on_training_start(self, run: RunContext) -> None:
        """The first multiple of the interval after the step training starts from."""
        self.next_video = (run.state.global_step // self.interval + 1) * self.interval

    def on_step(self, run: RunContext) -> bool:
        """Record when a multiple of the interval has passed, and tell the loggers."""
        step = run.state.global_step
        if step < self.next_video:
            return True
        path = run.run_dir / VIDEO_DIR / f"step_{step}.mp4"
        record_episode(run.agent, run.cfg.env, run.cfg.seed + EVAL_SEED_OFFSET, path)
        run.callbacks.on_video(run, path)
        self.next_video = (step // self.interval + 1) * self.interval
        return True


def record_episode(agent: Policy, env_cfg: EnvConfig, seed: int, path: Path) -> str:
    """Write one episode of the agent's deterministic policy, from ``reset(seed=seed)``, to
    ``path`` (the first evaluation episode's start); return the writer's line. A video cut at its
    length limit ends the episode there."""
    # Pygame draws pong's frames; with no display it must not try to open a window.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    env: Any = make_env(env_cfg, render_mode="rgb_array")  # render() gives a frame in this mode
    writer = VideoWriter(path, frames_per_second(env, env_cfg))
    try:
        obs, _ = env.reset(seed=seed)
        writer.add(env.render())
        done = False
        while not done and not writer.full:
            obs, _, terminated, truncated, _ = env.step(agent.predict(obs, deterministic=True)[0])
            done = terminated or truncated
            writer.add(env.render())
    finally:
        env.close()
        line = writer.close()
    return line
