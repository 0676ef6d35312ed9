"""The part DDPG, TD3 and SAC share around their updates: random first actions, [-1, 1] actions in
the buffer, when to train, annealed learning rates, predict's batches, and its state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from gymnasium import spaces

from rlkit.parts.continuous import ContinuousExperience
from rlkit.parts.transition import Transition

OBS = spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([2.0, 1.0], np.float32))


@dataclass
class Cfg:
    buffer_size: int = 100
    gamma: float = 0.99
    batch_size: int = 4
    learning_starts: int = 5
    train_freq: int = 1
    train_freq_unit: str = "step"
    gradient_steps: int = 1
    lr_decay_steps: int | None = None
    save_buffer: bool = True


def experience(**fields: object) -> ContinuousExperience:
    cfg = Cfg(**fields)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    return ContinuousExperience(cfg, OBS, ACT, rng, seed=0, device=torch.device("cpu"), num_envs=2)


def step(exp: ContinuousExperience, actions: np.ndarray, ended: bool = False) -> np.ndarray:
    obs = np.zeros((2, 3), np.float32)
    done = np.array([ended, False])
    return exp.store(Transition(obs, actions, np.zeros(2), obs, done, np.array([False, False])))


def test_random_actions_before_learning_starts_then_the_policy_in_env_units() -> None:
    exp = experience()
    obs = np.zeros((2, 3), np.float32)
    early = exp.act(obs, 4, lambda o: np.full((len(o), 2), 9.0))
    assert early.shape == (2, 2) and (early[:, 0] >= -2).all() and (early[:, 1] <= 1).all()
    late = exp.act(obs, 5, lambda o: np.array([[1.0, -1.0]] * len(o)))
    np.testing.assert_array_equal(late, [[2.0, 0.0], [2.0, 0.0]])  # [-1, 1] to the bounds


def test_store_keeps_unit_actions_and_reports_ended_episodes() -> None:
    exp = experience()
    ended = step(exp, np.array([[2.0, 0.5], [-2.0, 1.0]], np.float32), ended=True)
    assert ended.tolist() == [True, False] and exp.schedule.episodes == 1
    stored = exp.buffer._tensors[1][:2]  # the actions column
    torch.testing.assert_close(stored, torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))


def test_gradient_steps_wait_for_learning_starts_and_a_batch_and_anneal_rates() -> None:
    exp = experience(lr_decay_steps=20)
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1.0)
    due = []
    for global_step in range(2, 12, 2):  # two envs: two env steps a vector step
        step(exp, np.zeros((2, 2), np.float32))
        due.append(exp.gradient_steps_due(global_step, [(optimizer, 0.5)]))
    assert due == [0, 0, 2, 2, 2]  # from step 6 (>= 5, and 6 transitions >= a batch of 4)
    assert optimizer.param_groups[0]["lr"] == 0.5 * (1 - 10 / 20)


def test_predict_takes_one_observation_or_a_batch() -> None:
    exp = experience()
    one = exp.predict_noisy(np.zeros(3, np.float32), lambda b: np.zeros((len(b), 2)), True, 0.1)
    batch = exp.predict_noisy(np.zeros((4, 3), np.float32), lambda b: np.zeros((len(b), 2)), True,
                              0.1)  # fmt: skip
    assert one.shape == (2,) and batch.shape == (4, 2)
    np.testing.assert_array_equal(one, [0.0, 0.5])
    noisy = exp.predict_noisy(np.zeros(3, np.float32), lambda b: np.zeros((len(b), 2)), False, 0.1)
    assert not np.array_equal(noisy, one)


def test_state_round_trip_restores_the_buffer_rng_and_counters() -> None:
    exp = experience()
    for _ in range(3):
        step(exp, np.zeros((2, 2), np.float32), ended=True)
    state = exp.state_dict()
    draws = exp.rng.uniform(size=3)
    other = experience()
    other.load_state_dict(state)
    assert len(other.buffer) == 6 and other.schedule.episodes == 3
    np.testing.assert_array_equal(other.rng.uniform(size=3), draws)
