"""Multi-layer perceptrons, the Q-network DQN uses and the classifier behaviour cloning fits."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import cast

import torch
from torch import nn


class OneHot(nn.Module):
    """Integer states to one-hot float vectors: how a network reads a ``Discrete`` observation.

    The replay buffer keeps the integers (the observation space's dtype); the encoding happens on
    the device, inside the network, so ``predict`` takes the env's own observations.
    """

    def __init__(self, n_states: int) -> None:
        """Encode states ``0 .. n_states - 1``."""
        super().__init__()
        self.n_states = n_states

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """``(B,)`` integers to ``(B, n_states)`` float32."""
        return nn.functional.one_hot(states.long(), self.n_states).float()


class FloatFlatten(nn.Module):
    """Flatten each observation to a float32 vector (for ``Box`` observations)."""

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``(B, *shape)`` to ``(B, prod(shape))`` float32."""
        return obs.flatten(1).float()


class MLP(nn.Module):
    """Linear layers with ReLU between them: ``in_features -> *hidden_sizes -> out_features``.

    ``forward`` calls ``F.linear`` on each layer's weights rather than each ``nn.Linear``: the same
    maths without a module call per layer, which is most of the cost of acting with a small net.
    """

    def __init__(self, in_features: int, hidden_sizes: Sequence[int], out_features: int) -> None:
        """Build the layers (no activation after the last)."""
        super().__init__()
        widths = [in_features, *hidden_sizes, out_features]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(widths))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_features)`` to ``(B, out_features)``."""
        # A cast, not a check: forward runs at every step.
        *hidden, last = cast("list[nn.Linear]", self.layers)
        for layer in hidden:
            x = torch.relu(nn.functional.linear(x, layer.weight, layer.bias))
        return nn.functional.linear(x, last.weight, last.bias)


class QNetwork(nn.Module):
    """q(s, ·): one value per action, from an observation encoder and an MLP.

    With ``dueling=True`` the last hidden layer feeds two heads, V(s) and A(s, a), combined as
    Q = V + A − mean_a A (Wang et al. 2016, "Dueling Network Architectures").
    """

    def __init__(
        self,
        encoder: nn.Module,
        in_features: int,
        n_actions: int,
        hidden_sizes: Sequence[int],
        dueling: bool = False,
    ) -> None:
        """Build q; ``in_features`` is the width of the encoder's output."""
        super().__init__()
        self.encoder = encoder
        self.dueling = dueling
        if dueling:
            self.body = MLP(in_features, hidden_sizes[:-1], hidden_sizes[-1])
            self.value = nn.Linear(hidden_sizes[-1], 1)
            self.advantage = nn.Linear(hidden_sizes[-1], n_actions)
        else:
            self.head = MLP(in_features, hidden_sizes, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``(B, *obs_shape)`` observations to ``(B, n_actions)`` action values."""
        features = self.encoder(obs)
        if not self.dueling:
            return self.head(features)
        hidden = torch.relu(self.body(features))
        advantage = self.advantage(hidden)
        return self.value(hidden) + advantage - advantage.mean(dim=1, keepdim=True)


class ActionClassifier(nn.Module):
    """π(s): an observation encoder and an MLP giving one logit per action (behaviour cloning).

    Its parameters are named as those of a ``QNetwork`` without a duelling head (``encoder``,
    ``head``), so that DQN can start from a cloned policy (``agent.pretrain``): the classifier's
    argmax becomes q's greedy action.
    """

    def __init__(
        self, encoder: nn.Module, in_features: int, n_actions: int, hidden_sizes: Sequence[int]
    ) -> None:
        """Build π; ``in_features`` is the width of the encoder's output."""
        super().__init__()
        self.encoder = encoder
        self.head = MLP(in_features, hidden_sizes, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``(B, *obs_shape)`` observations to ``(B, n_actions)`` logits."""
        return self.head(self.encoder(obs))
