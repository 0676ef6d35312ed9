"""SB3's own DDPG on LunarLanderContinuous-v3, scored the way bench_ddpg.py scores rlkit's.

The issue's LunarLander target (200 on 4 of 5 seeds within 300k steps) quotes rl-baselines3-zoo's
DDPG (230 ± 92: one seed, the spread is over episodes). This script asks what SB3 itself reaches on
rlkit's five seeds under rlkit's measure, so the two can be read side by side:

- rl-baselines3-zoo's ``ddpg.yml`` values for LunarLanderContinuous (γ 0.98, buffer 200k, 10k
  random steps, Gaussian σ 0.1, lr 1e-3, 400x300 nets, batch 256, τ 0.005, training at episode
  ends with one gradient step per env step of the episode), 300k env steps: rlkit's
  ``ddpg_lunarlander`` preset (the zoo's values) with the zoo's schedule, SB3's model built from
  that rlkit config by ``rlkit.compare``'s mapping;
- every 10k steps 10 greedy episodes, the first reset seeded ``seed + 1_000_000`` (rlkit's
  evaluations), keeping the policy of the best one (SB3's ``EvalCallback`` does the same);
- that kept policy scored again on 100 new episodes seeded ``seed + 2_000_000`` (rlkit's
  ``bench_ddpg.py`` re-scoring: the same start states for both libraries).

    python scripts/bench_ddpg_sb3.py --runs DIR [--seeds 5] [--only 1 3] [--jobs 2] \
        [--schedule episode|step]

``--schedule step`` trains after every env step instead (train_freq 1, gradient_steps 1, as
rlkit's ``ddpg_lunarlander`` preset does); it gets its own section. Each seed runs in its own
process with one torch thread and checkpoints every ``--checkpoint-every`` steps into
``DIR/sb3-<schedule>-seed<N>``; calling the script again reads finished seeds back and resumes the
others from their last checkpoint (model, optimisers and replay buffer; the episode in progress
restarts, so a resumed run is not bit-identical to an unbroken one, unlike rlkit's resume).
The table goes to docs/benchmarks.md, section ``ddpg-lunarlander-sb3`` (``-sb3-step``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (
    FRESH_EPISODES,
    FRESH_SEED_OFFSET,
    LUNAR_SB3_EVAL_EPISODES,
    SOLVED,
    machine,
    sb3_learn,
    side_by_side,
    write_section,
)

from rlkit.run.evaluate import EVAL_SEED_OFFSET

ENV_ID = "LunarLanderContinuous-v3"
TOTAL_STEPS = 300_000
EVAL_INTERVAL = 10_000
EVAL_EPISODES = LUNAR_SB3_EVAL_EPISODES


def greedy_returns(model: object, episodes: int, seed: int) -> list[float]:
    """Returns of ``episodes`` deterministic episodes of an SB3 ``model``, played by rlkit's own
    ``evaluate`` (the first reset seeded ``seed``, the others continuing its RNG)."""
    from rlkit.config.compose import compose_config
    from rlkit.run.evaluate import evaluate

    class Greedy:  # always deterministic, whatever the caller asks
        def predict(self, obs: object, deterministic: bool = True, **unused: object) -> object:
            return model.predict(obs, deterministic=True)

    env_cfg = compose_config(["agent=ddpg", "env=lunarlander"])[1].env
    assert env_cfg.id == ENV_ID
    return [float(r) for r in evaluate(Greedy(), env_cfg, episodes, seed)]


SCHEDULES = {
    # The zoo's: at each episode's end, one gradient step per env step of the episode.
    "episode": ["agent.train_freq=1", "agent.train_freq_unit=episode", "agent.gradient_steps=-1"],
    # rlkit's ddpg_lunarlander preset's: one gradient step after every env step.
    "step": ["agent.train_freq=1", "agent.train_freq_unit=step", "agent.gradient_steps=1"],
}
"""rlkit overrides of each ``--schedule`` over the ddpg_lunarlander preset (whose other values are
the zoo's ``ddpg.yml``: sb3_setup maps them to the arguments the zoo gives SB3)."""


def sb3_config(seed: int, schedule: str, total_steps: int) -> Any:
    """The rlkit config SB3's model is built from (``rlkit.compare.sb3_model``): the preset with
    the schedule and budget, one torch thread on the CPU."""
    from rlkit.config.compose import compose_config

    overrides = ["agent=ddpg", "env=lunarlander", f"seed={seed}", f"total_steps={total_steps}",
                 "device=cpu", "torch_threads=1", *SCHEDULES[schedule]]  # fmt: skip
    return compose_config(overrides)[1]


def start_or_resume(seed: int, run_dir: Path, schedule: str, total_steps: int) -> tuple[Any, dict]:
    """SB3's model and the run's state: loaded from ``run_dir``'s checkpoint (model, optimisers
    and replay buffer), or new."""
    from stable_baselines3 import DDPG

    from rlkit.compare.sb3_model import sb3_env, sb3_model
    from rlkit.run.loop import _limit_threads

    config = sb3_config(seed, schedule, total_steps)
    _limit_threads(config.torch_threads)
    model_path, buffer_path = run_dir / "model.zip", run_dir / "replay_buffer.pkl"
    if (run_dir / "state.json").is_file() and model_path.is_file() and buffer_path.is_file():
        state = json.loads((run_dir / "state.json").read_text())
        state["resumes"] += 1
        model = DDPG.load(model_path, env=sb3_env(config), device=config.device)
        model.load_replay_buffer(buffer_path)
        return model, state
    return sb3_model(config), {"evaluations": [], "best": None, "seconds": 0.0, "resumes": 0}


def eval_and_checkpoint(
    model: Any, seed: int, run_dir: Path, state: dict, checkpoint_every: int, eval_interval: int
) -> Any:
    """An SB3 callback of ``model``: every ``eval_interval`` steps the greedy evaluation (the best
    one's policy kept as ``best-<step>.zip``), every ``checkpoint_every`` steps a checkpoint."""
    from stable_baselines3.common.callbacks import BaseCallback

    started = time.perf_counter()

    class EvalAndCheckpoint(BaseCallback):
        def _on_step(self) -> bool:
            step = self.num_timesteps
            if step % eval_interval == 0:
                returns = greedy_returns(self.model, EVAL_EPISODES, seed + EVAL_SEED_OFFSET)
                mean = statistics.mean(returns)
                state["evaluations"].append({"step": step, "return_mean": mean})
                if state["best"] is None or mean > state["best"]["return_mean"]:
                    state["best"] = {"step": step, "return_mean": mean}
                    # Named by step: after a crash, state.json's best is the one from the
                    # last checkpoint, which a later best.zip would have overwritten.
                    self.model.save(run_dir / f"best-{step}.zip")
            if step % checkpoint_every == 0:
                model.save(run_dir / "model.zip")
                model.save_replay_buffer(run_dir / "replay_buffer.pkl")
                seconds = state["seconds"] + time.perf_counter() - started
                (run_dir / "state.json").write_text(json.dumps({**state, "seconds": seconds}))
            return True

    return EvalAndCheckpoint()


def train_one(
    seed: int,
    run_dir: Path,
    schedule: str,
    checkpoint_every: int,
    total_steps: int | None = None,
    eval_interval: int | None = None,
) -> dict:
    """Train (or resume, or read back) one seed of SB3's DDPG for ``total_steps`` (default
    ``TOTAL_STEPS``), evaluated every ``eval_interval`` (``EVAL_INTERVAL``); its summary, also in
    ``run_dir/summary.json``."""
    total_steps, eval_interval = total_steps or TOTAL_STEPS, eval_interval or EVAL_INTERVAL
    summary_path = run_dir / "summary.json"
    if summary_path.is_file():
        return json.loads(summary_path.read_text())
    from stable_baselines3 import DDPG

    run_dir.mkdir(parents=True, exist_ok=True)
    model, state = start_or_resume(seed, run_dir, schedule, total_steps)
    started = time.perf_counter()
    callback = eval_and_checkpoint(model, seed, run_dir, state, checkpoint_every, eval_interval)
    sb3_learn(model, total_steps, callback)
    best_path = run_dir / f"best-{state['best']['step']}.zip"
    for stale in run_dir.glob("best-*.zip"):
        if stale != best_path:
            stale.unlink()
    fresh = greedy_returns(DDPG.load(best_path, device="cpu"), FRESH_EPISODES,
                           seed + FRESH_SEED_OFFSET)  # fmt: skip
    summary = {
        "seed": seed,
        "schedule": schedule,
        "total_steps": total_steps,
        "eval_interval": eval_interval,
        "final": state["evaluations"][-1]["return_mean"],
        "best": state["best"],
        "fresh_mean": statistics.mean(fresh),
        "fresh_std": statistics.pstdev(fresh),
        "evaluations": state["evaluations"],
        "minutes": (state["seconds"] + time.perf_counter() - started) / 60,
        "resumes": state["resumes"],
    }
    summary_path.write_text(json.dumps(summary, indent=1))
    (run_dir / "replay_buffer.pkl").unlink(missing_ok=True)  # 200k transitions; best.zip stays
    return summary


def table(summaries: list[dict], schedule: str, partial: bool) -> str:
    """The markdown section: per seed the final and kept agents, and the count at 200."""
    command = "python scripts/bench_ddpg_sb3.py" + (
        " --schedule step" if schedule == "step" else ""
    )
    how = (
        "at episode ends, one gradient step per env step of the episode (the zoo's `ddpg.yml`)"
        if schedule == "episode"
        else "after every env step (train_freq 1, gradient_steps 1, as rlkit's preset)"
    )
    seeds = ", ".join(str(s["seed"]) for s in summaries)
    fresh = [s["fresh_mean"] for s in summaries]
    final = [s["final"] for s in summaries]
    resumed = sum(s["resumes"] > 0 for s in summaries)
    solved = SOLVED["lunarlander"]
    # Summaries written before they recorded their budget ran the defaults.
    steps = summaries[0].get("total_steps", TOTAL_STEPS)
    interval = summaries[0].get("eval_interval", EVAL_INTERVAL)
    if (steps, interval) != (TOTAL_STEPS, EVAL_INTERVAL):
        command += f" --total-steps {steps} --eval-interval {interval}"
    when = "episode ends" if schedule == "episode" else "every step"
    lines = [
        f"### Learning, SB3's DDPG, training at {when}: `{command}`",
        "",
        f"Stable-Baselines3's DDPG on {ENV_ID} with rl-baselines3-zoo's values (γ 0.98, buffer "
        f"200k, 10k random steps, Gaussian σ 0.1, lr 1e-3, 400x300, batch 256, τ 0.005), training "
        f"{how}, {steps:,} steps; scored as `bench_ddpg.py` scores rlkit: {EVAL_EPISODES} "
        f"greedy episodes every {interval:,} steps, the best one's policy kept and scored "
        f"again on the same {FRESH_EPISODES} new episodes as rlkit's. Seeds {seeds}"
        + (" (a partial table)" if partial else "")
        + f", one torch thread each, on {machine()}"
        + (f"; {resumed} run(s) resumed from a checkpoint." if resumed else ".")
        + f" Slowest run {max(s['minutes'] for s in summaries):.1f} min of training time.",
        "",
        "| seed | final agent (10 episodes) | best evaluation: step, mean of 10 | best agent, "
        "100 new episodes |",
        "|---:|---:|---:|---:|",
    ]
    for s in summaries:
        lines.append(
            f"| {s['seed']} | {s['final']:.1f} | {s['best']['step']:,}: "
            f"{s['best']['return_mean']:.1f} | {s['fresh_mean']:.1f} ± {s['fresh_std']:.1f} |"
        )
    lines += [
        "",
        f"Seeds at or above {solved:g}: final agents {sum(r >= solved for r in final)} of "
        f"{len(final)}, best agents on new episodes {sum(r >= solved for r in fresh)} of "
        f"{len(fresh)} (mean {statistics.mean(fresh):.1f} ± {statistics.pstdev(fresh):.1f}).",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run (or resume) the seeds side by side and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, required=True, help="keep the runs here (resumable)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 to N-1")
    parser.add_argument("--only", type=int, nargs="+", help="just these seeds (a partial table)")
    parser.add_argument("--jobs", type=int, default=2, help="seeds trained side by side")
    parser.add_argument("--schedule", choices=("episode", "step"), default="episode")
    parser.add_argument("--checkpoint-every", type=int, default=20_000)
    parser.add_argument("--total-steps", type=int, default=TOTAL_STEPS, help="(a quick check)")
    parser.add_argument("--eval-interval", type=int, default=EVAL_INTERVAL)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.checkpoint_every % args.eval_interval:
        parser.error(f"--checkpoint-every must be a multiple of {args.eval_interval}")

    def run_dir(seed: int) -> Path:
        return args.runs / f"sb3-{args.schedule}-seed{seed}"

    if args.worker is not None:
        train_one(args.worker, run_dir(args.worker), args.schedule, args.checkpoint_every,
                  args.total_steps, args.eval_interval)  # fmt: skip
        return

    seeds = args.only if args.only else list(range(args.seeds))

    def one(seed: int) -> dict:
        # A process per seed: one torch thread each, and a crash loses one seed, not the table.
        log = args.runs / f"sb3-{args.schedule}-seed{seed}.log"
        args.runs.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as sink:
            done = subprocess.run(
                [sys.executable, __file__, "--runs", str(args.runs), "--schedule", args.schedule,
                 "--checkpoint-every", str(args.checkpoint_every), "--total-steps",
                 str(args.total_steps), "--eval-interval", str(args.eval_interval),
                 "--worker", str(seed)],
                stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"seed {seed} stopped with exit code {done.returncode}; see {log}")
        return json.loads((run_dir(seed) / "summary.json").read_text())

    summaries = side_by_side(one, seeds, args.jobs)
    markdown = table(summaries, args.schedule, partial=bool(args.only))
    print(markdown)
    suffix = "" if args.schedule == "episode" else "-step"
    print(f"\nwrote {write_section(markdown, f'ddpg-lunarlander-sb3{suffix}')}")


if __name__ == "__main__":
    main()
