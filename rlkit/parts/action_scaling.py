"""Actions in the actor's units, [-1, 1], and in an env's Box bounds.

The actors of DDPG, TD3 and SAC end in tanh; their actions are rescaled to the env's bounds only
on the way out, and the replay buffer and the critics see the [-1, 1] ones. ``unit_to_bounds`` is
the one formula, used on NumPy arrays here and on tensors inside the exported policy
(``rlkit.nets.ScaledActor``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces


def unit_to_bounds(unit: Any, low: Any, half_range: Any) -> Any:
    """[-1, 1] to [low, high]: ``low + (unit + 1) · half_range``, ``half_range = (high − low) / 2``
    (NumPy arrays or torch tensors alike)."""
    return low + (unit + 1.0) * half_range


class ActionScaler:
    """Maps the actor's [-1, 1] to an env's Box bounds and back."""

    def __init__(self, space: spaces.Box) -> None:
        """Read the bounds of ``space`` (they must be finite)."""
        if not (np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))):
            raise ValueError(f"an actor in [-1, 1] needs finite action bounds, got {space}")
        self.low = space.low.astype(np.float64)
        self.high = space.high.astype(np.float64)
        self.half_range = 0.5 * (self.high - self.low)
        self.dtype = space.dtype

    def to_env(self, actions: np.ndarray) -> np.ndarray:
        """[-1, 1] to [low, high], in the action space's dtype."""
        return unit_to_bounds(actions, self.low, self.half_range).astype(self.dtype)

    def from_env(self, actions: np.ndarray) -> np.ndarray:
        """[low, high] to [-1, 1] (what the buffer and the critic see)."""
        return 2.0 * (np.asarray(actions, dtype=np.float64) - self.low) / (self.high - self.low) - 1
