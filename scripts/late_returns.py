"""How good the policies are late in training: the mean of each run's evaluations from a step on.

The LunarLander tables in docs/benchmarks.md score one agent per seed, the one kept at the best
of 30 ten-episode evaluations, and that choice is as much luck as skill. This reads the runs
those tables were made from (``bench_ddpg.py --runs DIR`` and ``bench_ddpg_sb3.py --runs DIR``)
and averages every evaluation from ``--from-step`` on (11 evaluations, 110 episodes, from 200k
to 300k): no choosing, so a steadier read of what a variant's training ends up with, seed by seed.

    python scripts/late_returns.py --from-step 200000 preset=DIR1 sb3=DIR2 ...

Each ``NAME=DIR`` is a variant; DIR holds one folder per seed, either rlkit's
(``ddpg-lunarlander-seed<N>/part<K>/summary.json``, the last part holding all evaluations) or
SB3's (``sb3-<schedule>-seed<N>/summary.json``). The first variant is the reference: the others
get their paired difference to it over the seeds both have. Writes section
``ddpg-lunarlander-late``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path

from benchlib import LUNAR_SB3_EVAL_EPISODES as SB3_EVAL_EPISODES
from benchlib import write_section

SEED_DIR = re.compile(r"-seed(\d+)$")


def run_summaries(runs: Path) -> dict[int, dict]:
    """Each seed's summary in ``runs`` (an rlkit run's last part, or an SB3 run's summary)."""
    summaries = {}
    for seed_dir in sorted(runs.iterdir()):
        match = SEED_DIR.search(seed_dir.name)
        if not seed_dir.is_dir() or not match:
            continue
        parts = sorted(
            seed_dir.glob("part*/summary.json"), key=lambda p: int(p.parent.name[len("part") :])
        )
        found = parts[-1:] or [p for p in [seed_dir / "summary.json"] if p.exists()]
        if found:
            summaries[int(match.group(1))] = json.loads(found[0].read_text())
    if not summaries:
        raise SystemExit(f"error: no finished run (a summary.json) under {runs}")
    return summaries


def late_mean(evaluations: list[dict], from_step: int, run: str = "a run") -> float:
    """The mean of the evaluations at ``from_step`` or later (``run`` names it in the error)."""
    late = [e["return_mean"] for e in evaluations if e["step"] >= from_step]
    if not late:
        raise SystemExit(f"error: {run} has no evaluation at step {from_step:,} or later")
    return statistics.mean(late)


def table(variants: dict[str, dict[int, dict]], from_step: int) -> str:
    """Markdown: per variant, each seed's late mean and their mean over seeds; then each variant's
    paired difference to the first."""
    seeds = sorted({seed for runs in variants.values() for seed in runs})
    means = {
        name: {
            seed: late_mean(s["evaluations"], from_step, f"{name} seed {seed}")
            for seed, s in runs.items()
        }
        for name, runs in variants.items()
    }
    described = []
    for name, runs in variants.items():
        first = next(iter(runs.values()))
        count = len([e for e in first["evaluations"] if e["step"] >= from_step])
        # SB3's summaries do not record it: bench_ddpg_sb3.py always plays EVAL_EPISODES.
        episodes = first.get("eval_episodes", SB3_EVAL_EPISODES)
        described.append(f"`{name}` {count} evaluations of {episodes} episodes")
    lines = [
        f"Mean of each run's greedy evaluations from step {from_step:,} on "
        f"({'; '.join(described)}).",
        "",
        f"| variant | {' | '.join(f'seed {s}' for s in seeds)} | mean ± std over seeds |",
        f"|---|{'---:|' * len(seeds)}---:|",
    ]
    for name, per_seed in means.items():
        cells = [f"{per_seed[s]:.1f}" if s in per_seed else "" for s in seeds]
        values = list(per_seed.values())
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        lines.append(
            f"| {name} | {' | '.join(cells)} | {statistics.mean(values):.1f} ± {spread:.1f} |"
        )
    reference, *others = means
    if others:
        lines += ["", f"Paired differences to `{reference}` over the seeds both ran:", ""]
    for name in others:
        shared = sorted(set(means[name]) & set(means[reference]))
        diffs = [means[name][s] - means[reference][s] for s in shared]
        if len(diffs) < 2:
            lines.append(f"- `{name}`: fewer than 2 shared seeds")
            continue
        error = statistics.stdev(diffs) / len(diffs) ** 0.5
        lines.append(
            f"- `{name}` − `{reference}`: {statistics.mean(diffs):+.1f} (standard error "
            f"{error:.1f}, {len(diffs)} seeds: {', '.join(f'{d:+.1f}' for d in diffs)})"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Read the runs, print the table and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", metavar="NAME=DIR")
    parser.add_argument("--from-step", type=int, default=200_000)
    parser.add_argument("--section", default="ddpg-lunarlander-late")
    args = parser.parse_args()
    variants = {}
    for spec in args.variants:
        name, sep, folder = spec.partition("=")
        if not sep or not name or not Path(folder).is_dir():
            raise SystemExit(f"error: {spec!r} is not NAME=DIR with an existing DIR")
        variants[name] = run_summaries(Path(folder))
    command = " ".join(
        ["python scripts/late_returns.py --from-step", str(args.from_step), *args.variants]
    )
    markdown = f"### Learning, late in training: `{command}`\n\n" + table(variants, args.from_step)
    print(markdown)
    print(f"wrote {write_section(markdown, args.section)}")


if __name__ == "__main__":
    main()
