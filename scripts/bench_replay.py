"""Benchmark the replay memory of pixel runs: ``ReplayBuffer`` (every transition's 4-frame stacks
of s and s' whole) against ``FrameReplayBuffer`` (each frame once, stacks rebuilt at sampling).

Both are fed the same steps of 8 batched pixel pong games (4 stacked 84x84 frames, frame skip 4,
random actions, 3-step returns, as the pixel preset), CPU storage. Memory: bytes per transition
of a ``FrameReplayBuffer`` of ``--capacity`` transitions after ``1.1 x --capacity`` of them (so
it has wrapped and swept its pool), measured from its arrays, against what ``ReplayBuffer``
allocates for as many (``replay_bytes``, tested equal to its arrays; too big to allocate here).
Speed: median time of ``sample(32)`` and ``sample(256)`` and of one ``add`` of the 8 games, both
buffers of ``--timing-capacity`` transitions filled with the same steps, timed in alternating
rounds of 50 calls in one run (the median of the rounds' medians); their samples are checked
equal first. Prints the table and writes it into ``docs/benchmarks.md`` (section
``replay-frames``).

    python scripts/bench_replay.py [--capacity 100000] [--timing-capacity 10000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
from gymnasium import spaces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine, write_section

from rlkit.config.compose import load_env_config
from rlkit.envkit.make import make_vec_env
from rlkit.parts.frame_replay import FrameReplayBuffer
from rlkit.parts.replay import ReplayBuffer, replay_bytes

NUM_ENVS, N_STEP, GAMMA = 8, 3, 0.99
FRAME = 84 * 84


def steps(count: int, seed: int = 0) -> Iterator[tuple[np.ndarray, ...]]:
    """``count`` steps of the pixel preset's env as the training loop adds them."""
    cfg = load_env_config("pong_pixels")
    cfg.frame_skip = 4
    envs = make_vec_env(cfg, NUM_ENVS)
    obs, _ = envs.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(count):
        new_obs, rewards, terminated, truncated, info = envs.step(rng.integers(0, 3, NUM_ENVS))
        next_obs = new_obs.copy()
        for i in np.flatnonzero(terminated | truncated):
            next_obs[i] = info["final_obs"][i]
        yield obs, rng.integers(0, 3, NUM_ENVS), rewards, next_obs, terminated, truncated
        obs = new_obs
    envs.close()


def buffer_args(capacity: int) -> tuple:
    """The pixel preset's buffer arguments (CPU storage)."""
    space = spaces.Box(0, 255, (4, 84, 84), np.uint8)
    return (capacity, space, spaces.Discrete(3), NUM_ENVS, "cpu", N_STEP, GAMMA, 0)


def frame_bytes_per_transition(capacity: int) -> tuple[float, int, int]:
    """Bytes per transition of a full, wrapped FrameReplayBuffer; its frame slots; episodes."""
    frames = FrameReplayBuffer(*buffer_args(capacity))
    ended = 0
    for step in steps(int(1.1 * capacity) // NUM_ENVS + 1):
        frames.add(*step)
        ended += int((step[4] | step[5]).sum())
    index = frames._index._arrays or ()
    allocated = frames._pool.tensor.nbytes + sum(a.nbytes for a in index)
    return allocated / len(frames), frames.frames_held(), ended


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``call`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timings(capacity: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Median µs (ReplayBuffer, FrameReplayBuffer) of add and of sample(32) and sample(256)."""
    full, frames = ReplayBuffer(*buffer_args(capacity)), FrameReplayBuffer(*buffer_args(capacity))
    stream = list(steps(capacity // NUM_ENVS + 200, seed=1))
    add_times: dict[int, list[float]] = {0: [], 1: []}
    for step in stream:
        for which, buf in enumerate((full, frames)):
            start = time.perf_counter()
            buf.add(*step)
            add_times[which].append(time.perf_counter() - start)
    for a, b in zip(full.sample(256), frames.sample(256), strict=True):
        assert torch.equal(a, b), "the two buffers' samples differ"
    result = {"add (8 games)": tuple(statistics.median(t) * 1e6 for t in add_times.values())}
    for batch in (32, 256):
        per_round: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(rounds):
            for which, buf in enumerate((full, frames)):
                per_round[which].append(median_seconds(lambda b=buf, n=batch: b.sample(n), 50))
        result[f"sample({batch})"] = tuple(statistics.median(t) * 1e6 for t in per_round.values())
    return result  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capacity", type=int, default=100_000)
    parser.add_argument("--timing-capacity", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    per_transition, slots, episodes = frame_bytes_per_transition(args.capacity)
    space_args = buffer_args(args.capacity)
    old = replay_bytes(args.capacity, space_args[1], space_args[2]) / args.capacity
    rows = [
        "| | ReplayBuffer (stacks whole) | FrameReplayBuffer (frames once) | ratio |",
        "|---|---|---|---|",
        f"| bytes per transition ({args.capacity:,} of 4x84x84) | {old:,.0f} ({old / FRAME:.2f} "
        f"frames) | {per_transition:,.0f} ({per_transition / FRAME:.3f} frames) | "
        f"{per_transition / old:.3f} |",
    ]
    for name, (a, b) in timings(args.timing_capacity, args.rounds).items():
        rows.append(f"| {name}, µs (median) | {a:,.1f} | {b:,.1f} | {b / a:.2f} |")
    table = "\n".join(rows)
    caption = (
        f"`python scripts/bench_replay.py --capacity {args.capacity} --timing-capacity "
        f"{args.timing_capacity} --rounds {args.rounds}` on {machine()}, CPU storage, one torch "
        f"thread. The memory row: after {int(1.1 * args.capacity):,} transitions of 8 pixel "
        f"pong games ({episodes} episodes ended), {slots:,} frame slots. Timings: buffers of "
        f"{args.timing_capacity:,} transitions (ReplayBuffer's 100k do not fit here), samples "
        "checked equal first."
    )
    markdown = f"## Replay memory for frames\n\n{caption}\n\n{table}\n"
    print(markdown)
    write_section(markdown, "replay-frames")


if __name__ == "__main__":
    main()
