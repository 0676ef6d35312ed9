"""Ping pong (the course department's browser pong): one batched numpy core, a single env and a
vector env on top of it.

The physics of N games lives in :class:`PongCore`, whose state is one ``(6, N)`` array (ball
position and velocity, both paddles) and the scores.
:class:`PingPongEnv` runs it with N = 1 and :class:`PingPongVectorEnv` with N = ``num_envs``, so the
two cannot drift apart: the tests check that they give the same trajectories for the same seeds.
pygame only draws the ``human`` and ``rgb_array`` renders and is imported when they are first
used; the ``pixels`` observation is drawn straight into numpy for all N games at once.

The default scripted opponent (``opponent_speed=4.5`` px a frame, ``opponent_reaction=6``
frames) moves its paddle's centre toward the ball's centre as it was 6 frames (0.1 s) ago, at
three quarters of the agent's paddle speed. Measured against an agent that tracks the ball and
hits it at random points of its paddle, it returns every ball up to 3.5 px a frame per axis (the
serve is 2), 96% at 4, 81% at 4.5, 45% at 6 and 29% at 7: steep fast balls outrun it, because
the lag makes it turn late after a wall bounce. So it is decent but beatable (an agent that
keeps the rally going wins once the ball is fast), and a random agent loses nearly every point
(``tests/test_ping_pong.py`` checks that it wins over 95% of the points against random actions
and misses no ball slower than 3).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from rlkit.errors import ConfigError, InvalidActionError

STAY, DOWN, UP = 0, 1, 2
ACTION_NAMES = ("stay", "down", "up")
MODES = ("versus", "squash")
OBS_TYPES = ("vector", "classic", "pixels")
OPPONENTS = ("scripted", "human", "a callable policy(obs) -> action")
RENDER_MODES = ("human", "rgb_array")

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
        _choice("mode", self.mode, MODES)
        _choice("obs_type", self.obs_type, OBS_TYPES)
        if not callable(self.opponent):
            _choice("opponent", self.opponent, OPPONENTS[:2], extra=OPPONENTS[2])
        if self.mode == "squash" and self.opponent != "scripted":
            raise ConfigError(
                f"opponent={self.opponent!r} needs mode='versus'; squash has a wall, no opponent"
            )
        for name in ("points_to_win", "frame_skip", "width", "height", "paddle_width"):
            _at_least(name, getattr(self, name), 1)
        for name in ("paddle_height", "paddle_x", "ball_size"):
            _at_least(name, getattr(self, name), 1)
        for name in ("opponent_reaction", "wall"):
            _at_least(name, getattr(self, name), 0)
        for name in ("opponent_speed", "paddle_speed", "ball_speedup", "ball_speed_start"):
            _at_least(name, getattr(self, name), 0, whole=False)
        _at_least("ball_speed_max", self.ball_speed_max, 0, whole=False)
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


def _at_least(name: str, value: Any, least: float, whole: bool = True) -> None:
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


class PongCore:
    """The physics and the observations of N games, as numpy arrays with one entry per game.

    One physics frame (:meth:`_frame`): the paddles move, the ball moves, bounces off the top and
    bottom walls and off any paddle it crosses, and a ball past the agent's (right) or the
    opponent's (left) edge of the field is a point. :meth:`step` runs ``frame_skip`` frames.
    Both env classes own one core; each game draws its serves from its own generator in
    ``rngs``, so game ``i`` does not depend on how many others run beside it.
    """

    def __init__(self, num_envs: int, rules: PongRules) -> None:
        """Allocate the state of ``num_envs`` games (call :meth:`reset` before stepping)."""
        self.rules = r = rules
        self.num_envs = n = num_envs
        self.versus = r.mode == "versus"
        # One (6, N) array, so that the vector observation is a single scaled transpose; the
        # names below are views of its rows and are only ever written in place.
        self.state = np.zeros((6, n))
        """Rows: ball x, ball y, ball vx, ball vy, the agent's paddle y, the opponent's."""
        self.ball_x, self.ball_y, self.ball_vx, self.ball_vy = self.state[:4]
        self.paddle_y = self.state[4]
        """The agent's (right) paddle."""
        self.opponent_y = self.state[5]
        """The opponent's (left) paddle (kept at 0 in squash)."""
        self.score = np.zeros((n, 2), np.int64)
        """Points of [agent, opponent]; in squash [returns, misses]."""
        self.returns = np.zeros(n, np.int64)
        """The agent's returns this episode."""
        self.rewards = np.zeros(n)
        self.terminated = np.zeros(n, np.bool_)
        self.rngs: list[np.random.Generator] = [np.random.default_rng() for _ in range(n)]
        # Ring buffer over the last opponent_reaction + 1 frames of the paddle y that would centre
        # the opponent's paddle on the ball: the scripted opponent heads for the oldest entry.
        self._seen = np.zeros((r.opponent_reaction + 1, n))
        self._seen_at = 0
        self._seen_shift = (r.ball_size - r.paddle_height) / 2
        self._x_before = np.zeros(n)
        # The paddles that move (both in versus, the agent's in squash) and their moves a frame.
        self._paddles = self.state[4:6] if self.versus else self.state[4:5]
        self._paddle_moves = np.zeros_like(self._paddles)
        # Paddle displacement per action: 0 stay, 1 down (y grows), 2 up.
        self._moves = np.array([0.0, r.paddle_speed, -r.paddle_speed])
        self._paddle_top, self._paddle_bottom = r.wall, r.height - r.wall - r.paddle_height
        self._ball_top, self._ball_bottom = r.wall, r.height - r.wall - r.ball_size
        self._ball_right = r.width - r.ball_size
        # A ball reaching these x has crossed the face of the agent's / the opponent's paddle.
        self._right_face_x = r.paddle_x - r.ball_size
        self._left_face_x = r.opponent_x + r.paddle_width
        self._vector_scale = np.array(
            [1 / r.width, 1 / r.height, 1 / r.ball_speed_max, 1 / r.ball_speed_max]
            + [1 / r.height] * 2
        )
        self._init_pixels()

    # --- episodes and serves ------------------------------------------------------------------

    def reset(self, envs: np.ndarray) -> None:
        """Start new games in ``envs`` (indices): 0-0, paddles centred, a serve."""
        r = self.rules
        self.score[envs] = 0
        self.returns[envs] = 0
        self.paddle_y[envs] = (r.height - r.paddle_height) / 2
        self.opponent_y[envs] = self.paddle_y[envs] if self.versus else 0.0
        self._serve(envs)
        self._seen[:, envs] = self.ball_y[envs] + self._seen_shift

    def _serve(self, envs: np.ndarray) -> None:
        # Serves are rare (one a point), so a Python loop over the serving games costs nothing
        # and keeps each game's random stream its own.
        r = self.rules
        for i in envs:
            sign_x, sign_y = self.rngs[i].integers(0, 2, size=2) * 2 - 1
            self.ball_x[i] = (r.width - r.ball_size) / 2
            self.ball_y[i] = (r.height - r.ball_size) / 2
            self.ball_vx[i] = sign_x * r.ball_speed_start
            self.ball_vy[i] = sign_y * r.ball_speed_start

    # --- physics ------------------------------------------------------------------------------

    def step(
        self,
        actions: np.ndarray,
        opponent_actions: np.ndarray | None = None,
        live: np.ndarray | None = None,
    ) -> None:
        """Run ``frame_skip`` frames; the results are in ``rewards`` and ``terminated``.

        Args:
            actions: the agent's action per game (validated by the caller).
            opponent_actions: the left paddle's actions (a human or a policy), held like the
                agent's; ``None`` for the scripted opponent, which decides every frame.
            live: games to advance (``None``: all). The others do not change at all, so a game
                being auto-reset or already over neither moves nor draws serves.
        """
        self.rewards.fill(0.0)
        self.terminated.fill(False)
        agent_dy = self._moves[actions]
        opponent_dy = None if opponent_actions is None else self._moves[opponent_actions]
        for frame in range(self.rules.frame_skip):
            # A game that ended in an earlier frame of this step freezes, so that its final
            # observation is the one at the end.
            if frame > 0 and np.count_nonzero(self.terminated):
                live = ~self.terminated if live is None else live & ~self.terminated
            self._frame(agent_dy, opponent_dy, live)

    def _frame(
        self, agent_dy: np.ndarray, opponent_dy: np.ndarray | None, live: np.ndarray | None
    ) -> None:
        # Events (bounces, hits, points) are rare in any one game, so each is found with one
        # cheap test over all games and handled only where it happened (np.count_nonzero is the
        # cheapest "any"). This keeps the single env (N = 1) fast as well as the batched one.
        moves = self._paddle_moves
        moves[0] = agent_dy
        if self.versus:
            moves[1] = self._scripted_opponent() if opponent_dy is None else opponent_dy
        if live is not None:
            moves *= live
        paddles = self._paddles
        paddles += moves
        np.maximum(paddles, self._paddle_top, out=paddles)
        np.minimum(paddles, self._paddle_bottom, out=paddles)

        np.copyto(self._x_before, self.ball_x)
        position, velocity = self.state[0:2], self.state[2:4]
        position += velocity if live is None else velocity * live

        # Top and bottom walls: reflect the overshoot, so the ball keeps its speed and never
        # enters a wall.
        for wall_y, outside in ((self._ball_top, np.less), (self._ball_bottom, np.greater)):
            off = outside(self.ball_y, wall_y)
            if np.count_nonzero(off):
                np.subtract(2 * wall_y, self.ball_y, out=self.ball_y, where=off)
                np.negative(self.ball_vy, out=self.ball_vy, where=off)

        # The agent's paddle: a hit is a ball that crossed the paddle's face this frame while
        # overlapping it vertically (the speed cap is below the paddle width, so no ball tunnels
        # through). Only a moving ball can cross (strictly), so frozen games never hit.
        face_x = self._right_face_x
        crossed = (self._x_before < face_x) & (self.ball_x >= face_x)
        if np.count_nonzero(crossed):
            envs = self._hitting(crossed, self.paddle_y)
            self._bounce(envs, self.paddle_y, away=-1.0)
            self.ball_x[envs] = face_x
            self.returns[envs] += 1
            if not self.versus:
                self.rewards[envs] += 1.0
                self.score[envs, 0] += 1
        if self.versus:
            face_x = self._left_face_x
            crossed = (self._x_before > face_x) & (self.ball_x <= face_x)
            if np.count_nonzero(crossed):
                envs = self._hitting(crossed, self.opponent_y)
                self._bounce(envs, self.opponent_y, away=1.0)
                self.ball_x[envs] = face_x
        else:
            # Squash: the left wall reflects like the others and does not speed the ball up.
            off = self.ball_x < self.rules.wall
            if np.count_nonzero(off):
                np.subtract(2 * self.rules.wall, self.ball_x, out=self.ball_x, where=off)
                np.negative(self.ball_vx, out=self.ball_vx, where=off)

        self._points(live)

    def _hitting(self, crossed: np.ndarray, paddle_y: np.ndarray) -> np.ndarray:
        """The games among ``crossed`` whose ball overlaps the paddle vertically."""
        envs = np.flatnonzero(crossed)
        ball_y, paddle_y = self.ball_y[envs], paddle_y[envs]
        overlap = (ball_y + self.rules.ball_size > paddle_y) & (
            ball_y < paddle_y + self.rules.paddle_height
        )
        return envs[overlap]

    def _bounce(self, envs: np.ndarray, paddle_y: np.ndarray, away: float) -> None:
        """Send the ball back faster; the farther from the paddle's centre, the steeper."""
        r = self.rules
        speed = np.minimum(np.abs(self.ball_vx[envs]) + r.ball_speedup, r.ball_speed_max)
        # -1 at the paddle's top edge (ball just touching it), +1 at the bottom edge.
        offset = (self.ball_y[envs] + r.ball_size / 2 - paddle_y[envs] - r.paddle_height / 2) / (
            (r.paddle_height + r.ball_size) / 2
        )
        slope = MIN_SLOPE + (MAX_SLOPE - MIN_SLOPE) * np.abs(offset)
        # The half of the paddle that was hit sets the vertical direction (a dead-centre hit
        # keeps it), as in the arcade game.
        direction = np.where(offset == 0, np.sign(self.ball_vy[envs]), np.sign(offset))
        self.ball_vx[envs] = away * speed
        self.ball_vy[envs] = direction * np.minimum(speed * slope, r.ball_speed_max)

    def _scripted_opponent(self) -> np.ndarray:
        """The scripted paddle's move: toward where it saw the ball opponent_reaction frames ago."""
        np.add(self.ball_y, self._seen_shift, out=self._seen[self._seen_at])
        self._seen_at = (self._seen_at + 1) % len(self._seen)
        move = self._seen[self._seen_at] - self.opponent_y  # the oldest entry
        speed = self.rules.opponent_speed
        return np.minimum(np.maximum(move, -speed, out=move), speed, out=move)

    def _points(self, live: np.ndarray | None) -> None:
        missed = self.ball_x >= self._ball_right  # past the agent: its miss
        won = self.ball_x <= 0  # past the opponent (never in squash: the wall reflects)
        if not (np.count_nonzero(missed) or np.count_nonzero(won)):
            return
        if live is not None:
            missed &= live
            won &= live
        self.score[:, 0] += won
        self.score[:, 1] += missed
        # The ball of a point stays where it left the field, clamped into it (it is the last
        # observation of a game that ends); the others serve again at once.
        np.maximum(self.ball_x, 0, out=self.ball_x)
        np.minimum(self.ball_x, self._ball_right, out=self.ball_x)
        if not self.versus:
            self.terminated |= missed
            return
        self.rewards += won
        self.rewards -= missed
        point = missed | won
        over = point & (self.score.max(axis=1) >= self.rules.points_to_win)
        self.terminated |= over
        self._serve(np.flatnonzero(point & ~over))

    # --- observations -------------------------------------------------------------------------

    def observe(self, envs: np.ndarray | None = None, left: bool = False) -> np.ndarray:
        """A fresh array of the observations of ``envs`` (``None``: all), the agent's view or,
        with ``left``, the opponent's (mirrored) view."""
        r = self.rules
        sel = slice(None) if envs is None else envs
        if r.obs_type == "classic":
            x = self._ball_right - self.ball_x[sel] if left else self.ball_x[sel]
            paddle = (self.opponent_y if left else self.paddle_y)[sel]
            obs = np.stack([x, self.ball_y[sel], paddle], axis=1) / CLASSIC_SCALE
            return obs.astype(np.float32)
        if r.obs_type == "vector":
            state = self.state if envs is None else self.state[:, envs]
            obs = np.multiply(state.T, self._vector_scale, dtype=np.float32, order="C")
        else:
            obs = self._draw(envs)
        if left:
            return mirror_observation(obs, r.obs_type, width=r.width, ball_size=r.ball_size)
        return obs

    def _init_pixels(self) -> None:
        # Every object is a sprite of fixed size in pixels (its true size scaled, at least 1 px);
        # its position is the rounded scaled centre. Rounding half to even is symmetric, so the
        # left paddle's frame is the exact mirror image of the right's.
        r = self.rules
        self._sx, self._sy = PIXELS / r.width, PIXELS / r.height

        def size(length: float, scale: float) -> int:
            return max(1, round(length * scale))

        background = np.zeros((PIXELS, PIXELS), np.uint8)
        wall_rows = size(r.wall, self._sy) if r.wall else 0
        if wall_rows:
            background[:wall_rows] = background[-wall_rows:] = WALL_GREY
        if not self.versus and r.wall:
            background[:, : size(r.wall, self._sx)] = WALL_GREY
        self._background = background
        self._paddle_px = (size(r.paddle_height, self._sy), size(r.paddle_width, self._sx))
        self._ball_px = (size(r.ball_size, self._sy), size(r.ball_size, self._sx))
        self._paddle_cols = [
            self._pixel_start(x + r.paddle_width / 2, self._sx, self._paddle_px[1])
            for x in (r.paddle_x, r.opponent_x)
        ]
        # The state rows whose centres place the moving sprites (the agent's paddle, the
        # opponent's, the ball's row and column), with each row's scale, offset and last start:
        # one array expression turns them all into first pixels.
        paddles = [4, 5] if self.versus else [4]
        self._sprite_rows = [*paddles, 1, 0]
        heights = [self._paddle_px[0]] * len(paddles) + [self._ball_px[0]]
        sizes = [r.paddle_height] * len(paddles) + [r.ball_size, r.ball_size]
        pixels = [*heights, self._ball_px[1]]
        scales = np.array([self._sy] * (len(paddles) + 1) + [self._sx])
        self._sprite_scale = scales[:, None]
        self._sprite_shift = (np.array(sizes) / 2 * scales - np.array(pixels) / 2)[:, None]
        self._sprite_last = (PIXELS - np.array(pixels))[:, None]

        def sprite(rows: int, cols: int) -> np.ndarray:
            # Offsets of a sprite's pixels in a flattened frame, from its top-left pixel.
            return (np.arange(rows)[:, None] * PIXELS + np.arange(cols)[None, :]).ravel()

        self._paddle_sprite = sprite(*self._paddle_px)
        self._ball_sprite = sprite(*self._ball_px)

    @staticmethod
    def _pixel_start(centre: float, scale: float, size: int) -> int:
        return int(min(max(np.rint(centre * scale - size / 2), 0), PIXELS - size))

    def _draw(self, envs: np.ndarray | None) -> np.ndarray:
        """84x84 frames of ``envs`` (``None``: all), all drawn at once with flat-index writes."""
        state = self.state[self._sprite_rows]
        if envs is not None:
            state = state[:, envs]
        n = state.shape[1]
        frames = np.empty((n, PIXELS, PIXELS), np.uint8)
        frames[:] = self._background
        flat = frames.reshape(-1)
        # First row (or column) of each sprite: its scaled centre minus half its size, rounded
        # half to even, which is symmetric, so the left player's frame is the exact mirror image.
        starts = state * self._sprite_scale
        starts += self._sprite_shift
        np.rint(starts, out=starts)
        np.maximum(starts, 0, out=starts)
        np.minimum(starts, self._sprite_last, out=starts)
        starts = starts.astype(np.int64)
        # Rows to offsets in the flat array of frames (the last line is the ball's column).
        starts[:-1] *= PIXELS
        starts[:-1] += np.arange(n) * (PIXELS * PIXELS)
        for paddle, col in zip(starts[:-2], self._paddle_cols, strict=False):
            flat[(paddle + col)[:, None] + self._paddle_sprite] = PADDLE_GREY
        flat[(starts[-2] + starts[-1])[:, None] + self._ball_sprite] = BALL_GREY
        return frames

    def get_state(self) -> dict[str, Any]:
        """Everything the next step reads, as arrays, numbers and generators (for a checkpoint)."""
        return {
            "state": self.state.copy(),
            "score": self.score.copy(),
            "returns": self.returns.copy(),
            "rewards": self.rewards.copy(),
            "terminated": self.terminated.copy(),
            "seen": self._seen.copy(),
            "seen_at": self._seen_at,
            "x_before": self._x_before.copy(),
            "paddle_moves": self._paddle_moves.copy(),
            "rngs": list(self.rngs),
        }

    def set_state(self, saved: dict[str, Any]) -> None:
        """Restore :meth:`get_state`'s result (from games with the same rules and count)."""
        if saved["state"].shape != self.state.shape or len(saved["rngs"]) != self.num_envs:
            raise ValueError(
                f"a state of {saved['state'].shape[1]} games does not fit {self.num_envs}"
            )
        # In place: ball_x, paddle_y, ... are views into these arrays.
        for name, array in (
            ("state", self.state),
            ("score", self.score),
            ("returns", self.returns),
            ("rewards", self.rewards),
            ("terminated", self.terminated),
            ("seen", self._seen),
            ("x_before", self._x_before),
            ("paddle_moves", self._paddle_moves),
        ):
            np.copyto(array, saved[name])
        self._seen_at = int(saved["seen_at"])
        self.rngs = list(saved["rngs"])

    def info(self, i: int) -> dict[str, Any]:
        """Game ``i``'s info dict, as :class:`PingPongEnv` returns it."""
        return {"score": self.score[i].copy(), "returns": int(self.returns[i])}


def _check_actions(actions: Any, num_envs: int | None) -> np.ndarray:
    """The actions as an int array, or an InvalidActionError naming the valid actions."""
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


def _autoreset_mode(value: Any) -> AutoresetMode:
    """NEXT_STEP or SAME_STEP, given as the enum, its value ("SameStep") or name ("same_step")."""
    modes = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
    for mode in modes:
        names = (mode.value.lower(), mode.name.lower().replace("_", ""))
        if value is mode or (isinstance(value, str) and value.lower().replace("_", "") in names):
            return mode
    raise ConfigError(
        f"unknown autoreset_mode {value!r}; valid choices: "
        + ", ".join(f"AutoresetMode.{m.name} (or {m.value!r})" for m in modes)
    )


def _check_render_mode(render_mode: str | None, modes: list[str]) -> None:
    if render_mode is not None and render_mode not in modes:
        raise ConfigError(
            f"unknown render_mode {render_mode!r}; valid choices: "
            f"{', '.join(repr(m) for m in modes)} or None"
        )


class PingPongEnv(gym.Env):
    """Pong against a scripted opponent (``versus``) or alone against a wall (``squash``).

    ## Description
    The course department's browser pong: a 750x585 field with walls at the top and the bottom,
    the agent's paddle on the right (x = 705), a 15x15 ball. The ball is served from the centre
    at 45° in a random direction, at 2 px a frame per axis; every paddle return adds
    ``ball_speedup`` (0.5) per axis, up to 7. Off a paddle, the ball leaves at a slope from 0.5
    (a centre hit) to 1.5 (an edge hit), toward the half of the paddle it hit, so aiming is a
    skill. The physics is :class:`PongCore` with one game; :class:`PingPongVectorEnv` runs N.

    ## Action Space
    ``Discrete(3)``: 0 stay, 1 down (y grows), 2 up; the paddle moves 6 px a frame while held.

    ## Observation Space
    ``obs_type="vector"`` (default): ``Box(6,)`` float32: ball x / width, ball y / height,
    ball vx, vy / ``ball_speed_max``, the agent's paddle y / height, the opponent's paddle
    y / height (0 in squash); all top-left corners, so the game is Markov.
    ``"classic"``: ``Box(3,)`` float32: [ball x, ball y, paddle y] / 705, the department bot's
    view. ``"pixels"``: ``Box(84, 84)`` uint8 grayscale (walls 96, paddles 192, ball 255).

    ## Rewards
    Versus: +1 a point won, -1 a point lost. Squash: +1 a return.

    ## Starting State
    0-0, both paddles centred, a serve from the centre in one of four diagonal directions drawn
    from ``np_random``. Versus serves again from the centre after every point.

    ## Episode End
    Versus: terminated when a side reaches ``points_to_win`` (21). Squash: terminated at the
    first miss. ``rlkit/PingPong-v0`` truncates at ``max_episode_steps=50_000`` env steps (14
    minutes of play at 60 frames a second, ``frame_skip=1``): a random agent's 21-point game
    lasts about 7,000 frames, a ball-tracking agent's about 36,000 (it wins its points only once
    the rally is fast), so only a stalemate (a squash player that never misses) is cut short.

    ## Arguments
    ``render_mode``: ``"human"`` (a window at 60 fps) or ``"rgb_array"`` (585x750x3), and every
    field of :class:`PongRules` as a keyword: ``mode``, ``obs_type``, ``opponent``
    (``"scripted"``, ``"human"`` or a callable given the mirrored observation),
    ``opponent_speed``, ``opponent_reaction``, ``points_to_win``, ``frame_skip`` and the field's
    geometry and speeds. ``info`` is ``{"score": np.array([agent, opponent]), "returns": int}``
    (in squash, score is [returns, misses]).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": list(RENDER_MODES), "render_fps": 60}

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        """Create the env.

        Args:
            render_mode: ``None``, ``"human"`` or ``"rgb_array"``.
            **kwargs: the fields of :class:`PongRules` (``mode``, ``obs_type``, ``opponent``, ...).
        """
        _check_render_mode(render_mode, self.metadata["render_modes"])
        self.rules = make_rules(kwargs)
        if self.rules.opponent == "human" and render_mode != "human":
            raise ConfigError(
                "opponent='human' reads the keyboard of the game's window; it needs "
                f"render_mode='human', not {render_mode!r}"
            )
        self.render_mode = render_mode
        self.core = PongCore(1, self.rules)
        self.observation_space = observation_space(self.rules)
        self.action_space = spaces.Discrete(3)
        self._renderer: _Renderer | None = None
        self._ready = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new game (0-0, paddles centred, a serve drawn from ``np_random``)."""
        super().reset(seed=seed)
        self.core.rngs[0] = self.np_random
        self.core.reset(np.zeros(1, np.int64))
        self._ready = True
        if self.render_mode == "human":
            self.render()
        return self.core.observe()[0], self.core.info(0)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Run ``frame_skip`` frames with ``action`` held; see the class docstring."""
        actions = _check_actions(action, None)
        if not self._ready:
            raise gym.error.ResetNeeded("call reset() before step()")
        self.core.step(actions, self._opponent_actions())
        if self.render_mode == "human":
            self.render()
        terminated = bool(self.core.terminated[0])
        return (
            self.core.observe()[0],
            float(self.core.rewards[0]),
            terminated,
            False,
            self.core.info(0),
        )

    def _opponent_actions(self) -> np.ndarray | None:
        opponent = self.rules.opponent
        if opponent == "scripted":
            return None
        if opponent == "human":
            return np.array([self._renderer_or_new().keyboard_action()])
        return _check_actions(opponent(self.core.observe(left=True)[0]), None)

    def render(self) -> np.ndarray | None:
        """Draw the full-size field with the score: a window (``human``) or an RGB array."""
        if self.render_mode is None:
            gym.logger.warn("render() without a render_mode: pass render_mode='rgb_array'")
            return None
        return self._renderer_or_new().draw(self.core, 0)

    def _renderer_or_new(self) -> _Renderer:
        if self._renderer is None:
            self._renderer = _Renderer(self.rules, self.render_mode or "rgb_array")
        return self._renderer

    def close(self) -> None:
        """Close the window, if any."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


class PingPongVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` games of :class:`PingPongEnv` stepped together in one numpy call.

    The same keyword arguments as :class:`PingPongEnv`, plus ``autoreset_mode``
    (``NEXT_STEP``, Gymnasium's default, or ``SAME_STEP``) and ``max_episode_steps`` (the time
    limit, counted in env steps per game as Gymnasium's ``TimeLimit`` does; ``gymnasium.make_vec``
    passes the registered one). Observations, rewards, flags and infos are those of Gymnasium's
    ``SyncVectorEnv`` over single envs seeded ``seed + i`` (``SAME_STEP``: with ``"final_obs"``,
    ``"final_info"`` and their masks), which the tests check. A callable ``opponent`` is called
    once a step with the batch of mirrored observations and returns ``num_envs`` actions.
    ``render()`` draws game 0. ``opponent="human"`` is for the single env only.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 60}

    def __init__(
        self,
        num_envs: int = 1,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Create ``num_envs`` games (all with the same rules; seed them with :meth:`reset`)."""
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
            raise ConfigError(f"num_envs={num_envs!r} must be a whole number >= 1")
        _at_least("num_envs", num_envs, 1)
        autoreset_mode = _autoreset_mode(autoreset_mode)
        if max_episode_steps is not None:
            _at_least("max_episode_steps", max_episode_steps, 1)
        _check_render_mode(render_mode, self.metadata["render_modes"])
        self.rules = make_rules(kwargs)
        if self.rules.opponent == "human":
            raise ConfigError(
                "opponent='human' needs a window: use the single env "
                "(gymnasium.make(..., render_mode='human')), not the vector env"
            )
        self.num_envs = int(num_envs)
        self.autoreset_mode = autoreset_mode
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "autoreset_mode": autoreset_mode}
        self.core = PongCore(self.num_envs, self.rules)
        self.single_observation_space = observation_space(self.rules)
        self.single_action_space = spaces.Discrete(3)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._elapsed = np.zeros(self.num_envs, np.int64)
        self._autoreset = np.zeros(self.num_envs, np.bool_)
        self._all = np.arange(self.num_envs)
        self._ready = False
        self._renderer: _Renderer | None = None

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start new games; an int ``seed`` seeds game ``i`` with ``seed + i``, as Gymnasium does.

        ``options={"reset_mask": mask}`` resets only the games where ``mask`` is true.
        """
        if seed is None or isinstance(seed, (int, np.integer)):
            seeds = [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ConfigError(f"reset got {len(seeds)} seeds for {self.num_envs} envs")
        envs = self._all
        if options is not None and "reset_mask" in options:
            envs = np.flatnonzero(np.asarray(options["reset_mask"], np.bool_))
        for i in envs:
            # As Env.reset does: a seed makes a new generator, no seed keeps the game's own.
            if seeds[i] is not None or not self._ready:
                self.core.rngs[i], _ = seeding.np_random(seeds[i])
        self.core.reset(envs)
        self._elapsed[envs] = 0
        self._autoreset[envs] = False
        self._ready = True
        return self.core.observe(), self._infos()

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every game once (``frame_skip`` frames); games that ended are reset per
        ``autoreset_mode``."""
        actions = _check_actions(actions, self.num_envs)
        if not self._ready:
            raise gym.error.ResetNeeded("call reset() before step()")
        core = self.core
        live = None
        restarting = self._autoreset
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and restarting.any():
            # NEXT_STEP: a game that ended last step restarts now and does not move this step.
            envs = np.flatnonzero(restarting)
            core.reset(envs)
            self._elapsed[envs] = 0
            live = ~restarting
        core.step(actions, self._opponent_actions(), live)
        self._elapsed += 1 if live is None else live
        terminated = core.terminated.copy()
        truncated = np.zeros(self.num_envs, np.bool_)
        if self.max_episode_steps is not None:
            truncated = self._elapsed >= self.max_episode_steps
        if live is not None:
            truncated &= live
        rewards = core.rewards.copy()
        obs = core.observe()
        infos = self._infos()
        ended = terminated | truncated
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._autoreset = ended
        elif ended.any():
            # SAME_STEP, in the layout of Gymnasium's SyncVectorEnv: the last observation and
            # info of the ended games, then their new games' in obs and infos.
            envs = np.flatnonzero(ended)
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in envs:
                final_obs[i] = obs[i].copy()
            infos["final_obs"], infos["_final_obs"] = final_obs, ended.copy()
            final_info = self._infos(ended)
            infos["final_info"], infos["_final_info"] = final_info, ended.copy()
            core.reset(envs)
            self._elapsed[envs] = 0
            obs[envs] = core.observe(envs)
            infos["score"][envs] = 0
            infos["returns"][envs] = 0
        return obs, rewards, terminated, truncated, infos

    def _opponent_actions(self) -> np.ndarray | None:
        opponent = self.rules.opponent
        if not callable(opponent):
            return None
        return _check_actions(opponent(self.core.observe(left=True)), self.num_envs)

    def _infos(self, mask: np.ndarray | None = None) -> dict[str, Any]:
        """Infos in Gymnasium's vector layout: each key batched, with a ``_key`` mask."""
        mask = np.ones(self.num_envs, np.bool_) if mask is None else mask.copy()
        score = np.where(mask[:, None], self.core.score, 0)
        returns = np.where(mask, self.core.returns, 0)
        return {"score": score, "_score": mask, "returns": returns, "_returns": mask.copy()}

    def render(self) -> np.ndarray | None:
        """Game 0's field as a (height, width, 3) RGB array (``render_mode="rgb_array"``)."""
        if self.render_mode is None:
            gym.logger.warn("render() without a render_mode: pass render_mode='rgb_array'")
            return None
        if self._renderer is None:
            self._renderer = _Renderer(self.rules, "rgb_array")
        return self._renderer.draw(self.core, 0)

    def get_state(self) -> dict[str, Any]:
        """The state of every game and of the time limits, for an exact resume (rlkit's
        checkpoints store it through ``rlkit.envkit.state``)."""
        return {
            "core": self.core.get_state(),
            "elapsed": self._elapsed.copy(),
            "autoreset": self._autoreset.copy(),
            "ready": self._ready,
        }

    def set_state(self, saved: dict[str, Any]) -> None:
        """Restore :meth:`get_state`'s result into games made with the same arguments."""
        self.core.set_state(saved["core"])
        np.copyto(self._elapsed, saved["elapsed"])
        np.copyto(self._autoreset, saved["autoreset"])
        self._ready = bool(saved["ready"])

    def close_extras(self, **kwargs: Any) -> None:
        """Nothing to release but the renderer."""
        self._renderer = None


class _Renderer:
    """pygame drawing of one game at full size with the score (imported only when rendering)."""

    def __init__(self, rules: PongRules, mode: str) -> None:
        import pygame

        self.pygame = pygame
        self.rules = rules
        self.mode = mode
        pygame.font.init()
        self.font = pygame.font.Font(None, 64)
        size = (rules.width, rules.height)
        if mode == "human":
            pygame.display.init()
            pygame.display.set_caption("rlkit ping pong")
            self.window = pygame.display.set_mode(size)
            self.clock = pygame.time.Clock()
        self.surface = pygame.Surface(size)

    def draw(self, core: PongCore, i: int) -> np.ndarray | None:
        """Draw game ``i``; show it (human, at 60 fps) or return it as an RGB array."""
        pygame, r = self.pygame, self.rules
        white, grey = (255, 255, 255), (150, 150, 150)
        surface = self.surface
        surface.fill((0, 0, 0))
        pygame.draw.rect(surface, grey, (0, 0, r.width, r.wall))
        pygame.draw.rect(surface, grey, (0, r.height - r.wall, r.width, r.wall))
        if core.versus:
            for y in range(r.wall, r.height - r.wall, 30):  # the net
                pygame.draw.rect(surface, (70, 70, 70), (r.width // 2 - 2, y + 5, 4, 15))
            text = f"{core.score[i, 1]}      {core.score[i, 0]}"
            pygame.draw.rect(
                surface, white, (r.opponent_x, core.opponent_y[i], r.paddle_width, r.paddle_height)
            )
        else:
            text = f"returns {core.returns[i]}"
            pygame.draw.rect(surface, grey, (0, 0, r.wall, r.height))
        pygame.draw.rect(
            surface, white, (r.paddle_x, core.paddle_y[i], r.paddle_width, r.paddle_height)
        )
        pygame.draw.rect(surface, white, (core.ball_x[i], core.ball_y[i], r.ball_size, r.ball_size))
        label = self.font.render(text, True, white)
        surface.blit(label, label.get_rect(midtop=(r.width // 2, r.wall + 10)))
        if self.mode == "rgb_array":
            return np.transpose(pygame.surfarray.array3d(surface), (1, 0, 2))
        self.window.blit(surface, (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self.clock.tick(PingPongEnv.metadata["render_fps"])
        return None

    def keyboard_action(self) -> int:
        """The left paddle's action from the keys held: W or up arrow, S or down arrow."""
        pygame = self.pygame
        pygame.event.pump()
        keys = pygame.key.get_pressed()
        if keys[pygame.K_w] or keys[pygame.K_UP]:
            return UP
        if keys[pygame.K_s] or keys[pygame.K_DOWN]:
            return DOWN
        return STAY

    def close(self) -> None:
        """Close the window."""
        if self.mode == "human":
            self.pygame.display.quit()
