"""Benchmark: ``python -m rlkit.compare`` on the presets, on held-out seeds 5-9.

For each workload it runs the compare command as a user would (a fresh process, its own compare
directory under ``runs/bench_compare/<workload>``) and gathers the libraries' IQMs with their 95%
stratified-bootstrap intervals and the speed ratio into one table in ``docs/benchmarks.md``
(section ``compare``). The presets were tuned on seeds 0-4: these runs use seeds 5-9.

A workload whose compare directory already holds ``results.json`` is read, not run again, so the
script can be stopped and started again (``--fresh`` starts over).

    python scripts/bench_compare.py [--workloads cliff,cartpole,pendulum,pong] [--jobs 2]
        [--seeds 5] [--seed 5] [--fresh] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, compare_table, machine, run_compare, write_section

SECTION = "compare"
OUT = ROOT / "runs" / "bench_compare"

WORKLOADS: dict[str, list[str]] = {
    # The presets (conf/agent_env/), less what SB3's DQN cannot express.
    "cliff": ["agent=dqn", "env=cliff", "agent.loss=huber"],
    "cartpole": ["agent=dqn", "env=cartpole", "agent.double_q=false"],
    "pendulum": ["agent=ddpg", "env=pendulum"],
    "pong": ["agent=dqn", "env=pong", "agent.double_q=false"],
}
"""Workload -> the compare command's rlkit overrides."""


def report(results: dict[str, dict], jobs: int, note: str = "") -> str:
    """The section of docs/benchmarks.md."""
    setup = next(iter(results.values()))["setup"]
    lines = [
        "## Comparing with Stable-Baselines3",
        "",
        f"Measured by `python scripts/bench_compare.py` (each row one `python -m rlkit.compare` "
        f"command, `jobs={jobs}` side by side) on {machine()}; rlkit "
        f"{setup['rlkit_version']}, Stable-Baselines3 {setup['sb3_version']}. Held-out seeds "
        f"{', '.join(map(str, setup['seeds']))} (the presets were tuned on 0-4); the final "
        "evaluation's IQM over seeds with rliable's 95% stratified-bootstrap interval; env "
        "steps/s over training time (evaluations left out), the median over seeds, both libraries "
        "measured under the same load (two jobs at a time).",
        "",
        *compare_table(results),
        "",
        "Each comparison's own `table.md` (means, medians, every seed's return, wall times) and "
        "`curves.png` are in its directory, `runs/bench_compare/<workload>/`.",
        *(["", note] if note else []),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Run (or read) the comparisons and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="cliff,cartpole,pendulum,pong")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--note", default="", help="a sentence on how the runs went, appended")
    args = parser.parse_args(argv)
    names = args.workloads.split(",")
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}; valid: {', '.join(WORKLOADS)}")
    results = {
        n: run_compare(n, WORKLOADS[n], args.seeds, args.seed, args.jobs, OUT / n, args.fresh)
        for n in names
    }
    markdown = report(results, args.jobs, args.note)
    print(markdown)
    if not args.no_write:
        print(write_section(markdown, SECTION))


if __name__ == "__main__":
    main()
