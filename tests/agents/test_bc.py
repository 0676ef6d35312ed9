"""Behaviour cloning (agent=bc): datasets, fitting, save/load, DQN pretraining, bad input."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rlkit
from rlkit.errors import ConfigError, InvalidObservationError
from rlkit.storage.datasets import load_dataset, save_dataset
from tests.helpers import run_cli


def balancing_action(obs: np.ndarray) -> int:
    """A hand-written CartPole controller (push toward where the pole falls) to clone."""
    return int(obs[2] + 0.5 * obs[3] > 0)


def cartpole_play(path: Path, steps: int = 5000, seed: int = 0) -> Path:
    """Record the controller's play on CartPole, as ``rlkit.play ... record=`` would."""
    env = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=seed)
    observations, actions = [], []
    for _ in range(steps):
        action = balancing_action(obs)
        observations.append(obs)
        actions.append(action)
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            obs, _ = env.reset()
    return save_dataset(path, np.array(observations, np.float32), np.array(actions, np.int64))


@pytest.fixture(scope="module")
def play_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cartpole_play(tmp_path_factory.mktemp("play") / "cartpole.npz")


@pytest.fixture(scope="module")
def bc_run(play_file: Path, tmp_path_factory: pytest.TempPathFactory) -> rlkit.api.Run:
    run_dir = tmp_path_factory.mktemp("bc") / "run"
    return rlkit.train(
        "bc", "cartpole", dataset=str(play_file), agent__epochs=60, progress=False, run_dir=run_dir
    )


def test_cloned_controller_is_accurate_and_balances(bc_run: rlkit.api.Run) -> None:
    agent = rlkit.load(bc_run.dir)
    assert agent.val_accuracy >= 0.9
    # The controller balances for 500 steps; a clone that is 90 % accurate still keeps it up long.
    assert bc_run.summary["eval_return_mean"] >= 300
    assert bc_run.summary["total_steps"] == 0  # no env steps were used to learn
    metrics = (bc_run.dir / "metrics.csv").read_text().splitlines()
    assert metrics[0].endswith("loss,accuracy,val_accuracy")
    assert len(metrics) == 1 + 60 + 1  # an epoch a row, then the evaluation


def test_load_predicts_like_the_trained_agent(bc_run: rlkit.api.Run, play_file: Path) -> None:
    agent = rlkit.load(bc_run.dir)
    data = load_dataset(play_file, *_cartpole_spaces())
    batch = agent.predict(data.observations[:200], deterministic=True)[0]
    assert batch.shape == (200,)
    assert [agent.predict(o, deterministic=True)[0] for o in data.observations[:20]] == list(
        batch[:20]
    )
    assert agent.accuracy(data) >= 0.9
    with pytest.raises(InvalidObservationError, match="predict takes one observation of shape"):
        agent.predict(np.zeros(3, np.float32), deterministic=True)[0]
    sampled = agent.predict(data.observations[:500], deterministic=False)[0]
    assert set(np.unique(sampled)) <= {0, 1}


def test_same_seed_same_fit(play_file: Path, tmp_path: Path) -> None:
    runs = [
        rlkit.train(
            "bc",
            "cartpole",
            dataset=str(play_file),
            agent__epochs=3,
            eval_episodes=1,
            progress=False,
            run_dir=tmp_path / str(i),
        )
        for i in range(2)
    ]
    assert (runs[0].dir / "metrics.csv").read_text() == (runs[1].dir / "metrics.csv").read_text()


def test_dqn_pretrained_from_bc_starts_with_the_cloned_policy(
    bc_run: rlkit.api.Run, play_file: Path, tmp_path: Path
) -> None:
    # No update happens before learning_starts, so q is still the cloned network.
    run = rlkit.train(
        "dqn",
        "cartpole",
        agent__pretrain=str(bc_run.dir),
        agent__hidden_sizes=[256, 64],
        agent__dueling=False,
        agent__learning_starts=1000,
        total_steps=50,
        eval_episodes=1,
        progress=False,
        run_dir=tmp_path / "dqn",
    )
    dqn, bc = rlkit.load(run.dir), rlkit.load(bc_run.dir)
    observations = load_dataset(play_file, *_cartpole_spaces()).observations[:1000]
    np.testing.assert_array_equal(
        dqn.predict(observations, deterministic=True)[0],
        bc.predict(observations, deterministic=True)[0],
    )


def _cartpole_spaces() -> tuple[gym.Space, gym.Space]:
    env = gym.make("CartPole-v1")
    return env.observation_space, env.action_space


# --- bad input -------------------------------------------------------------------------------


def test_dataset_checks(tmp_path: Path) -> None:
    obs_space, action_space = _cartpole_spaces()
    with pytest.raises(ConfigError, match="no such file"):
        load_dataset(tmp_path / "none.npz", obs_space, action_space)
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(ConfigError, match=r"is not an \.npz file"):
        load_dataset(tmp_path / "text.npz", obs_space, action_space)
    np.savez(tmp_path / "nokeys.npz", x=np.zeros(3))
    with pytest.raises(ConfigError, match="lacks the array"):
        load_dataset(tmp_path / "nokeys.npz", obs_space, action_space)
    save_dataset(tmp_path / "shape.npz", np.zeros((5, 3), np.float32), np.zeros(5, np.int64))
    with pytest.raises(ConfigError, match=r"observations have shape \(5, 3\)"):
        load_dataset(tmp_path / "shape.npz", obs_space, action_space)
    save_dataset(tmp_path / "range.npz", np.zeros((5, 4), np.float32), np.full(5, 7))
    with pytest.raises(ConfigError, match=r"outside the env's actions 0\.\.1"):
        load_dataset(tmp_path / "range.npz", obs_space, action_space)
    save_dataset(tmp_path / "float.npz", np.zeros((5, 4), np.float32), np.zeros(5, np.float32))
    with pytest.raises(ConfigError, match="actions must be 5 integers"):
        load_dataset(tmp_path / "float.npz", obs_space, action_space)
    save_dataset(tmp_path / "count.npz", np.zeros((5, 4), np.float32), np.zeros(4, np.int64))
    with pytest.raises(ConfigError, match="actions must be 5 integers"):
        load_dataset(tmp_path / "count.npz", obs_space, action_space)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["agent=bc", "env=cartpole"], "give dataset=<file.npz>"),
        (["agent=bc", "env=cartpole", "dataset=missing.npz"], "dataset=missing.npz: no such file"),
        (["agent=dqn", "env=cartpole", "dataset=play.npz"], "read only by offline agents (bc)"),
        (["agent=bc", "env=pendulum", "dataset=play.npz"], "agent=bc needs discrete actions"),
        (["agent=bc", "env=cartpole", "dataset=play.npz", "agent.epochs=0"], "agent.epochs=0"),
        (
            ["agent=bc", "env=cartpole", "dataset=play.npz", "agent.val_fraction=1.0"],
            "agent.val_fraction=1.0 is out of range",
        ),
        (["agent=dqn", "env=cartpole", "agent.pretrain=nowhere"], "not a run directory"),
    ],
)
def test_bad_input_is_one_line(
    args: list[str], message: str, in_tmp: Path, play_file: Path
) -> None:
    (in_tmp / "play.npz").write_bytes(play_file.read_bytes())
    out = run_cli(*args, cwd=in_tmp)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and message in out.stderr
    assert "Traceback" not in out.stderr
    assert not (in_tmp / "runs").exists()


def test_pretrain_must_be_a_fitting_bc_run(bc_run: rlkit.api.Run, in_tmp: Path) -> None:
    out = run_cli("agent=dqn", "env=cartpole", f"agent.pretrain={bc_run.dir}", cwd=in_tmp)
    assert out.returncode == 2 and "set agent.hidden_sizes=[256, 64]" in out.stderr
    out = run_cli("agent=dqn", "env=cliff", f"agent.pretrain={bc_run.dir}", cwd=in_tmp)
    assert out.returncode == 2 and "saw Box(4,) observations (cartpole)" in out.stderr
    dqn = rlkit.train("dqn", "cartpole", total_steps=20, eval_episodes=0, progress=False)
    out = run_cli("agent=dqn", "env=cartpole", f"agent.pretrain={dqn.dir}", cwd=in_tmp)
    assert out.returncode == 2 and "is a run of agent 'dqn'" in out.stderr
    out = run_cli(f"resume={bc_run.dir}", cwd=in_tmp)
    assert out.returncode == 2 and "start a new run" in out.stderr


def test_default_network_is_the_departments_pong_bot() -> None:
    """3 -> 256 -> 64 -> 3 with ReLUs: 17,667 parameters, as the department's bot has."""
    from gymnasium import spaces

    from rlkit.agents.bc import BC
    from rlkit.config.schema import BCConfig

    classic = spaces.Box(0.0, 1.0, (3,), np.float32)
    agent = BC(BCConfig(), classic, spaces.Discrete(3))
    assert sum(p.numel() for p in agent.policy.parameters()) == 17_667
