"""``PingPongEnv``: one game of :class:`~rlkit.envs.ping_pong.core.PongCore` as a Gymnasium env."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlkit.errors import ConfigError

from .core import PongCore
from .render import Renderer
from .rules import (
    RENDER_FPS,
    RENDER_MODES,
    check_actions,
    check_render_mode,
    make_rules,
    observation_space,
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

    # Not a ClassVar: Gymnasium declares metadata an instance attribute, and mypy refuses a
    # ClassVar over it.
    metadata: dict[str, Any] = {  # noqa: RUF012
        "render_modes": list(RENDER_MODES),
        "render_fps": RENDER_FPS,
    }

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        """Create the env.

        Args:
            render_mode: ``None``, ``"human"`` or ``"rgb_array"``.
            **kwargs: the fields of :class:`PongRules` (``mode``, ``obs_type``, ``opponent``, ...).
        """
        check_render_mode(render_mode, self.metadata["render_modes"])
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
        self._renderer: Renderer | None = None
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
        actions = check_actions(action, None)
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
        assert callable(opponent)  # scripted and human are the two named ones
        return check_actions(opponent(self.core.observe(left=True)[0]), None)

    def render(self) -> np.ndarray | None:
        """Draw the full-size field with the score: a window (``human``) or an RGB array."""
        if self.render_mode is None:
            gym.logger.warn("render() without a render_mode: pass render_mode='rgb_array'")
            return None
        return self._renderer_or_new().draw(self.core, 0)

    def _renderer_or_new(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.rules, self.render_mode or "rgb_array")
        return self._renderer

    def close(self) -> None:
        """Close the window, if any."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
