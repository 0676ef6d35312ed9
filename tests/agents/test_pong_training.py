"""Training on pong: the env=pong config, the batched vector env in the loop, behaviour cloning
from a scripted player, and a short DQN learning test on squash."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import rlkit
from rlkit.config.compose import load_env_config
from rlkit.envkit.make import make_env, make_vec_env
from rlkit.envs.ping_pong import PingPongVectorEnv
from tests.helpers import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from make_pong_dataset import record, tracking_action


def test_env_config_reaches_the_env() -> None:
    cfg = load_env_config("pong")
    cfg.mode, cfg.obs_type, cfg.points_to_win = "squash", "classic", 3
    env = make_env(cfg)
    assert env.observation_space.shape == (3,)
    assert env.unwrapped.rules.mode == "squash"
    env.close()


def test_the_loop_uses_the_batched_env() -> None:
    envs = make_vec_env(load_env_config("pong"), 4)
    assert isinstance(envs, PingPongVectorEnv)
    assert envs.metadata["autoreset_mode"].name == "SAME_STEP"
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (4, 6)
    envs.close()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("env.mode=tennis", "env.mode='tennis' is not valid; choose one of: versus, squash"),
        ("env.obs_type=rgb", "choose one of: vector, classic, pixels"),
        ("env.opponent=robot", "choose one of: scripted, human"),
        ("env.points_to_win=0", "env.points_to_win=0 must be >= 1"),
        ("env.frame_skip=0", "env.frame_skip=0 must be >= 1"),
    ],
)
def test_bad_env_values_are_one_line(override: str, message: str, in_tmp: Path) -> None:
    out = run_cli("agent=dqn", "env=pong", override, cwd=in_tmp)
    assert out.returncode == 2 and message in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_tracking_player_follows_the_ball() -> None:
    # classic observation: [ball_x, ball_y, paddle_y] / 705; the paddle is 75 px, the ball 15.
    assert tracking_action(np.array([0.5, 400 / 705, 100 / 705])) == 1  # ball below: down
    assert tracking_action(np.array([0.5, 50 / 705, 300 / 705])) == 2  # ball above: up
    assert tracking_action(np.array([0.5, 130 / 705, 100 / 705])) == 0  # level: stay


def test_behaviour_cloning_of_the_scripted_player(tmp_path: Path) -> None:
    """The issue's numbers: from 50k scripted-player steps, held-out accuracy >= 0.9 and the clone
    returns at least half of the balls in squash (a miss ends a squash episode, so that is a mean
    of at least one return an episode)."""
    observations, actions, _ = record(50_000, "squash", seed=0)
    path = tmp_path / "play.npz"
    np.savez(path, observations=observations, actions=actions)
    run = rlkit.train(
        "bc",
        "pong",
        dataset=str(path),
        env__mode="squash",
        env__obs_type="classic",
        eval_episodes=5,
        progress=False,
        run_dir=tmp_path / "bc",
    )
    agent = rlkit.load(run.dir)
    assert agent.val_accuracy >= 0.9
    returns_per_episode = run.summary["eval_return_mean"]
    share_returned = returns_per_episode / (returns_per_episode + 1)
    print(
        f"behaviour cloning: held-out accuracy {agent.val_accuracy:.3f}, "
        f"{returns_per_episode:.1f} balls an episode ({share_returned:.0%} returned)"
    )
    assert share_returned >= 0.5


def squash_dqn(seed: int, run_dir: Path) -> float:
    """40k steps of DQN on squash (15-60 s on 2 cores): the mean balls returned an episode."""
    run = rlkit.train(
        "dqn",
        "pong",
        seed=seed,
        env__mode="squash",
        total_steps=40_000,
        agent__learning_starts=2000,
        agent__epsilon_decay_steps=15_000,
        eval_episodes=5,
        progress=False,
        run_dir=run_dir,
    )
    return float(run.summary["eval_return_mean"])


# These settings were measured first on seeds 0-2 (4.0, 5.4, 1.2); the tests run seeds 5-9,
# which reached 3.2, 4.2, 0.4, 3.0 and 9.4 (random actions return 0.1 balls an episode, measured
# over 20 episodes).
def test_dqn_learns_to_return_the_ball_in_squash(tmp_path: Path) -> None:
    """One held-out seed in the default suite: at least 2 balls an episode."""
    assert squash_dqn(5, tmp_path / "dqn") >= 2.0


@pytest.mark.slow(reason="five 40k-step squash runs, about 4 min")
def test_dqn_learns_squash_on_most_held_out_seeds(tmp_path: Path) -> None:
    """Seeds 5-9: at least 3 of 5 return 2 balls an episode or more (4 of 5 did when measured)."""
    returns = [squash_dqn(seed, tmp_path / f"seed{seed}") for seed in range(5, 10)]
    assert sum(r >= 2.0 for r in returns) >= 3, returns
