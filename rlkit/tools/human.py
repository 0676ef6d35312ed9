"""A person plays pong at the keyboard, against the scripted player or a run's agent, and their
play is recorded as a dataset for ``agent=bc``.

:func:`play_human` is what ``python -m rlkit.play env=pong opponent=human`` runs. The actions and
the key mapping are pong's own (``rlkit.envs.ping_pong.rules``), as are the keys read from the
window (``rlkit.envs.ping_pong.render.held_keys``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.envkit.video import frames_per_second
from rlkit.envs.ping_pong.render import held_keys
from rlkit.envs.ping_pong.rules import keys_to_action
from rlkit.errors import ConfigError
from rlkit.run.run_dir import read_run_config
from rlkit.tools.display import require_window
from rlkit.tools.watch import (
    Episode,
    Pace,
    check_episodes,
    episode_score,
    summarize,
    with_settings,
)

KeySource = Callable[[], "tuple[bool, bool] | None"]
"""Returns (up held, down held), or None when the person has quit."""


def pygame_keys() -> tuple[bool, bool] | None:
    """(up, down) held in the pong window (arrows or W/S); None once Esc or the window's close
    button is pressed. Needs the window the env opens with ``render_mode="human"``."""
    import pygame

    for event in pygame.event.get((pygame.QUIT, pygame.KEYDOWN)):
        if event.type == pygame.QUIT or event.key == pygame.K_ESCAPE:
            return None
    return held_keys()


def play_human(
    *,
    run_dir: str | Path | None = None,
    episodes: int | None = None,
    seed: int = 0,
    record: str | Path | None = None,
    env_settings: dict[str, Any] | None = None,
    key_source: KeySource = pygame_keys,
    steps_per_second: float | None = None,
    log: Callable[[str], None] = print,
) -> list[Episode]:
    """A person plays pong's right paddle against the scripted player, or a run's agent.

    The env is made with ``render_mode="human"`` (a window at 60 frames a second). Each step,
    ``key_source()`` says which keys are held; it returns ``None`` when the person quits. Esc,
    closing the window and Ctrl-C all end the play, and ``record`` is saved in every case.

    Args:
        run_dir: a pong run whose agent plays the left paddle (it is given the mirrored view);
            ``None``: the scripted player.
        episodes: games to play (default 1 in versus, 5 in squash, where a miss ends one).
        seed: the first game's seed.
        record: an ``.npz`` to save the person's play to (added to it if it exists), as
            ``observations`` (N, *obs_shape) in the env's dtype, ``actions`` (N,) int64 and
            ``obs_type``; written atomically after every game and at the end.
        env_settings: pong fields (``mode``, ``obs_type``, ``points_to_win``, ...).
        key_source: where the keys come from (tests pass a script instead of a keyboard).
        steps_per_second: the pace (default: real time, the env's ``render_fps`` over
            ``frame_skip``; the window draws at most 60 frames a second in any case).
        log: where the lines go.

    Returns:
        The episodes played (a game stopped early is not among them).

    Raises:
        ConfigError, CheckpointError: a bad argument, or a missing, corrupt or non-pong run.
    """
    settings = dict(env_settings or {})
    env_cfg, agent = _human_env_config(run_dir, settings)
    if episodes is None:
        episodes = 5 if env_cfg.mode == "squash" else 1
    check_episodes(episodes)
    recorder = Recording(Path(record), env_cfg.obs_type) if record is not None else None
    require_window(
        "opponent=human",
        "a person plays in a window; on a machine without one, watch an agent with "
        "python -m rlkit.play run=<run> video=out.mp4",
    )
    env = _open_window(env_cfg, agent)
    against = f"the agent of {run_dir}" if agent is not None else "the scripted player"
    log(
        f"You are the right paddle against {against}: up/W, down/S; "
        "Esc or closing the window stops."
    )
    pace = Pace(steps_per_second or frames_per_second(env, env_cfg))
    return _Session(env, env_cfg, key_source, pace, recorder, log).run(episodes, seed)


def _open_window(env_cfg: Any, agent: Any) -> Any:
    """The pong env in a window, its left paddle the scripted player or ``agent``."""
    import gymnasium as gym

    opponent: Any = "scripted"
    if agent is not None:
        # The env hands the callable the observation mirrored to the left paddle's view
        # (mirror_observation, or the left player's classic view), as the agent was trained on.
        opponent = lambda obs: int(agent.predict(obs, deterministic=True)[0])  # noqa: E731
    try:
        return gym.make(
            env_cfg.id, render_mode="human", **{**env_cfg.make_kwargs(), "opponent": opponent}
        )
    except gym.error.Error as e:
        raise ConfigError(f"cannot open pong: {str(e).splitlines()[0]}") from e


@dataclass
class _Session:
    """A person at the pong window: the env, where the keys come from, the pace, the record."""

    env: Any
    env_cfg: Any
    key_source: KeySource
    pace: Pace
    recorder: Recording | None
    log: Callable[[str], None]

    def run(self, episodes: int, seed: int) -> list[Episode]:
        """Play, then close the window and save the record, however the play ended."""
        played: list[Episode] = []
        try:
            self.play(episodes, seed, played)
        except KeyboardInterrupt:
            self.log("stopped (Ctrl-C)")
        finally:
            self.env.close()
            if self.recorder is not None:
                self.log(self.recorder.save())
        if played:
            self.log(summarize(played))
        return played

    def play(self, episodes: int, seed: int, played: list[Episode]) -> None:
        """Play games into ``played`` until there are ``episodes`` or the person quits.

        ``played`` is the caller's, so that the games over before a Ctrl-C are still in it.
        """
        obs, info = self.env.reset(seed=seed)
        total, length = 0.0, 0
        while len(played) < episodes:
            self.pace.wait()
            keys = self.key_source()
            if keys is None:
                self.log("stopped by the player")
                break
            action = keys_to_action(*keys)
            if self.recorder is not None:
                self.recorder.add(obs, action)
            obs, reward, terminated, truncated, info = self.env.step(action)
            total, length = total + float(reward), length + 1
            if terminated or truncated:
                played.append(Episode(total, length, episode_score(self.env_cfg, info)))
                self.log(played[-1].describe(len(played)))
                if self.recorder is not None:
                    self.recorder.save()  # after every game: a crash later loses at most one game
                total, length = 0.0, 0
                if len(played) < episodes:
                    obs, info = self.env.reset()


def _human_env_config(run_dir: str | Path | None, settings: dict[str, Any]) -> tuple[Any, Any]:
    """The pong config a person plays (the run's, if any, with ``settings``) and the agent."""
    from rlkit.config.schema import PongEnvConfig

    if run_dir is None:
        from rlkit.config.compose import load_env_config

        return with_settings(load_env_config("pong"), settings), None
    config = read_run_config(run_dir)
    if not isinstance(config.env, PongEnvConfig):
        raise ConfigError(
            f"opponent=human plays pong; the run {run_dir} is on env={config.env.name}"
        )
    trained = config.env.obs_type
    if settings.get("obs_type", trained) != trained:
        raise ConfigError(
            f"obs_type={settings['obs_type']}: the run's agent sees {trained!r} observations"
        )
    if settings.get("mode") == "squash":
        raise ConfigError("mode=squash has no left paddle for the run's agent; play versus")
    # Playing against the agent needs a left paddle; a run trained in squash still can.
    settings = {**settings, "mode": "versus"}
    env_cfg = with_settings(config.env, settings)
    from rlkit.api import load

    return env_cfg, load(run_dir, device="cpu")


class Recording:
    """A person's (observation, action) pairs, saved atomically as a dataset for ``agent=bc``.

    An existing file of the same ``obs_type`` is added to, so several sessions make one dataset.
    """

    def __init__(self, path: Path, obs_type: str) -> None:
        """Check ``path`` (``.npz``; an existing file must be readable and of ``obs_type``)."""
        if path.suffix != ".npz":
            raise ConfigError(f"record={path} must end in .npz")
        self.path, self.obs_type = path, obs_type
        self.observations: list[np.ndarray] = []
        self.actions: list[int] = []
        self.earlier: tuple[np.ndarray, np.ndarray] | None = None
        if path.exists():
            self.earlier = self._read_earlier()
        path.parent.mkdir(parents=True, exist_ok=True)

    def _read_earlier(self) -> tuple[np.ndarray, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                observations, actions = data["observations"], data["actions"]
                obs_type = str(data["obs_type"]) if "obs_type" in data.files else None
        except Exception as e:  # not an npz, or one without the arrays: one line, then stop
            raise ConfigError(
                f"record={self.path} exists but is not a recorded-play file "
                f"({type(e).__name__}); give a new name"
            ) from e
        if obs_type != self.obs_type:
            raise ConfigError(
                f"record={self.path} holds obs_type={obs_type} play, this game gives "
                f"{self.obs_type}; give a new file name"
            )
        return observations, actions

    def add(self, obs: np.ndarray, action: int) -> None:
        """Keep one step: what the person saw and the action they took."""
        self.observations.append(np.array(obs, copy=True))
        self.actions.append(action)

    def save(self) -> str:
        """Write everything recorded so far (and the earlier file's data); return a line."""
        from rlkit.storage.datasets import save_dataset

        if not self.actions:
            return f"record: nothing recorded, {self.path} left as it was"
        observations = np.stack(self.observations)
        actions = np.asarray(self.actions, dtype=np.int64)
        if self.earlier is not None:
            observations = np.concatenate(
                [self.earlier[0], observations.astype(self.earlier[0].dtype)]
            )
            actions = np.concatenate([self.earlier[1].astype(np.int64), actions])
        save_dataset(self.path, observations, actions, obs_type=np.array(self.obs_type))
        return f"record: {len(self.actions)} steps saved to {self.path} ({len(actions)} in all)"
