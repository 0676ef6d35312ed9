"""Determinism: for every agent, two CPU runs with one seed write byte-identical ``metrics.csv``,
and another seed writes a different one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rlkit
from rlkit.storage.datasets import save_dataset

FAST = {"progress": False, "device": "cpu", "eval_episodes": 2, "log_interval": 200}
CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "qlearning": ("qlearning", "cliff", {"total_steps": 2000}),
    "dqn-numpy": ("dqn", "cartpole", {"total_steps": 1200, "agent__learning_starts": 200}),
    "dqn-torch-nstep-2envs": (
        "dqn", "cartpole",
        {"total_steps": 1200, "agent__learning_starts": 200, "agent__update_backend": "torch",
         "agent__n_step": 3, "num_envs": 2},
    ),
    "ddpg-ou": (
        "ddpg", "pendulum",
        {"total_steps": 500, "agent__learning_starts": 200, "agent__batch_size": 32,
         "agent__actor_hidden_sizes": [32, 32], "agent__critic_hidden_sizes": [32, 32],
         "agent__noise": "ornstein_uhlenbeck", "torch_threads": 1},
    ),
    "td3-delay3": (
        "td3", "pendulum",
        {"total_steps": 500, "agent__learning_starts": 200, "agent__batch_size": 32,
         "agent__actor_hidden_sizes": [32, 32], "agent__critic_hidden_sizes": [32, 32],
         "agent__policy_delay": 3},
    ),
    "sac-auto": (
        "sac", "pendulum",
        {"total_steps": 500, "agent__learning_starts": 200, "agent__batch_size": 32,
         "agent__actor_hidden_sizes": [32, 32], "agent__critic_hidden_sizes": [32, 32]},
    ),
    "dqn-pong-batched": (
        "dqn", "pong", {"total_steps": 1200, "agent__learning_starts": 200, "num_envs": 4}
    ),
    # The pixel preset: frames kept once each (FrameReplayBuffer), the buffer wrapped.
    "dqn-pong-pixels": (
        "dqn", "pong_pixels",
        {"total_steps": 300, "agent__learning_starts": 100, "agent__buffer_size": 150,
         "agent__batch_size": 8, "agent__train_freq": 4, "agent__gradient_steps": 1,
         "num_envs": 2, "env__points_to_win": 1},
    ),
}  # fmt: skip


def _metrics(agent: str, env: str, fields: dict[str, Any], seed: int, where: Path) -> bytes:
    run = rlkit.train(agent, env, seed, run_dir=where, **FAST, **fields)
    return (run.dir / "metrics.csv").read_bytes()


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_seed_one_metrics_csv(in_tmp: Path, case: str, one_torch_thread: None) -> None:
    agent, env, fields = CASES[case]
    first = _metrics(agent, env, fields, 0, in_tmp / "a")
    assert first == _metrics(agent, env, fields, 0, in_tmp / "b")
    assert first != _metrics(agent, env, fields, 1, in_tmp / "c")


def test_behaviour_cloning_is_deterministic_too(in_tmp: Path, one_torch_thread: None) -> None:
    rng = np.random.default_rng(0)
    observations = rng.uniform(-1, 1, (600, 4)).astype(np.float32)
    actions = (observations[:, 2] > 0).astype(np.int64)  # a rule the classifier can learn
    save_dataset(in_tmp / "play.npz", observations, actions)
    fields = {"dataset": str(in_tmp / "play.npz"), "agent__epochs": 3}
    first = _metrics("bc", "cartpole", fields, 0, in_tmp / "a")
    assert first == _metrics("bc", "cartpole", fields, 0, in_tmp / "b")
    assert first != _metrics("bc", "cartpole", fields, 1, in_tmp / "c")
