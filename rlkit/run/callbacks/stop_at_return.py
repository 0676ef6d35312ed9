"""Stop training once an evaluation reaches a return (``stop_at_return=``; Stable-Baselines3's
``StopTrainingOnRewardThreshold``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rlkit.run.callbacks.base import Callback

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class StopAtReturn(Callback):
    """Stops training after the first periodic evaluation (``eval_interval``) whose mean return
    is at least ``threshold``. The run then ends as usual: a checkpoint, the final evaluation and
    ``summary.json`` (whose ``total_steps`` are the steps taken)."""

    def __init__(self, threshold: float) -> None:
        """Stop at a mean evaluation return of ``threshold`` or more."""
        self.threshold = float(threshold)
        self._seen = 0

    def on_training_start(self, run: RunContext) -> None:
        """Only evaluations from now on count (a resumed run has its earlier ones)."""
        self._seen = len(run.state.evaluations)

    def on_step(self, run: RunContext) -> bool:
        """``False`` when a new evaluation reached the threshold."""
        evaluations = run.state.evaluations
        if len(evaluations) == self._seen:
            return True
        self._seen = len(evaluations)
        mean = evaluations[-1]["return_mean"]
        if mean < self.threshold:
            return True
        run.print(
            f"stopping at step {run.state.global_step:,}: evaluation return {mean:.2f} reached "
            f"stop_at_return={self.threshold:g}"
        )
        return False
