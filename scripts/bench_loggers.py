"""What the loggers cost: DQN on CartPole (its preset) with and without TensorBoard and W&B
(offline), alternating fresh processes, so that both see the same machine load.

    python scripts/bench_loggers.py [--steps 20000] [--rounds 3] [--eval-interval 5000]
                                    [--no-write]

Both variants evaluate every ``--eval-interval`` steps (so the loggers also log evaluations) and
log training metrics at the default ``log_interval``; only ``logger.tensorboard=true
logger.wandb=true`` differs. The overhead is measured twice: on the training loop's env steps/s
(``summary.json``; W&B's start is inside it) and on the whole command's wall time (interpreter
start, imports and W&B's background process included). Writes section ``loggers`` of
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
TARGET_PERCENT = 5.0
"""The overhead the loggers may cost (issue 26)."""


def command(steps: int, eval_interval: int) -> list[str]:
    """The run both variants make: the DQN CartPole preset for ``steps`` env steps on the CPU."""
    return [
        "agent=dqn", "env=cartpole", "seed=0", "device=cpu", f"total_steps={steps}",
        f"eval_interval={eval_interval}",
    ]  # fmt: skip


def measure(steps: int, eval_interval: int, rounds: int) -> dict[str, dict[str, list[float]]]:
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
                extra = LOGGERS if variant == "loggers" else []
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

    speed = statistics.median(slower)
    verdict = "within" if speed <= TARGET_PERCENT else "over"
    return "\n".join([
        "## Loggers' overhead", "",
        f"`python scripts/bench_loggers.py --steps {args.steps} --rounds {args.rounds} "
        f"--eval-interval {args.eval_interval}`: DQN on CartPole-v1 (its preset), "
        f"{args.steps:,} env steps, evaluating every {args.eval_interval:,}, without and with "
        f"`{' '.join(LOGGERS)}`, alternating fresh processes on {machine()}. Overhead: the "
        "median over rounds of each round's pair (range).", "",
        "| | env steps/s (training loop) | wall time of the command (s) |",
        "|---|---:|---:|",
        f"| CSV only | {statistics.median(plain['steps_per_s']):,.0f} | "
        f"{statistics.median(plain['wall_s']):.1f} |",
        f"| + TensorBoard + W&B offline | {statistics.median(loggers['steps_per_s']):,.0f} | "
        f"{statistics.median(loggers['wall_s']):.1f} |",
        f"| overhead | {overhead(slower)} | {overhead(longer)} |", "",
        f"The training loop's overhead is {verdict} the {TARGET_PERCENT:g}% target.",
    ])  # fmt: skip


def main() -> None:
    """Measure, print the table and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--eval-interval", type=int, default=5_000)
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    markdown = table(measure(args.steps, args.eval_interval, args.rounds), args)
    print(markdown)
    if not args.no_write:
        print(f"written to {write_section(markdown, 'loggers')}")


if __name__ == "__main__":
    main()
