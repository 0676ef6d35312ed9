"""Benchmark DQN on pixel pong (NatureCNN on 4 stacked 84x84 frames) against Stable-Baselines3's DQN
with CnnPolicy: one rlkit config for both (SB3's model built from it by ``rlkit.compare``'s
mapping), the same env, hyperparameters and device, alternating in one run.

Meant for a GPU (``--device cuda``); on a CPU it runs too, with small ``--steps``, and says so in
the table. Prints env steps/s and gradient steps/s of both and their ratio, and writes the table to
``docs/benchmarks.md`` (section ``pixels``).

With ``--learn`` it instead trains ``agent=dqn env=pong_pixels`` with its preset
(conf/agent_env/dqn_pong_pixels.yaml) for each seed, evaluating every ``eval_interval`` steps, and
reports the training time until the agent first beats the scripted opponent (wins more than half
of the evaluation games, each to 21) (section ``pixels-learning``).

    python scripts/bench_pixels.py --device cuda [--steps 50000] [--rounds 2] [key=value ...]
    python scripts/bench_pixels.py --device cuda --learn [--seeds 0 1 2] [--total-steps N]
        [--runs DIR] [--jobs N] [key=value ...]

``--runs DIR`` keeps each learning run, checkpointed, so a long (CPU) measurement can be stopped
and continued by the same command; finished runs are read back.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (
    PIXEL_HYPER,
    cpu_count,
    machine,
    resumable_run,
    run_rlkit,
    run_sb3,
    side_by_side,
    write_section,
)


def speed_config(steps: int, device: str, extra: list[str]) -> list[str]:
    """The one rlkit config both libraries run for the speed table (SB3's model built from it by
    ``rlkit.compare``'s mapping): the pixel preset with ``PIXEL_HYPER`` over it, on one env with
    1-step targets and no double Q-learning, as SB3's DQN trains; ``extra`` overrides last."""
    return [
        "agent=dqn",
        "env=pong_pixels",
        "env.frame_skip=4",
        "num_envs=1",
        f"total_steps={steps}",
        f"device={device}",
        "torch_threads=null",
        "eval_episodes=0",
        "agent.save_buffer=false",
        "agent.n_step=1",
        "agent.double_q=false",
        *(f"agent.{key}={value}" for key, value in PIXEL_HYPER.items()),
        *extra,
    ]


def run_ours(config: list[str], steps: int, workdir: Path) -> dict:
    """rlkit's DQN on the speed config; its env and gradient steps/s."""
    from rlkit.config.compose import compose_config

    summary, _ = run_rlkit(config, workdir)
    per_s = summary["env_steps_per_s"]
    agent = compose_config(config)[1].agent
    updates = (steps - agent.learning_starts) // agent.train_freq * agent.gradient_steps
    return {"steps_per_s": per_s, "updates_per_s": updates * per_s / steps}


def win_rate(returns: list[float]) -> float:
    """Fraction of versus games won (a game's return is the agent's points minus the opponent's)."""
    return sum(r > 0 for r in returns) / len(returns)


def learn(
    seeds: list[int],
    device: str,
    total_steps: int | None,
    gpu: str,
    extra: list[str],
    logs: Path | None = None,
    runs: Path | None = None,
    jobs: int = 1,
    checkpoint_every: int = 20_000,
) -> str:
    """Train the pixel preset per seed; the markdown table of time to beat the scripted player.

    With ``runs`` each seed's run is kept in ``runs/dqn-pong_pixels-seed<S>``, checkpointed, and
    a later call resumes or reads it back (a CPU run takes hours); ``jobs`` seeds run at a time.
    """
    if jobs > 1 and not any(x.startswith("torch_threads=") for x in extra):
        extra = [*extra, f"torch_threads={max(1, cpu_count() // jobs)}"]  # split the cores

    def one(seed: int) -> tuple[int, dict, float | None]:
        overrides = ["agent=dqn", "env=pong_pixels", f"seed={seed}", f"device={device}"]
        if total_steps is not None:
            overrides.append(f"total_steps={total_steps}")
        overrides += extra
        log = None if logs is None else logs / f"dqn-pong_pixels-seed{seed}.log"
        wall: float | None
        if runs is None:
            with tempfile.TemporaryDirectory() as tmp:
                summary, wall = run_rlkit(overrides, Path(tmp), log)
        else:
            seed_dir = runs / f"dqn-pong_pixels-seed{seed}"
            seed_dir.mkdir(parents=True, exist_ok=True)
            summary, wall = resumable_run(overrides, seed_dir, checkpoint_every, log)
        print(seed, summary["eval_return_mean"], "resumed" if wall is None else f"{wall:.0f} s")
        return seed, summary, wall

    results = side_by_side(one, seeds, jobs)
    conditions = (
        f"{gpu}, {machine()}{', ' + str(jobs) + ' seeds at a time' if jobs > 1 else ''}"
        f"{' with ' + ' '.join(extra) if extra else ''}"
    )
    return learning_table(device, conditions, results)


def learning_table(
    device: str, conditions: str, results: list[tuple[int, dict, float | None]]
) -> str:
    """The markdown table of the learning runs: when each seed first beat the scripted player."""
    steps = results[0][1]["total_steps"]
    interval = next((r[1]["evaluations"][0]["step"] for r in results if r[1]["evaluations"]), None)
    lines = [
        "### Learning: `python -m rlkit.train agent=dqn env=pong_pixels` "
        "(preset conf/agent_env/dqn_pong_pixels.yaml)",
        "",
        f"Measured by `python scripts/bench_pixels.py --device {device} --learn` on {conditions}: "
        f"{steps:,} env steps (8 batched games), "
        f"evaluated every {f'{interval:,}' if interval else '-'} steps on greedy games to 21 "
        "against the default scripted opponent. *Beaten* is the first evaluation that wins more "
        "than half of its games; its time is the training loop's (over all sittings of a resumed "
        "run; evaluations included); a run over several sittings has no command wall time (-).",
        "",
        "| seed | beaten at step | training time to beat it | final win rate | final mean score "
        "(agent - opponent) | command wall time |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for seed, summary, wall in results:
        evals = summary["evaluations"]
        beaten = next((e for e in evals if win_rate(e["returns"]) > 0.5), None)
        final = evals[-1]["returns"] if evals else []
        when = f"{beaten['step']:,}" if beaten else "not beaten"
        took = f"{beaten['train_time_s'] / 60:.1f} min" if beaten else "-"
        lines.append(
            f"| {seed} | {when} | {took} | {win_rate(final) if final else 0:.0%} | "
            f"{summary['eval_return_mean']:+.1f} | "
            f"{'-' if wall is None else f'{wall / 60:.1f} min'} |"
        )
    return "\n".join(lines)


def speed(steps: int, rounds: int, device: str, gpu: str, extra: list[str]) -> str:
    """rlkit against SB3 on the speed config, alternating in fresh processes; the table."""
    rows = []
    config = speed_config(steps, device, extra)
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(1, rounds + 1):
            rows.append((round_, run_ours(config, steps, Path(tmp)), run_sb3(config)))
    ratio = statistics.median(o["steps_per_s"] / t["steps_per_s"] for _, o, t in rows)
    lines = [
        "## DQN on pixel pong against SB3's CnnPolicy",
        "",
        f"Measured by `python scripts/bench_pixels.py --device {device} --steps {steps}"
        f"{''.join(' ' + x for x in extra)}` "
        f"on {gpu}, {machine()}: {steps:,} env steps per run, one env, 4 stacked 84x84 frames, "
        "NatureCNN and a 512 hidden layer, 1-step targets without double Q-learning; one rlkit "
        "config for both libraries, SB3's model built from it by `rlkit/compare/sb3_mapping.py` "
        f"({', '.join(f'{k} {v}' for k, v in PIXEL_HYPER.items())}).",
        "",
        "| round | rlkit env steps/s | SB3 env steps/s | rlkit gradient steps/s | SB3 gradient "
        "steps/s | ratio (env steps) |",
        "|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r} | {o['steps_per_s']:,.0f} | {t['steps_per_s']:,.0f} | "
            f"{o['updates_per_s']:,.0f} | {t['updates_per_s']:,.0f} | "
            f"{o['steps_per_s'] / t['steps_per_s']:.2f}x |"
            for r, o, t in rows
        ),
        "",
        f"Median ratio: **{ratio:.2f}x** (target on a GPU: at least 5x).",
    ]
    if device == "cpu":
        lines.append(
            "\nA CPU run, for the record only: the figures that count need `--device cuda` on a "
            "machine with a GPU."
        )
    return "\n".join(lines)


def main() -> None:
    """Run the comparison (or, with ``--learn``, the learning runs) and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--learn", action="store_true", help="time to beat the scripted player")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--total-steps", type=int, default=None, help="override the preset's")
    parser.add_argument("--logs", type=Path, help="write each learning run's output here")
    parser.add_argument(
        "--runs", type=Path, help="keep each learning run here, checkpointed: a rerun resumes it"
    )
    parser.add_argument("--jobs", type=int, default=1, help="learning runs at a time")
    parser.add_argument("overrides", nargs="*", help="more key=value overrides of the runs")
    args = parser.parse_args()
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda but no CUDA GPU is available; give --device cpu")
    gpu = torch.cuda.get_device_name(0) if args.device == "cuda" else "no GPU (CPU run)"
    if args.learn:
        markdown = learn(args.seeds, args.device, args.total_steps, gpu, args.overrides,
                         args.logs, args.runs, args.jobs)  # fmt: skip
        print(markdown)
        print(f"\nwritten to {write_section(markdown, 'pixels-learning')}")
        return
    markdown = speed(args.steps, args.rounds, args.device, gpu, args.overrides)
    print(markdown)
    print(f"\nwritten to {write_section(markdown, 'pixels')}")


if __name__ == "__main__":
    main()
