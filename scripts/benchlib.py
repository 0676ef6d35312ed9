"""Shared helpers of the benchmark scripts: the machine's description, docs/benchmarks.md."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "docs" / "benchmarks.md"


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def machine() -> str:
    """A one-line description of the machine, for the tables' captions, with its load when the
    script started (wall times from a loaded machine are longer; ratios from one run still
    compare like with like)."""
    load = (
        f", load average {os.getloadavg()[0]:.1f} at the start" if hasattr(os, "getloadavg") else ""
    )
    return (
        f"{platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}{load}"
    )


def side_by_side(work: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``work`` on each item, ``jobs`` at a time, the results in the items' order: joblib, as
    ``rlkit.compare`` runs its jobs. Threads suffice: each item's work is a child process."""
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=jobs, prefer="threads")(delayed(work)(item) for item in items))


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


def run_rlkit(
    overrides: Sequence[str], workdir: Path, log: Path | None = None
) -> tuple[dict, float]:
    """``python -m rlkit.train`` in a fresh interpreter; its summary and the command's wall time.

    With ``log`` its output goes to that file as it runs (to follow a long run), not to memory.
    """
    started = time.perf_counter()
    with open(log, "w") if log is not None else contextlib.nullcontext() as sink:
        out = subprocess.run(
            [sys.executable, "-m", "rlkit.train", "progress=false", *overrides],
            cwd=workdir,
            stdout=sink if log is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"rlkit run failed: {list(overrides)}\n{out.stderr}")
    stdout = log.read_text() if log is not None else out.stdout
    run_dir = workdir / stdout.strip().splitlines()[-1]
    summary = json.loads((run_dir / "summary.json").read_text())
    return {**summary, "run_dir": str(run_dir)}, wall


def ratio_table(ours: Sequence[float], theirs: Sequence[float]) -> list[str]:
    """Markdown rows: rlkit's and SB3's env steps/s per round, their ratio, and the medians."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    lines = ["| round | rlkit env steps/s | SB3 env steps/s | ratio |", "|---:|---:|---:|---:|"]
    for i, (a, b, r) in enumerate(zip(ours, theirs, ratios, strict=True)):
        lines.append(f"| {i + 1} | {a:,.0f} | {b:,.0f} | {r:.2f}x |")
    lines.append(
        f"| median | {statistics.median(ours):,.0f} | {statistics.median(theirs):,.0f} "
        f"| **{statistics.median(ratios):.2f}x** |"
    )
    return lines


TRAINING_KEYS = ("seed", "total_steps", "num_envs", "agent", "env")
"""What a run learns from; a run read back or resumed must match the call's on all of them."""


def check_same_training(part: Path, overrides: list[str]) -> None:
    """Stop (one line) when a kept run was trained otherwise than ``overrides`` ask: reading it
    back would put another config's number in this table. Keys that only watch or pace a run
    (``eval_interval``, ``torch_threads``, ...) may differ."""
    from rlkit.config.compose import config_changes

    for key, old, new in config_changes(part, overrides):
        if key.split(".")[0] in TRAINING_KEYS:
            raise SystemExit(
                f"{part} was trained with {key}={old}, this call asks for {new}; "
                "give another --runs directory"
            )


def resumable_run(
    overrides: list[str], seed_dir: Path, checkpoint_every: int, log: Path | None
) -> tuple[dict, float | None]:
    """One seed's run kept in ``seed_dir`` as ``part0``, ``part1``, ...: a finished part is read
    back, the last checkpointed part is resumed into the next, else the seed starts afresh.

    Returns the summary and the command's wall time (for a run read back, the one it recorded;
    ``None`` when it took several sittings: the time of an interrupted sitting is not known).
    """
    from rlkit.storage.checkpoint import CHECKPOINT_NAME

    parts = sorted(seed_dir.glob("part*"), key=lambda p: int(p.name.removeprefix("part")))
    for part in reversed(parts):
        if (part / "summary.json").is_file() or (part / CHECKPOINT_NAME).is_file():
            check_same_training(part, overrides)
        if (part / "summary.json").is_file():
            summary = json.loads((part / "summary.json").read_text())
            # A run finished in one sitting timed itself (its process, not the interpreter's start).
            wall = summary.get("wall_time_s") if part.name == "part0" else None
            return {**summary, "run_dir": str(part)}, wall
        if (part / CHECKPOINT_NAME).is_file():
            break
        shutil.rmtree(part)  # killed before its first checkpoint: nothing to resume
    else:
        part = None
    new = seed_dir / f"part{0 if part is None else int(part.name.removeprefix('part')) + 1}"
    if part is None:
        args = [*overrides, f"checkpoint_interval={checkpoint_every}"]
    else:
        args = [f"resume={part.resolve()}"]  # the old run's overrides come back with it
    summary, wall = run_rlkit([*args, f"hydra.run.dir={new.resolve()}"], seed_dir, log)
    return summary, (wall if part is None else None)
