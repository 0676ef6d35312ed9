"""The agent's training metrics (loss, ε, ...) as a record every ``log_interval`` env steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rlkit.run.callbacks.base import Callback

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class TrainingMetrics(Callback):
    """Records ``run.state.last_metrics`` every ``log_interval`` env steps.

    The agent's metrics may be tensors on a GPU; they are read (a host sync) only here, once per
    interval, not at every update.
    """

    def on_step(self, run: RunContext) -> bool:
        """Record the latest metrics when a log interval has passed."""
        s = run.state
        if s.global_step >= s.next_log:
            s.last_metrics = {k: float(v) for k, v in s.last_metrics.items()}
            run.record("train", **s.last_metrics)
            s.next_log += run.cfg.log_interval
        return True
