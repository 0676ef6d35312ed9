"""Stop a run whose numbers have gone NaN or infinite, and never checkpoint them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from rlkit.errors import TrainingDiverged
from rlkit.run.callbacks.base import Callback, Record
from rlkit.storage.checkpoint import CHECKPOINT_NAME
from rlkit.storage.codec import is_tensor

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class NaNGuard(Callback):
    """A non-finite training metric (checked every ``log_interval``) stops the run with one line
    naming the step and the last good checkpoint. The checkpoint itself refuses non-finite
    numbers (``check_finite``, called by ``RunContext.save_checkpoint`` on the state it writes), so
    resuming starts from the last finite state."""

    def on_record(self, run: RunContext, record: Record) -> None:
        """Check the agent's training metrics."""
        if record.kind != "train":
            return
        bad = [f"{k}={v}" for k, v in record.values.items() if not math.isfinite(float(v))]
        if bad:
            raise diverged(run, ", ".join(bad))


def check_finite(run: RunContext, agent_state: dict[str, Any]) -> None:
    """Raise ``TrainingDiverged`` if the agent state a checkpoint would hold has NaN or inf."""
    bad = next(_non_finite(agent_state), None)
    if bad is not None:
        raise diverged(run, f"the agent's {bad} holds NaN or inf")


def diverged(run: RunContext, what: str) -> TrainingDiverged:
    """The one-line error: the step, what went non-finite, and the last good checkpoint."""
    checkpoint = run.run_dir / CHECKPOINT_NAME
    if run.last_checkpoint_step is not None:
        kept = f"the last good checkpoint is {checkpoint} (step {run.last_checkpoint_step:,})"
    elif checkpoint.is_file():
        kept = f"the last good checkpoint is {checkpoint} (from before this sitting)"
    else:
        kept = "no checkpoint was written before it"
    return TrainingDiverged(
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
        if is_tensor(node):
            node = node.detach().cpu().numpy()
        if isinstance(node, np.ndarray) and node.dtype.kind == "f" and not np.isfinite(node).all():
            yield path
        elif isinstance(node, float) and not math.isfinite(node):
            yield path
