"""n-step transitions, summed per env as a vector env's steps come in.

Each env keeps its last ``n_step - 1`` (obs, action, reward) items. Once ``n_step`` have come, the
oldest item becomes the transition ``(s_t, a_t, sum_{i<n} γ^i r_{t+i}, s_{t+n}, False, n)``; when
the episode ends (terminated or truncated) every pending item becomes a transition at once, each
with the ``k < n_step`` rewards left before the end. So a transition never spans an autoreset,
and its bootstrap factor is ``γ^k``, read from ``gamma_powers`` by the agent at ``k = steps``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

# One pending step of one env: a copy of its observation and action, and its reward.
PendingItem = tuple[np.ndarray, np.ndarray, float]


def gamma_powers(gamma: float, n: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """``[γ^0, γ^1, ..., γ^n]`` as float32: index it with a transition's ``steps`` to get ``γ^k``.

    Each power is the Python float ``gamma**i`` rounded once to float32, as replay buffers stored
    their discounts before ``steps`` replaced them, so targets keep every bit.
    """
    powers = np.array([gamma**i for i in range(n + 1)], dtype=np.float32)
    return torch.from_numpy(powers).to(device)


def steps_from_discounts(discounts: np.ndarray, gamma: float, n_step: int) -> np.ndarray:
    """The step counts ``k`` of transitions that an older buffer stored as discounts ``γ^k``.

    Those discounts were ``gamma_powers(gamma, n_step)[k]`` exactly, so each one is looked up in
    that table rather than taken through a logarithm. Where two ``k`` share one float32 power
    (``gamma`` 0 or 1, or within float32 rounding of 1, with ``n_step > 1``) the discount cannot
    tell them apart, and the state is refused rather than loaded with made-up step counts.

    Raises:
        ValueError: ``k`` is ambiguous, or a discount is no ``γ^k`` with ``1 <= k <= n_step``.
    """
    discounts = np.asarray(discounts, dtype=np.float32)
    table = gamma_powers(gamma, n_step).numpy()[1:]
    if len(discounts) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(np.unique(table)) < len(table):
        raise ValueError(
            f"replay-buffer state stores discounts γ^k, which with gamma {gamma} and n_step "
            f"{n_step} do not tell the step counts k; it cannot be loaded"
        )
    matches = discounts[:, None] == table[None, :]
    if not matches.any(axis=1).all():
        raise ValueError(
            f"replay-buffer state has discounts that are not γ^k for gamma {gamma} and "
            f"1 <= k <= {n_step}"
        )
    return matches.argmax(axis=1).astype(np.int64) + 1


class NStepTransitions(NamedTuple):
    """Complete transitions, one per row, in the replay buffer's column order."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    """float32 discounted sums of the ``steps`` rewards."""
    next_obs: np.ndarray
    terminated: np.ndarray
    """float32, 1.0 where the episode terminated (a truncation is 0.0 and still bootstraps)."""
    steps: np.ndarray
    """int64, the number ``k`` of rewards summed: ``n_step``, or fewer where the episode ended."""


class NStepAccumulator:
    """Per-env queues of pending steps that turn a vector env's steps into n-step transitions."""

    def __init__(
        self,
        num_envs: int,
        n_step: int,
        gamma: float,
        obs_layout: tuple[tuple[int, ...], np.dtype],
        action_layout: tuple[tuple[int, ...], np.dtype],
    ) -> None:
        """Start with empty queues.

        Args:
            num_envs: Envs per ``step`` call, one queue each.
            n_step: Rewards summed into one transition at most.
            gamma: Discount of the sums.
            obs_layout: Shape and dtype of one stored observation.
            action_layout: Shape and dtype of one stored action.
        """
        self.num_envs = num_envs
        self.n_step = n_step
        self.gamma = gamma
        self._obs_shape, self._obs_dtype = obs_layout
        self._action_shape, self._action_dtype = action_layout
        # Python floats, not gamma_powers' float32: the sums are done in double precision.
        self._powers = [gamma**i for i in range(n_step + 1)]
        self._queues: list[deque[PendingItem]] = [deque() for _ in range(num_envs)]

    def step(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> NStepTransitions | None:
        """Take one vector-env step (row ``i``: env ``i``); return the transitions it completes.

        ``next_obs`` must be the true next observation (the final one where an episode ended).
        Returns ``None`` when no env completed a transition.
        """
        ready: list[tuple[np.ndarray, np.ndarray, float, np.ndarray, bool, int]] = []
        for env, queue in enumerate(self._queues):
            # Copies: the caller may reuse its arrays for the next step.
            queue.append(
                (
                    np.array(obs[env], dtype=self._obs_dtype),
                    np.array(actions[env], dtype=self._action_dtype),
                    float(rewards[env]),
                )
            )
            if terminated[env] or truncated[env]:
                ready.extend(self._flush(queue, next_obs[env], bool(terminated[env])))
            elif len(queue) == self.n_step:
                ret = sum(p * item[2] for p, item in zip(self._powers, queue, strict=False))
                o, a, _ = queue.popleft()
                ready.append((o, a, ret, next_obs[env], False, self.n_step))
        if not ready:
            return None
        o, a, r, no, t, k = zip(*ready, strict=True)
        return NStepTransitions(
            np.stack(o),
            np.stack(a),
            np.array(r, dtype=np.float32),
            np.stack(no),
            np.array(t, dtype=np.float32),
            np.array(k, dtype=np.int64),
        )

    def _flush(
        self, queue: deque[PendingItem], next_obs: np.ndarray, terminated: bool
    ) -> list[tuple[np.ndarray, np.ndarray, float, np.ndarray, bool, int]]:
        """End every pending window of an env whose episode just ended, each shorter by one."""
        # Summed backwards, r_i + γ·(sum after i): one pass for all the windows.
        returns = [0.0] * len(queue)
        ret = 0.0
        for i in range(len(queue) - 1, -1, -1):
            ret = queue[i][2] + self.gamma * ret
            returns[i] = ret
        ended = [
            (o, a, returns[i], next_obs, terminated, len(queue) - i)
            for i, (o, a, _) in enumerate(queue)
        ]
        queue.clear()
        return ended

    def state_dict(self, include_data: bool = True) -> list[dict[str, np.ndarray]]:
        """Each env's pending items as arrays (empty ones without ``include_data``)."""
        return [self._queue_state(queue if include_data else deque()) for queue in self._queues]

    def _queue_state(self, queue: deque[PendingItem]) -> dict[str, np.ndarray]:
        obs = np.zeros((len(queue), *self._obs_shape), dtype=self._obs_dtype)
        actions = np.zeros((len(queue), *self._action_shape), dtype=self._action_dtype)
        for i, (o, a, _) in enumerate(queue):
            obs[i] = o
            actions[i] = a
        rewards = np.array([r for _, _, r in queue], dtype=np.float64)
        return {"obs": obs, "actions": actions, "rewards": rewards}

    def load_state_dict(self, pending: Sequence[Mapping[str, Any]], check_envs: bool) -> None:
        """Restore the queues from ``state_dict``; nothing changes if the state is refused.

        Args:
            pending: One saved queue per env.
            check_envs: Require one queue per env (a state without pending items may have
                another number of envs: its queues are all empty).

        Raises:
            ValueError: The number of queues or of items in one does not fit.
        """
        if check_envs and len(pending) != self.num_envs:
            raise ValueError(
                f"replay-buffer state has {len(pending)} pending queues, expected {self.num_envs}"
            )
        queues: list[deque[PendingItem]] = [deque() for _ in range(self.num_envs)]
        for queue, saved in zip(queues, pending, strict=False):
            if len(saved["rewards"]) >= self.n_step:
                raise ValueError(
                    f"replay-buffer state has {len(saved['rewards'])} pending items for an env, "
                    f"at most {self.n_step - 1} fit n_step {self.n_step}"
                )
            for o, a, r in zip(saved["obs"], saved["actions"], saved["rewards"], strict=True):
                queue.append(
                    (
                        np.array(o, dtype=self._obs_dtype).reshape(self._obs_shape),
                        np.array(a, dtype=self._action_dtype).reshape(self._action_shape),
                        float(r),
                    )
                )
        self._queues = queues
