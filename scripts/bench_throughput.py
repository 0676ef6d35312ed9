"""Benchmark throughput: rlkit's env steps/s against Stable-Baselines3's and against the floor.

For three CPU workloads, each from one rlkit config:

- ``cartpole``: DQN on CartPole-v1 with SB3's DQN defaults (``benchlib.SB3_DEFAULTS``);
- ``pong``: DQN on vector pong with the preset's values (``conf/agent_env/dqn_pong.yaml``: 8
  batched games), except ``double_q=false``, which SB3's DQN cannot express;
- ``pendulum``: DDPG on Pendulum-v1 with the preset's values (rl-baselines3-zoo's),

it measures, in one run:

1. SB3's env steps/s, its model built from the same rlkit config by
   ``rlkit/compare/sb3_mapping.py`` (``sb3_setup``), on the same env made by ``rlkit.envkit``;
2. rlkit's env steps/s with its default update (``agent.update_backend=auto``: the NumPy update
   for these DQN nets) and, for DQN, with ``agent.update_backend=torch``; their ratio to SB3's;
3. the floor: the same env steps alone (the same vector env, actions drawn at random in advance,
   no agent), plus the same gradient updates alone (the agent's ``run_due_updates`` at the steps
   the run trained, on a replay buffer filled with those env steps' transitions: same batch,
   nets and backend), and rlkit's overhead above it, ``(rlkit time - floor time) / floor time``.

Each measurement runs in a fresh interpreter (this script with ``--worker``), one at a time, with
one PyTorch thread (and one BLAS thread) for both libraries; ``--rounds`` rounds alternate the
order, and the table shows medians. Every time runs from after construction to the end of the env
steps: no evaluation (rlkit ``eval_episodes=0``, SB3 none), rlkit's final checkpoint and report
left out.

Prints the tables and writes them into ``docs/benchmarks.md`` (section ``throughput``).
``--profile`` instead runs cProfile on one rlkit run and one floor of each workload and prints
the functions whose own time the run has in excess of the floor: what the overhead is made of.

    python scripts/bench_throughput.py [--rounds 3] [--workloads cartpole,pong,pendulum]
        [--steps N] [--quick] [--profile] [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import WORKLOADS, Workload, machine, run_sb3, write_section

from rlkit.run.callbacks.base import Callback

SCRIPT = Path(__file__).resolve()
SECTION = "throughput"

# ---------------------------------------------------------------------------------------------
# Pure parts: update counting, overhead arithmetic, tables.


def due_updates(agent_cfg: Any, total_steps: int, num_envs: int) -> list[tuple[int, int]]:
    """The env steps at which the loop runs gradient steps, and how many at each: the loop calls
    the agent at every vector step (``num_envs`` env steps) and rlkit's ``TrainSchedule`` counts
    ``gradient_steps`` per ``train_freq`` env steps once ``learning_starts`` is reached and the
    buffer holds a batch (n-step items still pending are not counted here)."""
    from rlkit.parts.schedules import TrainSchedule

    if agent_cfg.train_freq_unit != "step" or agent_cfg.gradient_steps < 0:
        raise SystemExit("update counting needs train_freq_unit=step and gradient_steps >= 0")
    schedule = TrainSchedule(agent_cfg.train_freq, "step", agent_cfg.gradient_steps)
    due = []
    for k in range(1, math.ceil(total_steps / num_envs) + 1):
        step = k * num_envs
        started = step >= agent_cfg.learning_starts and (
            min(step, agent_cfg.buffer_size) >= agent_cfg.batch_size
        )
        count = schedule.due(step, started)
        if count:
            due.append((step, count))
    return due


def last_step_before_learning(learning_starts: int, num_envs: int) -> int:
    """The loop's last call before ``learning_starts`` (a multiple of ``num_envs``; 0 if none):
    the periods up to it are dropped, the ones after it are trained at the first due step."""
    return max(0, (learning_starts - 1) // num_envs * num_envs)


def overhead(rlkit_s: float, floor_s: float) -> float:
    """rlkit's time above the floor, as a share of the floor: (rlkit - floor) / floor."""
    return (rlkit_s - floor_s) / floor_s


@dataclass(frozen=True)
class Row:
    """The medians of one workload and rlkit update backend."""

    workload: str
    backend: str
    steps: int
    updates: int
    sb3_s: float
    rlkit_s: float
    floor_env_s: float
    floor_update_s: float

    @property
    def floor_s(self) -> float:
        """The env steps alone plus the updates alone."""
        return self.floor_env_s + self.floor_update_s


def median_row(workload: Workload, results: dict[str, list[dict]], backend: str | None) -> Row:
    """One table row from the rounds' worker results (``sb3``, ``rlkit-<b>``, ``floor-<b>``)."""
    rlkit, floor = results[f"rlkit-{backend}"], results[f"floor-{backend}"]
    return Row(
        workload.title,
        rlkit[0]["backend"],
        rlkit[0]["steps"],
        rlkit[0]["updates"],
        statistics.median(r["seconds"] for r in results["sb3"]),
        statistics.median(r["seconds"] for r in rlkit),
        statistics.median(r["env_seconds"] for r in floor),
        statistics.median(r["update_seconds"] for r in floor),
    )


TABLE_HEADER = [
    "| workload | rlkit update | env steps | updates | SB3 env steps/s | rlkit env steps/s "
    "| rlkit/SB3 | floor: env + updates (s) | rlkit (s) | rlkit above the floor |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def table(rows: Sequence[Row]) -> list[str]:
    """The markdown table of medians: throughput, ratio to SB3, the floor and the overhead."""
    lines = list(TABLE_HEADER)
    for r in rows:
        ours, theirs = r.steps / r.rlkit_s, r.steps / r.sb3_s
        lines.append(
            f"| {r.workload} | {r.backend} | {r.steps:,} | {r.updates:,} | {theirs:,.0f} "
            f"| {ours:,.0f} | **{ours / theirs:.2f}x** "
            f"| {r.floor_env_s:.2f} + {r.floor_update_s:.2f} = {r.floor_s:.2f} "
            f"| {r.rlkit_s:.2f} | {overhead(r.rlkit_s, r.floor_s):+.0%} |"
        )
    return lines


def rounds_table(names: Sequence[str], results: dict[str, dict[str, list[dict]]]) -> list[str]:
    """Every round's measurement (seconds), to see the spread behind the medians."""
    rounds = max(len(v) for w in results.values() for v in w.values())
    lines = [
        "| workload | measurement | " + " | ".join(f"round {i + 1}" for i in range(rounds)) + " |",
        "|---|---|" + "---:|" * rounds,
    ]
    for name in names:
        for key, values in results[name].items():
            parts = ("env_seconds", "update_seconds") if key.startswith("floor") else ("seconds",)
            for part in parts:
                label = key if part == "seconds" else f"{key} {part.removesuffix('_seconds')}"
                cells = " | ".join(f"{v[part]:.2f}" for v in values)
                lines.append(f"| {name} | {label} (s) | {cells} |")
    return lines


# ---------------------------------------------------------------------------------------------
# Workers: each measurement in a fresh interpreter, printing one RESULT line.


def adam_steps(agent: Any) -> int:
    """Gradient steps the agent has taken: its (critic's) Adam step count, which both DQN
    updates (torch and NumPy) and DDPG's keep."""
    optimizer = getattr(agent, "optimizer", None) or agent.critic_optimizer
    state = optimizer.state.get(optimizer.param_groups[0]["params"][0], {})
    return int(state["step"]) if "step" in state else 0


class Span(Callback):
    """Times a run from the first env step to the end of the last one (the final checkpoint's
    ``on_checkpoint``, before it is written and before the final evaluation), and counts the
    updates; with a profiler, profiles that span."""

    def __init__(self, profiler: cProfile.Profile | None = None) -> None:
        """Time (and profile, with ``profiler``) the run's env steps."""
        self.profiler = profiler
        self.started = self.ended = math.nan
        self.updates = 0

    def on_training_start(self, run: Any) -> None:
        """Start the clock (after the envs, the agent and the callbacks are built)."""
        self.updates = -adam_steps(run.agent)
        if self.profiler is not None:
            self.profiler.enable()
        self.started = time.perf_counter()

    def on_checkpoint(self, run: Any) -> None:
        """Stop the clock at the final checkpoint (periodic ones come while collecting)."""
        if run.collecting or not math.isnan(self.ended):
            return
        self.ended = time.perf_counter()
        if self.profiler is not None:
            self.profiler.disable()
        self.updates += adam_steps(run.agent)


def rlkit_worker(overrides: list[str], profile_out: str | None) -> dict[str, Any]:
    """One ``rlkit.train`` run: its timed span, env steps, updates and update backend."""
    import rlkit

    span = Span(cProfile.Profile() if profile_out else None)
    with tempfile.TemporaryDirectory() as tmp:
        run = rlkit.train(overrides=overrides, run_dir=Path(tmp) / "run", callbacks=[span])
    if span.profiler is not None and profile_out:
        span.profiler.dump_stats(profile_out)
    return {
        "seconds": span.ended - span.started,
        "steps": run.summary["total_steps"],
        "updates": span.updates,
        "backend": run.summary["update"],
    }


def random_actions(space: Any, vec_steps: int, num_envs: int, seed: int) -> np.ndarray:
    """Actions drawn in advance (drawing is not the env's cost): one per env and vector step."""
    from gymnasium import spaces

    rng = np.random.default_rng(seed)
    if isinstance(space, spaces.Discrete):
        return space.start + rng.integers(space.n, size=(vec_steps, num_envs))
    return rng.uniform(space.low, space.high, (vec_steps, num_envs, *space.shape)).astype(
        space.dtype
    )


def step_envs(envs: Any, actions: np.ndarray, seed: int, agent: Any = None) -> float:
    """Seconds to take the steps of ``actions``; with ``agent``, store each transition in it
    (the run's true next observations: an ended episode's last one, not the reset)."""
    from rlkit.parts.transition import Transition

    obs, _ = envs.reset(seed=seed)
    started = time.perf_counter()
    for a in actions:
        next_obs, rewards, terminated, truncated, infos = envs.step(a)
        if agent is not None:
            real = next_obs.copy()
            for i in np.flatnonzero(terminated | truncated):
                real[i] = infos["final_obs"][i]
            agent.store(Transition(obs, a, rewards, real, terminated, truncated))
            obs = next_obs
    return time.perf_counter() - started


def floor_worker(overrides: list[str], profile_out: str | None) -> dict[str, Any]:
    """The env steps alone, then the agent's updates alone on a buffer filled with them."""
    from rlkit.agents.registry import AGENTS
    from rlkit.config.compose import compose_config
    from rlkit.envkit.make import make_vec_env
    from rlkit.run.loop import _limit_threads

    _, config = compose_config(overrides)
    _limit_threads(config.torch_threads)
    n = config.num_envs
    envs = make_vec_env(config.env, n, config.vector_mode)
    actions = random_actions(
        envs.single_action_space, math.ceil(config.total_steps / n), n, config.seed
    )
    agent = AGENTS[config.agent.name].build(
        config.agent, envs.single_observation_space, envs.single_action_space,
        seed=config.seed, device=config.device, num_envs=n,
    )  # fmt: skip
    profiler = cProfile.Profile() if profile_out else None
    with profiler or contextlib.nullcontext():
        env_s = step_envs(envs, actions, config.seed)
    step_envs(envs, actions, config.seed, agent)  # the same transitions again, into the buffer
    due = due_updates(config.agent, config.total_steps, n)
    agent.run_due_updates(last_step_before_learning(config.agent.learning_starts, n))
    before = adam_steps(agent)
    with profiler or contextlib.nullcontext():
        started = time.perf_counter()
        for step, _ in due:
            agent.run_due_updates(step)
        update_s = time.perf_counter() - started
    if profiler is not None and profile_out:
        profiler.dump_stats(profile_out)
    envs.close()
    return {
        "env_seconds": env_s,
        "update_seconds": update_s,
        "steps": len(actions) * n,
        "updates": adam_steps(agent) - before,
        "expected_updates": sum(count for _, count in due),
        "backend": agent.update_backend,
    }


WORKERS = {"rlkit": rlkit_worker, "floor": floor_worker}


def worker_main(kind: str, overrides: list[str], profile_out: str | None) -> None:
    """Run one measurement and print its ``RESULT`` line."""
    print("RESULT", json.dumps(WORKERS[kind](overrides, profile_out)), flush=True)


def run_worker(kind: str, overrides: list[str], profile_out: str | None = None) -> dict:
    """One measurement in a fresh interpreter; the JSON of its ``RESULT`` line. SB3's is
    ``benchlib.run_sb3``: its model built from the same config by ``rlkit.compare.sb3_model``
    (the mapped hyperparameters, the same env made by ``rlkit.envkit``), trained and timed as
    every script's SB3 run is."""
    if kind == "sb3":
        return run_sb3(overrides)
    command = [sys.executable, str(SCRIPT), "--worker", kind]
    if profile_out:
        command += ["--profile-out", profile_out]
    out = subprocess.run([*command, "--", *overrides], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{kind} worker failed: {overrides}\n{out.stderr[-3000:]}")
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


# ---------------------------------------------------------------------------------------------
# The benchmark: rounds of measurements, the tables, the profile.


def jobs_of(workload: Workload) -> list[tuple[str, str, str | None]]:
    """A round's measurements of a workload: (result key, worker kind, update backend)."""
    jobs: list[tuple[str, str, str | None]] = [("sb3", "sb3", workload.backends[0])]
    for backend in workload.backends:
        jobs += [(f"rlkit-{backend}", "rlkit", backend), (f"floor-{backend}", "floor", backend)]
    return jobs


def measure(
    workloads: Sequence[Workload], rounds: int, steps: int | None, quick: bool
) -> dict[str, dict[str, list[dict]]]:
    """Every measurement, ``rounds`` times, one process at a time; odd rounds in reverse order."""
    jobs = [(w, *job) for w in workloads for job in jobs_of(w)]
    results: dict[str, dict[str, list[dict]]] = {w.name: {} for w in workloads}
    for r in range(rounds):
        for workload, key, kind, backend in jobs if r % 2 == 0 else jobs[::-1]:
            budget = steps or (workload.quick_steps if quick else workload.steps)
            result = run_worker(kind, workload.config(budget, quick, backend))
            results[workload.name].setdefault(key, []).append(result)
            print(f"round {r + 1}: {workload.name} {key}: {json.dumps(result)}", flush=True)
    return results


def checks(workload: Workload, results: dict[str, list[dict]]) -> list[str]:
    """Notes where the measurements did not do the same work (env steps or updates)."""
    notes = []
    for key, values in results.items():
        for v in values:
            if key.startswith("floor") and v["updates"] != v["expected_updates"]:
                notes.append(f"{workload.name} {key}: {v['updates']} updates, counted "
                             f"{v['expected_updates']}")  # fmt: skip
    runs = {k: {v["updates"] for v in vs} for k, vs in results.items()}
    for backend in workload.backends:
        if runs[f"rlkit-{backend}"] != runs[f"floor-{backend}"]:
            notes.append(f"{workload.name}: the run's updates {sorted(runs[f'rlkit-{backend}'])} "
                         f"but the floor's {sorted(runs[f'floor-{backend}'])}")  # fmt: skip
    return notes


def report(
    workloads: Sequence[Workload], results: dict[str, dict[str, list[dict]]], command: str
) -> str:
    """The section's markdown: the table of medians, how it was measured, every round."""
    rows = [median_row(w, results[w.name], b) for w in workloads for b in w.backends]
    rounds = len(results[workloads[0].name]["sb3"])
    sb3_updates = ", ".join(f"{w.name} {results[w.name]['sb3'][0]['updates']:,}" for w in workloads)
    notes = [n for w in workloads for n in checks(w, results[w.name])]
    lines = [
        "## Throughput: rlkit against SB3 and against the floor, CPU",
        "",
        f"Measured by `{command}` on {machine()}: {rounds} round(s) alternating the order, each "
        "measurement in a fresh process, one PyTorch (and BLAS) thread for both libraries; "
        "medians. Each time runs from after construction to the end of the env steps: no "
        "evaluation (rlkit `eval_episodes=0`, SB3 none), rlkit's final checkpoint, evaluation "
        "and report left out. SB3's model is built from the same rlkit config by "
        "`rlkit/compare/sb3_mapping.py` (on pong its `train_freq` in SB3's vector steps: 1 "
        "vector step = 8 env steps) and steps the same env made by `rlkit.envkit` (pong: rlkit's "
        f"batched env behind a `VecEnv` adapter). SB3's updates: {sb3_updates}.",
        "",
        *table(rows),
        "",
        "The floor is the same env steps alone (the same vector env, random actions drawn in "
        "advance, no agent) plus the same updates alone (the agent's `run_due_updates` at the "
        "steps the run trained, on a replay buffer filled with those env steps: same batch, nets "
        "and update), in one fresh process; above the floor = (rlkit - floor) / floor. Pong runs "
        "with `agent.double_q=false` (SB3's DQN has no double Q-learning).",
        "",
        *rounds_table([w.name for w in workloads], results),
    ]
    if notes:
        lines += ["", "Work that differed: " + "; ".join(notes) + "."]
    return "\n".join(lines)


def function_name(key: tuple[str, int, str]) -> str:
    """``file.py:line(function)``, or a built-in's own name."""
    file, line, name = key
    return name if file == "~" else f"{Path(file).name}:{line}({name})"


def profile_excess(
    run: dict[tuple, tuple], floor: dict[tuple, tuple], top: int
) -> list[tuple[str, int, float, float]]:
    """The functions whose own time (cProfile's ``tottime``) the run has above the floor, most
    first: (name, the run's calls, its own seconds, the floor's own seconds)."""
    rows = [
        (function_name(key), int(stats[1]), stats[2], floor.get(key, (0, 0, 0.0))[2])
        for key, stats in run.items()
    ]
    rows.sort(key=lambda r: r[2] - r[3], reverse=True)
    return rows[:top]


def profile(workloads: Sequence[Workload], steps: int | None, quick: bool, top: int) -> None:
    """cProfile one rlkit run and one floor of each workload (its default update); print what the
    run's time above the floor is made of."""
    with tempfile.TemporaryDirectory() as tmp:
        for w in workloads:
            config = w.config(steps or (w.quick_steps if quick else w.steps), quick, w.backends[0])
            paths = {kind: f"{tmp}/{w.name}-{kind}.prof" for kind in ("rlkit", "floor")}
            result = {kind: run_worker(kind, config, paths[kind]) for kind in paths}
            stats = {kind: pstats.Stats(path).stats for kind, path in paths.items()}  # type: ignore[attr-defined]
            run_s = result["rlkit"]["seconds"]
            floor_s = result["floor"]["env_seconds"] + result["floor"]["update_seconds"]
            print(
                f"\n### {w.title}, update {result['rlkit']['backend']}: under cProfile the run "
                f"took {run_s:.2f} s, the floor {floor_s:.2f} s ({overhead(run_s, floor_s):+.0%}); "
                f"the {top} functions with the most own time above the floor:\n"
            )
            print("| function | run's calls | own s, run | own s, floor | above the floor |")
            print("|---|---:|---:|---:|---:|")
            for name, calls, ours, floor in profile_excess(stats["rlkit"], stats["floor"], top):
                print(f"| `{name}` | {calls:,} | {ours:.3f} | {floor:.3f} | {ours - floor:+.3f} |")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="which to measure")
    parser.add_argument("--steps", type=int, help="env steps of every run (default: each one's)")
    parser.add_argument("--quick", action="store_true", help="tiny budgets: a check, not numbers")
    parser.add_argument("--profile", action="store_true", help="cProfile the overhead instead")
    parser.add_argument("--top", type=int, default=15, help="functions listed by --profile")
    parser.add_argument("--no-write", action="store_true", help="print only, leave the doc")
    parser.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("overrides", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure the workloads and write the table (or, with ``--profile``, print the profile)."""
    args = parse(argv)
    if args.worker:
        worker_main(args.worker, args.overrides, args.profile_out)
        return
    names = [n for n in args.workloads.split(",") if n]
    unknown = sorted(set(names) - set(WORKLOADS))
    if unknown:
        raise SystemExit(f"unknown workload {unknown[0]!r}; valid choices: {', '.join(WORKLOADS)}")
    workloads = [WORKLOADS[n] for n in names]
    if args.profile:
        profile(workloads, args.steps, args.quick, args.top)
        return
    results = measure(workloads, args.rounds, args.steps, args.quick)
    given = list(sys.argv[1:] if argv is None else argv)
    markdown = report(workloads, results, " ".join(["python scripts/bench_throughput.py", *given]))
    if args.quick:
        markdown += "\n\n`--quick`: tiny budgets, a check that the script works, not a measurement."
    print(markdown)
    if not args.no_write:
        print(f"\nwritten to {write_section(markdown, SECTION)}", flush=True)


if __name__ == "__main__":
    main()
