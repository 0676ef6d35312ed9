"""Helpers shared by the test modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path, module: str = "rlkit.train") -> subprocess.CompletedProcess[str]:
    """``python -m rlkit.train ARGS`` (or another ``module``) in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
