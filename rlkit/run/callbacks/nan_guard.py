"""Stop a run whose numbers have gone NaN or infinite, and never checkpoint them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rlkit.run.callbacks.base import Callback, Record

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class NaNGuard(Callback):
    """A non-finite training metric (checked every ``log_interval``) stops the run with one line
    naming the step and the last good checkpoint. The checkpoint itself refuses non-finite
    numbers (``rlkit/run/divergence.py``, called by ``RunContext.save_checkpoint`` on the state it
    writes), so resuming starts from the last finite state."""

    def on_record(self, run: RunContext, record: Record) -> None:
        """Check the agent's training metrics."""
        if record.kind != "train":
            return
        bad = [f"{k}={v}" for k, v in record.values.items() if not math.isfinite(float(v))]
        if bad:
            raise run.diverged(", ".join(bad))
