"""A uniform replay buffer with n-step returns, shared by the off-policy agents (DQN, DDPG, TD3,
SAC).

Storage is preallocated, circular and flat: the transitions of the ``num_envs`` envs of one step
are written one after another, and once ``capacity`` is reached the oldest are overwritten. It
lives where the update runs. On the CPU the arrays are numpy arrays that writes go through (a
numpy slice assignment costs far less per call than torch indexing) and ``torch.from_numpy``
views of them that sampling gathers from, so nothing is copied between the two. On a GPU they are
tensors on the device; ``add`` writes into a few pinned host rows (``_DeviceStaging``), which go
over in one asynchronous copy per field when a batch is next sampled (a copy per field and step
would cost a kernel launch each). ``sample`` draws indices with a seeded ``torch.Generator`` on
the buffer's device and gathers there, so it never waits for the GPU.

n-step returns are summed when transitions are stored, not when they are sampled
(``rlkit.parts.nstep``). A stored transition is therefore always ``(s_t, a_t, sum_{i<k} γ^i
r_{t+i}, s_{t+k}, terminated, k)`` with ``k = n_step``, or fewer steps if the episode ended first,
and the target is ``reward + γ^k · (1 - terminated) · V(next_obs)``, with ``γ^k`` read from
``gamma_powers`` at ``k = steps``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from rlkit.parts.nstep import NStepAccumulator, steps_from_discounts

# Storage order; ReplayBatch has the same fields in the same order.
_FIELDS = ("obs", "actions", "rewards", "next_obs", "terminated", "steps")
# Host rows that `add` fills before one copy to a GPU storage (see _DeviceStaging).
_STAGING_ROWS = 256

# Shape and dtype of one stored item of a field.
Layout = tuple[tuple[int, ...], np.dtype]


class ReplayBatch(NamedTuple):
    """A batch of ``B`` transitions, every tensor on the buffer's device.

    Attributes:
        obs: ``(B, *obs_shape)`` in the observation space's dtype (int64 for ``Discrete``).
        actions: ``(B,)`` int64 for ``Discrete`` actions, ``(B, *act_shape)`` float32 for ``Box``.
        rewards: ``(B,)`` float32, the discounted sum of the ``k <= n_step`` rewards collected.
        next_obs: ``(B, *obs_shape)``, the observation ``k`` steps after ``obs``.
        terminated: ``(B,)`` float32, 1.0 where the episode terminated within those ``k`` steps
            (nothing to bootstrap); a truncation (time-out) is 0.0 and still bootstraps.
        steps: ``(B,)`` int64 ``k``, the number of rewards summed; the bootstrap value of
            ``next_obs`` is discounted by ``γ^k``.
    """

    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_obs: torch.Tensor
    terminated: torch.Tensor
    steps: torch.Tensor


def _layout(space: gym.Space, what: str) -> Layout:
    """Shape and dtype in which one observation (``what="obs"``) or action is stored."""
    if isinstance(space, spaces.Discrete):
        return (), np.dtype(np.int64)
    if isinstance(space, spaces.Box):
        # Actions feed a network or a target, where float32 is what every layer expects.
        dtype = space.dtype if what == "obs" else np.float32
        return tuple(space.shape), np.dtype(dtype)
    raise ValueError(
        f"the replay buffer supports Discrete and Box {what} spaces, not {type(space).__name__}"
    )


def replay_bytes(capacity: int, observation_space: gym.Space, action_space: gym.Space) -> int:
    """Bytes a ``ReplayBuffer`` of ``capacity`` transitions allocates for its storage (the same
    columns as ``ReplayBuffer._allocate``: obs, action, reward, next obs, terminated, steps)."""
    (obs_shape, obs_dtype), (action_shape, action_dtype) = (
        _layout(observation_space, "obs"),
        _layout(action_space, "action"),
    )
    per_row = (
        2 * int(np.prod(obs_shape, dtype=np.int64)) * obs_dtype.itemsize
        + int(np.prod(action_shape, dtype=np.int64)) * action_dtype.itemsize
        + 4  # reward, float32
        + 4  # terminated, float32
        + 8  # steps, int64
    )
    return int(capacity) * per_row


def _torch_dtype(dtype: np.dtype) -> torch.dtype:
    return torch.from_numpy(np.empty(0, dtype=dtype)).dtype


def _check_arguments(capacity: int, num_envs: int, n_step: int, gamma: float) -> None:
    if capacity < 1:
        raise ValueError(f"replay buffer capacity must be >= 1, got {capacity}")
    if num_envs < 1:
        raise ValueError(f"replay buffer num_envs must be >= 1, got {num_envs}")
    if n_step < 1:
        raise ValueError(f"replay buffer n_step must be >= 1, got {n_step}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"replay buffer gamma must be in [0, 1], got {gamma}")


class _DeviceStaging:
    """Host rows that adds fill, copied to a device storage in one copy per field.

    Each host-to-device copy costs a launch (5-10 µs), so rows wait here until a batch is sampled
    or the rows are full. On CUDA they are pinned, which makes that copy asynchronous.
    """

    def __init__(self, storage: tuple[torch.Tensor, ...], fields: int) -> None:
        """Rows shaped like ``storage``'s; ``fields``: how many leading columns ``flush`` copies
        (one-step buffers never write ``steps``)."""
        self._storage = storage
        self._fields = fields
        self._capacity = len(storage[0])
        self._device = storage[0].device
        pin = self._device.type == "cuda"
        rows = min(_STAGING_ROWS, self._capacity)
        self._rows = tuple(
            torch.zeros((rows, *t.shape[1:]), dtype=t.dtype, pin_memory=pin) for t in storage
        )
        self._rows_np = tuple(t.numpy() for t in self._rows)
        self._uploaded = torch.cuda.Event() if pin else None
        self._count = 0  # rows waiting
        self._start = 0  # the storage slot of the first of them

    def fits(self, count: int) -> bool:
        """Whether ``count`` rows fit in the staging area at all."""
        return count <= len(self._rows_np[0])

    def stage(self, columns: tuple[Any, ...], slot: int) -> None:
        """Append rows (``None``: skip the field) bound for storage slots from ``slot`` on."""
        count = len(columns[2])
        if self._count + count > len(self._rows_np[0]):
            self.flush()
        if self._count == 0:
            self._start = slot
            if self._uploaded is not None:
                # The last upload may still be reading the pinned rows.
                self._uploaded.synchronize()
        start, end = self._count, self._count + count
        for dst, src in zip(self._rows_np, columns, strict=True):
            if src is not None:
                dst[start:end] = src
        self._count = end

    def flush(self) -> None:
        """Copy the staged rows to the device storage."""
        staged = self._count
        if not staged:
            return
        start = self._start
        # Staged rows never outnumber the storage's slots, so they wrap around at most once.
        first = min(staged, self._capacity - start)
        rest = staged - first
        fields = self._fields
        for dst, src in zip(self._storage[:fields], self._rows[:fields], strict=True):
            # narrow() rather than slicing: this loop is launch- and dispatch-bound.
            dst.narrow(0, start, first).copy_(src.narrow(0, 0, first), non_blocking=True)
            if rest:
                dst.narrow(0, 0, rest).copy_(src.narrow(0, first, rest), non_blocking=True)
        if self._uploaded is not None:
            self._uploaded.record(torch.cuda.current_stream(self._device))
        self._count = 0

    def discard(self) -> None:
        """Drop the staged rows without copying them."""
        self._count = 0


class ReplayBuffer:
    """Circular storage of ``capacity`` (n-step) transitions, sampled uniformly.

    ``add`` takes one vector-env step at a time. ``next_obs`` must be the true next observation
    (the final one for an env whose episode just ended, which the training loop takes from
    ``info["final_obs"]``), so no transition ever spans an autoreset.
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
        """Allocate the storage and seed the sampling generator.

        Args:
            capacity: Most transitions kept; the oldest are overwritten beyond it.
            observation_space: A single env's observation space (``Discrete`` or ``Box``).
            action_space: A single env's action space (``Discrete`` or ``Box``).
            num_envs: Envs per ``add`` call (the first axis of its arrays).
            device: Where the storage lives and batches are returned.
            n_step: Rewards summed into one transition (1: plain one-step transitions).
            gamma: Discount of the n-step sums.
            seed: Seed of the generator that draws the sampled indices.

        Raises:
            ValueError: A number out of range, or a space other than ``Discrete`` or ``Box``.
        """
        _check_arguments(capacity, num_envs, n_step, gamma)
        self.capacity = int(capacity)
        self.num_envs = int(num_envs)
        self.n_step = int(n_step)
        self.gamma = float(gamma)
        self.device = torch.device(device)
        obs_layout = _layout(observation_space, "obs")
        action_layout = _layout(action_space, "action")
        self._obs_shape, self._obs_dtype = obs_layout
        self._action_shape, self._action_dtype = action_layout
        self._arrays, self._tensors = self._allocate(obs_layout, action_layout)
        self._staging: _DeviceStaging | None = None
        if self.device.type != "cpu":
            # With one-step transitions `add` never writes `steps`: leave it out of the copies.
            fields = len(_FIELDS) if self.n_step > 1 else len(_FIELDS) - 1
            self._staging = _DeviceStaging(self._tensors, fields)
        if self.n_step == 1:
            # Every one-step transition sums one reward: fill `steps` once so that `add` skips it.
            self._tensors[-1].fill_(1)
        self._pos = 0
        self._size = 0
        self._nstep = NStepAccumulator(
            self.num_envs, self.n_step, self.gamma, obs_layout, action_layout
        )
        self._generator = torch.Generator(device=self.device)
        self._generator.manual_seed(seed)

    def _allocate(
        self, obs_layout: Layout, action_layout: Layout
    ) -> tuple[tuple[np.ndarray, ...] | None, tuple[torch.Tensor, ...]]:
        """Zeroed storage columns: numpy arrays and tensor views of them on the CPU, else
        tensors on the device (and no arrays)."""
        layout = (
            obs_layout,
            action_layout,
            ((), np.dtype(np.float32)),  # rewards
            obs_layout,  # next_obs
            ((), np.dtype(np.float32)),  # terminated
            ((), np.dtype(np.int64)),  # steps
        )
        if self.device.type == "cpu":
            arrays = tuple(
                np.zeros((self.capacity, *shape), dtype=dtype) for shape, dtype in layout
            )
            return arrays, tuple(torch.from_numpy(a) for a in arrays)
        tensors = tuple(
            torch.zeros((self.capacity, *shape), dtype=_torch_dtype(dtype), device=self.device)
            for shape, dtype in layout
        )
        return None, tensors

    def __len__(self) -> int:
        """Number of stored transitions (at most ``capacity``); pending n-step items not counted."""
        return self._size

    def add(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> None:
        """Record one vector-env step; row ``i`` of every array is env ``i``.

        Args:
            obs: ``(num_envs, *obs_shape)`` observations the actions were taken in.
            actions: ``(num_envs, *act_shape)`` actions.
            rewards: ``(num_envs,)`` rewards.
            next_obs: ``(num_envs, *obs_shape)`` true next observations (the final observation
                where an episode just ended).
            terminated: ``(num_envs,)`` bools, the episode reached a terminal state.
            truncated: ``(num_envs,)`` bools, the episode was cut off (a time-out); with
                ``n_step > 1`` it ends the n-step window, and the transition still bootstraps.

        Raises:
            ValueError: The arrays do not hold ``num_envs`` rows.
        """
        if len(rewards) != self.num_envs:
            raise ValueError(
                f"replay buffer expects {self.num_envs} env rows per add, got {len(rewards)}"
            )
        if self.n_step == 1:
            # The hot path: one vectorised write per field, no loop over envs.
            self._write(obs, actions, rewards, next_obs, terminated, None)
            return
        ready = self._nstep.step(obs, actions, rewards, next_obs, terminated, truncated)
        if ready is not None:
            self._write(*ready)

    def _write(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        steps: np.ndarray | None,
    ) -> None:
        """Store ``len(rewards)`` transitions at the write position (``steps=None``: 1 each)."""
        count = len(rewards)
        pos = self._pos
        end = pos + count
        if self._arrays is not None and end <= self.capacity:
            # The hot path on the CPU: plain numpy slice assignments into the storage.
            o, a, r, no, t, k = self._arrays
            o[pos:end] = obs
            a[pos:end] = actions
            r[pos:end] = rewards
            no[pos:end] = next_obs
            t[pos:end] = terminated
            if steps is not None:
                k[pos:end] = steps
        else:
            columns = (obs, actions, rewards, next_obs, terminated, steps)
            if self._staging is not None and self._staging.fits(count):
                self._staging.stage(columns, pos)
            else:
                self._flush()
                self._put(columns, pos)
        self._pos = end % self.capacity
        self._size = min(self._size + count, self.capacity)

    def _flush(self) -> None:
        """Copy rows staged for a device storage over (nothing to do on the CPU)."""
        if self._staging is not None:
            self._staging.flush()

    def _put(self, columns: tuple[Any, ...], start: int) -> None:
        """Write host rows (``None``: skip the field) into the storage from slot ``start`` on,
        wrapping around its end; on the CPU only when they wrap, elsewhere only for adds too big
        for the staging rows."""
        count = len(columns[2])
        if count > self.capacity:
            # Only the last `capacity` rows would survive; skipping the others writes each slot
            # once and still ends where writing them all would.
            skip = count - self.capacity
            start = (start + skip) % self.capacity
            columns = tuple(None if c is None else c[skip:] for c in columns)
            count = self.capacity
        first = min(count, self.capacity - start)
        self._put_rows(columns, start, 0, first)
        if first < count:
            self._put_rows(columns, 0, first, count)

    def _put_rows(self, columns: tuple[Any, ...], at: int, lo: int, hi: int) -> None:
        """Write rows ``lo:hi`` of ``columns`` into storage slots ``at:at + hi - lo``."""
        end = at + hi - lo
        for i, column in enumerate(columns):
            if column is None:
                continue
            rows = column[lo:hi]
            if self._arrays is not None:
                self._arrays[i][at:end] = rows
            else:
                dst = self._tensors[i][at:end]
                # copy_ casts on the way (bool -> float32, float64 -> float32).
                src = torch.from_numpy(np.ascontiguousarray(rows)).reshape(dst.shape)
                dst.copy_(src, non_blocking=True)

    def sample(self, batch_size: int) -> ReplayBatch:
        """Draw ``batch_size`` stored transitions uniformly, with replacement.

        Raises:
            ValueError: ``batch_size`` is below 1 or above the number of stored transitions.
        """
        if not 1 <= batch_size <= self._size:
            raise ValueError(
                f"cannot sample a batch of {batch_size} from a replay buffer holding "
                f"{self._size} transitions"
            )
        self._flush()
        idx = torch.randint(
            self._size, (batch_size,), generator=self._generator, device=self.device
        )
        o, a, r, no, t, k = self._tensors
        return ReplayBatch(
            o.index_select(0, idx),
            a.index_select(0, idx),
            r.index_select(0, idx),
            no.index_select(0, idx),
            t.index_select(0, idx),
            k.index_select(0, idx),
        )

    def state_dict(self, include_data: bool = True) -> dict[str, Any]:
        """The buffer as plain data (numpy arrays on the CPU, numbers, lists, dicts).

        The arrays are copies, so later ``add`` calls do not change a state already taken.

        Args:
            include_data: Keep the stored transitions and pending n-step items. Without them
                the state loads as an empty buffer with the same sampling generator.
        """
        self._flush()
        size = self._size if include_data else 0
        if self._arrays is not None:
            data = {name: a[:size].copy() for name, a in zip(_FIELDS, self._arrays, strict=True)}
        else:
            data = {
                name: t[:size].cpu().numpy() for name, t in zip(_FIELDS, self._tensors, strict=True)
            }
        return {
            "capacity": self.capacity,
            "num_envs": self.num_envs,
            "n_step": self.n_step,
            "gamma": self.gamma,
            "obs_shape": list(self._obs_shape),
            "obs_dtype": self._obs_dtype.name,
            "action_shape": list(self._action_shape),
            "action_dtype": self._action_dtype.name,
            "pos": self._pos if include_data else 0,
            "size": size,
            "data": data,
            "pending": self._nstep.state_dict(include_data),
            "generator": self._generator.get_state().numpy().copy(),
            "generator_device": self.device.type,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state from ``state_dict``; sampling then continues exactly where it was.

        States saved before ``steps`` replaced the stored discounts ``γ^k`` load too: their
        discounts are turned back into step counts (see ``rlkit.parts.nstep.steps_from_discounts``).

        Raises:
            ValueError: The state is incomplete, or its spaces, capacity, number of envs, n-step
                or gamma differ from this buffer's (the last four only matter, and are only
                checked, when the state holds transitions).
        """
        missing = [k for k in ("size", "pos", "data", "pending", "generator") if k not in state]
        if missing:
            raise ValueError(f"replay-buffer state lacks {', '.join(missing)}")
        size, pos = int(state["size"]), int(state["pos"])
        pending = state["pending"]
        self._check(state, "obs_shape", list(self._obs_shape))
        self._check(state, "obs_dtype", self._obs_dtype.name)
        self._check(state, "action_shape", list(self._action_shape))
        self._check(state, "action_dtype", self._action_dtype.name)
        holds_data = size > 0 or any(len(q["rewards"]) for q in pending)
        if holds_data:
            # Stored rewards were summed with these settings, in this layout.
            for key in ("capacity", "num_envs", "n_step", "gamma"):
                self._check(state, key, getattr(self, key))
        if not 0 <= size <= self.capacity or not (
            pos == size % self.capacity if size < self.capacity else 0 <= pos < self.capacity
        ):
            raise ValueError(
                f"replay-buffer state has size {size} and position {pos}, which do not fit "
                f"capacity {self.capacity}"
            )
        columns = [
            self._state_column(state["data"], name, (size, *storage.shape[1:]))
            for name, storage in zip(_FIELDS, self._tensors, strict=True)
        ]
        self._nstep.load_state_dict(pending, check_envs=holds_data)
        self._fill(columns, size)
        self._size, self._pos = size, pos
        self._load_generator(state)

    def _state_column(
        self, data: Mapping[str, Any], name: str, expected: tuple[int, ...]
    ) -> np.ndarray:
        """The saved column ``name``, checked to have the ``expected`` shape."""
        if name == "steps" and name not in data and "discounts" in data:
            # Saved before `steps`: gamma was checked to be this buffer's wherever data is held.
            discounts = self._state_column(data, "discounts", expected)
            return steps_from_discounts(discounts, self.gamma, self.n_step)
        if name not in data:
            raise ValueError(f"replay-buffer state lacks data column {name}")
        column = np.asarray(data[name])
        if column.shape != expected:
            raise ValueError(
                f"replay-buffer state has {name} of shape {column.shape}, expected {expected}"
            )
        # Out-of-range counts would index past gamma_powers in the agents' targets.
        if (
            name == "steps"
            and len(column)
            and not (1 <= column.min() <= column.max() <= self.n_step)
        ):
            raise ValueError(f"replay-buffer state has steps outside 1..{self.n_step}")
        return column

    def _fill(self, columns: list[np.ndarray], size: int) -> None:
        """Put loaded columns into the first ``size`` slots of the storage."""
        if self._arrays is not None:
            for storage_np, column in zip(self._arrays, columns, strict=True):
                storage_np[:size] = column
            return
        if self._staging is not None:
            self._staging.discard()  # staged rows belong to the state being replaced
        for storage, column in zip(self._tensors, columns, strict=True):
            storage[:size].copy_(torch.from_numpy(np.array(column, dtype=column.dtype)))

    def _load_generator(self, state: Mapping[str, Any]) -> None:
        """Continue the saved sampling sequence where the generator's device allows it."""
        if state.get("generator_device", "cpu") == self.device.type:
            generator_state = torch.from_numpy(np.array(state["generator"], dtype=np.uint8))
            try:
                self._generator.set_state(generator_state)
            except RuntimeError as e:
                raise ValueError(f"replay-buffer state has a bad generator state ({e})") from e
        else:
            # A CPU and a CUDA generator cannot take each other's state; sampling stays valid
            # but stops being the sequence the saved buffer would have drawn.
            warnings.warn(
                f"replay-buffer state was saved on {state['generator_device']}, not "
                f"{self.device.type}: samples will differ from the saved run's",
                RuntimeWarning,
                stacklevel=3,  # the caller of load_state_dict
            )

    def _check(self, state: Mapping[str, Any], key: str, expected: Any) -> None:
        if key not in state:
            raise ValueError(f"replay-buffer state lacks {key}")
        value = list(state[key]) if isinstance(expected, list) else state[key]
        if value != expected:
            raise ValueError(f"replay-buffer state has {key} {value}, this buffer has {expected}")
