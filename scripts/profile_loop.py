"""Where a training run's time goes, per env step: env, acting, storing, the update's parts,
callbacks and the loop itself.

One run of each workload in a fresh interpreter (this script with ``--worker``), one PyTorch
thread, no evaluation. The tool is a set of ``time.perf_counter`` timers wrapped around each call
the loop makes (``agent.act``, ``envs.step``, ``agent.store``, ``agent.run_due_updates``, the
callbacks) and, inside the update, around the replay draw, the gradient step, autograd's backward
pass and Adam's step (the NumPy update's forward pass and Adam step where it runs). Each part's
time is its own, nested parts taken out; "the loop itself" is what ``_collect`` spends outside
every timed call. A timer costs about half a microsecond a call, a few per env step.

    python scripts/profile_loop.py [--workloads cartpole,cartpole8,pong,pendulum,td3,sac]
        [--steps N] [--no-write]

Writes section ``profile`` of ``docs/benchmarks.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import COMMON, WORKLOADS, machine, write_section

SECTION = "profile"
PARTS = (
    "env",
    "act",
    "store",
    "update: replay draw",
    "update: forward and loss",
    "update: backward",
    "update: optimizer",
    "update: schedule and targets",
    "callbacks",
    "loop itself",
)
"""The table's rows, in the order of an env step."""


def overrides_of(name: str, steps: int) -> tuple[str, list[str]]:
    """The workload's title and the overrides of a run of ``steps`` env steps: the throughput
    benchmark's workloads (``benchlib.WORKLOADS``, default update), CartPole on 8 envs,
    and TD3 and SAC on their Pendulum presets."""
    if name in WORKLOADS:
        workload = WORKLOADS[name]
        return workload.title, workload.config(steps, False, workload.backends[0])
    if name == "cartpole8":
        title, overrides = overrides_of("cartpole", steps)
        return title.replace("1 env", "8 envs"), [*overrides, "num_envs=8"]
    title = f"{name.upper()}, Pendulum-v1, preset (rl-zoo), 1 env"
    return title, [f"agent={name}", "env=pendulum", *COMMON, f"total_steps={steps}"]


STEPS = {"cartpole": 20_000, "cartpole8": 40_000, "pong": 40_000, "pendulum": 20_000,
         "td3": 20_000, "sac": 5_000}  # fmt: skip
"""Env steps of each profiled run (over all envs): DDPG's and TD3's presets start learning at
10,000, so they run their whole 20,000; SAC's update (batch 256, two 256x256 critics and the
actor) is ~10 ms on one thread, so 5,000 show it."""


class Phases:
    """Exclusive time per named part: a nested timed call's time counts to it, not its caller."""

    def __init__(self) -> None:
        """No time yet."""
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrap(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        """``call``, its own time added to ``name``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self._inner.append(0.0)
            try:
                return call(*args, **kwargs)
            finally:
                inner = self._inner.pop()
                spent = time.perf_counter() - start
                self.seconds[name] += spent - inner
                if self._inner:
                    self._inner[-1] += spent

        return timed


def _instrument(phases: Phases, run: Any) -> None:
    """Wrap the calls of one run's loop (instances) and of the update's parts (classes)."""
    import torch

    agent, envs, callbacks = run.agent, run.envs, run.callbacks
    agent.act = phases.wrap("act", agent.act)
    envs.step = phases.wrap("env", envs.step)
    agent.store = phases.wrap("store", agent.store)
    agent.run_due_updates = phases.wrap("update: schedule and targets", agent.run_due_updates)
    agent.buffer.sample = phases.wrap("update: replay draw", agent.buffer.sample)
    agent.fast.update = phases.wrap("update: forward and loss", agent.fast.update)
    callbacks.on_step = phases.wrap("callbacks", callbacks.on_step)
    callbacks.on_record = phases.wrap("callbacks", callbacks.on_record)
    torch.Tensor.backward = phases.wrap("update: backward", torch.Tensor.backward)
    torch.optim.Adam.step = phases.wrap("update: optimizer", torch.optim.Adam.step)
    if agent.fast.backend == "numpy":
        from rlkit.fast.numpy_dqn import NumpyQUpdate

        forward = phases.wrap("update: forward and loss", NumpyQUpdate.forward)
        NumpyQUpdate.forward = staticmethod(forward)  # type: ignore[method-assign]
        # The NumPy update's backward pass is written inline: it stays in "forward and loss".
        NumpyQUpdate._adam_step = phases.wrap("update: optimizer", NumpyQUpdate._adam_step)  # type: ignore[method-assign]


def worker(overrides: list[str]) -> dict[str, Any]:
    """One profiled ``rlkit.train`` run: seconds per part, env steps, and the update that ran."""
    import rlkit
    import rlkit.run.loop as loop

    phases, collect = Phases(), loop._collect
    total: list[float] = []

    def profiled(run: Any) -> None:
        _instrument(phases, run)
        start = time.perf_counter()
        collect(run)
        total.append(time.perf_counter() - start)

    loop._collect = profiled  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        run = rlkit.train(overrides=overrides, run_dir=Path(tmp) / "run")
    seconds = dict(phases.seconds)
    seconds["loop itself"] = total[0] - sum(seconds.values())
    return {
        "seconds": seconds,
        "steps": run.summary["total_steps"],
        "update": run.summary["update"],
    }


def profile(name: str, steps: int | None) -> dict[str, Any]:
    """Run the worker for workload ``name`` in a fresh interpreter."""
    title, overrides = overrides_of(name, steps or STEPS[name])
    command = [sys.executable, __file__, "--worker", json.dumps(overrides)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {"name": name, "title": title, **result}


def table(results: Sequence[dict[str, Any]]) -> list[str]:
    """µs per env step of each part (its share of the loop in brackets), one column a workload."""
    heads = [f"{r['title']} ({r['update'].split(' ')[0]} update)" for r in results]
    lines = ["| part | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(results)]
    for part in PARTS:
        cells = []
        for r in results:
            seconds, total = r["seconds"].get(part, 0.0), sum(r["seconds"].values())
            cells.append(f"{1e6 * seconds / r['steps']:.1f} ({100 * seconds / total:.0f}%)")
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    totals = [f"**{1e6 * sum(r['seconds'].values()) / r['steps']:.1f}**" for r in results]
    lines.append("| **all, per env step** | " + " | ".join(totals) + " |")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Profile the workloads one after another; print the table and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="cartpole,cartpole8,pong,pendulum,td3,sac")
    parser.add_argument("--steps", type=int, default=None, help="env steps of every run")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    names = args.workloads.split(",")
    unknown = sorted(set(names) - set(STEPS))
    if unknown:
        raise SystemExit(f"unknown workload {unknown[0]!r}; valid choices: {', '.join(STEPS)}")
    results = [profile(name, args.steps) for name in names]
    given = f" --steps {args.steps}" if args.steps else ""
    text = "\n".join([
        "## Where the time goes",
        "",
        f"`python scripts/profile_loop.py --workloads {args.workloads}{given}` on {machine()}: "
        "one run each, one PyTorch thread, no evaluation; µs per env step of each part and its "
        "share of the loop, from `time.perf_counter` timers around each call (the script's "
        "docstring says which).",
        "",
        *table(results),
    ])  # fmt: skip
    print(text)
    if not args.no_write:
        print(f"wrote {write_section(text, SECTION)}")


if __name__ == "__main__":
    main()
