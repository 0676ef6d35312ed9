"""Benchmark: TD3 and SAC against Stable-Baselines3's TD3 and SAC, by ``python -m rlkit.compare``
on the presets, on held-out seeds 5-9.

Each workload is one compare command as a user runs it (``jobs=2``, its own directory under
``--runs``, default ``runs/bench_td3_sac/<workload>``); the script gathers every finished one into
the ``td3-sac`` section of ``docs/benchmarks.md``: the IQMs with their 95% stratified-bootstrap
intervals, rlkit's IQM against SB3's interval, each seed's return and the speeds. A workload whose
directory holds ``results.json`` is read, not run again; ``--only-existing`` runs nothing and
writes the table of what is there (the others are listed as not measured). A comparison stopped
before its end (``--only-existing --partial``) is scored on the seeds whose two jobs both finished,
and its row says so.

    python scripts/bench_td3_sac.py [--workloads td3-pendulum,sac-pendulum,...] [--runs DIR]
        [--jobs 2] [--seeds 5] [--seed 5] [--only-existing [--partial]] [--note TEXT]
        [--no-write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, compare_table, machine, run_compare, write_section

SECTION = "td3-sac"
OUT = ROOT / "runs" / "bench_td3_sac"

WORKLOADS: dict[str, list[str]] = {
    "td3-pendulum": ["agent=td3", "env=pendulum"],
    "sac-pendulum": ["agent=sac", "env=pendulum"],
    "td3-lunarlander": ["agent=td3", "env=lunarlander"],
    "sac-lunarlander": ["agent=sac", "env=lunarlander"],
    "td3-mountaincar": ["agent=td3", "env=mountaincar"],
    "sac-mountaincar": ["agent=sac", "env=mountaincar"],
}
"""Workload -> the compare command's rlkit overrides (the presets, each expressible in SB3)."""

TARGETS = {
    "td3-pendulum": "IQM >= -160 (zoo: -152, one run)",
    "sac-pendulum": "IQM >= -160 (zoo: -157, one run)",
    "td3-lunarlander": "IQM >= 220 (zoo: 207.5 at 300k, one run)",
    "sac-lunarlander": "IQM >= 250, CI's lower bound >= 200",
    "td3-mountaincar": ">= 90",
    "sac-mountaincar": "reported (the zoo needs gSDE)",
}
"""What issue 36 asks of each workload."""


def partial_results(out: Path, name: str) -> dict | None:
    """An unfinished comparison's results on the seeds whose rlkit and SB3 jobs both finished
    (their ``jobs/<library>_seed<n>/result.json``), in ``results.json``'s shape; ``None`` if no
    seed has both."""
    import platform

    import stable_baselines3

    import rlkit
    from rlkit.compare.stats import mean_curve, score_statistics

    done = [json.loads(f.read_text()) for f in sorted(out.glob("jobs/*/result.json"))]
    by_seed: dict[int, dict[str, dict]] = {}
    for job in done:
        by_seed.setdefault(job["seed"], {})[job["library"]] = job
    seeds = sorted(s for s, jobs in by_seed.items() if set(jobs) == {"rlkit", "sb3"})
    if not seeds:
        return None
    libraries = {}
    for library in ("rlkit", "sb3"):
        jobs = [by_seed[s][library] for s in seeds]
        final = [j["final_return"] for j in jobs]
        libraries[library] = {
            **score_statistics(final),
            "final_returns": final,
            "env_steps_per_s": statistics.median(j["env_steps_per_s"] for j in jobs),
            "curve": mean_curve(jobs),
        }
    overrides = [*WORKLOADS[name], f"(unfinished: seeds {', '.join(map(str, seeds))} only)"]
    return {
        "setup": {"seeds": seeds, "overrides": overrides, "total_steps": done[0]["env_steps"],
                  "rlkit_version": rlkit.__version__, "sb3_version": stable_baselines3.__version__,
                  "machine": platform.platform()},
        "libraries": libraries,
    }  # fmt: skip


def per_seed(results: dict) -> list[str]:
    """Each seed's final return for both libraries, and what the issue asks."""
    lines = ["| workload | target | rlkit per seed | SB3 per seed |", "|---|---|---|---|"]
    for name, r in results.items():
        ours, theirs = (r["libraries"][k]["final_returns"] for k in ("rlkit", "sb3"))
        lines.append(
            f"| {name} | {TARGETS[name]} | {', '.join(f'{x:.1f}' for x in ours)} "
            f"| {', '.join(f'{x:.1f}' for x in theirs)} |"
        )
    return lines


def report(results: dict[str, dict], missing: list[str], jobs: int, note: str) -> str:
    """The section of docs/benchmarks.md."""
    lines = ["## TD3 and SAC against Stable-Baselines3", ""]
    if results:
        setup = next(iter(results.values()))["setup"]
        lines += [
            f"Each row is one `python -m rlkit.compare <overrides> seeds={len(setup['seeds'])} "
            f"seed={setup['seeds'][0]} total_steps=<the preset's> jobs={jobs}` command, as "
            "`python scripts/bench_td3_sac.py` runs it (and, with `--only-existing`, reads "
            f"finished ones into this section), on {machine()}; rlkit {setup['rlkit_version']}, "
            f"Stable-Baselines3 {setup['sb3_version']}. Held-out seeds "
            f"{', '.join(map(str, setup['seeds']))}; the presets are rl-baselines3-zoo's values, "
            "not tuned here. The final evaluation's IQM over seeds with rliable's 95% "
            "stratified-bootstrap interval; env steps/s over training time, the median over "
            "seeds, both libraries in the same run under the same load.",
            "",
            *compare_table(results),
            "",
            *per_seed(results),
        ]
    if missing:
        lines += ["", f"Not measured yet: {', '.join(missing)}."]
    return "\n".join([*lines, *(["", note] if note else [])])


def main(argv: Sequence[str] | None = None) -> None:
    """Run (or read) the comparisons and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--runs", type=Path, default=OUT)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--only-existing", action="store_true")
    parser.add_argument("--partial", action="store_true", help="score unfinished comparisons too")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--note", default="", help="a sentence on how the runs went, appended")
    args = parser.parse_args(argv)
    names = args.workloads.split(",")
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}; valid: {', '.join(WORKLOADS)}")
    results: dict[str, dict] = {}
    for name in names:
        done = args.runs / name / "results.json"
        if args.only_existing:
            if done.is_file():
                results[name] = json.loads(done.read_text())
            elif args.partial and (partial := partial_results(args.runs / name, name)):
                results[name] = partial
            continue
        results[name] = run_compare(
            name, WORKLOADS[name], args.seeds, args.seed, args.jobs, args.runs / name
        )
    missing = [n for n in WORKLOADS if n not in results]
    markdown = report(results, missing, args.jobs, args.note)
    print(markdown)
    if not args.no_write:
        print(write_section(markdown, SECTION))


if __name__ == "__main__":
    main()
