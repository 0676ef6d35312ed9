"""save_best: the agent of the best periodic evaluation, kept as a loadable run directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

import rlkit
from rlkit.errors import CheckpointError, ConfigError
from rlkit.play import play
from rlkit.run.callbacks.evaluation import is_best as _is_best
from rlkit.run.evaluate import EVAL_SEED_OFFSET, evaluate
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint


def cliff_run(steps: int, **kwargs: object) -> rlkit.Run:
    # A high learning rate and few steps: the cliff policy's evaluations go up and down.
    return rlkit.train(
        agent="qlearning",
        env="cliff",
        seed=2,
        total_steps=steps,
        progress=False,
        eval_interval=300,
        eval_episodes=1,
        save_best=True,
        agent__alpha=0.9,
        **kwargs,
    )


def test_the_kept_agent_is_the_one_of_the_best_evaluation(in_tmp: Path) -> None:
    run = cliff_run(3000)
    evaluations = run.summary["evaluations"]
    means = [e["return_mean"] for e in evaluations]
    best = evaluations[int(np.argmax(means))]  # argmax: the first of equal scores
    assert len(set(means)) > 1, "the evaluations should differ for this test to mean something"

    agent = rlkit.load(run.dir / "best")
    returns = evaluate(agent, run.config.env, 1, run.config.seed + EVAL_SEED_OFFSET)
    assert returns.tolist() == best["returns"]
    assert load_checkpoint(run.dir / "best" / CHECKPOINT_NAME)["meta"]["step"] == best["step"]
    # It plays like any run directory.
    episodes = play(run.dir / "best", episodes=1, seed=run.config.seed + EVAL_SEED_OFFSET, log=len)
    assert [e.episode_return for e in episodes] == best["returns"]


def test_the_best_copy_is_a_policy_not_a_training_state(in_tmp: Path) -> None:
    run = rlkit.train(
        agent="dqn",
        env="cartpole",
        total_steps=600,
        progress=False,
        eval_interval=300,
        eval_episodes=1,
        save_best=True,
        agent__learning_starts=100,
        agent__batch_size=16,
    )
    state = load_checkpoint(run.dir / "best" / CHECKPOINT_NAME)
    assert state["agent"]["buffer"]["size"] == 0  # the replay buffer stays with the run
    assert load_checkpoint(run.dir / CHECKPOINT_NAME)["agent"]["buffer"]["size"] > 500
    assert rlkit.load(run.dir / "best").predict(np.zeros(4, dtype=np.float32), deterministic=True)[
        0
    ] in (0, 1)
    with pytest.raises(CheckpointError, match=r"best agent \(save_best\), not a training state"):
        rlkit.train(resume=str(run.dir / "best"), progress=False)


def test_a_resumed_run_keeps_the_best_of_every_sitting(in_tmp: Path) -> None:
    whole = cliff_run(3000)
    first = cliff_run(1500)
    resumed = rlkit.train(resume=str(first.dir), total_steps=3000, progress=False)
    kept = (resumed.dir / "best" / CHECKPOINT_NAME, whole.dir / "best" / CHECKPOINT_NAME)
    assert load_checkpoint(kept[0])["meta"]["step"] == load_checkpoint(kept[1])["meta"]["step"]
    a, b = (load_checkpoint(path)["agent"]["q_table"] for path in kept)
    np.testing.assert_array_equal(a, b)


def test_a_tie_keeps_the_earlier_agent() -> None:
    scores = [{"return_mean": m} for m in (-20.0, -13.0, -13.0)]
    assert _is_best(scores[:1]) and _is_best(scores[:2]) and not _is_best(scores)


def test_save_best_needs_eval_interval(in_tmp: Path) -> None:
    with pytest.raises(ConfigError, match=r"save_best=true .* give eval_interval"):
        rlkit.train(agent="qlearning", env="cliff", save_best=True, progress=False)
    result = run_cli("agent=qlearning", "env=cliff", "save_best=true", cwd=in_tmp)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
