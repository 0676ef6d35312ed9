"""What the loggers and evaluation cost: DQN on CartPole (its preset) with and without them,
alternating fresh processes, so that both see the same machine load.

    python scripts/bench_loggers.py [--steps N] [--rounds 3] [--eval-interval K] [--no-write]

The bare variant logs ``metrics.csv`` only (always on) and evaluates nothing (``eval_episodes=0``);
the logged one adds ``logger.tensorboard=true logger.wandb=true`` (W&B offline) and evaluation at
its default intervals (the final evaluation of ``eval_episodes`` episodes; every ``K`` steps too
with ``--eval-interval``). Both log training metrics at the default ``log_interval``, and run the
preset's budget unless ``--steps``. The overhead is measured on the whole command's wall time
(interpreter start, imports and W&B's background process included: the issue's measure) and on
the training loop's env steps/s (``summary.json``). Writes section ``loggers`` of
``docs/benchmarks.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine, run_rlkit, write_section

LOGGERS = ["logger.tensorboard=true", "logger.wandb=true", "logger.wandb_mode=offline"]
BARE = ["eval_episodes=0"]
TARGET_PERCENT = 5.0
"""The overhead the loggers and evaluation may cost (issue 26)."""


def command(steps: int | None, eval_interval: int | None) -> list[str]:
    """The run both variants make: the DQN CartPole preset (for ``steps`` env steps) on the
    CPU."""
    given = ["agent=dqn", "env=cartpole", "seed=0", "device=cpu"]
    given += [f"total_steps={steps}"] if steps else []
    return given + ([f"eval_interval={eval_interval}"] if eval_interval else [])


def preset_steps() -> int:
    """The DQN CartPole preset's budget, as the config composes it."""
    from rlkit.config.compose import compose_config

    return compose_config(command(None, None))[1].total_steps


def measure(
    steps: int | None, eval_interval: int | None, rounds: int
) -> dict[str, dict[str, list[float]]]:
    """Env steps/s and wall seconds of each variant, ``rounds`` times, alternating which goes
    first."""
    results: dict[str, dict[str, list[float]]] = {
        v: {"steps_per_s": [], "wall_s": []} for v in ("plain", "loggers")
    }
    base = command(steps, eval_interval)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            for variant in ("plain", "loggers") if i % 2 == 0 else ("loggers", "plain"):
                run_dir = Path(tmp) / f"{variant}{i}"
                extra = LOGGERS if variant == "loggers" else BARE
                summary, wall = run_rlkit([*base, *extra, f"hydra.run.dir={run_dir}"], Path(tmp))
                results[variant]["steps_per_s"].append(float(summary["env_steps_per_s"]))
                results[variant]["wall_s"].append(wall)
                print(f"round {i + 1} {variant}: {summary['env_steps_per_s']:,.0f} env steps/s, "
                      f"{wall:.1f} s", flush=True)  # fmt: skip
    return results


def table(results: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    """The Markdown section: medians of both variants and the overhead (median over rounds of
    each round's pair, with its range)."""
    plain, loggers = results["plain"], results["loggers"]
    slower = [100 * (p / q - 1) for p, q in zip(plain["steps_per_s"], loggers["steps_per_s"],
                                                  strict=True)]  # fmt: skip
    longer = [100 * (q / p - 1) for p, q in zip(plain["wall_s"], loggers["wall_s"], strict=True)]

    def overhead(values: list[float]) -> str:
        return f"**{statistics.median(values):+.1f}%** ({min(values):+.1f} to {max(values):+.1f})"

    verdict = "within" if statistics.median(longer) <= TARGET_PERCENT else "over"
    budget = f"{args.steps:,} env steps" if args.steps else f"its {preset_steps():,} env steps"
    evaluating = (
        f"evaluating every {args.eval_interval:,} and at the end"
        if args.eval_interval
        else "evaluating at the end (the default)"
    )
    given = (f" --steps {args.steps}" if args.steps else "") + (
        f" --eval-interval {args.eval_interval}" if args.eval_interval else ""
    )
    return "\n".join([
        "## Loggers' overhead", "",
        f"`python scripts/bench_loggers.py --rounds {args.rounds}{given}`: DQN on CartPole-v1 "
        f"(its preset), {budget}, without (`{' '.join(BARE)}`, metrics.csv only) and with "
        f"`{' '.join(LOGGERS)}` and {evaluating}, alternating fresh processes on {machine()}. "
        "Overhead: the median over rounds of each round's pair (range).", "",
        "| | env steps/s (training loop) | wall time of the command (s) |",
        "|---|---:|---:|",
        f"| CSV only, no evaluation | {statistics.median(plain['steps_per_s']):,.0f} | "
        f"{statistics.median(plain['wall_s']):.1f} |",
        f"| + TensorBoard + W&B offline + evaluation | "
        f"{statistics.median(loggers['steps_per_s']):,.0f} | "
        f"{statistics.median(loggers['wall_s']):.1f} |",
        f"| overhead | {overhead(slower)} | {overhead(longer)} |", "",
        f"The wall-time overhead is {verdict} the {TARGET_PERCENT:g}% target.",
    ])  # fmt: skip


def main() -> None:
    """Measure, print the table and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="default: the preset's")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--eval-interval", type=int, default=None, help="default: none")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    markdown = table(measure(args.steps, args.eval_interval, args.rounds), args)
    print(markdown)
    if not args.no_write:
        print(f"written to {write_section(markdown, 'loggers')}")


if __name__ == "__main__":
    main()
