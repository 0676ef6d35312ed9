"""Stand-alone policy modules: what ``agent.policy_module()`` returns for export and play."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from rlkit.parts.action_scaling import unit_to_bounds


class ScaledActor(nn.Module):
    """DDPG's μ(s) with its [-1, 1] output rescaled to an env's Box bounds.

    The rescaling lives inside the module (as buffers) so that an exported graph returns actions
    in the env's units and whoever runs it needs nothing but the observation.
    """

    def __init__(
        self,
        actor: nn.Module,
        low: Sequence[float] | np.ndarray | torch.Tensor,
        high: Sequence[float] | np.ndarray | torch.Tensor,
        action_shape: Sequence[int],
    ) -> None:
        """Wrap ``actor`` (a tanh output of ``prod(action_shape)`` values) for ``low..high``."""
        super().__init__()
        self.actor = actor
        self.action_shape = tuple(int(n) for n in action_shape)
        low_t = torch.as_tensor(low, dtype=torch.float32).reshape(-1)
        high_t = torch.as_tensor(high, dtype=torch.float32).reshape(-1)
        self.low: torch.Tensor
        self.high: torch.Tensor
        self.half_range: torch.Tensor
        self.register_buffer("low", low_t)
        self.register_buffer("high", high_t)
        self.register_buffer("half_range", 0.5 * (high_t - low_t))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``(B, *obs_shape)`` to ``(B, *action_shape)`` actions in ``[low, high]``."""
        actions = unit_to_bounds(self.actor(obs), self.low, self.half_range)
        # onnxruntime's tanh can overshoot ±1 by an ulp, which would put an action just outside
        # the Box (-2.0000002 on Pendulum) where the env refuses it; clamp to the bounds.
        actions = torch.minimum(torch.maximum(actions, self.low), self.high)
        return actions.unflatten(1, self.action_shape)
