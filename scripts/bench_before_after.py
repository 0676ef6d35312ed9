"""Speed before and after a change: the same training commands from an earlier commit and from this
checkout, alternating in fresh processes in one run, so that the ratio is measured under the same
machine load.

    python scripts/bench_before_after.py --base 8f3652b [--rounds 6]

The earlier commit is checked out into a temporary git worktree (removed afterwards) and run with
``PYTHONPATH`` pointing at it; its ``envs/`` and ``conf/`` are linked in as ``rlkit.envs`` and
``rlkit.conf``, as an install would place them. Writes section ``before-after`` of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, SB3_DEFAULTS, as_overrides, machine, write_section

COMMANDS = {
    "DQN, CartPole-v1, SB3's defaults, 20,000 steps": [
        "agent=dqn", "env=cartpole", "total_steps=20000", "device=cpu",
        *as_overrides(SB3_DEFAULTS),
        "agent.epsilon_decay_steps=2000",
    ],
    "Q-learning, cliff, 100,000 steps": ["agent=qlearning", "env=cliff"],
}  # fmt: skip
COMMON = ["seed=0", "progress=false", "eval_episodes=0"]


def steps_per_s(args: list[str], tree: Path, base: bool) -> float:
    """One fresh training process from ``tree``; its training loop's env steps/s."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    if base:
        env["PYTHONPATH"] = str(tree)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "rlkit.train", *args, *COMMON, f"hydra.run.dir={out}/r"]
        subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
        return float(json.loads((Path(out) / "r" / "summary.json").read_text())["env_steps_per_s"])


def checkout(base: str, where: Path) -> Path:
    """``base`` in a worktree at ``where``, with envs/ and conf/ where the package looks."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), base],
                   check=True, capture_output=True)  # fmt: skip
    for name in ("envs", "conf"):
        link = where / "rlkit" / name
        if not link.exists():
            link.symlink_to(Path("..") / name)
    return where


def main() -> None:
    """Alternate base and this checkout ``--rounds`` times per command; write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    tree = checkout(args.base, tmp / "base")
    rows = []
    try:
        for name, command in COMMANDS.items():
            before, after = [], []
            for i in range(args.rounds):
                for which in ("before", "after") if i % 2 == 0 else ("after", "before"):
                    speed = steps_per_s(
                        command, tree if which == "before" else ROOT, which == "before"
                    )
                    (before if which == "before" else after).append(speed)
            ratios = [a / b for a, b in zip(after, before, strict=True)]
            rows.append(
                f"| {name} | {statistics.median(before):,.0f} | {statistics.median(after):,.0f} | "
                f"**{statistics.median(ratios):.2f}x** ({min(ratios):.2f}-{max(ratios):.2f}) |"
            )
            print(rows[-1], flush=True)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       check=False, capture_output=True)  # fmt: skip
    table = "\n".join([
        "## Speed before and after a change", "",
        f"`python scripts/bench_before_after.py --base {args.base} --rounds {args.rounds}`: each "
        f"command from commit {args.base} and from this checkout, alternating in fresh processes "
        f"on {machine()}; env steps/s of the training loop, medians, and the after/before ratio's "
        "median (range over rounds).", "",
        "| command | before | after | after / before |", "|---|---:|---:|---:|", *rows,
    ])  # fmt: skip
    print(f"written to {write_section(table, 'before-after')}")


if __name__ == "__main__":
    main()
