"""Watching a run's agent play: episodes printed one by one, in a window or into a video.

:func:`play` is what ``python -m rlkit.play run=<run_dir>`` runs; :class:`Episode`,
:func:`summarize`, the score and real-time helpers are shared with ``rlkit.tools.human``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.envkit.video import VideoWriter, frames_per_second
from rlkit.errors import ConfigError
from rlkit.run.run_dir import read_run_config
from rlkit.tools.display import require_window
from rlkit.tools.video import check_video


@dataclass(frozen=True)
class Episode:
    """One played episode."""

    episode_return: float
    length: int
    """Env steps."""
    score: tuple[int, int] | None = None
    """Pong versus: (right player's points, left player's points)."""

    def describe(self, number: int) -> str:
        """``episode 3: return 195.0 (195 steps)``, with the score in pong."""
        text = f"episode {number}: return {self.episode_return:.1f} ({self.length} steps)"
        return text if self.score is None else f"{text}, score {self.score[0]}-{self.score[1]}"


def summarize(episodes: list[Episode]) -> str:
    """The mean return (± the standard deviation over episodes), and the games won in pong."""
    returns = np.array([e.episode_return for e in episodes], dtype=np.float64)
    text = (
        f"mean return {returns.mean():.2f} ± {returns.std():.2f} over {len(episodes)} "
        f"episode{'s' if len(episodes) != 1 else ''}"
    )
    scores = [e.score for e in episodes if e.score is not None]
    if scores:
        won = sum(right > left for right, left in scores)
        text += f"; games won {won} of {len(scores)}"
    return text


class Pace:
    """Waits so that steps come ``steps_per_second`` apart.

    The pong window draws once per env step at up to 60 fps; with ``frame_skip=4`` (the DQN
    preset) that would run the game four times too fast for a person.
    """

    def __init__(self, steps_per_second: float) -> None:
        """Start the clock."""
        self.period = 1.0 / steps_per_second
        self.next = time.perf_counter()

    def wait(self) -> None:
        """Sleep until the next step is due (a late step is not made up for with a burst)."""
        now = time.perf_counter()
        if self.next > now:
            time.sleep(self.next - now)
            now = self.next
        self.next = now + self.period


def play(
    run_dir: str | Path,
    episodes: int = 5,
    *,
    video: str | Path | None = None,
    render: str | None = None,
    seed: int = 0,
    deterministic: bool = True,
    env_settings: dict[str, Any] | None = None,
    overwrite: bool = False,
    log: Callable[[str], None] = print,
) -> list[Episode]:
    """Play a run's agent for ``episodes`` episodes in the run's env; print each and the mean.

    Args:
        run_dir: a directory written by ``rlkit.train``.
        episodes: how many episodes (the first reset with ``seed``, the others continue its RNG).
        video: an ``.mp4`` or ``.gif`` to record (cut at ``MAX_VIDEO_FRAMES``).
        render: ``"human"`` to watch in a window (not together with ``video``).
        seed: the first reset's seed.
        deterministic: the agent's greedy action, or its exploring one.
        env_settings: pong fields to change (``opponent_speed=6``...), for pong runs.
        overwrite: replace ``video`` if it exists (else that is a ConfigError).
        log: where the lines go (``print``; ``lambda s: None`` for silence).

    Returns:
        The episodes played.

    Raises:
        CheckpointError: a missing or corrupt run.
        ConfigError: a bad argument (an unsupported video format, episodes < 1, ...).
    """
    check_episodes(episodes)
    video_path = _check_output(video, render, overwrite)
    render_mode = "rgb_array" if video_path is not None else render
    env_cfg, agent, env = _load_run(run_dir, env_settings or {}, render_mode)
    writer = None
    if video_path is not None:
        writer = VideoWriter(video_path, frames_per_second(env, env_cfg))
    # A window shows every step as it comes; pace it to real time (pong's frame_skip would
    # otherwise speed it up). Without a window, play as fast as the agent acts.
    pace = Pace(frames_per_second(env, env_cfg)) if render == "human" else None
    played = []
    try:
        for number in range(1, episodes + 1):
            first_seed = seed if number == 1 else None
            played.append(
                _play_episode(env, env_cfg, agent, first_seed, deterministic, writer, pace)
            )
            log(played[-1].describe(number))
    finally:
        env.close()
        if writer is not None:
            log(writer.close())
    log(summarize(played))
    return played


def _check_output(video: str | Path | None, render: str | None, overwrite: bool) -> Path | None:
    """The video's path, after checking that ``video`` and ``render`` make sense together."""
    video_path = check_video(video, overwrite)
    if render not in (None, "human"):
        raise ConfigError(f"render={render}: the only choice is human (a window)")
    if video_path is not None and render == "human":
        raise ConfigError("video= and render=human cannot be combined (an env draws one way)")
    if render == "human":
        require_window("render=human", "record the episodes instead: video=out.mp4 (or .gif)")
    return video_path


def _load_run(
    run_dir: str | Path, env_settings: dict[str, Any], render_mode: str | None
) -> tuple[Any, Any, Any]:
    """The run's env config (with ``env_settings``), its agent, and its env drawing in
    ``render_mode``."""
    config = read_run_config(run_dir)
    env_cfg = with_settings(config.env, env_settings)

    from rlkit.api import load
    from rlkit.envkit.make import make_env

    agent = load(run_dir, device="cpu")
    env = make_env(env_cfg, render_mode=render_mode)
    _check_render_mode(env, render_mode, env_cfg.name)
    return env_cfg, agent, env


def _play_episode(
    env: Any,
    env_cfg: Any,
    agent: Any,
    seed: int | None,
    deterministic: bool,
    writer: VideoWriter | None,
    pace: Pace | None,
) -> Episode:
    """One episode from ``env.reset(seed=seed)`` to its end, each frame into ``writer``."""
    obs, info = env.reset(seed=seed)
    if writer is not None:
        writer.add(env.render())
    total, length, done = 0.0, 0, False
    while not done:
        if pace is not None:
            pace.wait()
        obs, reward, terminated, truncated, info = env.step(
            agent.predict(obs, deterministic=deterministic)[0]
        )
        total, length, done = total + float(reward), length + 1, terminated or truncated
        if writer is not None and writer.full:
            writer.drop()  # rendering a frame that will not be kept would only cost time
        elif writer is not None:
            writer.add(env.render())
    return Episode(total, length, episode_score(env_cfg, info))


def episode_score(env_cfg: Any, info: dict[str, Any]) -> tuple[int, int] | None:
    """Pong versus reports the score; other envs (and squash, whose 'score' is returns and
    misses) have none."""
    if getattr(env_cfg, "mode", None) != "versus" or "score" not in info:
        return None
    right, left = (int(v) for v in np.asarray(info["score"]).ravel()[:2])
    return right, left


def _check_render_mode(env: Any, render_mode: str | None, env_name: str) -> None:
    modes = env.metadata.get("render_modes", [])
    if render_mode is not None and render_mode not in modes:
        env.close()
        wanted = "video=" if render_mode == "rgb_array" else "render=human"
        raise ConfigError(
            f"{wanted} needs the {render_mode} render mode, but env={env_name} renders only "
            f"{', '.join(modes) or 'nothing'}"
        )


def check_episodes(episodes: int) -> None:
    """A one-line ConfigError for fewer than one episode."""
    if episodes < 1:
        raise ConfigError(f"episodes={episodes} must be >= 1")


def with_settings(env_cfg: Any, settings: dict[str, Any]) -> Any:
    """``env_cfg`` with pong fields changed (the dataclass checks the new values)."""
    if not settings:
        return env_cfg
    from rlkit.config.schema import PongEnvConfig

    if not isinstance(env_cfg, PongEnvConfig):
        raise ConfigError(
            f"{', '.join(f'{k}=' for k in settings)}: pong settings, but env={env_cfg.name} "
            "is not pong"
        )
    return dataclasses.replace(env_cfg, **settings)
