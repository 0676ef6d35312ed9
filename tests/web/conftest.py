"""Tiny training runs for the web tests (seconds each; their weights need only be a network)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rlkit


def tiny_run(
    root: Path, agent: str, env: str, steps: int, name: str = "", **fields: object
) -> Path:
    """A short run of ``agent`` on ``env`` under ``root`` (in ``name``, default agent-env);
    returns its directory."""
    run = rlkit.train(
        agent=agent,
        env=env,
        total_steps=steps,
        run_dir=root / (name or f"{agent}-{env}"),
        progress=False,
        eval_episodes=1,
        device="cpu",
        **fields,
    )
    return run.dir


@pytest.fixture(scope="session")
def web_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A vector pong run with the DQN preset's network (6-128-128-3; 5-point games, so a full
    game takes seconds), a pixel pong run (4 stacked frames, NatureCNN), a classic one, and two
    runs the
    command must refuse: CartPole (not pong) and tabular Q-learning (no network)."""
    root = tmp_path_factory.mktemp("web-runs")
    return {
        "pong": tiny_run(root, "dqn", "pong", 300, env__points_to_win=5),
        "pixels": tiny_run(
            root,
            "dqn",
            "pong_pixels",
            200,
            env__points_to_win=2,
            agent__buffer_size=1000,
            num_envs=2,
        ),
        "classic": tiny_run(
            root,
            "dqn",
            "pong",
            100,
            name="dqn-pong-classic",
            env__obs_type="classic",
            env__points_to_win=2,
            num_envs=1,
        ),
        "cartpole": tiny_run(root, "dqn", "cartpole", 200, agent__learning_starts=100),
        "qlearning": tiny_run(root, "qlearning", "cliff", 200),
    }
