"""Kill and resume: training killed with SIGKILL at random moments (a checkpoint write included),
then resumed from its last checkpoint until it finishes, ends with the ``metrics.csv`` and the
evaluation returns of an uninterrupted run of the same seed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rlkit.storage.checkpoint import CHECKPOINT_NAME

BASE = ["progress=false", "device=cpu", "eval_episodes=2", "seed=3"]
CASES = {
    "qlearning": ["agent=qlearning", "env=cliff", "total_steps=60000", "checkpoint_interval=5000"],
    "dqn-2envs-nstep": [
        "agent=dqn", "env=cartpole", "total_steps=6000", "checkpoint_interval=500",
        "num_envs=2", "agent.n_step=3", "agent.learning_starts=300",
    ],
    "ddpg-ou": [
        "agent=ddpg", "env=pendulum", "total_steps=2500", "checkpoint_interval=300",
        "torch_threads=1",  # the preset's every-thread setting crawls on a busy machine
        "agent.learning_starts=200", "agent.noise=ornstein_uhlenbeck", "agent.batch_size=32",
        "agent.actor_hidden_sizes=[64,64]", "agent.critic_hidden_sizes=[64,64]",
    ],
    # α and its optimiser are learned: a resume that lost either would drift.
    "sac-auto": [
        "agent=sac", "env=pendulum", "total_steps=2500", "checkpoint_interval=300",
        "agent.learning_starts=200", "agent.batch_size=32",
        "agent.actor_hidden_sizes=[64,64]", "agent.critic_hidden_sizes=[64,64]",
    ],
}  # fmt: skip
SLOW_CASES = {
    "td3-per-episode": [
        "agent=td3", "env=pendulum", "total_steps=2500", "checkpoint_interval=300",
        "agent.learning_starts=200", "agent.batch_size=32", "agent.train_freq_unit=episode",
        "agent.gradient_steps=-1", "agent.actor_hidden_sizes=[64,64]",
        "agent.critic_hidden_sizes=[64,64]",
    ],
    "dqn-pong-batched": [
        "agent=dqn", "env=pong", "total_steps=8000", "checkpoint_interval=1000", "num_envs=8",
        "agent.learning_starts=500",
    ],
    "dqn": ["agent=dqn", "env=cartpole", "total_steps=6000", "checkpoint_interval=300",
            "agent.learning_starts=300"],
    "pixel-pong": [
        "agent=dqn", "env=pong_pixels", "total_steps=1200", "checkpoint_interval=200",
        "agent.learning_starts=200", "agent.buffer_size=2000", "agent.batch_size=16",
        "agent.save_buffer=true",
    ],
}  # fmt: skip


def _train(args: list[str], run_dir: Path, cwd: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "rlkit.train", *args, f"hydra.run.dir={run_dir}"]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_checkpoint(process: subprocess.Popen[bytes], run_dir: Path) -> None:
    """Until the run has written its first checkpoint (or ended): a kill before it would leave
    nothing to resume, and the next part would only start the run again."""
    while process.poll() is None and not (run_dir / CHECKPOINT_NAME).is_file():
        time.sleep(0.02)


def _killed_and_resumed(
    args: list[str], root: Path, kills: int, seed: int, whole_s: float
) -> tuple[Path, bool]:
    """Train, SIGKILL it ``kills`` times at random moments (``whole_s``: how long the whole run
    takes), resuming each time from the last part with a checkpoint. The first part is killed
    after its first checkpoint, so that a resume always happens; a resumed part anywhere (in the
    imports, the training, a checkpoint write or the evaluation). The part that finished, and
    whether it was a resume."""
    rng = np.random.default_rng(seed)
    parts: list[Path] = []
    for attempt in range(kills + 1):
        last = next((p for p in reversed(parts) if (p / CHECKPOINT_NAME).is_file()), None)
        run_dir = root / f"part{attempt}"
        parts.append(run_dir)
        process = _train([*BASE, *args] if last is None else [f"resume={last}"], run_dir, root)
        if attempt < kills:
            if last is None:
                _wait_for_checkpoint(process, run_dir)
                time.sleep(rng.uniform(0.0, 0.3) * whole_s)
            else:
                time.sleep(rng.uniform(0.2, 0.75) * whole_s)
            process.send_signal(signal.SIGKILL)
        _, err = process.communicate(timeout=300)
        if process.returncode == 0 or (run_dir / "summary.json").is_file():
            return run_dir, last is not None  # it finished before the kill (or while exiting)
        assert process.returncode == -signal.SIGKILL, err.decode()
    raise AssertionError("the last attempt was not killed and did not finish")


def _check(case: str, args: list[str], in_tmp: Path, kills: int) -> None:
    whole = in_tmp / "whole"
    started = time.perf_counter()
    process = _train([*BASE, *args], whole, in_tmp)
    assert process.wait(timeout=300) == 0, process.stderr.read().decode()  # type: ignore[union-attr]
    whole_s = time.perf_counter() - started
    (in_tmp / "killed").mkdir()
    resumed, was_resumed = _killed_and_resumed(args, in_tmp / "killed", kills, len(case), whole_s)
    assert resumed.name != "part0", "every kill came after the run had finished: lengthen it"
    assert was_resumed, "the part that finished started afresh: nothing was resumed"
    assert (resumed / "metrics.csv").read_bytes() == (whole / "metrics.csv").read_bytes()
    ours, theirs = (json.loads((d / "summary.json").read_text()) for d in (resumed, whole))
    for key in ("total_steps", "eval_return_mean", "eval_return_std"):
        assert ours[key] == theirs[key], key
    assert [e["returns"] for e in ours["evaluations"]] == [
        e["returns"] for e in theirs["evaluations"]
    ]


@pytest.mark.parametrize("case", sorted(CASES))
def test_killed_runs_resume_to_the_uninterrupted_result(in_tmp: Path, case: str) -> None:
    _check(case, CASES[case], in_tmp, kills=1)


@pytest.mark.slow(reason="four kills per agent, each resumed, about 4 min in all")
@pytest.mark.parametrize("case", sorted({**CASES, **SLOW_CASES}))
def test_killed_runs_resume_to_the_uninterrupted_result_often(in_tmp: Path, case: str) -> None:
    _check(case, {**CASES, **SLOW_CASES}[case], in_tmp, kills=4)
