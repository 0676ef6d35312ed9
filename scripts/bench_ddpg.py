"""Benchmark DDPG: speed against Stable-Baselines3 on Pendulum in one run, and the learning targets.

1. Speed: ``agent=ddpg env=pendulum`` with rl-baselines3-zoo's Pendulum hyperparameters (400x300
   nets, lr 1e-3, γ 0.98, buffer 200k, learning_starts 10k, Gaussian σ 0.1, train_freq 1,
   gradient_steps 1) against SB3's DDPG with the same values, alternating in fresh processes;
   env steps/s of the training loop.
2. Learning: the preset of each env in ``--envs`` over ``--seeds`` seeds: mean ± std and per seed.

Prints the tables and writes them into ``docs/benchmarks.md`` (its own section).

    python scripts/bench_ddpg.py [--speed-steps 12000] [--rounds 2] [--seeds 5] \
        [--envs pendulum,mountaincar,lunarlander] [--skip-speed]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine, ratio_table, run_rlkit, write_section

TARGETS = {
    "pendulum": "mean ≥ -200 at 20k steps",
    "mountaincar": "≥ 90 within 300k steps",
    "lunarlander": "≥ 200 on 4 of 5 seeds within 300k steps",
}

SB3_SCRIPT = """
import json, sys, time
import gymnasium as gym
import numpy as np
from stable_baselines3 import DDPG
from stable_baselines3.common.noise import NormalActionNoise
steps, learning_starts = int(sys.argv[1]), int(sys.argv[2])
env = gym.make("Pendulum-v1")
model = DDPG("MlpPolicy", env, learning_rate=1e-3, buffer_size=200_000,
             learning_starts=learning_starts, batch_size=256, tau=0.005, gamma=0.98,
             train_freq=1, gradient_steps=1,
             action_noise=NormalActionNoise(np.zeros(1), 0.1 * np.ones(1)),
             policy_kwargs=dict(net_arch=[400, 300]), seed=0, device="cpu", verbose=0)
started = time.perf_counter()
model.learn(total_timesteps=steps)
print("RESULT", json.dumps({"steps_per_s": steps / (time.perf_counter() - started)}))
"""


def run_sb3(steps: int, learning_starts: int) -> float:
    """SB3's DDPG with the zoo's Pendulum values in a fresh interpreter; its env steps/s."""
    out = subprocess.run(
        [sys.executable, "-c", SB3_SCRIPT, str(steps), str(learning_starts)],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))["steps_per_s"]


def speed(steps: int, rounds: int, workdir: Path) -> list[str]:
    """rlkit vs SB3 env steps/s, alternating. learning_starts is a quarter of the steps, so that
    most of the measured steps train (the zoo's 10k would leave a short run all random)."""
    learning_starts = steps // 4
    overrides = [
        "agent=ddpg",
        "env=pendulum",
        f"total_steps={steps}",
        f"agent.learning_starts={learning_starts}",
        "eval_episodes=1",
        "agent.save_buffer=false",
    ]
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(run_rlkit(overrides, workdir)[0]["env_steps_per_s"])
        theirs.append(run_sb3(steps, learning_starts))
    return [
        "### Speed: DDPG on Pendulum-v1 with the zoo's hyperparameters, one env, CPU",
        "",
        f"{steps:,} env steps per run ({learning_starts:,} random first), {rounds} rounds "
        f"alternating rlkit and SB3 in fresh processes on {machine()}; training loop only.",
        "",
        *ratio_table(ours, theirs),
        "",
        "Target: at least 3x SB3's steps/s.",
    ]


def learning(env: str, seeds: int, workdir: Path) -> list[str]:
    """One env's preset over seeds: a table of its own, so envs can be measured one at a time."""
    returns, steps, walls = [], 0, []
    for seed in range(seeds):
        summary, wall = run_rlkit(["agent=ddpg", f"env={env}", f"seed={seed}"], workdir)
        returns.append(summary["eval_return_mean"])
        walls.append(wall)
        steps = summary["total_steps"]
    std = statistics.pstdev(returns)
    return [
        f"### Learning: `python -m rlkit.train agent=ddpg env={env}` "
        f"(preset conf/agent_env/ddpg_{env}.yaml)",
        "",
        f"Measured by `python scripts/bench_ddpg.py --skip-speed --envs {env}` on {machine()}.",
        "",
        "| env | steps | per-seed eval return (10 episodes) | mean ± std | slowest run | target |",
        "|---|---:|---|---:|---:|---|",
        f"| {env} | {steps:,} | {', '.join(f'{r:.1f}' for r in returns)} "
        f"| {statistics.mean(returns):.1f} ± {std:.1f} | {max(walls) / 60:.1f} min "
        f"| {TARGETS[env]} |",
    ]


def main() -> None:
    """Run the benchmark and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-steps", type=int, default=12_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--envs", default="pendulum,mountaincar,lunarlander")
    parser.add_argument("--skip-speed", action="store_true", help="only the learning tables")
    args = parser.parse_args()
    envs = [e for e in args.envs.split(",") if e]
    unknown = sorted(set(envs) - set(TARGETS))
    if unknown:
        raise SystemExit(f"unknown env {unknown[0]!r}; valid choices: {', '.join(TARGETS)}")
    # Each table has its own section of docs/benchmarks.md, so a partial run keeps the others.
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_speed:
            lines = ["## DDPG", "", "Measured by `python scripts/bench_ddpg.py`.", ""]
            lines += speed(args.speed_steps, args.rounds, Path(tmp))
            report("\n".join(lines), "ddpg")
        for env in envs:
            report("\n".join(learning(env, args.seeds, Path(tmp))), f"ddpg-{env}")


def report(markdown: str, section: str) -> None:
    """Print a table and write it into its section of docs/benchmarks.md."""
    print(markdown)
    print(f"\nwritten to {write_section(markdown, section)}\n")


if __name__ == "__main__":
    main()
