"""Helpers shared by the test modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

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
