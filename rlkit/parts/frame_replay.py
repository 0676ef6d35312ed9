"""Replay memory for stacked frames: each frame stored once, the stacks rebuilt when sampled.

A pixel observation is a stack of the last ``k`` frames (``(k, H, W)`` uint8), and consecutive
observations share ``k - 1`` of them, so ``ReplayBuffer`` keeping every transition's ``s`` and
``s'`` whole stores each frame ``2k`` times. ``FrameReplayBuffer`` keeps the frames in a pool on
the buffer's device, each once, and gives every transition ``k`` pool slots for ``s`` and ``k``
for ``s'`` (as DQN-Zoo's and Dopamine's circular frame buffers and SB3's
``optimize_memory_usage`` do, but keeping the true last frame of an episode, which a
truncated episode bootstraps from). Sampling gathers the slots' frames back into stacks.

It is built from a ``ReplayBuffer`` whose "observations" are those slot numbers: that buffer
does the n-step sums, the circular write order, the seeded draws and its checkpoint state, so
the two buffers draw the same indices and return the same transitions.

What is stored does not rely on the env: where an observation equals the last ``next_obs`` of
its env, its slots are reused; where ``next_obs`` is ``obs`` shifted by one frame (a frame
stacker's step), one new frame is stored; anything else (a reset, whose stack repeats its first
frame as ``FrameStackObservation`` and ``FrameStackVectorEnv`` pad it, or any other stack) is
stored frame by frame, runs of equal frames once. So a sample is always the stack that was
added, and the memory is about one frame per transition when an env stacks frames.

Each env fills a block of 32 slots at a time, so the frames of a stack lie side by side and a
sample reads about as few memory regions as ``ReplayBuffer``'s (it samples as fast). Blocks in
which no stored or pending transition refers to any slot any more are found by a sweep over the
slot numbers when the free blocks run out (every ~``capacity / 32`` frames); the pool grows if
the sweep frees too few (only with episodes shorter than ~16 steps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from rlkit.parts.replay import ReplayBatch, ReplayBuffer, replay_bytes

# The most frames a stacked observation holds for FrameReplayBuffer to be picked.
_MAX_STACK = 16
# Frame slots an env takes at a time; one add needs at most 2 * _MAX_STACK of an env.
_BLOCK = 32


def stacks_frames(observation_space: gym.Space) -> bool:
    """Whether observations look like stacked frames: uint8 ``(k, H, W)`` with ``k`` a few
    frames, smaller than the image. ``FrameReplayBuffer`` is exact for any observations of such
    a space; it only saves memory where they really are stacks."""
    if not isinstance(observation_space, spaces.Box) or observation_space.dtype != np.uint8:
        return False
    shape = observation_space.shape
    return len(shape) == 3 and 1 <= shape[0] <= _MAX_STACK < min(shape[1], shape[2])


def make_replay_buffer(
    capacity: int,
    observation_space: gym.Space,
    action_space: gym.Space,
    num_envs: int = 1,
    device: str | torch.device = "cpu",
    n_step: int = 1,
    gamma: float = 0.99,
    seed: int = 0,
) -> ReplayBuffer | FrameReplayBuffer:
    """The replay buffer for these spaces: ``FrameReplayBuffer`` for stacked uint8 frames
    (``stacks_frames``), ``ReplayBuffer`` otherwise. Same arguments as ``ReplayBuffer``."""
    kind = FrameReplayBuffer if stacks_frames(observation_space) else ReplayBuffer
    return kind(capacity, observation_space, action_space, num_envs, device, n_step, gamma, seed)


def _pool_frames(capacity: int, num_envs: int, k: int, n_step: int) -> int:
    """Initial frame slots: one per transition, a 1/16 margin (the reset frame of each episode,
    and room between sweeps), the stacks still pending per env, and two blocks per env (the one
    it fills and a partly dead one), in whole blocks."""
    frames = capacity + capacity // 16 + num_envs * (k + n_step + 2)
    return (-(-frames // _BLOCK) + 2 * num_envs) * _BLOCK


def buffer_bytes(
    capacity: int,
    observation_space: gym.Space,
    action_space: gym.Space,
    num_envs: int = 1,
    n_step: int = 1,
) -> int:
    """Bytes the buffer ``make_replay_buffer`` picks allocates for its storage (a frame pool
    grows beyond it only with episodes shorter than ~16 steps)."""
    if not stacks_frames(observation_space):
        return replay_bytes(capacity, observation_space, action_space)
    assert isinstance(observation_space, spaces.Box)
    k, *frame = observation_space.shape
    slots = spaces.Box(0, np.iinfo(np.int32).max, (k,), np.int32)
    frames = _pool_frames(capacity, num_envs, k, n_step) * int(np.prod(frame))
    return frames + replay_bytes(capacity, slots, action_space)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two uint8 arrays of one shape hold the same bytes (memcmp: twice as fast as
    ``np.array_equal``, which this runs ~2 times a frame)."""
    return a.tobytes() == b.tobytes()


class _FramePool:
    """Frames in slots on a device, handed out in blocks of ``_BLOCK`` slots, one block per env
    at a time: an env's frames lie side by side, so a stack is mostly one contiguous read."""

    def __init__(
        self, slots: int, frame_shape: tuple[int, ...], device: torch.device, num_envs: int
    ) -> None:
        self.frame_shape = frame_shape
        self.device = device
        self.array: np.ndarray | None = None
        self.tensor = self._zeros(slots)
        blocks = slots // _BLOCK
        self.free = np.arange(
            blocks - 1, -1, -1, dtype=np.int64
        )  # free blocks, popped from the end
        self.n_free = blocks
        # Per env: the next slot of the block it fills, and that block's end (equal: none).
        # Python ints: take() runs per frame, where numpy scalars cost more.
        self.next = [0] * num_envs
        self.end = [0] * num_envs

    def _zeros(self, slots: int) -> torch.Tensor:
        if self.device.type == "cpu":
            # numpy writes per frame cost far less than torch indexing; the tensor is a view.
            self.array = np.zeros((slots, *self.frame_shape), np.uint8)
            return torch.from_numpy(self.array)
        return torch.zeros((slots, *self.frame_shape), dtype=torch.uint8, device=self.device)

    def __len__(self) -> int:
        return len(self.tensor)

    def take(self, env: int) -> int:
        """A free slot in ``env``'s block (``reserve`` made sure a new block is there)."""
        if self.next[env] == self.end[env]:
            self.n_free -= 1
            block = int(self.free[self.n_free])
            self.next[env], self.end[env] = block * _BLOCK, (block + 1) * _BLOCK
        slot = self.next[env]
        self.next[env] = slot + 1
        return slot

    def reserve(self, blocks: int, live: Callable[[], np.ndarray]) -> None:
        """At least ``blocks`` free blocks: when too few are free, sweep out the blocks in which
        ``live()`` (the slot numbers in use) names no slot, then grow if that was not enough."""
        if self.n_free >= blocks:
            return
        used = np.zeros(len(self), np.bool_)
        used[live()] = True
        used_blocks = np.asarray(used.reshape(-1, _BLOCK).any(axis=1))
        for start, end in zip(self.next, self.end, strict=True):
            if start < end:
                used_blocks[end // _BLOCK - 1] = True  # the envs' blocks stay theirs
        free = np.flatnonzero(~used_blocks)[::-1]
        # Keep 1/32 free: a sweep every ~capacity/32 frames, and no growth while episodes are
        # longer than ~16 steps (the pool starts 1/16 above capacity).
        margin = max(blocks, len(used_blocks) // 32)
        if len(free) < margin:
            free = np.concatenate((self._grow(len(used_blocks) + margin - len(free)), free))
        self.free, self.n_free = free, len(free)

    def _grow(self, blocks: int) -> np.ndarray:
        """Reallocate with ``blocks`` blocks, keeping the frames; the new blocks, free."""
        old = self.tensor
        self.tensor = self._zeros(blocks * _BLOCK)
        self.tensor[: len(old)].copy_(old)
        return np.arange(blocks - 1, len(old) // _BLOCK - 1, -1, dtype=np.int64)

    def load(self, frames: np.ndarray) -> None:
        """Hold ``frames`` in slots ``0..len(frames) - 1``; every other whole block free."""
        self.tensor[: len(frames)].copy_(torch.from_numpy(frames))
        taken = -(-len(frames) // _BLOCK)
        self.free, self.n_free = self.free[: len(self.free) - taken], len(self.free) - taken
        self.next = [0] * len(self.next)
        self.end = [0] * len(self.end)

    def write(self, slots: list[int], frames: list[np.ndarray]) -> None:
        """Put ``frames`` into ``slots`` (one copy to a device)."""
        if not slots:
            return
        if self.array is not None:
            self.array[slots] = frames
            return
        index = torch.tensor(slots, dtype=torch.int64, device=self.device)
        data = torch.from_numpy(np.stack(frames)).to(self.device)
        self.tensor.index_copy_(0, index, data)

    def read(self, slots: np.ndarray) -> np.ndarray:
        """The frames in ``slots``, on the host."""
        index = torch.from_numpy(np.asarray(slots, np.int64)).to(self.device)
        return self.tensor.index_select(0, index).cpu().numpy()


class FrameReplayBuffer:
    """``ReplayBuffer``'s interface and samples for stacked uint8 frames, each frame stored once.

    ``add`` takes one vector-env step, as ``ReplayBuffer.add`` does (``next_obs``: the true next
    stacks, the final ones where an episode ended); ``sample`` draws the indices a
    ``ReplayBuffer`` of the same seed draws and returns the same transitions.
    """

    def __init__(
        self,
        capacity: int,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int = 1,
        device: str | torch.device = "cpu",
        n_step: int = 1,
        gamma: float = 0.99,
        seed: int = 0,
    ) -> None:
        """Allocate the frame pool and the transitions' slot numbers; seed the sampling.

        Args: as ``ReplayBuffer``'s; ``observation_space`` a uint8 ``Box`` of shape
        ``(k, H, W)``, ``k`` frames of ``(H, W)`` (``stacks_frames``).

        Raises:
            ValueError: A number out of range, or observations that are not stacked frames.
        """
        if not stacks_frames(observation_space):
            raise ValueError(
                f"FrameReplayBuffer stores uint8 (k, H, W) frame stacks, not {observation_space}"
            )
        assert isinstance(observation_space, spaces.Box)
        self.k, *frame = observation_space.shape
        self._frame_shape = tuple(frame)
        slots = spaces.Box(0, np.iinfo(np.int32).max, (self.k,), np.int32)
        self._index = ReplayBuffer(
            capacity, slots, action_space, num_envs, device, n_step, gamma, seed
        )
        self.capacity, self.num_envs = self._index.capacity, self._index.num_envs
        self.n_step, self.gamma, self.device = self._index.n_step, gamma, self._index.device
        self._pool = _FramePool(
            _pool_frames(self.capacity, self.num_envs, self.k, self.n_step),
            self._frame_shape,
            self.device,
            self.num_envs,
        )
        # Per env: the slots and the frames of the last next_obs, which the next obs continues.
        self._window = np.zeros((self.num_envs, self.k), np.int32)
        self._last = np.zeros((self.num_envs, *observation_space.shape), np.uint8)
        self._held = np.zeros(self.num_envs, np.bool_)

    def __len__(self) -> int:
        """Number of stored transitions (at most ``capacity``); pending n-step items not counted."""
        return len(self._index)

    def frames_held(self) -> int:
        """Frame slots the pool has allocated (the memory is this times ``H * W`` bytes)."""
        return len(self._pool)

    def add(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> None:
        """Record one vector-env step; row ``i`` of every array is env ``i`` (see
        ``ReplayBuffer.add``).

        Raises:
            ValueError: The arrays do not hold ``num_envs`` rows.
        """
        if len(rewards) != self.num_envs:
            raise ValueError(
                f"replay buffer expects {self.num_envs} env rows per add, got {len(rewards)}"
            )
        self._pool.reserve(self.num_envs, self._live_slots)
        obs, next_obs = np.asarray(obs, np.uint8), np.asarray(next_obs, np.uint8)
        obs_slots = np.empty((self.num_envs, self.k), np.int32)
        next_slots = np.empty((self.num_envs, self.k), np.int32)
        new: tuple[list[int], list[np.ndarray]] = ([], [])
        for env in range(self.num_envs):
            o, no = obs[env], next_obs[env]
            if self._held[env] and _same(o, self._last[env]):
                obs_slots[env] = self._window[env]
            else:
                obs_slots[env] = self._store_stack(o, env, new)
            if _same(no[:-1], o[1:]):
                # A frame stacker's step: the stack moves on by one frame.
                next_slots[env, :-1] = obs_slots[env, 1:]
                next_slots[env, -1] = self._store(no[-1], env, new)
            else:
                next_slots[env] = self._store_stack(no, env, new)
        self._pool.write(*new)
        self._index.add(obs_slots, actions, rewards, next_slots, terminated, truncated)
        self._window[:] = next_slots
        self._last[:] = next_obs
        self._held[:] = True

    def _store(self, frame: np.ndarray, env: int, new: tuple[list[int], list[np.ndarray]]) -> int:
        """A free slot of ``env``'s for ``frame``, queued in ``new`` for ``_FramePool.write``."""
        slot = self._pool.take(env)
        new[0].append(slot)
        new[1].append(np.array(frame, np.uint8))  # a copy: the caller may reuse its arrays
        return slot

    def _store_stack(
        self, stack: np.ndarray, env: int, new: tuple[list[int], list[np.ndarray]]
    ) -> np.ndarray:
        """Slots for a whole stack; equal neighbours (a reset's padding) share one."""
        slots = np.empty(self.k, np.int32)
        for j in range(self.k):
            if j and _same(stack[j], stack[j - 1]):
                slots[j] = slots[j - 1]
            else:
                slots[j] = self._store(stack[j], env, new)
        return slots

    def _live_slots(self) -> np.ndarray:
        """Every slot a stored or pending transition, or an env's last stack, refers to."""
        state = self._index.state_dict()
        parts = [state["data"]["obs"].ravel(), state["data"]["next_obs"].ravel()]
        parts += [queue["obs"].ravel() for queue in state["pending"]]
        parts.append(self._window[self._held].ravel())
        return np.concatenate(parts)

    def sample(self, batch_size: int) -> ReplayBatch:
        """Draw ``batch_size`` stored transitions uniformly, with replacement, their stacks
        rebuilt from the frame pool (see ``ReplayBuffer.sample``).

        Raises:
            ValueError: ``batch_size`` is below 1 or above the number of stored transitions.
        """
        batch = self._index.sample(batch_size)
        # One gather for both: the s stacks first, then the s' ones, each half contiguous.
        slots = torch.cat((batch.obs.reshape(-1), batch.next_obs.reshape(-1)))
        stacks = self._pool.tensor.index_select(0, slots)
        stacks = stacks.view(2, batch_size, self.k, *self._frame_shape)
        return batch._replace(obs=stacks[0], next_obs=stacks[1])

    def state_dict(self, include_data: bool = True) -> dict[str, Any]:
        """The buffer as plain data: the frames in use, once each, and the index buffer's state
        (``ReplayBuffer.state_dict``) with slot numbers into them.

        Args:
            include_data: Keep the transitions and their frames. Without them the state loads
                as an empty buffer with the same sampling generator.
        """
        index = self._index.state_dict(include_data)
        held = self._held if include_data else np.zeros(self.num_envs, np.bool_)
        window = np.zeros_like(self._window)
        live = np.unique(self._live_slots()) if include_data else np.zeros(0, np.int32)
        # Renumber the slots in use 0..m-1, so that the state holds those frames only.
        renumber = np.zeros(len(self._pool), np.int32)
        renumber[live] = np.arange(len(live), dtype=np.int32)
        data = index["data"]
        data["obs"], data["next_obs"] = renumber[data["obs"]], renumber[data["next_obs"]]
        for queue in index["pending"]:
            queue["obs"] = renumber[queue["obs"]]
        window[held] = renumber[self._window[held]]
        return {
            "frame_shape": [self.k, *self._frame_shape],
            "frames": self._pool.read(live),
            "window": window,
            "held": held.copy(),
            "index": index,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state from ``state_dict``; sampling then continues exactly where it was.

        A state of a ``ReplayBuffer`` without transitions (a pixel checkpoint written before
        this buffer, with ``save_buffer`` off) loads as an empty buffer with its generator.

        Raises:
            ValueError: The state is incomplete, refers to frames it does not hold, or does not
                fit this buffer (see ``ReplayBuffer.load_state_dict``).
        """
        if "index" not in state:
            state = self._from_stack_state(state)
        missing = [k for k in ("frame_shape", "frames", "window", "held") if k not in state]
        if missing:
            raise ValueError(f"replay-buffer state lacks {', '.join(missing)}")
        shape = [self.k, *self._frame_shape]
        if list(state["frame_shape"]) != shape:
            raise ValueError(
                f"replay-buffer state has frames {list(state['frame_shape'])}, this buffer {shape}"
            )
        frames = np.asarray(state["frames"], np.uint8)
        held = np.asarray(state["held"], np.bool_)
        window = np.asarray(state["window"], np.int32)
        if not held.any():
            # A state without data may come from a run with another number of envs.
            held, window = np.zeros(self.num_envs, np.bool_), np.zeros_like(self._window)
        elif held.shape != (self.num_envs,) or window.shape != self._window.shape:
            raise ValueError(
                f"replay-buffer state has {len(held)} envs' stacks, this buffer {self.num_envs}"
            )
        index = state["index"]
        slots = [index["data"]["obs"], index["data"]["next_obs"], window[held]]
        slots += [queue["obs"] for queue in index["pending"]]
        if frames.shape[1:] != self._frame_shape or any(
            len(s) and not 0 <= np.min(s) <= np.max(s) < len(frames) for s in map(np.asarray, slots)
        ):
            raise ValueError("replay-buffer state refers to frames it does not hold")
        self._index.load_state_dict(index)
        slots_needed = _pool_frames(self.capacity, self.num_envs, self.k, self.n_step)
        whole = -(-len(frames) // _BLOCK) * _BLOCK + 2 * self.num_envs * _BLOCK
        pool = _FramePool(max(slots_needed, whole), self._frame_shape, self.device, self.num_envs)
        pool.load(frames)
        self._pool, self._window, self._held = pool, window, held
        self._last[held] = frames[window[held]]

    def _from_stack_state(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """A ``FrameReplayBuffer`` state for a ``ReplayBuffer`` state without transitions."""
        size = int(state.get("size", 0))
        if size or any(len(q["rewards"]) for q in state.get("pending", [])):
            raise ValueError(
                "replay-buffer state holds full frame stacks from before FrameReplayBuffer; "
                "resume it with the rlkit that wrote it, or start the run again"
            )
        empty = np.zeros((0, self.k), np.int32)
        index = {
            **state,
            "obs_shape": [self.k],
            "obs_dtype": "int32",
            "data": {**state["data"], "obs": empty, "next_obs": empty},
            "pending": [{**q, "obs": empty} for q in state.get("pending", [])],
        }
        return {
            "frame_shape": list(state.get("obs_shape", [])),
            "frames": np.zeros((0, *self._frame_shape), np.uint8),
            "window": np.zeros((self.num_envs, self.k), np.int32),
            "held": np.zeros(self.num_envs, np.bool_),
            "index": index,
        }
