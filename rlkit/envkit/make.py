"""Making envs from their configs, and checking that an agent can learn them."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from omegaconf import OmegaConf

from rlkit.agents import AGENTS
from rlkit.config.schema import CONF_DIR, ENV_CONFIGS, AtariEnvConfig, EnvConfig, group_choices
from rlkit.envkit.vector import FastSyncVectorEnv, FrameStackVectorEnv
from rlkit.errors import ConfigError, IncompatibleError, InvalidActionError


def make_env(cfg: EnvConfig, render_mode: str | None = None) -> gym.Env:
    """One env, with the time limit of its registration (or ``cfg.max_episode_steps``), Atari's
    preprocessing for an Atari config, and ``cfg.frame_stack`` frames stacked."""
    if cfg.id.startswith("ALE/"):
        _register_atari(cfg.id)
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
                env = gym.wrappers.TransformReward(env, np.sign)
    except (gym.error.Error, ImportError) as e:
        raise ConfigError(f"env.id={cfg.id!r} cannot be made: {str(e).splitlines()[0]}") from e
    if cfg.frame_stack is not None:
        env = gym.wrappers.FrameStackObservation(env, cfg.frame_stack)
    if isinstance(env.action_space, spaces.Box):
        env = CheckedBoxActions(env)
    return env


def _register_atari(env_id: str) -> None:
    try:
        import ale_py
    except ImportError as e:
        raise ConfigError(
            f"env.id={env_id} needs ale-py (which ships the Atari ROMs): pip install ale-py"
        ) from e
    # The emulator greets on stderr; a one-line error must stay one line.
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
    gym.register_envs(ale_py)


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


def env_schema(name: str) -> str:
    """The schema named by ``conf/env/<name>.yaml`` (``defaults: [<schema>_schema]``)."""
    path = CONF_DIR / "env" / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown env {name!r}; valid choices: {', '.join(group_choices('env'))}")
    defaults = OmegaConf.load(path).get("defaults", [])
    return next(
        (str(d).removesuffix("_schema") for d in defaults if str(d).endswith("_schema")), "env"
    )


def load_env_config(name: str) -> EnvConfig:
    """The env config ``conf/env/<name>.yaml`` as its dataclass (without Hydra)."""
    raw = OmegaConf.load(CONF_DIR / "env" / f"{name}.yaml")
    raw.pop("defaults", None)
    merged = OmegaConf.merge(OmegaConf.structured(ENV_CONFIGS[env_schema(name)]), raw)
    return OmegaConf.to_object(merged)  # type: ignore[return-value]


def envs_for_agent(agent: str) -> list[str]:
    """The envs in ``conf/env`` that the agent can learn (leaving out any that cannot be made)."""
    spec = AGENTS[agent]
    names = []
    for name in group_choices("env"):
        try:
            env = make_env(load_env_config(name))
        except Exception:  # an env whose extra (e.g. Box2D) is not installed
            continue
        if spec.accepts(env.observation_space, env.action_space):
            names.append(name)
        env.close()
    return names


def check_compatible(agent: str, env_cfg: EnvConfig) -> None:
    """Raise ``IncompatibleError`` (naming the agents that can learn the env and the envs the
    agent can use) if the agent cannot learn the env."""
    env = make_env(env_cfg)
    try:
        spec = AGENTS[agent]
        if spec.accepts(env.observation_space, env.action_space):
            return
        fitting = [name for name, other in AGENTS.items() if other.accepts(
            env.observation_space, env.action_space)]  # fmt: skip
        raise IncompatibleError(
            f"agent={agent} needs {spec.needs}, but env={env_cfg.name} has "
            f"{describe_space(env.observation_space)} observations and "
            f"{describe_space(env.action_space)} actions; agents that can learn "
            f"env={env_cfg.name}: {', '.join(sorted(fitting)) or 'none'}; envs it can use: "
            f"{', '.join(envs_for_agent(agent))}"
        )
    finally:
        env.close()


class CheckedBoxActions(gym.ActionWrapper):
    """Refuse an action of the wrong shape or outside a Box action space, with one line.

    Gymnasium's continuous-control envs clip or silently misbehave on such actions; a user who
    passes them has made a mistake worth hearing about.
    """

    def __init__(self, env: gym.Env) -> None:
        """Wrap ``env`` (which must have a Box action space)."""
        super().__init__(env)
        space = env.action_space
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
