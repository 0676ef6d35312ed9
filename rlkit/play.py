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

This module is the command line; the work is done in ``rlkit.tools``: ``watch`` (:func:`play`),
``video`` (:class:`VideoWriter`) and ``human`` (:func:`play_human`). Their public names are
re-exported here, as this module defined them all before.
"""

from __future__ import annotations

import sys
from typing import Any

from rlkit.config.cli_args import fail, parse_bool, parse_int, parse_key_values, wants_help
from rlkit.envkit.video import (
    GIF_MAX_FPS,
    GIF_MAX_SIDE,
    MAX_VIDEO_FRAMES,
    VIDEO_FORMATS,
    VideoWriter,
)
from rlkit.envs.ping_pong.rules import DOWN, STAY, UP, keys_to_action
from rlkit.errors import ConfigError, RlkitError
from rlkit.tools.human import KeySource, Recording, play_human, pygame_keys
from rlkit.tools.watch import Episode, Pace, check_episodes, play, summarize

__all__ = [
    "DOWN",
    "GIF_MAX_FPS",
    "GIF_MAX_SIDE",
    "KEYS",
    "MAX_VIDEO_FRAMES",
    "PONG_SETTINGS",
    "STAY",
    "UP",
    "USAGE",
    "VIDEO_FORMATS",
    "Episode",
    "KeySource",
    "Pace",
    "Recording",
    "VideoWriter",
    "keys_to_action",
    "main",
    "play",
    "play_human",
    "pygame_keys",
    "run_command",
    "summarize",
]

PONG_SETTINGS: dict[str, type] = {
    "mode": str,
    "obs_type": str,
    "points_to_win": int,
    "opponent_speed": float,
    "opponent_reaction": int,
    "frame_skip": int,
}
"""The pong env fields a command line may set (``rlkit.config.schema.PongEnvConfig`` checks
them)."""

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
    "overwrite": "true: replace video= if it exists (default false)",
}
USAGE = (
    "python -m rlkit.play run=<run_dir> [episodes=5] [video=out.mp4|out.gif] [render=human] "
    "[seed=0] [deterministic=true]\n"
    "python -m rlkit.play env=pong opponent=human [record=play.npz] [run=<run_dir>] "
    "[episodes=1] [mode=versus|squash] [obs_type=...]"
)


def _pong_settings(args: dict[str, str]) -> dict[str, Any]:
    """The PONG_SETTINGS among ``args``, converted to their types."""
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
        check_episodes(episodes)
    seed = parse_int("seed", args.get("seed", "0"), minimum=0)
    settings = _pong_settings(args)
    if human:
        _check_human_args(args)
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
        overwrite=parse_bool("overwrite", args.get("overwrite", "false")),
        env_settings=settings,
    )


def _check_human_args(args: dict[str, str]) -> None:
    """The keys that make no sense for a person's game, each a one-line ConfigError."""
    if args.get("env", "pong") != "pong":
        raise ConfigError(f"env={args['env']}: opponent=human plays pong; valid: pong")
    if "video" in args or "overwrite" in args:
        raise ConfigError(
            "video= is for watching a run (overwrite= with it); a person's game is not filmed"
        )
    if "deterministic" in args:
        raise ConfigError("deterministic= is for watching a run; the person's opponent is greedy")
    if args.get("render", "human") != "human":
        raise ConfigError(f"render={args['render']}: a person plays in a window (human)")


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
    from rlkit.config.cli_args import run_main

    run_main(main)
