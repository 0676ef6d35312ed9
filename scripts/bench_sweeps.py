"""Benchmark: a multirun's seeds side by side with Hydra's joblib launcher against the same runs
one after another (Hydra's basic launcher), wall time of the whole command.

Both run ``python -m rlkit.train -m agent=dqn env=cliff seed=0,...,N-1`` in a fresh interpreter
(with ``hydra/launcher=joblib hydra.launcher.n_jobs=J`` for the first); the ratio is joblib's wall
time over the sequential one, measured in the same sitting (target: <= 0.6x on 2 cores). Needs
the ``sweep`` extra. Prints the table and writes it into ``docs/benchmarks.md`` (section
``sweeps``).

    python scripts/bench_sweeps.py [--seeds 5] [--jobs 2] [--total-steps N] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import cpu_count, machine, write_section

SECTION = "sweeps"


def timed_multirun(args: list[str], workdir: Path) -> tuple[float, list[dict]]:
    """Run ``python -m rlkit.train -m ARGS`` in ``workdir``; its wall time and the summaries."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "rlkit.train", "-m", "progress=false", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"multirun failed: {args}\n{out.stderr}")
    sweep = Path(out.stdout.strip().splitlines()[-1])
    summaries = [json.loads(p.read_text()) for p in sorted(sweep.glob("*/summary.json"))]
    return wall, summaries


def main() -> None:
    """Time both ways, print the table, write it into docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--total-steps", type=int, default=None, help="default: the preset's")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    common = ["agent=dqn", "env=cliff", f"seed={','.join(map(str, range(args.seeds)))}"]
    common += [f"total_steps={args.total_steps}"] if args.total_steps else []
    joblib = ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.jobs}"]
    with tempfile.TemporaryDirectory() as tmp:
        sequential, seq_runs = timed_multirun(common, Path(tmp))
        parallel, par_runs = timed_multirun([*common, *joblib], Path(tmp))
    assert len(seq_runs) == len(par_runs) == args.seeds
    same = [a["eval_return_mean"] for a in seq_runs] == [b["eval_return_mean"] for b in par_runs]
    steps = seq_runs[0]["total_steps"]
    lines = [
        f"`python -m rlkit.train -m {' '.join(common)}`: {args.seeds} DQN runs of {steps:,} env "
        f"steps, one after another and with `{' '.join(joblib)}`; {machine()} "
        f"({cpu_count()} usable). Command wall time, start to exit "
        "(`python scripts/bench_sweeps.py`).",
        "",
        "| launcher | wall time (s) | ratio |",
        "|---|---:|---:|",
        f"| basic (one after another) | {sequential:.1f} | 1.00x |",
        f"| joblib, n_jobs={args.jobs} | {parallel:.1f} | **{parallel / sequential:.2f}x** |",
        "",
        f"Same final returns both ways: {'yes' if same else 'no'}.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        print(f"wrote {write_section(table, SECTION)}")


if __name__ == "__main__":
    main()
