"""The envs under fuzzing: random seeds, options and action sequences (with resets at random
moments) keep observations in their spaces, rewards in their documented sets and the rules'
invariants; ``close`` may come twice."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import rlkit  # noqa: F401  (registers the envs)

MODES = ("versus", "squash")
OBS_TYPES = ("vector", "classic", "pixels")

actions_and_resets = st.lists(
    st.one_of(st.integers(0, 3), st.just("reset")), min_size=1, max_size=300
)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), script=actions_and_resets)
def test_the_cliff_keeps_its_rules(seed: int, script: list[int | str]) -> None:
    env = gym.make("rlkit/CliffWalk-v0")
    base = env.unwrapped
    obs, _ = env.reset(seed=seed)
    assert obs == base.state_of(base.start)
    steps, done = 0, False
    for move in script:
        if move == "reset" or done:
            obs, _ = env.reset()
            assert obs == base.state_of(base.start)
            steps, done = 0, False
            continue
        obs, reward, terminated, truncated, _ = env.step(move)
        steps += 1
        cell = base.cell_of(obs)
        assert env.observation_space.contains(obs)
        assert reward in (-1.0, -100.0, 0.0)
        # An episode ends exactly in the cliff (-100) or at the goal (0), or at the time limit.
        assert terminated == base.is_terminal(cell) == (reward != -1.0)
        assert truncated == (steps == 100 and not terminated)
        done = terminated or truncated
    env.close()
    env.close()


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    mode=st.sampled_from(MODES),
    obs_type=st.sampled_from(OBS_TYPES),
    frame_skip=st.integers(1, 4),
    script=st.lists(st.one_of(st.integers(0, 2), st.just("reset")), min_size=1, max_size=200),
)
def test_single_pong_stays_in_its_spaces_through_resets(
    seed: int, mode: str, obs_type: str, frame_skip: int, script: list[int | str]
) -> None:
    env = gym.make("rlkit/PingPong-v0", mode=mode, obs_type=obs_type, frame_skip=frame_skip,
                   points_to_win=3)  # fmt: skip
    obs, _ = env.reset(seed=seed)
    assert env.observation_space.contains(obs)
    done = False
    for move in script:
        if move == "reset" or done:
            obs, _ = env.reset()
            done = False
        else:
            obs, reward, terminated, truncated, info = env.step(move)
            allowed = (-1.0, 0.0, 1.0) if mode == "versus" else (0.0, 1.0)
            assert reward in allowed
            if mode == "versus":
                assert max(info["score"]) <= 3 and terminated == (max(info["score"]) == 3)
            done = terminated or truncated
        assert env.observation_space.contains(obs)
        assert np.all(np.isfinite(np.asarray(obs, dtype=np.float64)))
    env.close()
    env.close()


def test_batched_pong_closes_twice() -> None:
    envs = gym.make_vec("rlkit/PingPong-v0", num_envs=4)
    envs.reset(seed=0)
    envs.step(np.zeros(4, dtype=np.int64))
    envs.close()
    envs.close()
