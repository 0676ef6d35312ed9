"""Shared helpers of the benchmark scripts: the machine's description, docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "docs" / "benchmarks.md"


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def machine() -> str:
    """A one-line description of the machine, for the tables' captions."""
    return (
        f"{platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}"
    )


def write_section(markdown: str, section: str) -> Path:
    """Replace one script's section of docs/benchmarks.md (others are kept; created if needed)."""
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    header = "# Benchmarks\n\nWritten by the scripts in `scripts/`; each owns one section.\n"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else header
    block = f"{begin}\n{markdown.rstrip()}\n{end}"
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.parent.mkdir(exist_ok=True)
    BENCHMARKS.write_text(text)
    return BENCHMARKS
