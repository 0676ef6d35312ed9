"""Checkpoints every ``checkpoint_interval`` env steps (the run also writes one at its end and
when a signal stops it)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rlkit.run.callbacks.base import Callback

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class PeriodicCheckpoint(Callback):
    """Writes ``<run>/checkpoint.npz`` every ``checkpoint_interval`` env steps."""

    def on_step(self, run: RunContext) -> bool:
        """Checkpoint when an interval has passed."""
        s = run.state
        if s.global_step >= s.next_checkpoint:
            s.next_checkpoint += run.cfg.checkpoint_interval or math.inf
            run.save_checkpoint()
        return True
