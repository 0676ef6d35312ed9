"""Stop a run whose numbers have gone NaN or infinite, and never checkpoint them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from rlkit.errors import TrainingDiverged
from rlkit.run.callbacks.base import Callback, Record
from rlkit.storage.checkpoint import CHECKPOINT_NAME

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class NaNGuard(Callback):
    """A non-finite training metric (every ``log_interval``) or a non-finite number in the agent's
    state (before every checkpoint) stops the run with one line naming the step and the last good
    checkpoint. The check comes before the checkpoint is written, so a checkpoint never holds
    the diverged weights: resuming from it starts from the last finite state."""

    def __init__(self) -> None:
        """No checkpoint written yet in this sitting."""
        self.last_good: int | None = None

    def on_record(self, run: RunContext, record: Record) -> None:
        """Check the agent's training metrics."""
        if record.kind != "train":
            return
        bad = [f"{k}={v}" for k, v in record.values.items() if not math.isfinite(float(v))]
        if bad:
            self._stop(run, ", ".join(bad))

    def on_checkpoint(self, run: RunContext) -> None:
        """Check every number the checkpoint would hold, before it is written."""
        bad = next(_non_finite(run.agent.state_dict(include_buffer=False)), None)
        if bad is not None:
            self._stop(run, f"the agent's {bad} holds NaN or inf")
        self.last_good = run.state.global_step

    def _stop(self, run: RunContext, what: str) -> None:
        checkpoint = run.run_dir / CHECKPOINT_NAME
        if self.last_good is not None:
            kept = f"the last good checkpoint is {checkpoint} (step {self.last_good:,})"
        elif checkpoint.is_file():
            kept = f"the last good checkpoint is {checkpoint} (from before this sitting)"
        else:
            kept = "no checkpoint was written before it"
        raise TrainingDiverged(
            f"training diverged at step {run.state.global_step:,}: {what}; {kept}. A lower "
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
        if type(node).__module__.startswith("torch") and hasattr(node, "detach"):
            node = node.detach().cpu().numpy()
        if isinstance(node, np.ndarray) and node.dtype.kind == "f" and not np.isfinite(node).all():
            yield path
        elif isinstance(node, float) and not math.isfinite(node):
            yield path
