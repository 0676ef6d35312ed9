"""The physics, the scoring and the observations of N pong games, in one batched numpy core.

:class:`PongCore` is what both env classes step (the single env with N = 1), so the two cannot
drift apart. The ``pixels`` observation is drawn here straight into numpy for all N games at once;
pygame draws only the renders (``render.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .rules import (
    BALL_GREY,
    CLASSIC_SCALE,
    MAX_SLOPE,
    MIN_SLOPE,
    PADDLE_GREY,
    PIXELS,
    WALL_GREY,
    PongRules,
    mirror_observation,
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
        """One physics frame of every game in ``live`` (``None``: all)."""
        # Events (bounces, hits, points) are rare in any one game, so each is found with one
        # cheap test over all games and handled only where it happened (np.count_nonzero is the
        # cheapest "any"). This keeps the single env (N = 1) fast as well as the batched one.
        self._move_paddles(agent_dy, opponent_dy, live)
        self._move_ball(live)
        self._bounce_off_walls()
        self._hit_agent_paddle()
        if self.versus:
            self._hit_opponent_paddle()
        else:
            self._bounce_off_left_wall()
        self._points(live)

    def _move_paddles(
        self, agent_dy: np.ndarray, opponent_dy: np.ndarray | None, live: np.ndarray | None
    ) -> None:
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

    def _move_ball(self, live: np.ndarray | None) -> None:
        np.copyto(self._x_before, self.ball_x)
        position, velocity = self.state[0:2], self.state[2:4]
        position += velocity if live is None else velocity * live

    def _bounce_off_walls(self) -> None:
        # Top and bottom walls: reflect the overshoot, so the ball keeps its speed and never
        # enters a wall.
        for wall_y, outside in ((self._ball_top, np.less), (self._ball_bottom, np.greater)):
            off = outside(self.ball_y, wall_y)
            if np.count_nonzero(off):
                np.subtract(2 * wall_y, self.ball_y, out=self.ball_y, where=off)
                np.negative(self.ball_vy, out=self.ball_vy, where=off)

    def _hit_agent_paddle(self) -> None:
        # A hit is a ball that crossed the paddle's face this frame while overlapping it
        # vertically (the speed cap is below the paddle width, so no ball tunnels through). Only
        # a moving ball can cross (strictly), so frozen games never hit.
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

    def _hit_opponent_paddle(self) -> None:
        face_x = self._left_face_x
        crossed = (self._x_before > face_x) & (self.ball_x <= face_x)
        if np.count_nonzero(crossed):
            envs = self._hitting(crossed, self.opponent_y)
            self._bounce(envs, self.opponent_y, away=1.0)
            self.ball_x[envs] = face_x

    def _bounce_off_left_wall(self) -> None:
        # Squash: the left wall reflects like the others and does not speed the ball up.
        off = self.ball_x < self.rules.wall
        if np.count_nonzero(off):
            np.subtract(2 * self.rules.wall, self.ball_x, out=self.ball_x, where=off)
            np.negative(self.ball_vx, out=self.ball_vx, where=off)

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
        background = np.zeros((PIXELS, PIXELS), np.uint8)
        wall_rows = _sprite_size(r.wall, self._sy) if r.wall else 0
        if wall_rows:
            background[:wall_rows] = background[-wall_rows:] = WALL_GREY
        if not self.versus and r.wall:
            background[:, : _sprite_size(r.wall, self._sx)] = WALL_GREY
        self._background = background
        self._paddle_px = (
            _sprite_size(r.paddle_height, self._sy),
            _sprite_size(r.paddle_width, self._sx),
        )
        self._ball_px = (_sprite_size(r.ball_size, self._sy), _sprite_size(r.ball_size, self._sx))
        self._paddle_cols = [
            self._pixel_start(x + r.paddle_width / 2, self._sx, self._paddle_px[1])
            for x in (r.paddle_x, r.opponent_x)
        ]
        self._init_sprite_placement()
        self._paddle_sprite = _sprite_offsets(*self._paddle_px)
        self._ball_sprite = _sprite_offsets(*self._ball_px)

    def _init_sprite_placement(self) -> None:
        # The state rows whose centres place the moving sprites (the agent's paddle, the
        # opponent's, the ball's row and column), with each row's scale, offset and last start:
        # one array expression turns them all into first pixels.
        r = self.rules
        paddles = [4, 5] if self.versus else [4]
        self._sprite_rows = [*paddles, 1, 0]
        heights = [self._paddle_px[0]] * len(paddles) + [self._ball_px[0]]
        sizes = [r.paddle_height] * len(paddles) + [r.ball_size, r.ball_size]
        pixels = [*heights, self._ball_px[1]]
        scales = np.array([self._sy] * (len(paddles) + 1) + [self._sx])
        self._sprite_scale = scales[:, None]
        self._sprite_shift = (np.array(sizes) / 2 * scales - np.array(pixels) / 2)[:, None]
        self._sprite_last = (PIXELS - np.array(pixels))[:, None]

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


def _sprite_size(length: float, scale: float) -> int:
    """A length of the field in pixels of the ``pixels`` frame (at least 1)."""
    return max(1, round(length * scale))


def _sprite_offsets(rows: int, cols: int) -> np.ndarray:
    """Offsets of a sprite's pixels in a flattened frame, from its top-left pixel."""
    return (np.arange(rows)[:, None] * PIXELS + np.arange(cols)[None, :]).ravel()
