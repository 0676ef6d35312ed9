"""Tabular Q-learning: the lecture's worked example, ε-greedy acting, learning Q*."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlkit
from rlkit.agents.qlearning import QLearning
from rlkit.config.schema import QLearningConfig
from rlkit.envs.cliff_walk import DOWN, RIGHT, UP
from rlkit.parts.transition import Transition
from rlkit.tools.planning import non_terminal_states, value_iteration


def make_agent(**cfg: float) -> QLearning:
    env = gym.make("rlkit/CliffWalk-v0")
    return QLearning(QLearningConfig(**cfg), env.observation_space, env.action_space, seed=0)


def state(row: int, col: int) -> int:
    return row * 12 + col


def test_lecture_worked_example_from_zeros() -> None:
    """α = 0.1, γ = 0.9, Q at zeros: the lecture's three updates (the slide's -90 is a typo)."""
    agent = make_agent(alpha=0.1, gamma=0.9)
    assert agent.q_table.shape == (48, 4) and not agent.q_table.any()
    agent.update(state(3, 0), UP, -1.0, state(2, 0), terminated=False)
    assert agent.q_table[state(3, 0), UP] == pytest.approx(-0.1)
    agent.update(state(2, 0), RIGHT, -1.0, state(2, 1), terminated=False)
    assert agent.q_table[state(2, 0), RIGHT] == pytest.approx(-0.1)
    agent.update(state(2, 1), DOWN, -100.0, state(3, 1), terminated=True)  # y = r = -100
    assert agent.q_table[state(2, 1), DOWN] == pytest.approx(-10.0)
    assert np.count_nonzero(agent.q_table) == 3


def test_non_terminal_target_bootstraps_from_max_q() -> None:
    agent = make_agent(alpha=0.5, gamma=0.9)
    agent.q_table[5] = [-4.0, -2.0, -3.0, -8.0]
    loss = agent.update(4, RIGHT, -1.0, 5, terminated=False)
    y = -1.0 + 0.9 * -2.0
    assert agent.q_table[4, RIGHT] == pytest.approx(0.5 * y)
    assert loss == pytest.approx(y**2)


def test_terminal_target_ignores_next_state() -> None:
    agent = make_agent(alpha=1.0)
    agent.q_table[47] = 123.0
    agent.update(35, DOWN, 0.0, 47, terminated=True)
    assert agent.q_table[35, DOWN] == 0.0


def test_epsilon_zero_is_greedy_and_breaks_ties_at_random() -> None:
    agent = make_agent(epsilon_start=0.0, epsilon_end=0.0)
    agent.q_table[0] = [-1.0, -0.5, -3.0, -2.0]
    assert set(agent.act(np.zeros(50, dtype=np.int64), 0)) == {RIGHT}
    # All zeros: every action is tied, so all four should come up.
    assert set(agent.act(np.full(200, 1), 0)) == {0, 1, 2, 3}


def test_epsilon_one_is_uniform() -> None:
    agent = make_agent(epsilon_start=1.0, epsilon_end=1.0)
    agent.q_table[0] = [0.0, -5.0, -5.0, -5.0]
    counts = np.bincount(agent.act(np.zeros(4000, dtype=np.int64), 0), minlength=4)
    assert counts.min() > 850


def test_epsilon_decays_with_the_step() -> None:
    agent = make_agent(epsilon_start=1.0, epsilon_end=0.1, epsilon_decay_steps=100)
    assert agent.epsilon_at(0) == 1.0
    assert agent.epsilon_at(50) == pytest.approx(0.55)
    assert agent.epsilon_at(1000) == pytest.approx(0.1)


def test_learn_skips_nothing_and_uses_terminated() -> None:
    agent = make_agent()
    agent.store(
        Transition(
            obs=np.array([state(2, 1), state(3, 0)]),
            actions=np.array([DOWN, UP]),
            rewards=np.array([-100.0, -1.0]),
            next_obs=np.array([state(3, 1), state(2, 0)]),
            terminated=np.array([True, False]),
            truncated=np.array([False, False]),
        )
    )
    metrics = agent.run_due_updates(global_step=2)
    assert set(metrics) == set(agent.metric_names)
    assert agent.q_table[state(2, 1), DOWN] == pytest.approx(-10.0)
    assert agent.q_table[state(3, 0), UP] == pytest.approx(-0.1)
    assert agent.run_due_updates(global_step=2) is None  # nothing new stored


def test_predict_is_greedy_for_one_state_or_many() -> None:
    agent = make_agent()
    agent.q_table[3] = [-2.0, -1.0, -5.0, -3.0]
    assert agent.predict(3, deterministic=True)[0] == RIGHT
    assert isinstance(agent.predict(np.int64(3), deterministic=True)[0], int)
    assert list(agent.predict(np.array([3, 3]), deterministic=True)[0]) == [RIGHT, RIGHT]


def test_state_dict_round_trip() -> None:
    agent = make_agent()
    agent.q_table[:] = np.arange(48 * 4).reshape(48, 4)
    agent.act(np.array([0]), 0)
    other = make_agent()
    other.load_state_dict(agent.state_dict())
    np.testing.assert_array_equal(other.q_table, agent.q_table)
    assert other.rng.random() == agent.rng.random()


def test_value_iteration_matches_the_lecture_table() -> None:
    env = gym.make("rlkit/CliffWalk-v0").unwrapped
    q_star = value_iteration(env, gamma=0.9)
    assert q_star[state(3, 0), UP] == pytest.approx(-7.18, abs=0.005)
    assert q_star[state(3, 0), DOWN] == pytest.approx(-7.46, abs=0.005)
    row_above_cliff_right = [
        -6.86, -6.51, -6.13, -5.70, -5.22, -4.69, -4.10, -3.44, -2.71, -1.90, -1.00, -1.00
    ]  # fmt: skip
    np.testing.assert_allclose(q_star[24:36, RIGHT], row_above_cliff_right, atol=0.005)
    assert len(non_terminal_states(env)) == 37


def test_learns_q_star_within_001_with_the_defaults(in_tmp) -> None:
    """The lecture's target: the default run reaches Q* on every pair of non-terminal states."""
    run = rlkit.train(agent="qlearning", env="cliff", seed=0, progress=False)
    agent = rlkit.load(run.dir)
    env = gym.make("rlkit/CliffWalk-v0").unwrapped
    states = non_terminal_states(env)
    error = np.abs(agent.q_table[states] - value_iteration(env, 0.9)[states]).max()
    assert error < 0.01
    assert run.summary["eval_return_mean"] == -12.0
