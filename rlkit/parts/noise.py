"""Exploration noise for continuous actions, one process per vector env.

Noise is added in the actor's units, [-1, 1] per action dimension, before the action is rescaled
to the env's bounds (as SB3 does), so ``sigma`` means the same on every env.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class GaussianNoise:
    """Independent N(0, σ²) noise at every step."""

    def __init__(self, num_envs: int, action_dim: int, sigma: float, rng: np.random.Generator):
        """Noise of shape ``(num_envs, action_dim)``, drawn from ``rng``."""
        self.shape = (num_envs, action_dim)
        self.sigma = sigma
        self.rng = rng

    def sample(self) -> np.ndarray:
        """One draw for every env."""
        return self.sigma * self.rng.standard_normal(self.shape)

    def reset(self, envs: np.ndarray) -> None:
        """Gaussian noise has no state: nothing to reset."""

    def state_dict(self) -> dict[str, Any]:
        """No state beyond the shared RNG."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Nothing to restore."""


class OrnsteinUhlenbeckNoise:
    """Temporally correlated noise (Lillicrap et al. 2016, after Uhlenbeck and Ornstein 1930).

    x ← x + θ·(μ − x)·dt + σ·√dt·N(0, 1), with μ = 0: it drifts back to 0 at rate θ, so consecutive
    actions push the same way, which helps on envs with momentum (MountainCar).
    """

    def __init__(
        self,
        num_envs: int,
        action_dim: int,
        sigma: float,
        rng: np.random.Generator,
        theta: float = 0.15,
        dt: float = 1e-2,
    ) -> None:
        """One process per env, starting at 0."""
        self.sigma, self.theta, self.dt = sigma, theta, dt
        self.rng = rng
        self.x = np.zeros((num_envs, action_dim))

    def sample(self) -> np.ndarray:
        """Advance every env's process one step and return it."""
        drift = self.theta * (0.0 - self.x) * self.dt
        diffusion = self.sigma * np.sqrt(self.dt) * self.rng.standard_normal(self.x.shape)
        self.x = self.x + drift + diffusion
        return self.x.copy()

    def reset(self, envs: np.ndarray) -> None:
        """Start the processes of ``envs`` (a boolean mask) again from 0, at an episode start."""
        self.x[envs] = 0.0

    def state_dict(self) -> dict[str, Any]:
        """The processes' current values."""
        return {"x": self.x.copy()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the processes' values."""
        x = np.asarray(state["x"], dtype=np.float64)
        if x.shape != self.x.shape:
            raise ValueError(f"OU noise state has shape {x.shape}; this agent needs {self.x.shape}")
        self.x = x.copy()


def make_noise(
    kind: str, num_envs: int, action_dim: int, sigma: float, theta: float, rng: np.random.Generator
) -> GaussianNoise | OrnsteinUhlenbeckNoise:
    """``gaussian`` or ``ornstein_uhlenbeck`` noise for ``num_envs`` envs."""
    if kind == "gaussian":
        return GaussianNoise(num_envs, action_dim, sigma, rng)
    if kind == "ornstein_uhlenbeck":
        return OrnsteinUhlenbeckNoise(num_envs, action_dim, sigma, rng, theta=theta)
    raise ValueError(f"unknown noise {kind!r}; valid choices: gaussian, ornstein_uhlenbeck")
