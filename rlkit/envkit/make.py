"""Making envs from their configs, and checking that an agent can learn them."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlkit.config.env_ids import import_namespace
from rlkit.config.schema import AtariEnvConfig, EnvConfig
from rlkit.envkit.vector import FastSyncVectorEnv, FrameStackVectorEnv
from rlkit.errors import ConfigError, InvalidActionError


def _sign(reward: Any) -> float:
    """A reward clipped to -1, 0 or +1 (the DQN paper's, so one step size fits every game)."""
    return float(np.sign(reward))


def make_env(cfg: EnvConfig, render_mode: str | None = None) -> gym.Env:
    """One env, with the time limit of its registration (or ``cfg.max_episode_steps``), Atari's
    preprocessing for an Atari config, and ``cfg.frame_stack`` frames stacked."""
    import_namespace(cfg.id)
    try:
        env = gym.make(cfg.id, render_mode=render_mode, **cfg.make_kwargs())
        if isinstance(cfg, AtariEnvConfig):
            env = gym.wrappers.AtariPreprocessing(
                env,
                noop_max=cfg.noop_max,
                frame_skip=cfg.frame_skip,
                screen_size=cfg.screen_size,
                terminal_on_life_loss=cfg.terminal_on_life_loss,
            )
            if cfg.clip_rewards:
                env = gym.wrappers.TransformReward(env, _sign)
    except (gym.error.Error, ImportError) as e:
        raise ConfigError(f"env.id={cfg.id!r} cannot be made: {str(e).splitlines()[0]}") from e
    if cfg.frame_stack is not None:
        env = gym.wrappers.FrameStackObservation(env, cfg.frame_stack)
    if isinstance(env.action_space, spaces.Box):
        env = CheckedBoxActions(env)
    return env


def make_vec_env(cfg: EnvConfig, num_envs: int, vector_mode: str = "fast") -> gym.vector.VectorEnv:
    """``num_envs`` copies of the env stepped together.

    The autoreset mode is ``SAME_STEP``: an env that ends an episode is reset within the same
    ``step`` call and its true last observation is in ``info["final_obs"]``. Every step is then a
    real transition, so step budgets count the same env steps as Stable-Baselines3's.

    ``vector_mode``: ``fast`` (the env's own batched vector env where it registers one, as pong
    does; otherwise rlkit's lean in-process ``FastSyncVectorEnv``; the default), ``sync``
    (Gymnasium's ``SyncVectorEnv``) or ``async`` (Gymnasium's ``AsyncVectorEnv``, a process
    per env).
    """
    mode = gym.vector.AutoresetMode.SAME_STEP
    if (
        vector_mode == "fast"
        and cfg.id.startswith("rlkit/")
        and gym.spec(cfg.id).vector_entry_point
    ):
        # rlkit's env ships its own batched version (pong: N games in one numpy call). Gymnasium's
        # own vector entry points (CartPole's) take no autoreset mode, so they are left alone.
        envs = gym.make_vec(
            cfg.id,
            num_envs=num_envs,
            vectorization_mode="vector_entry_point",
            autoreset_mode=mode,
            **cfg.make_kwargs(),
        )
        return envs if cfg.frame_stack is None else FrameStackVectorEnv(envs, cfg.frame_stack)
    env_fns = [lambda: make_env(cfg) for _ in range(num_envs)]
    if vector_mode == "fast":
        return FastSyncVectorEnv(env_fns)
    if vector_mode == "async":
        return gym.vector.AsyncVectorEnv(env_fns, autoreset_mode=mode)
    return gym.vector.SyncVectorEnv(env_fns, autoreset_mode=mode)


def describe_space(space: spaces.Space) -> str:
    """A short name for a space, e.g. ``Discrete(48)`` or ``Box(3,)``."""
    if isinstance(space, spaces.Discrete):
        return f"Discrete({space.n})"
    if isinstance(space, spaces.Box):
        return f"Box{space.shape}"
    return type(space).__name__


class CheckedBoxActions(gym.ActionWrapper):
    """Refuse an action of the wrong shape or outside a Box action space, with one line.

    Gymnasium's continuous-control envs clip or silently misbehave on such actions; a user who
    passes them has made a mistake worth hearing about.
    """

    def __init__(self, env: gym.Env) -> None:
        """Wrap ``env`` (which must have a Box action space)."""
        super().__init__(env)
        space = env.action_space
        assert isinstance(space, spaces.Box)
        self._low, self._high, self._shape = space.low, space.high, space.shape

    def action(self, action: Any) -> np.ndarray:
        """Check ``action`` and pass it on."""
        array = np.asarray(action, dtype=np.float64)
        if array.shape != self._shape:
            raise InvalidActionError(
                f"action of shape {array.shape} does not fit the action space {self.action_space}; "
                f"give shape {self._shape}"
            )
        if not (np.all(array >= self._low) and np.all(array <= self._high)):
            raise InvalidActionError(
                f"action {array.tolist()} is outside the action space {self.action_space}; "
                f"valid actions lie in [{self._low.tolist()}, {self._high.tolist()}]"
            )
        return action
