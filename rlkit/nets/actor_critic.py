"""The actors and critics of DDPG, TD3 and SAC: μ(s), Q(s, a), the twin critics Q1 and Q2 and
SAC's squashed Gaussian π(a|s).

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


class TwinCritic(nn.Module):
    """Q1(s, a) and Q2(s, a): two critics, each with its own encoder, trained on one target.

    The smaller of the two target critics' values is the TD target's estimate (the clipped
    double-Q of Fujimoto et al. 2018, "Addressing Function Approximation Error in Actor-Critic
    Methods"), which curbs the overestimation one critic builds up; SAC uses it too.
    """

    def __init__(self, q1: Critic, q2: Critic) -> None:
        """Hold the two critics (built alike, initialised apart)."""
        super().__init__()
        self.q1 = q1
        self.q2 = q2

    def forward(
        self, obs: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, *obs_shape)``, ``(B, action_dim)`` to Q1 and Q2, each ``(B,)``."""
        return self.q1(obs, actions), self.q2(obs, actions)


LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0
"""The bounds of the actor's log σ (SAC's reference code and SB3 clamp it to these)."""


class SquashedGaussianActor(nn.Module):
    """π(a|s) of SAC (Haarnoja et al. 2018): a Gaussian N(m(s), σ(s)²) whose samples u are
    squashed by tanh into [-1, 1] (rescaled to the env outside).

    ``sample`` draws a = tanh(u) by the reparameterisation u = m + σ·ε and returns log π(a|s)
    with the change of variables: log N(u; m, σ) − Σ log(1 − tanh(u)² + 1e-6) (the paper's
    appendix C; the 1e-6 keeps the log finite where tanh saturates). ``forward`` is the
    deterministic policy, tanh(m(s)): what ``predict(deterministic=True)`` and ONNX export give.
    """

    def __init__(
        self, encoder: nn.Module, in_features: int, action_dim: int, hidden_sizes: Sequence[int]
    ) -> None:
        """``in_features`` (``encoder``'s output width) through ReLU layers of ``hidden_sizes``
        to two heads, m and log σ, of ``action_dim`` each."""
        super().__init__()
        self.encoder = encoder
        self.body = MLP(in_features, hidden_sizes[:-1], hidden_sizes[-1])
        self.mean = nn.Linear(hidden_sizes[-1], action_dim)
        self.log_std = nn.Linear(hidden_sizes[-1], action_dim)

    def distribution(self, obs: torch.Tensor) -> torch.distributions.Normal:
        """N(m(s), σ(s)²) before the squashing, σ's log clamped to [-20, 2]."""
        hidden = torch.relu(self.body(self.encoder(obs)))
        log_std = self.log_std(hidden).clamp(LOG_STD_MIN, LOG_STD_MAX)
        return torch.distributions.Normal(self.mean(hidden), log_std.exp())

    def sample(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A reparameterised draw a ~ π(·|s), ``(B, action_dim)`` in [-1, 1], and log π(a|s),
        ``(B,)``; gradients flow through both into the actor."""
        gaussian = self.distribution(obs)
        u = gaussian.rsample()
        actions = torch.tanh(u)
        log_prob = gaussian.log_prob(u).sum(1) - torch.log(1.0 - actions**2 + 1e-6).sum(1)
        return actions, log_prob

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The deterministic policy tanh(m(s)), ``(B, action_dim)`` in [-1, 1]."""
        hidden = torch.relu(self.body(self.encoder(obs)))
        return torch.tanh(self.mean(hidden))
