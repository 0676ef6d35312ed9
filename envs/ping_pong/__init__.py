"""Ping pong (the course department's browser pong): one batched numpy core, a single env and a
vector env on top of it.

The physics of N games lives in :class:`PongCore`, whose state is one ``(6, N)`` array (ball
position and velocity, both paddles) and the scores.
:class:`PingPongEnv` runs it with N = 1 and :class:`PingPongVectorEnv` with N = ``num_envs``, so the
two cannot drift apart: the tests check that they give the same trajectories for the same seeds.
pygame only draws the ``human`` and ``rgb_array`` renders and is imported when they are first
used; the ``pixels`` observation is drawn straight into numpy for all N games at once.

The modules: ``rules`` (the actions, the key mapping, :class:`PongRules`, the observation space
and its mirror image), ``core`` (:class:`PongCore`), ``env`` (:class:`PingPongEnv`), ``vector``
(:class:`PingPongVectorEnv`) and ``render`` (pygame); the names that the single module
``envs/ping_pong.py`` had are re-exported here.

The default scripted opponent (``opponent_speed=4.5`` px a frame, ``opponent_reaction=6``
frames) moves its paddle's centre toward the ball's centre as it was 6 frames (0.1 s) ago, at
three quarters of the agent's paddle speed. Measured against an agent that tracks the ball and
hits it at random points of its paddle, it returns every ball up to 3.5 px a frame per axis (the
serve is 2), 96% at 4, 81% at 4.5, 45% at 6 and 29% at 7: steep fast balls outrun it, because
the lag makes it turn late after a wall bounce. So it is decent but beatable (an agent that
keeps the rally going wins once the ball is fast), and a random agent loses nearly every point
(``tests/envs/test_ping_pong.py`` checks that it wins over 95% of the points against random
actions and misses no ball slower than 3).
"""

from __future__ import annotations

from .core import PongCore
from .env import PingPongEnv
from .rules import (
    ACTION_NAMES,
    BALL_GREY,
    CLASSIC_SCALE,
    DOWN,
    MAX_SLOPE,
    MIN_SLOPE,
    MODES,
    OBS_TYPES,
    OPPONENTS,
    PADDLE_GREY,
    PIXELS,
    RENDER_FPS,
    RENDER_MODES,
    STAY,
    UP,
    WALL_GREY,
    Policy,
    PongRules,
    keys_to_action,
    make_rules,
    mirror_observation,
    observation_space,
)
from .vector import PingPongVectorEnv

__all__ = [
    "ACTION_NAMES",
    "BALL_GREY",
    "CLASSIC_SCALE",
    "DOWN",
    "MAX_SLOPE",
    "MIN_SLOPE",
    "MODES",
    "OBS_TYPES",
    "OPPONENTS",
    "PADDLE_GREY",
    "PIXELS",
    "RENDER_FPS",
    "RENDER_MODES",
    "STAY",
    "UP",
    "WALL_GREY",
    "PingPongEnv",
    "PingPongVectorEnv",
    "Policy",
    "PongCore",
    "PongRules",
    "keys_to_action",
    "make_rules",
    "mirror_observation",
    "observation_space",
]
