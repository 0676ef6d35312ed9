"""A Bernoulli restricted Boltzmann machine trained by contrastive divergence, and a DBN of them.

Their training is their own rule, not backpropagation: ``cd1_step`` changes the weights in place
under ``torch.no_grad()``. The weights are still ``nn.Parameter`` so that the models save, load
and move between devices like any other module (and a forward pass is differentiable).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

from rlkit.errors import ConfigError


def _device(generator: torch.Generator | None) -> torch.device:
    """Where a generator draws (the CPU's default one when there is none)."""
    return generator.device if generator is not None else torch.device("cpu")


class RBM(nn.Module):
    """A restricted Boltzmann machine with binary visible and hidden units.

    Lecture "RBM" (Neural networks), after Hinton 2002, "Training Products of Experts by
    Minimizing Contrastive Divergence". One CD-1 step, as the course writes it:
    v → h → v' → h', then W ← W + α(v·hᵀ − v'·h'ᵀ), b ← b + α(v − v'), c ← c + α(h − h'),
    with P(h_i = 1 | v) = σ(Σ_j w_ji v_j + c_i) and P(v_j = 1 | h) = σ(Σ_i w_ji h_i + b_j).
    (The slide's "P(h_i = 1) = 0" is a typo for this sigmoid.) ``W`` is stored
    ``(n_visible, n_hidden)`` so that the update reads v·hᵀ exactly.
    """

    def __init__(self, n_visible: int, n_hidden: int, init_std: float = 0.01) -> None:
        """Small random weights (N(0, init_std²)) and zero biases, as Hinton 2010's guide suggests.

        Raises:
            ConfigError: a layer size that is not a positive integer.
        """
        super().__init__()
        if n_visible < 1 or n_hidden < 1:
            raise ConfigError(
                f"RBM sizes must be positive, got n_visible={n_visible}, n_hidden={n_hidden}"
            )
        self.W = nn.Parameter(init_std * torch.randn(n_visible, n_hidden))
        self.b = nn.Parameter(torch.zeros(n_visible))  # visible biases
        self.c = nn.Parameter(torch.zeros(n_hidden))  # hidden biases

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        """P(h = 1 | v) = σ(v W + c), ``(B, n_hidden)``."""
        return torch.sigmoid(v @ self.W + self.c)

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        """P(v = 1 | h) = σ(h Wᵀ + b), ``(B, n_visible)``."""
        return torch.sigmoid(h @ self.W.T + self.b)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """The features a DBN passes up: P(h = 1 | v), ``(B, n_hidden)``."""
        return self.hidden_probs(v.flatten(1))

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Mean-field reconstruction P(v' = 1 | h = P(h | v)), ``(B, n_visible)``."""
        return self.visible_probs(self.hidden_probs(v.flatten(1)))

    def reconstruction_error(self, v: torch.Tensor) -> torch.Tensor:
        """Mean squared error between ``v`` and its mean-field reconstruction."""
        with torch.no_grad():
            return F.mse_loss(self.reconstruct(v), v.flatten(1))

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) = −bᵀv − Σ_i softplus(c_i + (vW)_i), ``(B,)``; p(v) ∝ exp(−F(v))."""
        return -(v @ self.b) - F.softplus(v @ self.W + self.c).sum(1)

    def cd1_step(
        self, v: torch.Tensor, lr: float, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """One contrastive-divergence step on a batch of binary visible vectors, in place.

        h is sampled to make v' (so the chain is a real Gibbs step), while the update uses the
        probabilities P(h | v) and P(h' | v') in place of the 0/1 samples: the same expected
        update with less noise (Hinton 2010, "A Practical Guide to Training RBMs", §3). The
        outer products are averaged over the batch, so ``lr`` does not depend on its size.

        Args:
            v: ``(B, n_visible)`` data in {0, 1}.
            lr: the learning rate α.
            generator: the random generator for the Gibbs samples (on ``v``'s device).

        Returns:
            The batch's reconstruction MSE between v and P(v' | h), detached.
        """
        with torch.no_grad():
            v = v.flatten(1)
            h = self.hidden_probs(v)  # v → h
            h_sample = torch.bernoulli(h, generator=generator)
            v_probs = self.visible_probs(h_sample)
            v_prime = torch.bernoulli(v_probs, generator=generator)  # h → v'
            h_prime = self.hidden_probs(v_prime)  # v' → h'
            n = len(v)
            self.W.add_(lr * (v.T @ h - v_prime.T @ h_prime) / n)  # W ← W + α(v·hᵀ − v'·h'ᵀ)
            self.b.add_(lr * (v - v_prime).mean(0))
            self.c.add_(lr * (h - h_prime).mean(0))
            return F.mse_loss(v_probs, v)

    def fit(
        self,
        data: torch.Tensor,
        epochs: int = 10,
        lr: float = 0.1,
        batch_size: int = 32,
        generator: torch.Generator | None = None,
    ) -> list[float]:
        """CD-1 over shuffled mini-batches of ``data`` for ``epochs`` passes.

        ``generator`` shuffles (on any device) and draws the Gibbs samples (on ``data``'s).

        Returns:
            The mean-field reconstruction error on ``data`` before training, then after each epoch.
        """
        errors = [self.reconstruction_error(data).item()]
        for _ in range(epochs):
            order = torch.randperm(len(data), generator=generator, device=_device(generator))
            for batch in data[order.to(data.device)].split(batch_size):
                self.cd1_step(batch, lr, generator)
            errors.append(self.reconstruction_error(data).item())
        return errors


class DBN(nn.Module):
    """A deep belief network: RBMs stacked and trained greedily, one layer at a time.

    Lecture "RBM" (DBN = stacked RBMs), after Hinton, Osindero & Teh 2006, "A Fast Learning
    Algorithm for Deep Belief Nets": the first RBM models the data, and each next RBM models the
    hidden probabilities of the one below it, whose weights stay fixed.
    """

    def __init__(self, layer_sizes: Sequence[int], init_std: float = 0.01) -> None:
        """RBMs ``layer_sizes[0] -> layer_sizes[1] -> ...`` (visible size first).

        Raises:
            ConfigError: fewer than two sizes, or a size that is not positive.
        """
        super().__init__()
        if len(layer_sizes) < 2:
            raise ConfigError(
                f"DBN layer_sizes need the visible size and at least one hidden size, "
                f"got {list(layer_sizes)}"
            )
        self.rbms = nn.ModuleList(RBM(a, b, init_std) for a, b in itertools.pairwise(layer_sizes))

    def forward(self, v: torch.Tensor, n_layers: int | None = None) -> torch.Tensor:
        """Hidden probabilities after the first ``n_layers`` RBMs (all by default)."""
        h = v.flatten(1)
        for rbm in self.rbms[:n_layers]:
            h = rbm(h)
        return h

    def reconstruct(self, v: torch.Tensor) -> torch.Tensor:
        """Up through every RBM and back down through them in reverse (mean field)."""
        h = self.forward(v)
        for rbm in reversed(cast("list[RBM]", list(self.rbms))):
            h = rbm.visible_probs(h)
        return h

    def pretrain_layerwise(
        self,
        data: torch.Tensor,
        epochs: int = 10,
        lr: float = 0.1,
        batch_size: int = 32,
        generator: torch.Generator | None = None,
    ) -> list[list[float]]:
        """Train each RBM by CD-1 on the hidden probabilities of the (trained) layers below.

        Returns:
            Per layer, its reconstruction errors (before training, then after each epoch).
        """
        history = []
        for k, rbm in enumerate(cast("list[RBM]", list(self.rbms))):
            with torch.no_grad():
                inputs = self.forward(data, n_layers=k)
            history.append(rbm.fit(inputs, epochs, lr, batch_size, generator))
        return history


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "RBM": lambda: (RBM(64, 16), (torch.bernoulli(torch.full((3, 64), 0.5)),)),
    "DBN": lambda: (DBN([64, 32, 16]), (torch.bernoulli(torch.full((3, 64), 0.5)),)),
}
