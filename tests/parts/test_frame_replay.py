"""Frame replay memory: the same samples as ReplayBuffer on the same seed, in about one frame per
transition; its checkpoint state; which buffer is picked; the memory figure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces

from rlkit.envkit.vector import FastSyncVectorEnv, FrameStackVectorEnv
from rlkit.parts.frame_replay import (
    FrameReplayBuffer,
    buffer_bytes,
    make_replay_buffer,
    stacks_frames,
)
from rlkit.parts.replay import ReplayBuffer

SIDE = 20  # frames of 20x20: small, and larger than a stack axis
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason="no CUDA GPU on this machine"
        ),
    ),
]


class RandomFrames(gym.Env[np.ndarray, np.int64]):
    """Random uint8 frames; an episode terminates with probability ``end`` a step. Few grey
    levels, so equal neighbouring frames happen too."""

    observation_space = spaces.Box(0, 255, (SIDE, SIDE), np.uint8)
    action_space = spaces.Discrete(3)

    def __init__(self, end: float) -> None:
        self.end = end

    def _frame(self) -> np.ndarray:
        if self.np_random.random() < 0.1:
            return np.zeros((SIDE, SIDE), np.uint8)  # a run of equal frames now and then
        return self.np_random.integers(0, 4, (SIDE, SIDE), dtype=np.uint8)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        return self._frame(), {}

    def step(self, action: np.int64) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        reward = float(self.np_random.normal())
        return self._frame(), reward, bool(self.np_random.random() < self.end), False, {}


def stacked_env(num_envs: int, k: int, gymnasium_stack: bool) -> gym.vector.VectorEnv:
    """Frames stacked by rlkit's FrameStackVectorEnv or by Gymnasium's FrameStackObservation
    (the two stackers make_vec_env uses); time limits of 7 steps make truncations."""

    def one() -> gym.Env:
        env: gym.Env = gym.wrappers.TimeLimit(RandomFrames(0.08), max_episode_steps=7)
        return gym.wrappers.FrameStackObservation(env, k) if gymnasium_stack else env

    envs = FastSyncVectorEnv([one for _ in range(num_envs)])
    return envs if gymnasium_stack else FrameStackVectorEnv(envs, k)


def transitions(
    envs: gym.vector.VectorEnv, steps: int, seed: int
) -> Iterator[tuple[np.ndarray, ...]]:
    """The training loop's ``add`` arguments: next_obs holds the final stack where an episode
    ended."""
    obs, _ = envs.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        actions = rng.integers(0, 3, envs.num_envs)
        new_obs, rewards, terminated, truncated, info = envs.step(actions)
        next_obs = new_obs.copy()
        for i in np.flatnonzero(terminated | truncated):
            next_obs[i] = info["final_obs"][i]
        yield obs, actions, rewards, next_obs, terminated, truncated
        obs = new_obs


def assert_same_batches(a: Any, b: Any) -> None:
    for name, x, y in zip(a._fields, a, b, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert torch.equal(x, y), name


CASES = [  # num_envs, n_step, capacity, Gymnasium's stacker
    (1, 1, 50, False),
    (1, 3, 50, True),
    (3, 1, 64, True),
    (3, 3, 61, False),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("num_envs", "n_step", "capacity", "gymnasium_stack"), CASES)
def test_samples_equal_the_full_stack_buffer(
    num_envs: int, n_step: int, capacity: int, gymnasium_stack: bool, device: str
) -> None:
    """Same seed, same steps: the same indices, stacks, actions, rewards, flags and step counts,
    across terminations, truncations, the stores' wrap-around and sweeps of the frame pool."""
    k = 4
    envs = stacked_env(num_envs, k, gymnasium_stack)
    space, actions = envs.single_observation_space, envs.single_action_space
    args = (capacity, space, actions, num_envs, device, n_step, 0.9, 5)
    full, frames = ReplayBuffer(*args), FrameReplayBuffer(*args)
    ended = {"terminated": 0, "truncated": 0}
    for step, transition in enumerate(transitions(envs, 400, seed=num_envs + n_step)):
        full.add(*transition)
        frames.add(*transition)
        ended["terminated"] += int(transition[4].sum())
        ended["truncated"] += int(transition[5].sum())
        assert len(full) == len(frames)
        if len(full) >= 8 and step % 3 == 0:
            assert_same_batches(full.sample(8), frames.sample(8))
    assert min(ended.values()) > 10  # both kinds of episode end happened, many times
    assert len(full) == capacity  # and the stores wrapped around
    # Each frame once: about one per transition (episodes here are ~5 steps, so resets add more),
    # plus the blocks of 32 slots the envs are filling.
    assert frames.frames_held() < 1.5 * capacity + 3 * num_envs * 32
    assert frames.frames_held() < 400 * num_envs  # fewer slots than frames: slots were reused


def test_a_stack_that_does_not_continue_is_stored_whole() -> None:
    """Observations that are no frame stacker's still come back exactly as added."""
    space = spaces.Box(0, 255, (3, SIDE, SIDE), np.uint8)
    rng = np.random.default_rng(0)
    args = (20, space, spaces.Discrete(2), 2, "cpu", 2, 0.5, 1)
    full, frames = ReplayBuffer(*args), FrameReplayBuffer(*args)
    for _ in range(60):
        obs, next_obs = rng.integers(0, 2, (2, 2, 3, SIDE, SIDE), dtype=np.uint8)
        rest = (rng.integers(0, 2, 2), rng.normal(size=2), next_obs, rng.random(2) < 0.2)
        for buf in (full, frames):
            buf.add(obs, *rest, rng.random(2) < 0.0)
    assert_same_batches(full.sample(16), frames.sample(16))


@pytest.mark.parametrize("device", DEVICES)
def test_state_dict_resumes_the_same_samples(device: str) -> None:
    """Saved, loaded into a new buffer, both go on adding and sampling the same."""
    envs = stacked_env(2, 4, False)
    args = (40, envs.single_observation_space, envs.single_action_space, 2, device, 3, 0.9, 2)
    stream = list(transitions(envs, 120, seed=1))
    first = FrameReplayBuffer(*args)
    for transition in stream[:70]:
        first.add(*transition)
    restored = FrameReplayBuffer(*args)
    restored.load_state_dict(first.state_dict())
    for transition in stream[70:]:
        first.add(*transition)
        restored.add(*transition)
        assert_same_batches(first.sample(8), restored.sample(8))
    empty = FrameReplayBuffer(*args)
    empty.load_state_dict(first.state_dict(include_data=False))
    assert len(empty) == 0


def test_refuses_states_that_do_not_fit() -> None:
    envs = stacked_env(1, 4, False)
    args = (40, envs.single_observation_space, envs.single_action_space)
    buf = FrameReplayBuffer(*args)
    for transition in transitions(envs, 30, seed=0):
        buf.add(*transition)
    state = buf.state_dict()
    with pytest.raises(ValueError, match="does not hold"):
        FrameReplayBuffer(*args).load_state_dict({**state, "frames": state["frames"][:1]})
    with pytest.raises(ValueError, match="lacks"):
        FrameReplayBuffer(*args).load_state_dict({"index": state["index"]})
    full = ReplayBuffer(*args)
    for transition in transitions(envs, 5, seed=0):
        full.add(*transition)
    with pytest.raises(ValueError, match="full frame stacks"):
        FrameReplayBuffer(*args).load_state_dict(full.state_dict())
    # An older pixel checkpoint (save_buffer off) keeps its sampling generator.
    old = FrameReplayBuffer(*args)
    old.load_state_dict(full.state_dict(include_data=False))
    assert torch.equal(old._index._generator.get_state(), full._generator.get_state())


def test_picked_for_stacked_frames_only() -> None:
    pixels = spaces.Box(0, 255, (4, 84, 84), np.uint8)
    actions = spaces.Discrete(3)
    assert isinstance(make_replay_buffer(10, pixels, actions), FrameReplayBuffer)
    for other in (
        spaces.Box(-1, 1, (4,), np.float32),
        spaces.Box(0, 255, (84, 84), np.uint8),
        spaces.Box(0, 255, (84, 84, 3), np.uint8),  # an RGB image, not a stack
        spaces.Box(0, 1, (4, 84, 84), np.float32),
        spaces.Discrete(5),
    ):
        assert not stacks_frames(other)
        assert type(make_replay_buffer(10, other, actions)) is ReplayBuffer


def test_buffer_bytes_is_what_the_buffers_allocate() -> None:
    pixels = spaces.Box(0, 255, (4, SIDE, SIDE), np.uint8)
    actions = spaces.Discrete(3)
    buf = FrameReplayBuffer(50, pixels, actions, num_envs=2, n_step=3)
    allocated = buf._pool.tensor.nbytes + sum(a.nbytes for a in buf._index._arrays or ())
    assert buffer_bytes(50, pixels, actions, num_envs=2, n_step=3) == allocated
    big = spaces.Box(0, 255, (4, 84, 84), np.uint8)
    per_transition = buffer_bytes(100_000, big, actions, num_envs=8, n_step=3) / 100_000
    assert per_transition <= 1.2 * 84 * 84
