"""Benchmark rlkit's envs: env steps/s of the batched ping pong against the single env.

Rows: ``PingPongVectorEnv`` (``gymnasium.make_vec("rlkit/PingPong-v0", num_envs=N)``) with vector
observations at N = 4096 and with 84x84 pixel observations at several N; Gymnasium's
``SyncVectorEnv`` over single envs; the single env from ``gymnasium.make`` (with its usual
wrappers: the env checker, order enforcing, the time limit) and the raw ``PingPongEnv``. All with
``frame_skip=1`` (one game frame a step) and random actions drawn in advance, so that only the env
is timed; the median of ``--rounds`` rounds. Prints the table and writes it into
``docs/benchmarks.md`` (its own section).

    python scripts/bench_envs.py [--seconds 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine, write_section

import rlkit  # noqa: F401  (registers the envs)
from rlkit.envs.ping_pong import PingPongEnv

ENV_ID = "rlkit/PingPong-v0"
TARGETS = {"vector": 1_000_000, "pixels": 50_000}
SAME_STEP = gym.vector.AutoresetMode.SAME_STEP


def time_vector(num_envs: int, obs_type: str, seconds: float, mode: str | None = None) -> float:
    """Env steps/s (summed over the N games) of ``make_vec``'s env, stepped for ~``seconds``."""
    if mode == "sync":
        extra = {"vectorization_mode": "sync", "vector_kwargs": {"autoreset_mode": SAME_STEP}}
    else:
        extra = {"autoreset_mode": SAME_STEP}
    envs = gym.make_vec(ENV_ID, num_envs=num_envs, obs_type=obs_type, **extra)
    envs.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 3, size=(64, num_envs))
    calls = _calls_per_second(lambda i: envs.step(actions[i % 64]), seconds)
    envs.close()
    return calls * num_envs


def time_single(make: Callable[[], gym.Env], seconds: float) -> float:
    """Steps/s of one env, reset whenever an episode ends."""
    env = make()
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 3, size=4096).tolist()

    def step(i: int) -> None:
        _, _, terminated, truncated, _ = env.step(actions[i % 4096])
        if terminated or truncated:
            env.reset()

    return _calls_per_second(step, seconds)


def _calls_per_second(fn: Callable[[int], object], seconds: float) -> float:
    for i in range(3):  # warm-up
        fn(i)
    calls, started = 0, time.perf_counter()
    while True:
        for _ in range(16):
            fn(calls)
            calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return calls / elapsed


Row = tuple[str, int, str, Callable[[], float]]
"""A table row: the env's name, N games, observation type, and its measurement (steps/s)."""


def rows_to_measure(s: float) -> list[Row]:
    """The rows, each timed for ``s`` seconds a round."""
    return [
        ("PingPongVectorEnv (make_vec)", 4096, "vector", lambda: time_vector(4096, "vector", s)),
        ("PingPongVectorEnv (make_vec)", 256, "vector", lambda: time_vector(256, "vector", s)),
        ("PingPongVectorEnv (make_vec)", 4096, "pixels", lambda: time_vector(4096, "pixels", s)),
        ("PingPongVectorEnv (make_vec)", 1024, "pixels", lambda: time_vector(1024, "pixels", s)),
        ("PingPongVectorEnv (make_vec)", 256, "pixels", lambda: time_vector(256, "pixels", s)),
        (
            "Gymnasium SyncVectorEnv of single envs",
            16,
            "vector",
            lambda: time_vector(16, "vector", s, mode="sync"),
        ),
        (
            "single env, gymnasium.make (wrappers)",
            1,
            "vector",
            lambda: time_single(lambda: gym.make(ENV_ID), s),
        ),
        (
            "single env, gymnasium.make (wrappers)",
            1,
            "pixels",
            lambda: time_single(lambda: gym.make(ENV_ID, obs_type="pixels"), s),
        ),
        ("single env, raw PingPongEnv", 1, "vector", lambda: time_single(PingPongEnv, s)),
    ]


def table(rows: list[Row], medians: list[float], rounds: int, seconds: float) -> str:
    """The section's markdown: steps/s per row against the single env, and the targets."""
    # The machine may be shared: the load says how much of it the benchmark had.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    single = medians[6]
    lines = [
        "## Envs: ping pong, batched against single",
        "",
        f"Measured by `python scripts/bench_envs.py` on {machine()}: env steps/s summed over the "
        f"N games (one game frame a step, `frame_skip=1`), SAME_STEP autoreset, random actions "
        f"drawn in advance; median of {rounds} rounds of {seconds:g} s (load average "
        f"{load:.1f} at the end). With "
        "`frame_skip=1` an env step is one frame, so for pixels steps/s = frames/s.",
        "",
        "| env | N | obs | env steps/s | vs the single env |",
        "|---|---:|---|---:|---:|",
    ]
    for (name, n, obs_type, _), median in zip(rows, medians, strict=True):
        lines.append(f"| {name} | {n} | {obs_type} | {median:,.0f} | {median / single:,.1f}x |")
    vector, pixels = medians[0], max(medians[2:5])
    best_n = rows[2 + int(np.argmax(medians[2:5]))][1]
    met = {
        k: "met" if v >= TARGETS[k] else "NOT met"
        for k, v in (("vector", vector), ("pixels", pixels))
    }
    lines += [
        "",
        f"Targets: batched vector observations at N=4096 ≥ {TARGETS['vector']:,} steps/s "
        f"({met['vector']}: {vector:,.0f}); pixel frames ≥ {TARGETS['pixels']:,}/s "
        f"({met['pixels']}: {pixels:,.0f} at N={best_n}).",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure, print the table, write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per row and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = rows_to_measure(args.seconds)
    results: dict[int, list[float]] = {i: [] for i in range(len(rows))}
    for round_ in range(args.rounds):
        for i, (name, n, obs_type, measure) in enumerate(rows):
            results[i].append(measure())
            print(f"round {round_ + 1}: {name}, N={n}, {obs_type}: {results[i][-1]:,.0f} steps/s")
    medians = [statistics.median(results[i]) for i in range(len(rows))]
    markdown = table(rows, medians, args.rounds, args.seconds)
    print()
    print(markdown)
    print(f"\nwritten to {write_section(markdown, 'envs')}")


if __name__ == "__main__":
    main()
