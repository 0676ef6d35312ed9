"""Helpers shared by the test modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rlkit.parts.replay import ReplayBatch


def run_cli(*args: str, cwd: Path, module: str = "rlkit.train") -> subprocess.CompletedProcess[str]:
    """``python -m rlkit.train ARGS`` (or another ``module``) in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def random_batch(rng: np.random.Generator, n: int = 8) -> ReplayBatch:
    """Transitions of Pendulum's shapes with [-1, 1] actions, some terminal (for the
    continuous agents' update tests)."""
    import torch

    from rlkit.parts.replay import ReplayBatch

    return ReplayBatch(
        obs=torch.tensor(rng.uniform(-1, 1, (n, 3)), dtype=torch.float32),
        actions=torch.tensor(rng.uniform(-1, 1, (n, 1)), dtype=torch.float32),
        rewards=torch.tensor(rng.normal(size=n), dtype=torch.float32),
        next_obs=torch.tensor(rng.uniform(-1, 1, (n, 3)), dtype=torch.float32),
        terminated=torch.tensor(rng.random(n) < 0.3, dtype=torch.float32),
        steps=torch.ones(n, dtype=torch.int64),
    )


def copy_parameters(pairs: list[tuple[Any, Any]]) -> None:
    """Copy each (ours, SB3's) module pair's parameters from SB3's into ours, in order."""
    import torch

    with torch.no_grad():
        for ours, theirs in pairs:
            for x, y in zip(ours.parameters(), theirs.parameters(), strict=True):
                assert x.shape == y.shape
                x.copy_(y)


def update_both_alike(agent: Any, sb3: Any, n: int, steps: int) -> None:
    """``steps`` updates of ``agent`` and of the SB3 model on the same random batches of ``n``,
    torch's RNG seeded alike before each (for the agents that draw noise in their update)."""
    import torch
    from stable_baselines3.common.type_aliases import ReplayBufferSamples

    rng = np.random.default_rng(3)
    for step in range(steps):
        b = random_batch(rng, n)
        sample = ReplayBufferSamples(
            b.obs, b.actions, b.next_obs, b.terminated[:, None], b.rewards[:, None]
        )
        sb3.replay_buffer.sample = lambda *args, sample=sample, **kwargs: sample
        torch.manual_seed(100 + step)
        sb3.train(gradient_steps=1, batch_size=n)
        torch.manual_seed(100 + step)
        agent.update(b)


def assert_parameters_close(pairs: list[tuple[Any, Any]]) -> None:
    """Each pair's parameters equal at the tolerance fused and for-each Adam allow (they round
    differently in the last bits)."""
    import torch

    for ours, theirs in pairs:
        for x, y in zip(ours.parameters(), theirs.parameters(), strict=True):
            torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6)
