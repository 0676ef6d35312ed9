"""rlkit's FastSyncVectorEnv against Gymnasium's SyncVectorEnv (SAME_STEP autoreset)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlkit  # noqa: F401
from rlkit.envkit.vector import FastSyncVectorEnv


def rollout(vec: gym.vector.VectorEnv, steps: int, seed: int) -> list:
    obs, _ = vec.reset(seed=seed)
    vec.action_space.seed(seed)
    out: list = [obs.tolist()]
    for _ in range(steps):
        obs, rewards, terminated, truncated, infos = vec.step(vec.action_space.sample())
        final = infos.get("final_obs")
        finals = (
            [None if f is None else np.asarray(f).tolist() for f in final]
            if final is not None
            else None
        )
        out.append(
            (obs.tolist(), rewards.tolist(), terminated.tolist(), truncated.tolist(), finals)
        )
    return out


@pytest.mark.parametrize("env_id", ["rlkit/CliffWalk-v0", "CartPole-v1"])
def test_same_trajectories_as_gymnasium(env_id: str) -> None:
    fns = [lambda: gym.make(env_id) for _ in range(3)]
    ours = FastSyncVectorEnv(fns)
    theirs = gym.vector.SyncVectorEnv(fns, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    assert ours.observation_space == theirs.observation_space
    assert ours.action_space == theirs.action_space
    assert rollout(ours, 400, seed=1) == rollout(theirs, 400, seed=1)


def test_returned_arrays_are_copies() -> None:
    vec = FastSyncVectorEnv([lambda: gym.make("CartPole-v1")])
    obs, _ = vec.reset(seed=0)
    before = obs.copy()
    vec.step(np.array([1]))
    np.testing.assert_array_equal(obs, before)


def test_mismatched_spaces_are_refused() -> None:
    with pytest.raises(ValueError, match="same spaces"):
        FastSyncVectorEnv([lambda: gym.make("CartPole-v1"), lambda: gym.make("Pendulum-v1")])
