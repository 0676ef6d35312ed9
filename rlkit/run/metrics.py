"""``metrics.csv``, the file: its columns and rows (``callbacks/csv_logger.py`` writes it)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

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
