"""A run whose numbers went NaN or infinite: finding them, and the one line that says so."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.errors import TrainingDiverged
from rlkit.storage.checkpoint import CHECKPOINT_NAME
from rlkit.storage.codec import is_tensor


def first_non_finite(agent_state: dict[str, Any]) -> str | None:
    """The path of the first floating-point array or tensor in ``agent_state`` that holds NaN or
    inf (``state['q_net']['0.weight']``), or ``None``: a checkpoint never holds diverged numbers."""
    return next(_non_finite(agent_state), None)


def diverged(
    what: str, global_step: int, run_dir: Path, last_checkpoint_step: int | None
) -> TrainingDiverged:
    """The one-line error: the step, what went non-finite, and the last good checkpoint."""
    checkpoint = run_dir / CHECKPOINT_NAME
    if last_checkpoint_step is not None:
        kept = f"the last good checkpoint is {checkpoint} (step {last_checkpoint_step:,})"
    elif checkpoint.is_file():
        kept = f"the last good checkpoint is {checkpoint} (from before this sitting)"
    else:
        kept = "no checkpoint was written before it"
    return TrainingDiverged(
        f"training diverged at step {global_step:,}: {what}; {kept}. A lower "
        "learning rate, gradient clipping (agent.max_grad_norm) or the Huber loss often helps"
    )


def _non_finite(node: Any, path: str = "state") -> Iterator[str]:
    """The paths of the floating-point arrays or tensors in ``node`` that hold NaN or inf."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _non_finite(value, f"{path}[{key!r}]")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _non_finite(value, f"{path}[{i}]")
    else:
        if is_tensor(node):
            node = node.detach().cpu().numpy()
        if isinstance(node, np.ndarray) and node.dtype.kind == "f" and not np.isfinite(node).all():
            yield path
        elif isinstance(node, float) and not math.isfinite(node):
            yield path
