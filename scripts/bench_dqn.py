"""Benchmark DQN: speed against Stable-Baselines3 in one run, and the learning targets over seeds.

1. Speed: ``agent=dqn env=cartpole`` with SB3's DQN defaults as rlkit's fields
   (``benchlib.SB3_DEFAULTS``), against SB3's DQN built from that same config by
   ``rlkit.compare``'s mapping (which gives back exactly SB3's defaults), each trained for the same
   number of env steps in fresh subprocesses, alternating, several rounds; env steps/s of the
   training loop.
2. Learning: the DQN cliff command with its defaults on 10 seeds (greedy return -12, each run under
   60 s), SB3's DQN with its defaults on the same cliff and budget (evaluated as rlkit's runs are),
   and the tuned CartPole preset (evaluation return 500 within 50k env steps) on 5 seeds.

Prints the tables and writes each part into its own section of ``docs/benchmarks.md``, so one
part can be measured again without the others (``--parts cartpole``).

    python scripts/bench_dqn.py [--speed-steps 20000] [--rounds 3] [--seeds 5] [--cliff-seeds 10]
        [--cliff-steps N] [--parts speed,cliff,cartpole]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (
    SB3_DEFAULTS,
    as_overrides,
    machine,
    ratio_table,
    run_rlkit,
    run_sb3,
    write_section,
)


def sb3_defaults(env: str, steps: int) -> list[str]:
    """``agent=dqn env=<env>`` with SB3's DQN defaults over its preset, for ``steps`` env steps (ε
    decays over a tenth of them: SB3's ``exploration_fraction`` 0.1), on the CPU."""
    return [
        "agent=dqn",
        f"env={env}",
        f"total_steps={steps}",
        "device=cpu",
        *as_overrides(SB3_DEFAULTS),
        f"agent.epsilon_decay_steps={steps // 10}",
    ]


def speed(steps: int, rounds: int, workdir: Path) -> list[str]:
    """rlkit vs SB3 env steps/s on CartPole with SB3's defaults, alternating in one run."""
    # One config for both libraries: SB3's model is built from it by rlkit.compare's mapping.
    overrides = [*sb3_defaults("cartpole", steps), "eval_episodes=1", "agent.save_buffer=false"]
    ours, ours_torch, theirs = [], [], []
    for _ in range(rounds):
        ours.append(run_rlkit(overrides, workdir)[0]["env_steps_per_s"])
        torch_overrides = [*overrides, "agent.update_backend=torch"]
        ours_torch.append(run_rlkit(torch_overrides, workdir)[0]["env_steps_per_s"])
        theirs.append(run_sb3([*overrides, "eval_episodes=0"])["steps_per_s"])
    torch_ratios = [a / b for a, b in zip(ours_torch, theirs, strict=True)]
    return [
        "### Speed: DQN on CartPole-v1 with SB3's defaults, one env, CPU",
        "",
        f"{steps:,} env steps per run, {rounds} rounds alternating rlkit and SB3, each in a fresh "
        f"process on the same machine ({machine()}); training loop only (no evaluation). "
        "One rlkit config for both, SB3's model built from it by "
        "`rlkit/compare/sb3_mapping.py`: SB3's defaults, field by field: lr 1e-4, buffer 1M, "
        "learning_starts 100, batch 32, "
        "tau 1 (hard copy) every 10,000 steps, gamma 0.99, train_freq 4, gradient_steps 1, "
        "ε 1 → 0.05 over the first 10% of steps, max_grad_norm 10, Huber loss, MLP 64x64, Adam.",
        "",
        *ratio_table(ours, theirs),
        "",
        "rlkit runs with its default `agent.update_backend=auto`, which here is the NumPy update "
        "(`rlkit/fast/numpy_dqn.py`). The same rounds with the torch update "
        "(`agent.update_backend=torch`): "
        + ", ".join(f"{a:,.0f}" for a in ours_torch)
        + f" env steps/s, median **{statistics.median(torch_ratios):.2f}x** SB3.",
        "",
        "Target: at least 3x SB3's steps/s.",
    ]


LEARNING_HEADER = [
    "| run | seed | eval return (10 greedy episodes) | command wall time (s) | env steps/s |",
    "|---|---:|---:|---:|---:|",
]


def cliff(seeds: int, cliff_seeds: int, workdir: Path, steps: int | None = None) -> list[str]:
    """The cliff target over seeds, and SB3's DQN with its defaults on the same cliff and budget
    (``steps``: another budget than the preset's, for a quick check)."""
    lines = ["### Learning: the cliff", "", *LEARNING_HEADER]
    cliff_returns, cliff_walls = [], []
    budget = [] if steps is None else [f"total_steps={steps}"]
    for seed in range(cliff_seeds):
        summary, wall = run_rlkit(["agent=dqn", "env=cliff", f"seed={seed}", *budget], workdir)
        cliff_returns.append(summary["eval_return_mean"])
        cliff_walls.append(wall)
        lines.append(
            f"| rlkit `agent=dqn env=cliff` (defaults) | {seed} | {summary['eval_return_mean']:g} "
            f"| {wall:.1f} | {summary['env_steps_per_s']:,.0f} |"
        )
    steps = summary["total_steps"]
    for seed in range(seeds):
        # Evaluated as an rlkit run is: 10 greedy episodes from the evaluation seed.
        result = run_sb3([*sb3_defaults("cliff", steps), f"seed={seed}", "eval_episodes=10"])
        lines.append(
            f"| SB3 DQN defaults, cliff, {steps:,} steps | {seed} | {result['eval_return']:g} "
            f"| - | {result['steps_per_s']:,.0f} |"
        )
    return [
        *lines,
        "",
        f"Greedy return -12 on {sum(r == -12 for r in cliff_returns)} of {cliff_seeds} seeds; "
        f"slowest command {max(cliff_walls):.1f} s (target: -12 on 5 of 5, each under 60 s).",
    ]


def cartpole(seeds: int, workdir: Path) -> list[str]:
    """The tuned CartPole preset over seeds: the final greedy evaluation after 50k env steps.

    The preset was chosen on seeds 0-4; the default 10 seeds show how it does on others too.
    """
    lines = ["### Learning: CartPole", "", *LEARNING_HEADER]
    returns = []
    for seed in range(seeds):
        summary, wall = run_rlkit(["agent=dqn", "env=cartpole", f"seed={seed}"], workdir)
        returns.append(summary["eval_return_mean"])
        lines.append(
            f"| rlkit `agent=dqn env=cartpole` (tuned preset, {summary['total_steps']:,} steps) "
            f"| {seed} | {summary['eval_return_mean']:g} | {wall:.1f} "
            f"| {summary['env_steps_per_s']:,.0f} |"
        )
    return [
        *lines,
        "",
        f"Return 500 on {sum(r == 500 for r in returns[:5])} of seeds 0-4"
        + (
            f" and on {sum(r == 500 for r in returns[5:])} of seeds 5-{seeds - 1}"
            if seeds > 5
            else ""
        )
        + f" at the end of the run ({machine()}; target: 5 of 5 within 50k env steps; the preset "
        "was chosen on seeds 0-4).",
    ]


PARTS = ("speed", "cliff", "cartpole")


def main() -> None:
    """Run the benchmark and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-steps", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5, help="seeds of each learning run")
    parser.add_argument(
        "--cliff-seeds", type=int, default=10, help="seeds of rlkit's cliff run (about 25 s each)"
    )
    parser.add_argument("--cliff-steps", type=int, help="the cliff runs' budget (the preset's)")
    parser.add_argument(
        "--cartpole-seeds",
        type=int,
        default=10,
        help="seeds of the CartPole preset (about 60 s each)",
    )
    parser.add_argument("--parts", default=",".join(PARTS), help="which tables to measure")
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise SystemExit(f"unknown part {unknown[0]!r}; valid choices: {', '.join(PARTS)}")
    with tempfile.TemporaryDirectory() as tmp:
        if "speed" in parts:
            lines = ["## DQN", "", "Measured by `python scripts/bench_dqn.py`.", ""]
            report([*lines, *speed(args.speed_steps, args.rounds, Path(tmp))], "dqn")
        if "cliff" in parts:
            report(cliff(args.seeds, args.cliff_seeds, Path(tmp), args.cliff_steps), "dqn-cliff")
        if "cartpole" in parts:
            report(cartpole(args.cartpole_seeds, Path(tmp)), "dqn-cartpole")


def report(lines: list[str], section: str) -> None:
    """Print a table and write it into its section of docs/benchmarks.md."""
    markdown = "\n".join(lines)
    print(markdown)
    print(f"\nwritten to {write_section(markdown, section)}\n", flush=True)


if __name__ == "__main__":
    main()
