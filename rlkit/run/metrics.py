"""``metrics.csv`` and the progress bar."""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

EPISODE_COLUMNS = ("step", "episode", "episode_return", "episode_length")
EVAL_COLUMNS = ("eval_return_mean", "eval_return_std")


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


class MetricsWriter:
    """Rows of ``metrics.csv``: one per finished episode, per log interval and per evaluation.

    Columns are fixed when the file is opened; a row leaves the columns it does not know empty.
    """

    def __init__(self, path: Path, agent_columns: Sequence[str]) -> None:
        """Open ``path`` and write the header (episode, evaluation and the agent's columns)."""
        self.columns = (*EPISODE_COLUMNS, *EVAL_COLUMNS, *agent_columns)
        self._file = open(path, "w", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.columns)
        self.rows = 0
        """Rows written after the header."""

    def write(self, **values: Any) -> None:
        """Append one row; unknown keys are a bug and raise ``KeyError``."""
        unknown = set(values) - set(self.columns)
        if unknown:
            raise KeyError(f"unknown metrics columns {sorted(unknown)}")
        self._writer.writerow([_format(values.get(c)) for c in self.columns])
        self.rows += 1

    def write_raw(self, row: Sequence[str]) -> None:
        """Append a row as read back from an earlier ``metrics.csv`` (a resumed run's history)."""
        if len(row) != len(self.columns):
            raise ValueError(f"a metrics row needs {len(self.columns)} fields, got {len(row)}")
        self._writer.writerow(row)
        self.rows += 1

    def flush(self) -> None:
        """Push the rows written so far to disk."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()

    def __enter__(self) -> MetricsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ProgressBar:
    """A rich progress bar: steps, steps/s, ETA and the last episode's return.

    Refreshed at most every ``min_interval`` seconds by ``update``; off when ``enabled`` is false.
    """

    def __init__(
        self, total: int, description: str, console: Console, enabled: bool = True
    ) -> None:
        """Prepare a bar for ``total`` env steps."""
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[speed]:>9} steps/s"),
            TimeRemainingColumn(),
            TextColumn("last return {task.fields[last_return]}"),
            console=console,
            transient=True,
            disable=not enabled,
        )
        self._task = self._progress.add_task(description, total=total, speed="-", last_return="-")
        self._start = time.perf_counter()
        self._next_refresh = 0.0
        self.min_interval = 0.2

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, step: int, last_return: float | None) -> None:
        """Show progress at ``step`` (cheap to call often: it refreshes a few times a second)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if now < self._next_refresh:
            return
        self._next_refresh = now + self.min_interval
        speed = step / max(now - self._start, 1e-9)
        self._progress.update(
            self._task,
            completed=step,
            speed=f"{speed:,.0f}",
            last_return="-" if last_return is None else f"{last_return:.2f}",
        )

    def print(self, line: str) -> None:
        """Print one line above the bar (or plainly when the bar is off)."""
        self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
