"""A lean in-process vector env: Gymnasium's ``SyncVectorEnv`` with ``SAME_STEP`` autoreset, minus
the generality that costs ~40 µs a step (space-generic iteration and concatenation, deep copies,
merging every info key).

It is a ``gymnasium.vector.VectorEnv``, steps the same sub-envs in the same order, and gives the
same observations, rewards, flags and ``info["final_obs"]`` as Gymnasium's ``SyncVectorEnv`` in
``SAME_STEP`` mode (``tests/envkit/test_vector.py`` checks it); other info keys are not merged.
It needs array-like observations (``Discrete`` or ``Box``), which covers every env rlkit trains
on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space


class FastSyncVectorEnv(gym.vector.VectorEnv):
    """Steps ``len(env_fns)`` envs one after another in this process; resets an env in the same
    step that ends its episode and puts the true last observation in ``info["final_obs"]``."""

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]]) -> None:
        """Make the sub-envs; they must share one observation and one action space."""
        self.envs = [fn() for fn in env_fns]
        self.num_envs = len(self.envs)
        first = self.envs[0]
        self.metadata = dict(first.metadata)
        self.metadata["autoreset_mode"] = gym.vector.AutoresetMode.SAME_STEP
        self.render_mode = first.render_mode
        self.spec = first.spec
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        for env in self.envs[1:]:
            if (
                env.observation_space != self.single_observation_space
                or env.action_space != self.single_action_space
            ):
                raise ValueError("all sub-envs of a vector env must have the same spaces")
        if not isinstance(self.single_observation_space, (spaces.Discrete, spaces.Box)):
            raise TypeError(
                "FastSyncVectorEnv needs Discrete or Box observations; use vector_mode=sync"
            )
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        obs_space = self.single_observation_space
        self._obs = np.zeros((self.num_envs, *(obs_space.shape or ())), dtype=obs_space.dtype)
        self._rewards = np.zeros(self.num_envs, dtype=np.float64)
        self._terminations = np.zeros(self.num_envs, dtype=np.bool_)
        self._truncations = np.zeros(self.num_envs, dtype=np.bool_)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every env; an int ``seed`` seeds env ``i`` with ``seed + i``, as Gymnasium does."""
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
        for i, (env, env_seed) in enumerate(zip(self.envs, seeds, strict=True)):
            self._obs[i], _ = env.reset(seed=env_seed, options=options)
        self._terminations[:] = False
        self._truncations[:] = False
        return self._obs.copy(), {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env; ends and resets episodes in the same call (``SAME_STEP``)."""
        infos: dict[str, Any] = {}
        for i, env in enumerate(self.envs):
            obs, reward, terminated, truncated, info = env.step(actions[i])
            self._rewards[i] = reward
            self._terminations[i] = terminated
            self._truncations[i] = truncated
            if terminated or truncated:
                if not infos:
                    infos = {
                        "final_obs": np.full(self.num_envs, None, dtype=object),
                        "_final_obs": np.zeros(self.num_envs, dtype=np.bool_),
                        "final_info": np.full(self.num_envs, None, dtype=object),
                    }
                infos["final_obs"][i] = obs
                infos["_final_obs"][i] = True
                infos["final_info"][i] = info
                obs, _ = env.reset()
            self._obs[i] = obs
        return (
            self._obs.copy(),
            self._rewards.copy(),
            self._terminations.copy(),
            self._truncations.copy(),
            infos,
        )

    def render(self) -> tuple[Any, ...]:
        """The sub-envs' renders."""
        return tuple(env.render() for env in self.envs)

    def close_extras(self, **kwargs: Any) -> None:
        """Close the sub-envs."""
        for env in self.envs:
            env.close()


class FrameStackVectorEnv(gym.vector.VectorWrapper):
    """The last ``k`` observations of every env of a ``SAME_STEP`` vector env, stacked on a new
    first axis: for a batched env what Gymnasium's ``FrameStackObservation`` is for one env (with
    its default padding, the first frame repeated at a reset), so both give the same observations.
    ``info["final_obs"]`` holds the stacks that ended an episode.
    """

    def __init__(self, env: gym.vector.VectorEnv, k: int) -> None:
        """Stack ``k`` frames of ``env``'s observations."""
        super().__init__(env)
        if env.metadata.get("autoreset_mode") != gym.vector.AutoresetMode.SAME_STEP:
            raise ValueError("FrameStackVectorEnv needs a SAME_STEP vector env")
        single = env.single_observation_space
        if not isinstance(single, spaces.Box):
            raise TypeError("FrameStackVectorEnv stacks Box observations")
        self.k = k
        self.single_observation_space = spaces.Box(
            np.repeat(single.low[None], k, axis=0),
            np.repeat(single.high[None], k, axis=0),
            dtype=single.dtype,
        )
        self.observation_space = batch_space(self.single_observation_space, env.num_envs)
        self._frames = np.zeros((env.num_envs, k, *single.shape), single.dtype)

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every env; each stack is its first frame ``k`` times."""
        obs, info = self.env.reset(**kwargs)
        self._frames[:] = obs[:, None]
        return self._frames.copy(), info

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env and push its new frame onto its stack."""
        obs, rewards, terminated, truncated, info = self.env.step(actions)
        frames = self._frames
        frames[:, :-1] = frames[:, 1:]
        frames[:, -1] = obs
        ended = np.flatnonzero(terminated | truncated)
        if len(ended):
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in ended:
                # The ended episode's last stack ends in its true last frame; the new episode's
                # stack is its first frame repeated.
                final = frames[i].copy()
                final[-1] = info["final_obs"][i]
                final_obs[i] = final
                frames[i] = obs[i]
            info = {**info, "final_obs": final_obs}
        return frames.copy(), rewards, terminated, truncated, info

    def get_state(self) -> dict[str, Any]:
        """The wrapped env's state and the stacks (for an exact resume)."""
        return {"env": self.env.get_state(), "frames": self._frames.copy()}  # type: ignore[attr-defined]

    def set_state(self, saved: dict[str, Any]) -> None:
        """Restore :meth:`get_state`'s result."""
        self.env.set_state(saved["env"])  # type: ignore[attr-defined]
        np.copyto(self._frames, saved["frames"])
