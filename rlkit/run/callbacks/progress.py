"""The progress bar: steps, steps/s, ETA and the last episode's return (``progress=true``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from rlkit.run.callbacks.base import Callback

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class ProgressBar(Callback):
    """A rich progress bar over ``run.budget`` (env steps, or epochs for an offline agent),
    refreshed at most every ``min_interval`` seconds. Lines the run prints meanwhile
    (``run.print``) appear above it, on the same console."""

    min_interval = 0.2

    def __init__(self) -> None:
        """Nothing is drawn until training starts."""
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._start = 0.0
        self._next_refresh = 0.0

    def on_training_start(self, run: RunContext) -> None:
        """Draw the bar."""
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[speed]:>9} steps/s"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("last return {task.fields[last_return]}"),
            console=run.console,
            transient=True,
        )
        self._task = self._progress.add_task(
            run.label, total=run.budget, speed="-", last_return="-"
        )
        self._start = time.perf_counter()
        self._progress.start()

    def on_step(self, run: RunContext) -> bool:
        """Show progress (cheap to call every step: it redraws a few times a second)."""
        now = time.perf_counter()
        if now < self._next_refresh or self._progress is None or self._task is None:
            return True
        self._next_refresh = now + self.min_interval
        step = run.state.global_step
        last_return = run.state.last_return
        self._progress.update(
            self._task,
            completed=step,
            speed=f"{step / max(now - self._start, 1e-9):,.0f}",
            last_return="-" if last_return is None else f"{last_return:.2f}",
        )
        return True

    def on_training_end(self, run: RunContext) -> None:
        """Take the bar away."""
        if self._progress is not None:
            self._progress.stop()
