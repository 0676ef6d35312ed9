"""Stable-Baselines3's model for an rlkit config: the same env (made by ``rlkit.envkit``), the
hyperparameters of ``sb3_mapping``, the seed, device and threads."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.compare.sb3_mapping import sb3_setup
from rlkit.config.schema import Config
from rlkit.envkit.make import make_env, make_vec_env


def sb3_model(config: Config) -> Any:
    """An untrained SB3 model that trains as ``config`` says (``model.learn(total_steps)``).

    Raises:
        ConfigError: an agent or field value SB3 cannot express (named in the message).
    """
    import stable_baselines3
    import torch

    torch.set_num_threads(config.torch_threads or torch.get_num_threads())
    env = sb3_env(config)
    setup = sb3_setup(
        config.agent, env.observation_space, env.action_space, config.total_steps, config.num_envs
    )
    algorithm = getattr(stable_baselines3, setup.algorithm)
    device = "auto" if config.device == "auto" else config.device
    return algorithm(setup.policy, env, seed=config.seed, device=device, verbose=0, **setup.kwargs)


def sb3_env(config: Config) -> Any:
    """The env ``sb3_model`` trains on, as an SB3 ``VecEnv`` with episode statistics: one env
    made by ``rlkit.envkit``, or rlkit's vector env of ``num_envs`` behind ``sb3_vec_env``. Also
    what a saved SB3 model is loaded onto (``DQN.load(path, env=sb3_env(config))``)."""
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

    if config.num_envs == 1:
        return DummyVecEnv([lambda: Monitor(make_env(config.env))])
    return VecMonitor(sb3_vec_env(make_vec_env(config.env, config.num_envs, config.vector_mode)))


def sb3_vec_env(envs: Any) -> Any:
    """rlkit's Gymnasium vector env (SAME_STEP autoreset) as an SB3 ``VecEnv``, so that SB3 steps
    the same batched env as rlkit (pong's 8 games in one NumPy step): the true last observation
    goes into each ended env's ``terminal_observation``, a time-out into ``TimeLimit.truncated``."""
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv

    class _VectorEnv(VecEnv):
        def __init__(self) -> None:
            self.envs = envs
            super().__init__(envs.num_envs, envs.single_observation_space, envs.single_action_space)

        def reset(self) -> np.ndarray:
            obs, _ = self.envs.reset(seed=self._seeds[0])
            self._reset_seeds()
            return obs

        def step_async(self, actions: np.ndarray) -> None:
            self._actions = actions

        def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
            obs, rewards, terminated, truncated, info = self.envs.step(self._actions)
            done = terminated | truncated
            infos: list[dict] = [{} for _ in range(self.num_envs)]
            for i in np.flatnonzero(done):
                infos[i]["terminal_observation"] = info["final_obs"][i]
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
            return obs, rewards.astype(np.float32), done, infos

        def close(self) -> None:
            self.envs.close()

        def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
            return [getattr(self.envs, attr_name, None)] * self.num_envs

        def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
            setattr(self.envs, attr_name, value)

        def env_method(self, method_name: str, *args: Any, indices: Any = None, **kw: Any) -> list:
            raise NotImplementedError(method_name)

        def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
            return [False] * self.num_envs

    return _VectorEnv()
