"""Helpers shared by the test modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m rlkit.train ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "rlkit.train", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
