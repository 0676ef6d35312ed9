"""The Python API: rlkit.train / rlkit.load, determinism, save/load and bad run directories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rlkit
from rlkit.agents.policy_file import POLICY_NAME
from rlkit.errors import CheckpointError, ConfigError
from rlkit.run.summary import SUMMARY_KEYS
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint


def short_run(seed: int = 0, **kwargs: object) -> rlkit.Run:
    return rlkit.train(
        agent="qlearning", env="cliff", seed=seed, total_steps=5000, progress=False, **kwargs
    )


def test_train_returns_a_run(in_tmp: Path) -> None:
    run = short_run(log_interval=500, agent__alpha=0.2)
    assert run.dir.is_dir() and tuple(run.summary) == SUMMARY_KEYS
    assert run.summary == json.loads((run.dir / "summary.json").read_text())
    assert run.config.agent.alpha == 0.2
    assert (run.dir / ".hydra" / "config.yaml").is_file()


def test_periodic_evaluations_are_in_the_summary_with_their_time(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = short_run(eval_interval=2000, eval_episodes=3)
    evaluations = run.summary["evaluations"]
    assert [e["step"] for e in evaluations] == [2000, 4000]
    times = [e["train_time_s"] for e in evaluations]
    assert 0 <= times[0] <= times[1] <= run.summary["wall_time_s"]
    rows = [r.split(",") for r in (run.dir / "metrics.csv").read_text().splitlines()[1:]]
    csv_means = [float(r[4]) for r in rows if r[4]]  # eval rows: periodic ones, then the final
    for evaluation, csv_mean in zip(evaluations, csv_means, strict=False):
        assert len(evaluation["returns"]) == 3
        assert evaluation["return_mean"] == pytest.approx(np.mean(evaluation["returns"]))
        assert evaluation["return_mean"] == pytest.approx(csv_mean)
    printed = capsys.readouterr().out
    assert "eval at step 2,000 after" in printed and "eval at step 4,000 after" in printed
    assert short_run().summary["evaluations"] == []


def test_same_seed_gives_identical_metrics(in_tmp: Path) -> None:
    a, b, c = short_run(seed=3), short_run(seed=3), short_run(seed=4)
    assert a.dir != b.dir
    metrics_a = (a.dir / "metrics.csv").read_text()
    assert metrics_a == (b.dir / "metrics.csv").read_text()
    assert metrics_a != (c.dir / "metrics.csv").read_text()


@pytest.mark.parametrize("vector_mode", ["fast", "sync"])
def test_vector_envs_count_env_steps(in_tmp: Path, vector_mode: str) -> None:
    run = short_run(num_envs=4, vector_mode=vector_mode)
    assert run.summary["total_steps"] == 5000
    rows = (run.dir / "metrics.csv").read_text().splitlines()[1:]
    episode_rows = [r.split(",") for r in rows if r.split(",")[1]]
    assert sum(int(r[3]) for r in episode_rows) <= 5000


def test_fast_and_gymnasium_vector_envs_train_identically(in_tmp: Path) -> None:
    fast = short_run(num_envs=3, vector_mode="fast")
    sync = short_run(num_envs=3, vector_mode="sync")
    assert (fast.dir / "metrics.csv").read_text() == (sync.dir / "metrics.csv").read_text()


def test_load_gives_the_trained_greedy_policy(in_tmp: Path) -> None:
    run = short_run()
    agent = rlkit.load(run.dir)
    saved = load_checkpoint(run.dir / CHECKPOINT_NAME)["agent"]["q_table"]
    np.testing.assert_array_equal(agent.q_table, saved)
    assert agent.predict(36, deterministic=True)[0] == int(saved[36].argmax())


def test_bad_api_arguments_raise_config_errors(in_tmp: Path) -> None:
    with pytest.raises(ConfigError, match="unknown agent 'dqnn'; valid choices: bc, ddpg, dqn"):
        rlkit.train(agent="dqnn")
    with pytest.raises(ConfigError, match="needs discrete observations"):
        rlkit.train(agent="qlearning", env="pendulum")
    with pytest.raises(ConfigError, match=r"unknown key 'agent\.alpah'"):
        rlkit.train(agent__alpah=0.1)
    assert not (in_tmp / "runs").exists()


def test_load_missing_directory(in_tmp: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        rlkit.load(in_tmp / "nowhere")


def test_load_directory_without_config(in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    with pytest.raises(CheckpointError, match=r"no \.hydra/config\.yaml"):
        rlkit.load(in_tmp / "empty")


def older_run() -> Path:
    """A run as rlkit wrote them before policy files: rlkit.load reads its checkpoint."""
    run = short_run()
    (run.dir / POLICY_NAME).unlink()
    return run.dir


def test_load_truncated_policy_file(in_tmp: Path) -> None:
    run = short_run()
    path = run.dir / POLICY_NAME
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        rlkit.load(run.dir)


def test_a_checkpoint_is_not_a_policy_file(in_tmp: Path) -> None:
    run = short_run()
    with pytest.raises(CheckpointError, match="is not a policy file"):
        rlkit.load(run.dir / CHECKPOINT_NAME)


def test_save_writes_a_policy_file_without_the_buffer_that_load_reads(in_tmp: Path) -> None:
    run = rlkit.train(
        "dqn", "cartpole", total_steps=300, agent__learning_starts=100, progress=False,
        agent__save_buffer=True,
    )  # fmt: skip
    (run.dir / POLICY_NAME).unlink()
    agent = rlkit.load(run.dir)  # from the checkpoint: its replay buffer too
    assert len(agent.buffer) > 250  # (the last n-step transitions are still pending)
    path = agent.save(in_tmp / "dqn.npz")
    loaded = rlkit.load(path)
    obs = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    want = agent.predict(obs, deterministic=True)[0]
    assert np.array_equal(loaded.predict(obs, deterministic=True)[0], want)
    assert len(set(want.tolist())) == 2  # both actions occur: a real comparison
    assert len(loaded.buffer) == 0  # no replay buffer came with it


def test_load_truncated_checkpoint(in_tmp: Path) -> None:
    run_dir = older_run()
    path = run_dir / CHECKPOINT_NAME
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        rlkit.load(run_dir)


def test_load_checkpoint_from_another_agent(in_tmp: Path) -> None:
    run_dir = older_run()
    state = load_checkpoint(run_dir / CHECKPOINT_NAME)
    state["meta"]["agent"] = "dqn"
    save_checkpoint(run_dir / CHECKPOINT_NAME, state)
    with pytest.raises(CheckpointError, match="from agent 'dqn'"):
        rlkit.load(run_dir)


@pytest.mark.parametrize("file", [CHECKPOINT_NAME, POLICY_NAME])
def test_load_a_state_of_the_wrong_shape(in_tmp: Path, file: str) -> None:
    run = short_run()
    if file == CHECKPOINT_NAME:
        (run.dir / POLICY_NAME).unlink()
    state = load_checkpoint(run.dir / file)
    state["agent"]["q_table"] = np.zeros((5, 4))
    save_checkpoint(run.dir / file, state)
    with pytest.raises(CheckpointError, match="does not fit its agent"):
        rlkit.load(run.dir)


def test_a_copied_run_directory_still_loads(in_tmp: Path) -> None:
    run = short_run()
    copy = shutil.copytree(run.dir, in_tmp / "elsewhere")
    assert (
        rlkit.load(copy).predict(36, deterministic=True)[0]
        == rlkit.load(run.dir).predict(36, deterministic=True)[0]
    )


def test_importing_the_cli_module_keeps_rlkit_train_callable(in_tmp: Path) -> None:
    code = (
        "import rlkit, rlkit.train\n"
        "run = rlkit.train(agent='qlearning', env='cliff', total_steps=100, progress=False)\n"
        "print('OK', run.summary['total_steps'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=in_tmp, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "OK 100" in result.stdout
