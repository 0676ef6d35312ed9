"""The actor μ(s) and critic Q(s, a) of DDPG."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rlkit.nets.mlp import MLP


class Actor(nn.Module):
    """μ(s): an MLP with a tanh output, so actions are in [-1, 1] (rescaled to the env outside)."""

    def __init__(self, obs_dim: int, action_dim: int, hidden_sizes: Sequence[int]) -> None:
        """``obs_dim`` flat observation features to ``action_dim`` actions."""
        super().__init__()
        self.mlp = MLP(obs_dim, hidden_sizes, action_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``(B, obs_dim)`` to ``(B, action_dim)`` in [-1, 1]."""
        return torch.tanh(self.mlp(obs.flatten(1).float()))


class Critic(nn.Module):
    """Q(s, a): an MLP on the observation and the action side by side."""

    def __init__(self, obs_dim: int, action_dim: int, hidden_sizes: Sequence[int]) -> None:
        """``obs_dim + action_dim`` inputs to one value."""
        super().__init__()
        self.mlp = MLP(obs_dim + action_dim, hidden_sizes, 1)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``(B, obs_dim)``, ``(B, action_dim)`` to ``(B,)``."""
        return self.mlp(torch.cat([obs.flatten(1).float(), actions], dim=1)).squeeze(1)
