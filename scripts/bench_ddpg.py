"""Benchmark DDPG: speed against Stable-Baselines3 on Pendulum in one run, and the learning targets.

1. Speed: ``agent=ddpg env=pendulum`` with rl-baselines3-zoo's Pendulum hyperparameters (400x300
   nets, lr 1e-3, γ 0.98, buffer 200k, learning_starts 10k, Gaussian σ 0.1, train_freq 1,
   gradient_steps 1) against SB3's DDPG built from the same rlkit config by ``rlkit.compare``'s
   mapping (``benchlib.run_sb3``), alternating in fresh processes;
   env steps/s of the training loop, and where an rlkit update spends its time.
2. Learning: the preset of each env in ``--envs`` over ``--seeds`` seeds: mean ± std and per seed.

Prints the tables and writes them into ``docs/benchmarks.md`` (its own section).

    python scripts/bench_ddpg.py [--speed-steps 12000] [--rounds 2] [--seeds 5] \
        [--envs pendulum,mountaincar,lunarlander] [--skip-speed] [--device cuda] [--jobs 5]

``--jobs`` runs that many seeds side by side (each its own process; on a GPU they share it), and
``--device`` is given to the learning runs. The speed table is the CPU comparison; with
``--speed-device cuda`` both libraries run on the GPU instead, into section ``ddpg-gpu``
(``--skip-learning`` measures speed alone).

``--runs DIR`` keeps the learning runs in DIR and checkpoints them every ``--checkpoint-every``
env steps, so a long table (LunarLander: about 75 minutes a seed on one core) can be built over
several sittings: run the same command again and a finished seed is read back, an interrupted one
resumes from its last checkpoint (rlkit's resume is exact), a missing one starts. A kept run
trained with another seed, budget, agent or env config than the call asks for stops the script
(one line) rather than lend its number to the table.

Runs with ``save_best=true`` (and ``eval_interval``) also get a table of their best
evaluation's agent scored again on 100 new episodes, next to the final agent.

``--tag NAME key=value ...`` measures a variant, the preset with those overrides, into a section of
its own (``ddpg-<env>-NAME``), e.g. ``--tag zoo`` for rl-baselines3-zoo's values next to a preset
tuned past them.
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
from benchlib import (
    FRESH_EPISODES,
    FRESH_SEED_OFFSET,
    SOLVED,
    cpu_count,
    machine,
    ratio_table,
    resumable_run,
    run_rlkit,
    run_sb3,
    side_by_side,
    write_section,
)

TARGETS = {
    "pendulum": "mean ≥ -200 at 20k steps",
    "mountaincar": "≥ 90 within 300k steps",
    "lunarlander": "≥ 200 on 4 of 5 seeds within 300k steps",
}

UPDATE_PROFILE_SCRIPT = """
import json, sys, time
import gymnasium as gym
import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode
from rlkit.agents.ddpg import DDPG
from rlkit.config.schema import DDPGConfig
torch.set_num_threads(int(sys.argv[1]))
updates = int(sys.argv[2])
env = gym.make("Pendulum-v1")
cfg = DDPGConfig(gamma=0.98, buffer_size=200_000, learning_starts=0)  # 400x300, batch 256
agent = DDPG(cfg, env.observation_space, env.action_space, seed=0)
rng = np.random.default_rng(0)
for _ in range(1000):
    obs = rng.uniform(-1, 1, (1, 3)).astype(np.float32)
    agent.buffer.add(obs, rng.uniform(-1, 1, (1, 1)), np.zeros(1), obs, np.zeros(1, bool),
                     np.zeros(1, bool))
batch = agent.buffer.sample(cfg.batch_size)
with FlopCounterMode(display=False) as counter:
    agent.update(batch)
for _ in range(max(1, updates // 10)):
    agent.update(batch)
started = time.perf_counter()
for _ in range(updates):
    agent.update(batch)
seconds = (time.perf_counter() - started) / updates
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(max(1, updates // 4)):
        agent.update(batch)
events = prof.key_averages()
total = sum(e.self_cpu_time_total for e in events)
matmul = sum(e.self_cpu_time_total for e in events if e.key in ("aten::mm", "aten::addmm"))
print("RESULT", json.dumps({"flops": counter.get_total_flops(), "seconds": seconds,
                            "matmul_share": matmul / total}))
"""


def profile_update(threads: int, updates: int = 200) -> dict[str, float]:
    """FLOPs of one rlkit DDPG update (the zoo's nets, batch 256), its time, and the share of
    that time spent in matrix products, in a fresh interpreter."""
    return run_script(UPDATE_PROFILE_SCRIPT, threads, updates)


def run_script(script: str, *args: object) -> dict:
    """Run ``script`` in a fresh interpreter; the JSON of its ``RESULT`` line."""
    out = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, check=True
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def speed(steps: int, rounds: int, workdir: Path, device: str = "cpu") -> list[str]:
    """rlkit vs SB3 env steps/s, alternating, both on ``device``, both from one rlkit config (the
    preset: rl-baselines3-zoo's values; SB3's model built from it by ``rlkit.compare``'s mapping).
    learning_starts is a quarter of the steps, so that most of the measured steps train (the
    zoo's 10k would leave a short run all random)."""
    learning_starts = steps // 4
    overrides = [
        "agent=ddpg",
        "env=pendulum",
        f"total_steps={steps}",
        f"agent.learning_starts={learning_starts}",
        "eval_episodes=1",
        "agent.save_buffer=false",
        f"device={device}",
    ]
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(run_rlkit(overrides, workdir)[0]["env_steps_per_s"])
        theirs.append(run_sb3([*overrides, "eval_episodes=0"])["steps_per_s"])
    how = (
        f"{steps:,} env steps per run ({learning_starts:,} random first), {rounds} rounds "
        "alternating rlkit and SB3 in fresh processes, SB3's model built from the same rlkit "
        "config by `rlkit/compare/sb3_mapping.py`"
    )
    if device == "cuda":
        return gpu_speed(how, ours, theirs)
    return cpu_speed(how, ours, theirs, steps, steps - learning_starts)


def gpu_speed(how: str, ours: list[float], theirs: list[float]) -> list[str]:
    """The GPU speed table (section ``ddpg-gpu``)."""
    import torch

    return [
        "### Speed: DDPG on Pendulum-v1 with the zoo's hyperparameters, one env, GPU",
        "",
        f"Measured by `python scripts/bench_ddpg.py --skip-learning --speed-device cuda`: {how}, "
        f"both with device=cuda, on {torch.cuda.get_device_name(0)}, {machine()}; training loop "
        "only. rlkit replays its update and μ(s) from CUDA graphs (`agent.cuda_graphs`, on by "
        "default on a GPU).",
        "",
        *ratio_table(ours, theirs),
        "",
        "Target: at least 3x SB3's steps/s.",
    ]


def cpu_speed(
    how: str, ours: list[float], theirs: list[float], steps: int, updates: int
) -> list[str]:
    """The CPU speed table, and how far the matrix products alone are from it (``updates``: a
    run's steps after learning_starts, each one update; the random ones before do none)."""
    # Both libraries do the same matrix products each step; this says how far from them the
    # rest of rlkit's loop is, i.e. how much faster any rewrite on this CPU could get.
    threads = cpu_count()
    update = profile_update(threads)
    matmul_ms = 1e3 * update["seconds"] * update["matmul_share"]
    floor_s = updates * matmul_ms / 1e3
    rate = update["flops"] / 1e9 / (matmul_ms / 1e3)
    sb3_s = steps / statistics.median(theirs)
    return [
        "### Speed: DDPG on Pendulum-v1 with the zoo's hyperparameters, one env, CPU",
        "",
        f"{how}, on {machine()}; training loop only.",
        "",
        *ratio_table(ours, theirs),
        "",
        "Target: at least 3x SB3's steps/s.",
        "",
        f"Where the time goes (same run; `torch.utils.flop_counter` and `torch.profiler`, 200 "
        f"rlkit updates of batch 256 on {threads} threads): one update is "
        f"{update['flops'] / 1e9:.2f} GFLOP of matrix products and takes "
        f"{1e3 * update['seconds']:.1f} ms, {update['matmul_share']:.0%} of it in those products "
        f"({rate:.0f} GFLOP/s). The {updates:,} "
        f"updates of a run need {floor_s:.0f} s of those products alone; SB3's median run took "
        f"{sb3_s:.0f} s, so with everything else free, rlkit at this arithmetic speed would be at "
        f"most {sb3_s / floor_s:.1f}x SB3.",
    ]


def learning(
    env: str,
    seeds: list[int],
    workdir: Path,
    device: str,
    jobs: int,
    logs: Path | None,
    extra: list[str],
    runs: Path | None = None,
    checkpoint_every: int = 20_000,
    tag: str | None = None,
) -> list[str]:
    """One env's preset over seeds: a table of its own, so envs can be measured one at a time.

    With a ``tag`` the table is a variant (the preset with ``extra``'s overrides) and says so.
    """
    given = list(extra)

    if jobs > 1 and not any(x.startswith("torch_threads=") for x in extra):
        # Side-by-side runs each using every core oversubscribe the CPU (OpenMP threads spin on
        # each other: 2 runs of 2 threads on 2 cores ran 50x slower here); split the cores.
        extra = [*extra, f"torch_threads={max(1, cpu_count() // jobs)}"]

    def one(seed: int) -> tuple[dict, float | None]:
        overrides = ["agent=ddpg", f"env={env}", f"seed={seed}", f"device={device}", *extra]
        log = None if logs is None else logs / f"ddpg-{env}-seed{seed}.log"
        result: tuple[dict, float | None]
        if runs is None:
            result = run_rlkit(overrides, workdir, log)
        else:
            seed_dir = runs / f"ddpg-{env}-seed{seed}"
            seed_dir.mkdir(parents=True, exist_ok=True)
            result = resumable_run(overrides, seed_dir, checkpoint_every, log)
        took = "over several sittings" if result[1] is None else f"in {result[1]:.0f} s"
        print(f"{env} seed {seed}: {result[0]['eval_return_mean']:.1f} {took}", flush=True)
        return result

    results = side_by_side(one, seeds, jobs)
    where = conditions(seeds, device, jobs, extra) + (
        ", each run checkpointed and resumable (`--runs`)." if runs is not None else "."
    )
    return [
        *learning_title(env, tag, given, where),
        *learning_row(env, results),
        *best_agents(env, [summary for summary, _ in results]),
    ]


def conditions(seeds: list[int], device: str, jobs: int, extra: list[str]) -> str:
    """Where and how the learning runs ran: the machine, device, seeds at a time, overrides."""
    where = f"{machine()}, device={device}" + (f", {jobs} seeds at a time" if jobs > 1 else "")
    if seeds != list(range(len(seeds))):
        where = f"seeds {', '.join(map(str, seeds))} only (a partial table), on {where}"
    if extra:
        where += ", with " + " ".join(extra)
    if device.startswith("cuda"):
        import torch

        where += f" ({torch.cuda.get_device_name(0)})"
    return where


def learning_title(env: str, tag: str | None, given: list[str], where: str) -> list[str]:
    """The learning table's heading (a variant's says so) and how it was measured."""
    if tag is None:
        title = (
            f"### Learning: `python -m rlkit.train agent=ddpg env={env}` "
            f"(preset conf/agent_env/ddpg_{env}.yaml)"
        )
    else:
        title = (
            f"### Learning, {tag}: `python -m rlkit.train agent=ddpg env={env} {' '.join(given)}`"
        )
    command = f"python scripts/bench_ddpg.py --skip-speed --envs {env}" + (
        f" --tag {tag}" if tag else ""
    )
    return [title, "", f"Measured by `{command}` on {where}", ""]


def learning_row(env: str, results: list[tuple[dict, float | None]]) -> list[str]:
    """The table of one env's runs: per-seed returns, mean ± std, the slowest run, the target."""
    returns = [summary["eval_return_mean"] for summary, _ in results]
    walls = [wall for _, wall in results if wall is not None]
    slowest = f"{max(walls) / 60:.1f} min" if walls else "-"
    if len(walls) < len(results):
        slowest += f" ({len(results) - len(walls)} seeds resumed across sittings, not timed)"
    steps = results[0][0]["total_steps"]
    std = statistics.pstdev(returns)
    return [
        f"| env | steps | per-seed eval return ({episodes_of(results[0][0])}) | mean ± std "
        "| slowest run | target |",
        "|---|---:|---|---:|---:|---|",
        f"| {env} | {steps:,} | {', '.join(f'{r:.1f}' for r in returns)} "
        f"| {statistics.mean(returns):.1f} ± {std:.1f} | {slowest} "
        f"| {TARGETS[env]} |",
    ]


def episodes_of(summary: dict) -> str:
    """How many episodes each evaluation of a run played (its ``eval_episodes``): "50 episodes"."""
    count = summary["eval_episodes"]
    return f"{count} episode" + ("" if count == 1 else "s")


def best_agents(env: str, summaries: list[dict]) -> list[str]:
    """Rows for runs that kept their best evaluation's agent (``save_best=true``): that agent
    scored again on ``FRESH_EPISODES`` new episodes, next to the final agent. Empty otherwise."""
    from rlkit.play import play

    kept = [(s, Path(s["run_dir"]) / "best") for s in summaries]
    if not all(best.is_dir() for _, best in kept):
        return []
    lines = [
        "",
        f"With `save_best=true` each run kept the agent of its best periodic evaluation; scored "
        f"again on {FRESH_EPISODES} new episodes (not the ones it was chosen on):",
        "",
        f"| seed | final agent ({episodes_of(summaries[0])}) | best evaluation: step, mean of "
        f"{summaries[0]['eval_episodes']} | best agent, {FRESH_EPISODES} new episodes |",
        "|---:|---:|---:|---:|",
    ]
    final, fresh = [], []
    for summary, best in kept:
        seed = summary["seed"]
        chosen = max(summary["evaluations"], key=lambda e: e["return_mean"])  # the first of ties
        episodes = play(best, FRESH_EPISODES, seed=FRESH_SEED_OFFSET + seed, log=lambda line: None)
        scores = [e.episode_return for e in episodes]
        final.append(summary["eval_return_mean"])
        fresh.append(statistics.mean(scores))
        lines.append(
            f"| {seed} | {final[-1]:.1f} | {chosen['step']:,}: {chosen['return_mean']:.1f} | "
            f"{fresh[-1]:.1f} ± {statistics.pstdev(scores):.1f} |"
        )
    solved = SOLVED[env]
    lines += [
        "",
        f"Seeds at or above {solved:g}: final agents {sum(r >= solved for r in final)} of "
        f"{len(final)}, best agents on new episodes {sum(r >= solved for r in fresh)} of "
        f"{len(fresh)} (mean {statistics.mean(fresh):.1f} ± {statistics.pstdev(fresh):.1f}).",
    ]
    return lines


def main() -> None:
    """Run the benchmark and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-steps", type=int, default=12_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 to N-1")
    parser.add_argument(
        "--only", type=int, nargs="+", help="just these seeds (a partial table, says so)"
    )
    parser.add_argument("--envs", default="pendulum,mountaincar,lunarlander")
    parser.add_argument("--skip-speed", action="store_true", help="only the learning tables")
    parser.add_argument("--skip-learning", action="store_true", help="only the speed table")
    parser.add_argument(
        "--speed-device",
        default="cpu",
        choices=("cpu", "cuda"),
        help="where both libraries run for the speed table (cuda: its own section, ddpg-gpu)",
    )
    parser.add_argument("--device", default="auto", help="device of the learning runs")
    parser.add_argument("--jobs", type=int, default=1, help="seeds trained side by side")
    parser.add_argument("--logs", type=Path, help="write each learning run's output here")
    parser.add_argument(
        "--runs", type=Path, help="keep the learning runs here; a second call resumes them"
    )
    parser.add_argument("--checkpoint-every", type=int, default=20_000, help="with --runs")
    parser.add_argument(
        "--tag", help="a variant (the preset plus the overrides): its own section, ddpg-<env>-<tag>"
    )
    parser.add_argument("overrides", nargs="*", help="more key=value overrides for learning runs")
    args = parser.parse_args()
    envs = [e for e in args.envs.split(",") if e]
    unknown = sorted(set(envs) - set(TARGETS))
    if unknown:
        raise SystemExit(f"unknown env {unknown[0]!r}; valid choices: {', '.join(TARGETS)}")
    # Each table has its own section of docs/benchmarks.md, so a partial run keeps the others.
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_speed and args.speed_device == "cuda":
            report("\n".join(speed(args.speed_steps, args.rounds, Path(tmp), "cuda")), "ddpg-gpu")
        elif not args.skip_speed:
            lines = ["## DDPG", "", "Measured by `python scripts/bench_ddpg.py`.", ""]
            lines += speed(args.speed_steps, args.rounds, Path(tmp))
            report("\n".join(lines), "ddpg")
        for env in [] if args.skip_learning else envs:
            report(
                "\n".join(
                    learning(
                        env,
                        args.only or list(range(args.seeds)),
                        Path(tmp),
                        args.device,
                        args.jobs,
                        args.logs,
                        args.overrides,
                        args.runs,
                        args.checkpoint_every,
                        args.tag,
                    )
                ),
                f"ddpg-{env}" + (f"-{args.tag}" if args.tag else ""),
            )


def report(markdown: str, section: str) -> None:
    """Print a table and write it into its section of docs/benchmarks.md."""
    print(markdown)
    print(f"\nwritten to {write_section(markdown, section)}\n")


if __name__ == "__main__":
    main()
