"""The cliff walk: Gymnasium's and SB3's env checks, the lecture's rules, seeding, rendering."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlkit  # noqa: F401  (registers the envs)
from rlkit.envs.cliff_walk import DOWN, LEFT, RIGHT, UP, CliffWalkEnv
from rlkit.errors import InvalidActionError, RlkitError

START = 36  # (3, 0)


def make(**kwargs: object) -> gym.Env:
    return gym.make("rlkit/CliffWalk-v0", **kwargs)


def test_gymnasium_check_env() -> None:
    check_env(make().unwrapped, skip_render_check=False)


def test_sb3_check_env() -> None:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    sb3_check_env(make(), warn=True)


def test_spaces_and_start() -> None:
    env = make()
    assert env.observation_space == gym.spaces.Discrete(48)
    assert env.action_space == gym.spaces.Discrete(4)
    obs, info = env.reset(seed=0)
    assert obs == START and info == {}


def test_optimal_path_returns_minus_12_in_13_steps() -> None:
    env = make()
    env.reset(seed=0)
    actions = [UP] + [RIGHT] * 11 + [DOWN]
    rewards, flags = [], []
    for action in actions:
        obs, reward, terminated, truncated, _ = env.step(action)
        rewards.append(reward)
        flags.append((terminated, truncated))
    assert obs == 47  # the goal (3, 11)
    assert rewards == [-1.0] * 12 + [0.0]
    assert sum(rewards) == -12
    assert flags[-1] == (True, False) and all(f == (False, False) for f in flags[:-1])


def test_fall_gives_minus_100_and_ends_the_episode() -> None:
    env = make()
    env.reset(seed=0)
    obs, reward, terminated, truncated, _ = env.step(RIGHT)
    assert (obs, reward, terminated, truncated) == (37, -100.0, True, False)


def test_fall_from_above_the_cliff() -> None:
    env = make()
    env.reset(seed=0)
    env.step(UP)  # (2, 0)
    env.step(RIGHT)  # (2, 1)
    obs, reward, terminated, _, _ = env.step(DOWN)
    assert (obs, reward, terminated) == (37, -100.0, True)


def test_border_leaves_the_agent_in_place() -> None:
    env = make()
    env.reset(seed=0)
    obs, reward, terminated, _, _ = env.step(LEFT)
    assert (obs, reward, terminated) == (START, -1.0, False)
    obs, *_ = env.step(DOWN)
    assert obs == START
    for _ in range(3):
        env.step(UP)
    obs, reward, *_ = env.step(UP)  # already in row 0
    assert (obs, reward) == (0, -1.0)


def test_time_limit_truncates_at_100_steps() -> None:
    env = make()
    env.reset(seed=0)
    for step in range(1, 101):
        _, _, terminated, truncated, _ = env.step(LEFT)
        assert not terminated
        assert truncated == (step == 100)


def test_same_seed_same_trajectory() -> None:
    def rollout(seed: int) -> list[tuple]:
        env = make()
        obs, _ = env.reset(seed=seed)
        env.action_space.seed(seed)
        trajectory = [obs]
        for _ in range(300):
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            trajectory.append((obs, reward, terminated, truncated))
            if terminated or truncated:
                obs, _ = env.reset()
                trajectory.append(obs)
        return trajectory

    assert rollout(3) == rollout(3)
    assert rollout(3) != rollout(4)


def test_render_ansi_shows_start_goal_cliff_and_agent() -> None:
    env = make(render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert text.splitlines()[-1] == "A C C C C C C C C C C G"
    env.step(UP)
    lines = env.render().splitlines()
    assert lines[-1] == "S C C C C C C C C C C G"
    assert lines[2].split()[0] == "A"
    assert len(lines) == 4 and all(len(line.split()) == 12 for line in lines)


def test_render_rgb_array() -> None:
    env = make(render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (128, 384, 3) and frame.dtype == np.uint8
    agent_red = (220, 50, 50)
    assert tuple(frame[16 + 32 * 3, 16]) == agent_red  # on the start (3, 0)
    env.step(UP)
    moved = env.render()
    assert tuple(moved[16 + 32 * 2, 16]) == agent_red  # now in (2, 0)
    assert tuple(moved[16 + 32 * 3, 16]) != agent_red
    # The cliff is dark, the goal green.
    assert tuple(moved[16 + 32 * 3, 16 + 32 * 5]) == (60, 60, 60)
    assert tuple(moved[16 + 32 * 3, 16 + 32 * 11]) == (130, 210, 130)


def test_no_render_mode_renders_nothing() -> None:
    env = make()
    env.reset(seed=0)
    assert env.render() is None


def test_unknown_render_mode_is_one_line_error() -> None:
    with pytest.raises(ValueError, match="valid choices: ansi, rgb_array"):
        CliffWalkEnv(render_mode="human")


@pytest.mark.parametrize("action", [4, -1, 1.0, "up", None, np.array([1, 2])])
def test_action_outside_the_space_is_a_clear_error(action: object) -> None:
    env = make()
    env.reset(seed=0)
    with pytest.raises(InvalidActionError) as info:
        env.step(action)
    message = str(info.value)
    assert "\n" not in message
    assert "outside the action space Discrete(4)" in message and "0 (up)" in message
    assert isinstance(info.value, RlkitError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("action", [np.int64(1), np.array(1), 1])
def test_numpy_integer_actions_are_accepted(action: object) -> None:
    env = make()
    env.reset(seed=0)
    obs, *_ = env.step(action)
    assert obs == 37


def test_an_sb3_algorithm_trains_on_it() -> None:
    from stable_baselines3 import DQN

    model = DQN("MlpPolicy", make(), learning_starts=50, seed=0, verbose=0, device="cpu")
    model.learn(total_timesteps=300)
    action, _ = model.predict(START, deterministic=True)
    assert make().action_space.contains(int(action))
