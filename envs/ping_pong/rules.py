"""The game's constants and parameters, and the checks of what the envs are given.

Everything here is plain Python and numpy (no pygame), so the physics, the envs, the renderer and
``rlkit.tools.human`` share one definition of the actions, the key mapping and the field.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from gymnasium import spaces

from rlkit.errors import ConfigError, InvalidActionError

STAY, DOWN, UP = 0, 1, 2
"""Pong's actions (y grows downwards, so "down" is 1)."""
ACTION_NAMES = ("stay", "down", "up")
MODES = ("versus", "squash")
OBS_TYPES = ("vector", "classic", "pixels")
OPPONENTS = ("scripted", "human", "a callable policy(obs) -> action")
RENDER_MODES = ("human", "rgb_array")
RENDER_FPS = 60
"""Frames a second of the ``human`` window (and the envs' ``render_fps``)."""

PIXELS = 84
"""Side of the square ``pixels`` observation."""
CLASSIC_SCALE = 705.0
"""The department bot divides its three numbers by 705 (the right paddle's x)."""
# Off a paddle, |vy| / |vx| runs from MIN_SLOPE for a centre hit to MAX_SLOPE for an edge hit (the
# serve's 45° is slope 1), so aiming with the paddle's edge is a skill worth learning.
MIN_SLOPE, MAX_SLOPE = 0.5, 1.5
# Grey levels of the pixel observation: the ball stands out from the paddles, the paddles from the
# walls.
WALL_GREY, PADDLE_GREY, BALL_GREY = 96, 192, 255

Policy = Callable[[np.ndarray], Any]


def keys_to_action(up: bool, down: bool) -> int:
    """A paddle's action for the keys held: up 2, down 1, neither or both 0 (stay)."""
    if up and not down:
        return UP
    if down and not up:
        return DOWN
    return STAY


@dataclass
class PongRules:
    """The game's parameters: the keyword arguments of both env classes (checked on creation).

    Lengths are in pixels of the full-size field, speeds in pixels per frame; positions are the
    top-left corners of the ball and the paddles, as the browser game's canvas draws them.
    """

    mode: str = "versus"
    """``versus`` (an opponent on the left) or ``squash`` (a wall on the left)."""
    obs_type: str = "vector"
    """``vector`` (6 floats), ``classic`` (the department bot's 3 floats) or ``pixels`` (84x84)."""
    opponent: str | Policy = "scripted"
    """``scripted``, ``human`` (keyboard; needs ``render_mode="human"``) or a callable that maps
    the observation mirrored to the left player's view to an action (batched in the vector env)."""
    opponent_speed: float = 4.5
    """The scripted opponent's paddle speed."""
    opponent_reaction: int = 6
    """Frames by which the scripted opponent's view of the ball lags."""
    points_to_win: int = 21
    """Points that end a versus game."""
    frame_skip: int = 1
    """Game frames per env step, the action held for all of them."""
    width: int = 750
    """Field width."""
    height: int = 585
    """Field height, the walls included."""
    wall: int = 15
    """Thickness of the top and bottom walls (and of the left wall in squash)."""
    paddle_width: int = 15
    """Paddle width."""
    paddle_height: int = 75
    """Paddle height."""
    paddle_x: int = 705
    """Left edge of the agent's (right) paddle; the opponent's is mirrored at width - x - w."""
    paddle_speed: float = 6.0
    """Speed of a paddle while an action is held (the agent's, the human's and a policy's)."""
    ball_size: int = 15
    """Side of the square ball."""
    ball_speed_start: float = 2.0
    """Speed per axis at a serve."""
    ball_speedup: float = 0.5
    """Added to the speed per axis after each paddle return."""
    ball_speed_max: float = 7.0
    """Cap of the speed per axis (and of |vy| after a steep bounce)."""

    def __post_init__(self) -> None:
        """Check every value; one line naming the problem and the valid range on a mistake."""
        self._check_choices()
        self._check_numbers()
        self._check_speeds()
        self._check_geometry()

    def _check_choices(self) -> None:
        _choice("mode", self.mode, MODES)
        _choice("obs_type", self.obs_type, OBS_TYPES)
        if not callable(self.opponent):
            _choice("opponent", self.opponent, OPPONENTS[:2], extra=OPPONENTS[2])
        if self.mode == "squash" and self.opponent != "scripted":
            raise ConfigError(
                f"opponent={self.opponent!r} needs mode='versus'; squash has a wall, no opponent"
            )

    def _check_numbers(self) -> None:
        for name in ("points_to_win", "frame_skip", "width", "height", "paddle_width"):
            at_least(name, getattr(self, name), 1)
        for name in ("paddle_height", "paddle_x", "ball_size"):
            at_least(name, getattr(self, name), 1)
        for name in ("opponent_reaction", "wall"):
            at_least(name, getattr(self, name), 0)
        for name in ("opponent_speed", "paddle_speed", "ball_speedup", "ball_speed_start"):
            at_least(name, getattr(self, name), 0, whole=False)
        at_least("ball_speed_max", self.ball_speed_max, 0, whole=False)

    def _check_speeds(self) -> None:
        if self.ball_speed_max >= self.paddle_width:
            raise ConfigError(
                f"ball_speed_max={self.ball_speed_max} must be below paddle_width="
                f"{self.paddle_width}, or a fast ball could pass through a paddle"
            )
        if not 0 < self.ball_speed_start <= self.ball_speed_max:
            raise ConfigError(
                f"ball_speed_start={self.ball_speed_start} must be > 0 and <= "
                f"ball_speed_max={self.ball_speed_max}"
            )

    def _check_geometry(self) -> None:
        if self.paddle_height > self.height - 2 * self.wall:
            raise ConfigError(
                f"paddle_height={self.paddle_height} is taller than the field between the walls "
                f"({self.height - 2 * self.wall} px); valid: 1 to {self.height - 2 * self.wall}"
            )
        if self.ball_size > self.height - 2 * self.wall or self.ball_size >= self.width // 2:
            raise ConfigError(
                f"ball_size={self.ball_size} does not fit in the {self.width}x{self.height} field"
            )
        # The agent's paddle in the right half, far enough from the opponent's (mirrored) one
        # for a ball to pass between them, and a ball's width from the field's right edge.
        lowest = (self.width + self.ball_size) // 2 + 1
        highest = self.width - self.paddle_width - self.ball_size
        if not lowest <= self.paddle_x <= highest:
            raise ConfigError(
                f"paddle_x={self.paddle_x} puts the paddles outside the field or past each other; "
                f"valid: {lowest} to {highest}"
            )

    @property
    def opponent_x(self) -> int:
        """Left edge of the opponent's (left) paddle."""
        return self.width - self.paddle_x - self.paddle_width


def _choice(name: str, value: Any, choices: tuple[str, ...], extra: str | None = None) -> None:
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices) + (f" or {extra}" if extra else "")
        raise ConfigError(f"unknown {name} {value!r}; valid choices: {valid}")


def at_least(name: str, value: Any, least: float, whole: bool = True) -> None:
    """Raise a one-line ConfigError unless ``value`` is a number (``whole``: an integer) >=
    ``least``."""
    kind = "whole number" if whole else "number"
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not number or (whole and value != int(value)) or value < least:
        raise ConfigError(f"{name}={value!r} must be a {kind} >= {least}")


def make_rules(kwargs: dict[str, Any]) -> PongRules:
    """``PongRules(**kwargs)``, with an unknown keyword reported as a one-line ConfigError."""
    names = [f.name for f in fields(PongRules)]
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise ConfigError(f"unknown PingPong argument {unknown[0]!r}; valid: {', '.join(names)}")
    return PongRules(**kwargs)


def check_actions(actions: Any, num_envs: int | None) -> np.ndarray:
    """The actions as an int array, or an InvalidActionError naming the valid actions.

    ``num_envs=None``: one action of the single env; otherwise a batch of ``num_envs``.
    """
    valid = "valid actions: 0 (stay), 1 (down), 2 (up)"
    if num_envs is None:
        # operator.index takes ints, numpy integers and 0-d integer arrays, and refuses floats.
        try:
            action = operator.index(actions)
        except TypeError:
            action = -1
        if not 0 <= action <= 2:
            raise InvalidActionError(f"action {actions!r} is outside Discrete(3); {valid}")
        return np.array([action])
    array = np.asarray(actions)
    if array.shape != (num_envs,) or array.dtype.kind not in "iu":
        raise InvalidActionError(
            f"actions must be {num_envs} integers (shape ({num_envs},)), got shape {array.shape} "
            f"of {array.dtype}; {valid}"
        )
    if num_envs and (array.min() < 0 or array.max() > 2):
        raise InvalidActionError(f"actions {array.tolist()[:8]} are outside Discrete(3); {valid}")
    return array


def check_render_mode(render_mode: str | None, modes: list[str]) -> None:
    """Raise a one-line ConfigError unless ``render_mode`` is None or one of ``modes``."""
    if render_mode is not None and render_mode not in modes:
        raise ConfigError(
            f"unknown render_mode {render_mode!r}; valid choices: "
            f"{', '.join(repr(m) for m in modes)} or None"
        )


def observation_space(rules: PongRules) -> spaces.Box:
    """The Box of one game's observation for ``rules.obs_type`` (it holds every reachable one)."""
    if rules.obs_type == "vector":
        return spaces.Box(
            low=np.array([0, 0, -1, -1, 0, 0], np.float32),
            high=np.ones(6, np.float32),
            dtype=np.float32,
        )
    if rules.obs_type == "classic":
        r = rules
        high = np.array(
            [
                r.width - r.ball_size,
                r.height - r.wall - r.ball_size,
                r.height - r.wall - r.paddle_height,
            ],
            np.float32,
        )
        return spaces.Box(
            np.zeros(3, np.float32), high / np.float32(CLASSIC_SCALE), dtype=np.float32
        )
    return spaces.Box(0, 255, (PIXELS, PIXELS), dtype=np.uint8)


def mirror_observation(
    obs: np.ndarray, obs_type: str, *, width: int = 750, ball_size: int = 15
) -> np.ndarray:
    """The observation as the left player sees it: the field flipped left to right.

    Works on one observation or a batch. ``vector``: the ball's x and vx flip, the two paddles
    swap; ``pixels``: the columns flip. ``classic`` holds no opponent paddle, so it cannot be
    mirrored (the env computes the left player's classic view from its state instead).
    ``width`` and ``ball_size`` are the field's, for a vector observation of a non-default field.
    """
    obs = np.asarray(obs)
    if obs_type == "vector":
        out = np.array(obs, dtype=np.float32, copy=True)
        out[..., 0] = np.float32((width - ball_size) / width) - out[..., 0]
        out[..., 2] = -out[..., 2]
        out[..., 4], out[..., 5] = obs[..., 5], obs[..., 4]
        return out
    if obs_type == "pixels":
        return np.ascontiguousarray(obs[..., ::-1])
    if obs_type == "classic":
        raise ConfigError(
            "classic observations hold no opponent paddle and cannot be mirrored; "
            "valid obs_type: 'vector' or 'pixels'"
        )
    raise ConfigError(
        f"unknown obs_type {obs_type!r}; valid choices: 'vector', 'classic', 'pixels'"
    )
