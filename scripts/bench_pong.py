"""Benchmark learning on pong: DQN against the scripted player, and behaviour cloning.

1. DQN: ``python -m rlkit.train agent=dqn env=pong seed=S`` (the preset
   ``conf/agent_env/dqn_pong.yaml``) for each seed, timed as a whole command; then the trained
   agent plays ``--games`` full games (21 points) against the default scripted opponent: win rate
   and mean score difference.
2. Behaviour cloning: ``scripts/make_pong_dataset.py`` records 50k steps of the scripted tracking
   player in squash mode, ``agent=bc`` clones it; the held-out action accuracy and the share of
   balls the clone returns in squash.

Prints the tables and writes them into ``docs/benchmarks.md`` (section ``pong``).

    python scripts/bench_pong.py [--seeds 3] [--games 20] [--skip-bc] [--skip-dqn]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine, run_rlkit, write_section

import rlkit
from rlkit.config.compose import config_from_file
from rlkit.envkit.make import make_env


def play_games(run_dir: Path, games: int, seed: int) -> tuple[list[int], list[int]]:
    """The run's agent (greedy) against the env's scripted opponent: each game's final score."""
    agent = rlkit.load(run_dir)
    cfg = config_from_file(run_dir / ".hydra" / "config.yaml").env
    env = make_env(cfg)
    ours, theirs = [], []
    for game in range(games):
        obs, info = env.reset(seed=seed + game)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(
                agent.predict(obs, deterministic=True)[0]
            )
            done = terminated or truncated
        ours.append(int(info["score"][0]))
        theirs.append(int(info["score"][1]))
    env.close()
    return ours, theirs


def dqn_table(seeds: int, games: int, workdir: Path) -> list[str]:
    """Train the preset per seed and play ``games`` games with each agent."""
    lines = [
        "### DQN on vector pong: `python -m rlkit.train agent=dqn env=pong` "
        "(preset conf/agent_env/dqn_pong.yaml)",
        "",
        f"Each seed's agent then plays {games} full games (to 21) against the default scripted "
        f"opponent (`opponent_speed=4.5`, `opponent_reaction=6`), greedy, on {machine()}. Wall "
        "time is the whole training command (its own 20-game evaluation included).",
        "",
        "| seed | games won | win rate | mean score (agent - opponent) | wall time |",
        "|---:|---:|---:|---:|---:|",
    ]
    rates = []
    for seed in range(seeds):
        summary, wall = run_rlkit(["agent=dqn", "env=pong", f"seed={seed}"], workdir)
        run_dir = Path(summary["run_dir"])
        ours, theirs = play_games(run_dir, games, seed=10_000 + 100 * seed)
        won = sum(a > b for a, b in zip(ours, theirs, strict=True))
        rates.append(won / games)
        diff = statistics.mean(a - b for a, b in zip(ours, theirs, strict=True))
        lines.append(
            f"| {seed} | {won}/{games} | {won / games:.0%} | {diff:+.1f} "
            f"({statistics.mean(ours):.1f} - {statistics.mean(theirs):.1f}) | {wall / 60:.1f} min |"
        )
    held = sum(rate >= 0.8 for rate in rates)
    lines += ["", f"Win rate ≥ 80% on {held} of {seeds} seeds (target: 3 of 3, each ≤ 20 minutes)."]
    return lines


def bc_table(workdir: Path) -> list[str]:
    """Clone 50k steps of the scripted tracking player; accuracy and squash returns."""
    # Recorded by the command the section names, as a user records it.
    dataset = workdir / "play.npz"
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent / "make_pong_dataset.py"),
         "--steps", "50000", "--mode", "squash", "--seed", "0", "--out", str(dataset)],
        check=True, capture_output=True,
    )  # fmt: skip
    summary, wall = run_rlkit(
        [
            "agent=bc",
            "env=pong",
            "env.mode=squash",
            "env.obs_type=classic",
            f"dataset={dataset}",
            "eval_episodes=10",
        ],
        workdir,
    )
    agent = rlkit.load(summary["run_dir"])
    returns = summary["eval_return_mean"]
    share = returns / (returns + 1)  # a squash episode ends at its first miss
    random_returns = _random_squash_returns(episodes=10)
    return [
        "### Behaviour cloning of the scripted tracking player (squash, classic observations)",
        "",
        "`python scripts/make_pong_dataset.py --steps 50000` then "
        "`python -m rlkit.train agent=bc env=pong env.mode=squash env.obs_type=classic "
        "dataset=pong_play.npz` (the department's MLP 3→256→64→3).",
        "",
        "| held-out action accuracy | balls returned an episode (10 episodes) | share of balls "
        "returned | random actions, for scale | command |",
        "|---:|---:|---:|---:|---:|",
        f"| {agent.val_accuracy:.3f} | {returns:.1f} | {share:.0%} | {random_returns:.1f} "
        f"| {wall:.0f} s |",
        "",
        "Targets: accuracy ≥ 0.9 and at least 50% of balls returned.",
    ]


def _random_squash_returns(episodes: int) -> float:
    env = gym.make("rlkit/PingPong-v0", mode="squash", obs_type="classic")
    rng = np.random.default_rng(0)
    total = 0.0
    for episode in range(episodes):
        env.reset(seed=episode)
        done = False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(3)))
            total += float(reward)
            done = terminated or truncated
    env.close()
    return total / episodes


def main() -> None:
    """Run the benchmark and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--games", type=int, default=20)
    parser.add_argument("--skip-bc", action="store_true")
    parser.add_argument("--skip-dqn", action="store_true")
    args = parser.parse_args()
    lines = ["## Pong", "", "Measured by `python scripts/bench_pong.py`.", ""]
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_dqn:
            lines += [*dqn_table(args.seeds, args.games, Path(tmp)), ""]
        if not args.skip_bc:
            lines += bc_table(Path(tmp))
    markdown = "\n".join(lines)
    print(markdown)
    print(f"\nwritten to {write_section(markdown, 'pong')}")


if __name__ == "__main__":
    main()
