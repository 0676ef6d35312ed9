"""Watch a trained agent play, record it as a video, or play pong yourself.

    python -m rlkit.play run=<run_dir> [episodes=5] [video=out.mp4|out.gif] [render=human]
                         [seed=0] [deterministic=true]
    python -m rlkit.play env=pong opponent=human [record=play.npz] [run=<run_dir>] [episodes=1]
                         [mode=versus|squash] [obs_type=vector|classic|pixels] [points_to_win=21]

The first plays a run's agent in the run's env (from its ``.hydra/config.yaml``) and prints each
episode's return, and in pong's versus mode the score. The second opens a pong window in which a
person holds the right paddle (arrow keys or W/S; Esc or closing the window stops) against the
scripted player or, with ``run=``, against the run's agent, which plays the left paddle from the
mirrored view. ``record=`` keeps the person's (observation, action) pairs, the dataset
``agent=bc dataset=<file>`` learns from.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.config.cli_args import fail, parse_bool, parse_int, parse_key_values, wants_help
from rlkit.errors import ConfigError, RlkitError
from rlkit.run.run_dir import read_run_config

PONG_SETTINGS: dict[str, type] = {
    "mode": str,
    "obs_type": str,
    "points_to_win": int,
    "opponent_speed": float,
    "opponent_reaction": int,
    "frame_skip": int,
}
"""The pong env fields a command line may set (``rlkit.config.schema.PongEnvConfig`` checks them)."""

KEYS = {
    "run": "a run directory: the agent to watch, or the person's opponent",
    "episodes": "episodes to play (default 5; a person: 1 game of versus, 5 of squash)",
    "video": "record rgb frames to an .mp4 or a .gif",
    "render": "human: show the game in a window",
    "seed": "seed of the first episode's reset (default 0)",
    "deterministic": "the agent's greedy action (default true)",
    "env": "pong, with opponent=human",
    "opponent": "human: a person plays pong with the keyboard",
    "record": "with opponent=human: save the person's play to an .npz dataset",
    "mode": "pong: versus or squash",
    "obs_type": "pong: vector, classic or pixels (what a recording holds)",
    "points_to_win": "pong: points that end a game",
    "opponent_speed": "pong: the scripted player's paddle speed (px a frame)",
    "opponent_reaction": "pong: the scripted player's lag (frames)",
    "frame_skip": "pong: game frames per step",
}
USAGE = (
    "python -m rlkit.play run=<run_dir> [episodes=5] [video=out.mp4|out.gif] [render=human] "
    "[seed=0] [deterministic=true]\n"
    "python -m rlkit.play env=pong opponent=human [record=play.npz] [run=<run_dir>] "
    "[episodes=1] [mode=versus|squash] [obs_type=...]"
)
VIDEO_FORMATS = (".mp4", ".gif")
MAX_VIDEO_FRAMES = {".mp4": 7200, ".gif": 600}
"""Where a video is cut: 2 minutes of pong at 60 fps, a whole CartPole or Pendulum episode; GIFs
hold every frame in memory until they are written, and 600 small frames are already megabytes."""
GIF_MAX_FPS = 30.0
"""GIF delays are in hundredths of a second and browsers slow down anything under 2: frames are
dropped down to this rate."""
GIF_MAX_SIDE = 400
"""GIF frames are shrunk by a whole factor until their longest side is at most this."""
STAY, DOWN, UP = 0, 1, 2
"""Pong's actions (y grows downwards, so "down" is 1)."""

KeySource = Callable[[], "tuple[bool, bool] | None"]
"""Returns (up held, down held), or None when the person has quit."""


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


def keys_to_action(up: bool, down: bool) -> int:
    """The right paddle's action for the keys held: up 2, down 1, neither or both 0 (stay)."""
    if up and not down:
        return UP
    if down and not up:
        return DOWN
    return STAY


def pygame_keys() -> tuple[bool, bool] | None:
    """(up, down) held in the pong window (arrows or W/S); None once Esc or the window's close
    button is pressed. Needs the window the env opens with ``render_mode="human"``."""
    import pygame

    for event in pygame.event.get((pygame.QUIT, pygame.KEYDOWN)):
        if event.type == pygame.QUIT or event.key == pygame.K_ESCAPE:
            return None
    held = pygame.key.get_pressed()
    return bool(held[pygame.K_UP] or held[pygame.K_w]), bool(
        held[pygame.K_DOWN] or held[pygame.K_s]
    )


# --- watching a run ----------------------------------------------------------------------------


def play(
    run_dir: str | Path,
    episodes: int = 5,
    *,
    video: str | Path | None = None,
    render: str | None = None,
    seed: int = 0,
    deterministic: bool = True,
    env_settings: dict[str, Any] | None = None,
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
        log: where the lines go (``print``; ``lambda s: None`` for silence).

    Returns:
        The episodes played.

    Raises:
        CheckpointError: a missing or corrupt run.
        ConfigError: a bad argument (an unsupported video format, episodes < 1, ...).
    """
    _check_episodes(episodes)
    video_path = _check_video(video)
    if render not in (None, "human"):
        raise ConfigError(f"render={render}: the only choice is human (a window)")
    if video_path is not None and render == "human":
        raise ConfigError("video= and render=human cannot be combined (an env draws one way)")
    config = read_run_config(run_dir)
    env_cfg = _with_settings(config.env, env_settings or {})

    from rlkit.api import load
    from rlkit.envkit.make import make_env

    agent = load(run_dir, device="cpu")
    render_mode = "rgb_array" if video_path is not None else render
    env = make_env(env_cfg, render_mode=render_mode)
    _check_render_mode(env, render_mode, env_cfg.name)
    writer = None
    if video_path is not None:
        writer = VideoWriter(video_path, _frames_per_second(env, env_cfg))
    # A window shows every step as it comes; pace it to real time (pong's frame_skip would
    # otherwise speed it up). Without a window, play as fast as the agent acts.
    pace = Pace(_frames_per_second(env, env_cfg)) if render == "human" else None
    played = []
    try:
        for number in range(1, episodes + 1):
            obs, info = env.reset(seed=seed if number == 1 else None)
            if writer is not None:
                writer.add(env.render())
            total, length, done = 0.0, 0, False
            while not done:
                if pace is not None:
                    pace.wait()
                obs, reward, terminated, truncated, info = env.step(
                    agent.predict(obs, deterministic=deterministic)
                )
                total, length, done = total + float(reward), length + 1, terminated or truncated
                if writer is not None and not writer.full:
                    writer.add(env.render())
            played.append(Episode(total, length, _score(env_cfg, info)))
            log(played[-1].describe(number))
    finally:
        env.close()
        if writer is not None:
            log(writer.close())
    log(summarize(played))
    return played


def _score(env_cfg: Any, info: dict[str, Any]) -> tuple[int, int] | None:
    """Pong versus reports the score; other envs (and squash, whose 'score' is returns and
    misses) have none."""
    if getattr(env_cfg, "mode", None) != "versus" or "score" not in info:
        return None
    right, left = (int(v) for v in np.asarray(info["score"]).ravel()[:2])
    return right, left


def _frames_per_second(env: Any, env_cfg: Any) -> float:
    """The env's real-time rate: its ``render_fps`` over the frames each step holds."""
    fps = float(env.metadata.get("render_fps") or 30)
    return fps / (getattr(env_cfg, "frame_skip", None) or 1)


def _check_render_mode(env: Any, render_mode: str | None, env_name: str) -> None:
    modes = env.metadata.get("render_modes", [])
    if render_mode is not None and render_mode not in modes:
        env.close()
        wanted = "video=" if render_mode == "rgb_array" else "render=human"
        raise ConfigError(
            f"{wanted} needs the {render_mode} render mode, but env={env_name} renders only "
            f"{', '.join(modes) or 'nothing'}"
        )


# --- videos ------------------------------------------------------------------------------------


class VideoWriter:
    """RGB frames to an ``.mp4`` (ffmpeg, streamed) or a ``.gif`` (Pillow, shrunk and thinned).

    Frames go to a temporary file beside ``path`` that replaces it on ``close``, so an
    interrupted recording never leaves a broken video under the name asked for.
    """

    def __init__(self, path: Path, fps: float) -> None:
        """Start a video of real-time rate ``fps`` (the env's frames per second)."""
        self.path, self.suffix = path, path.suffix.lower()
        self.stride = max(1, math.ceil(fps / GIF_MAX_FPS)) if self.suffix == ".gif" else 1
        self.fps = fps / self.stride
        self.max_frames = MAX_VIDEO_FRAMES[self.suffix]
        self.frames_seen = self.frames_written = 0
        self.cut = False
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{self.suffix}")
        self._gif_frames: list[Any] = []
        self._mp4 = None
        if self.suffix == ".mp4":
            import imageio.v2 as imageio

            # macro_block_size=2 with frames padded to even sizes: H.264 in yuv420p needs even
            # sides, and imageio would otherwise rescale every frame to multiples of 16.
            self._mp4 = imageio.get_writer(
                self._tmp, fps=self.fps, codec="libx264", macro_block_size=2,
                ffmpeg_log_level="error",
            )  # fmt: skip

    @property
    def full(self) -> bool:
        """Whether the video has reached its length limit (later frames are dropped)."""
        return self.frames_written >= self.max_frames

    def add(self, frame: np.ndarray | None) -> None:
        """Append one rendered frame (every ``stride``-th is kept)."""
        if frame is None:
            raise ConfigError("the env returned no frame from render(); it cannot make a video")
        self.frames_seen += 1
        if (self.frames_seen - 1) % self.stride:
            return
        if self.full:
            self.cut = True
            return
        frame = np.asarray(frame, dtype=np.uint8)
        if self._mp4 is not None:
            pad = ((0, frame.shape[0] % 2), (0, frame.shape[1] % 2), (0, 0))
            self._mp4.append_data(np.pad(frame, pad))
        else:
            self._gif_frames.append(_gif_frame(frame))
        self.frames_written += 1

    def close(self) -> str:
        """Finish the file and move it into place; return a line that says what was written."""
        try:
            if self._mp4 is not None:
                self._mp4.close()
            elif self._gif_frames:
                first, *rest = self._gif_frames
                first.save(
                    self._tmp,
                    save_all=True,
                    append_images=rest,
                    duration=round(1000 / self.fps),
                    loop=0,
                )
            if self.frames_written == 0:
                return f"video: no frames, {self.path} not written"
            os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
        seconds = self.frames_written / self.fps
        note = f" (cut at {self.max_frames} frames)" if self.cut else ""
        return (
            f"video: {self.path}, {self.frames_written} frames at {self.fps:g} fps, "
            f"{seconds:.1f} s{note}"
        )


def _gif_frame(frame: np.ndarray) -> Any:
    """A small palette image: shrunk by a whole factor (box filter) to GIF_MAX_SIDE."""
    from PIL import Image

    image = Image.fromarray(frame)
    factor = math.ceil(max(frame.shape[:2]) / GIF_MAX_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    return image.convert("P", palette=Image.Palette.ADAPTIVE)


# --- a person plays pong -----------------------------------------------------------------------


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
    _check_episodes(episodes)
    recorder = Recording(Path(record), env_cfg.obs_type) if record is not None else None

    import gymnasium as gym

    opponent: Any = "scripted"
    if agent is not None:
        # The env hands the callable the observation mirrored to the left paddle's view
        # (mirror_observation, or the left player's classic view), as the agent was trained on.
        opponent = lambda obs: int(agent.predict(obs, deterministic=True))  # noqa: E731
    try:
        env = gym.make(
            env_cfg.id, render_mode="human", **{**env_cfg.make_kwargs(), "opponent": opponent}
        )
    except gym.error.Error as e:
        raise ConfigError(f"cannot open pong: {str(e).splitlines()[0]}") from e
    against = f"the agent of {run_dir}" if agent is not None else "the scripted player"
    log(
        f"You are the right paddle against {against}: up/W, down/S; "
        "Esc or closing the window stops."
    )
    pace = Pace(steps_per_second or _frames_per_second(env, env_cfg))
    played: list[Episode] = []
    try:
        obs, info = env.reset(seed=seed)
        total, length = 0.0, 0
        while len(played) < episodes:
            pace.wait()
            keys = key_source()
            if keys is None:
                log("stopped by the player")
                break
            action = keys_to_action(*keys)
            if recorder is not None:
                recorder.add(obs, action)
            obs, reward, terminated, truncated, info = env.step(action)
            total, length = total + float(reward), length + 1
            if terminated or truncated:
                played.append(Episode(total, length, _score(env_cfg, info)))
                log(played[-1].describe(len(played)))
                if recorder is not None:
                    recorder.save()  # after every game: a crash later loses at most one game
                total, length = 0.0, 0
                if len(played) < episodes:
                    obs, info = env.reset()
    except KeyboardInterrupt:
        log("stopped (Ctrl-C)")
    finally:
        env.close()
        if recorder is not None:
            log(recorder.save())
    if played:
        log(summarize(played))
    return played


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


def _human_env_config(run_dir: str | Path | None, settings: dict[str, Any]) -> tuple[Any, Any]:
    """The pong config a person plays (the run's, if any, with ``settings``) and the agent."""
    from rlkit.config.schema import PongEnvConfig

    if run_dir is None:
        from rlkit.envkit.make import load_env_config

        return _with_settings(load_env_config("pong"), settings), None
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
    env_cfg = _with_settings(config.env, settings)
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
        from rlkit.parts.datasets import save_dataset

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


# --- arguments ---------------------------------------------------------------------------------


def _check_episodes(episodes: int) -> None:
    if episodes < 1:
        raise ConfigError(f"episodes={episodes} must be >= 1")


def _check_video(video: str | Path | None) -> Path | None:
    if video is None:
        return None
    path = Path(video)
    if path.suffix.lower() not in VIDEO_FORMATS:
        raise ConfigError(
            f"video={video}: unsupported format; valid: {', '.join(s[1:] for s in VIDEO_FORMATS)}"
        )
    return path


def _with_settings(env_cfg: Any, settings: dict[str, Any]) -> Any:
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


def _pong_settings(args: dict[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for key, kind in PONG_SETTINGS.items():
        if key not in args:
            continue
        text = args[key]
        if kind is int:
            settings[key] = parse_int(key, text)
        elif kind is float:
            try:
                settings[key] = float(text)
            except ValueError:
                raise ConfigError(f"{key}={text} must be a number") from None
        else:
            settings[key] = text
    return settings


def run_command(args: dict[str, str]) -> list[Episode]:
    """Check the parsed ``key=value`` arguments and watch or play."""
    human = "opponent" in args
    if human and args["opponent"] != "human":
        raise ConfigError(
            f"opponent={args['opponent']}: the only choice is human (a person plays pong; the "
            "other side is the scripted player, or run=<dir>'s agent)"
        )
    if "record" in args and not human:
        raise ConfigError("record= saves a person's play: add opponent=human")
    episodes = parse_int("episodes", args["episodes"]) if "episodes" in args else None
    if episodes is not None:
        _check_episodes(episodes)
    seed = parse_int("seed", args.get("seed", "0"), minimum=0)
    settings = _pong_settings(args)
    if human:
        if args.get("env", "pong") != "pong":
            raise ConfigError(f"env={args['env']}: opponent=human plays pong; valid: pong")
        if "video" in args:
            raise ConfigError("video= is for watching a run; a person's game is not filmed")
        if "deterministic" in args:
            raise ConfigError(
                "deterministic= is for watching a run; the person's opponent is greedy"
            )
        if args.get("render", "human") != "human":
            raise ConfigError(f"render={args['render']}: a person plays in a window (human)")
        return play_human(
            run_dir=args.get("run") or None,
            episodes=episodes,
            seed=seed,
            record=args.get("record"),
            env_settings=settings,
        )
    if not args.get("run"):
        raise ConfigError(
            "give run=<run_dir> to watch an agent, or env=pong opponent=human to play pong yourself"
        )
    if "env" in args:
        raise ConfigError("env= is for opponent=human; a run plays in its own env")
    return play(
        args["run"],
        episodes if episodes is not None else 5,
        video=args.get("video"),
        render=args.get("render"),
        seed=seed,
        deterministic=parse_bool("deterministic", args.get("deterministic", "true")),
        env_settings=settings,
    )


def main(argv: list[str] | None = None) -> None:
    """The command line: one-line errors and exit code 2 for a mistake."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_help(argv):
        print(USAGE + "\n" + "\n".join(f"  {k}=  {v}" for k, v in KEYS.items()))
        return
    try:
        run_command(parse_key_values(argv, KEYS))
    except RlkitError as e:
        fail(e)


if __name__ == "__main__":
    main()
