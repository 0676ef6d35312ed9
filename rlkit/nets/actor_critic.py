"""The actor μ(s) and critic Q(s, a) of DDPG.

Each reads observations through an encoder from ``observation_encoder`` (``rlkit.nets.encoders``):
a flatten for vectors (no parameters, so a vector net is just its MLP), a CNN for uint8 frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rlkit.nets.mlp import MLP


class Actor(nn.Module):
    """μ(s): encoder, then an MLP with a tanh output, so actions are in [-1, 1] (rescaled to the
    env outside)."""

    def __init__(
        self, encoder: nn.Module, in_features: int, action_dim: int, hidden_sizes: Sequence[int]
    ) -> None:
        """``in_features`` (the width of ``encoder``'s output) to ``action_dim`` actions."""
        super().__init__()
        self.encoder = encoder
        self.mlp = MLP(in_features, hidden_sizes, action_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``(B, *obs_shape)`` to ``(B, action_dim)`` in [-1, 1]."""
        return torch.tanh(self.mlp(self.encoder(obs)))


class Critic(nn.Module):
    """Q(s, a): the encoded observation and the action side by side, then an MLP."""

    def __init__(
        self, encoder: nn.Module, in_features: int, action_dim: int, hidden_sizes: Sequence[int]
    ) -> None:
        """``in_features + action_dim`` inputs to one value (``in_features``: ``encoder``'s
        output width)."""
        super().__init__()
        self.encoder = encoder
        self.mlp = MLP(in_features + action_dim, hidden_sizes, 1)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``(B, *obs_shape)``, ``(B, action_dim)`` to ``(B,)``."""
        return self.mlp(torch.cat([self.encoder(obs), actions], dim=1)).squeeze(1)
