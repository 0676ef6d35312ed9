"""``metrics.csv``: every record as a row (the logger that is always on)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from rlkit.errors import CheckpointError
from rlkit.run.callbacks.base import Callback, Record
from rlkit.run.metrics import MetricsWriter

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class CSVLogger(Callback):
    """Writes ``<run>/metrics.csv``: one row per ended episode, per log interval and per
    evaluation, in the order they are recorded. A resumed run first copies the rows of the run
    it continues, up to its checkpoint, so that the file equals an uninterrupted run's."""

    def __init__(self, resumed_from: Path | None = None) -> None:
        """``resumed_from``: the run directory whose rows come first (``resume=``)."""
        self.resumed_from = resumed_from
        self.writer: MetricsWriter | None = None

    def on_training_start(self, run: RunContext) -> None:
        """Open the file, write the header and the resumed run's rows."""
        self.writer = MetricsWriter(run.run_dir / "metrics.csv", run.agent.metric_names)
        if self.resumed_from is not None:
            rows = resumed_rows(self.resumed_from, self.writer.columns, run.state.rows_written)
            for row in rows:
                self.writer.write_raw(row)

    def on_record(self, run: RunContext, record: Record) -> None:
        """Append the record; training metrics are flushed at once (they come every
        ``log_interval``, and a crash should lose at most the episodes since)."""
        assert self.writer is not None
        self.writer.write(step=record.step, **record.values)
        run.state.rows_written = self.writer.rows
        if record.kind == "train":
            self.writer.flush()

    def on_checkpoint(self, run: RunContext) -> None:
        """Flush, so that the file holds every row the checkpoint counts."""
        if self.writer is not None:
            self.writer.flush()

    def on_training_end(self, run: RunContext) -> None:
        """Close the file."""
        if self.writer is not None:
            self.writer.close()


def resumed_rows(run_dir: Path, columns: tuple[str, ...], count: int) -> list[list[str]]:
    """The first ``count`` rows of ``run_dir/metrics.csv`` after its header, which must be
    ``columns``.

    Raises:
        CheckpointError: other columns, or fewer rows than the checkpoint counts.
    """
    with open(run_dir / "metrics.csv", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or tuple(rows[0]) != columns:
        raise CheckpointError(f"resume={run_dir}: metrics.csv has other columns than this agent's")
    if len(rows) - 1 < count:
        raise CheckpointError(f"resume={run_dir}: metrics.csv is shorter than the checkpoint")
    return rows[1 : 1 + count]
