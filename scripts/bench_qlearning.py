"""Benchmark: ``python -m rlkit.train agent=qlearning env=cliff`` start to exit, over seeds.

For each seed it runs the real command in a subprocess, times it from start to exit, and checks the
learned Q-table against Q* (value iteration, γ = 0.9) on every (state, action) of every
non-terminal state. It also times the imports that make up the start-up. Prints a table and writes
it into ``docs/benchmarks.md`` (its own section; other sections are kept).

    python scripts/bench_qlearning.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import rlkit
from rlkit.tools.planning import non_terminal_states, value_iteration

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine, write_section

SECTION = "qlearning-cliff"


def import_time(statement: str, repeats: int = 3) -> float:
    """Median seconds to run ``statement`` in a fresh interpreter, interpreter start excluded."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return float(np.median(times))


def run_seed(seed: int, workdir: Path) -> dict[str, float]:
    """Run the command for one seed; return its wall time, Q* error, eval return and steps/s."""
    command = [sys.executable, "-m", "rlkit.train", "agent=qlearning", "env=cliff", f"seed={seed}"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"seed {seed} failed: {result.stderr}")
    run_dir = workdir / result.stdout.strip().splitlines()[-1]
    summary = json.loads((run_dir / "summary.json").read_text())
    env = gym.make("rlkit/CliffWalk-v0").unwrapped
    states = non_terminal_states(env)
    q = rlkit.load(run_dir).q_table
    error = float(np.abs(q[states] - value_iteration(env, 0.9)[states]).max())
    return {
        "seed": seed,
        "wall_s": wall,
        "q_error": error,
        "eval_return": summary["eval_return_mean"],
        "steps_per_s": summary["env_steps_per_s"],
    }


def main() -> None:
    """Run the benchmark and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    imports = {
        "interpreter start (`python -c pass`, wall)": time.perf_counter() - started,
        "import rlkit (registers the envs; gymnasium)": import_time("import rlkit"),
        "+ config and loop (hydra, omegaconf, rich)": import_time(
            "import rlkit, rlkit.config.compose, rlkit.run.loop"
        ),
        "import matplotlib.pyplot (for q_table.png)": import_time("import matplotlib.pyplot"),
        "import torch (not imported on the tabular path)": import_time("import torch"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(seed, Path(tmp)) for seed in range(args.seeds)]

    lines = [
        "## Tabular Q-learning on the cliff: the whole command",
        "",
        f"`python -m rlkit.train agent=qlearning env=cliff seed=<s>` with its defaults "
        f"(100,000 env steps), start to exit, on {machine()}. "
        "Target: under 15 s; Q within 0.01 of Q* everywhere; greedy return -12.",
        "Measured by `python scripts/bench_qlearning.py`.",
        "",
        "| seed | wall time (s) | max abs(Q - Q*) | greedy eval return | env steps/s |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['wall_s']:.2f} | {r['q_error']:.1e} | {r['eval_return']:g} "
            f"| {r['steps_per_s']:,.0f} |"
        )
    walls = [r["wall_s"] for r in rows]
    lines += [
        "",
        f"Wall time: mean {np.mean(walls):.2f} s, max {max(walls):.2f} s. "
        f"Worst Q error {max(r['q_error'] for r in rows):.1e}.",
        "",
        "Start-up (median of 3 fresh interpreters, seconds):",
        "",
        "| import | s |",
        "|---|---:|",
        *(f"| {name} | {seconds:.2f} |" for name, seconds in imports.items()),
    ]
    markdown = "\n".join(lines)
    print(markdown)
    print(f"\nwritten to {write_section(markdown, SECTION)}")


if __name__ == "__main__":
    main()
