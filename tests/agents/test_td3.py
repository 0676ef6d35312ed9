"""TD3: the clipped double-Q target with smoothing, delayed actor and targets, SB3's update step
for step, resume and a short learning run."""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

import rlkit
from rlkit.agents.td3 import TD3
from rlkit.config.schema import TD3Config
from tests.helpers import assert_parameters_close, copy_parameters, random_batch, update_both_alike

OBS = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)


def make_agent(**cfg: object) -> TD3:
    small = {"actor_hidden_sizes": [16], "critic_hidden_sizes": [16], "batch_size": 4}
    small.update(cfg)
    return TD3(TD3Config(**small), OBS, ACT, seed=0)


class ConstantActor(nn.Module):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.full((len(obs), 1), self.value)


class TwoCritics(nn.Module):
    """Q1 = 10·a + 1 and Q2 = 10·a: the target must take the smaller, Q2."""

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return 10.0 * actions.squeeze(1) + 1.0, 10.0 * actions.squeeze(1)


def test_target_takes_the_smaller_critic_of_a_smoothed_target_action() -> None:
    agent = make_agent(gamma=0.5, target_policy_noise=0.0)
    agent.actor_target = ConstantActor(0.3)
    agent.critic_target = TwoCritics()
    b = random_batch(np.random.default_rng(0), n=6)
    y = agent.td_target(b)
    expected = b.rewards + 0.5 * (1 - b.terminated) * 10.0 * 0.3  # min(Q1', Q2') = Q2'
    torch.testing.assert_close(y, expected)


def test_target_noise_is_clipped_and_the_target_action_stays_in_bounds() -> None:
    agent = make_agent(gamma=1.0, target_policy_noise=10.0, target_noise_clip=0.25)
    agent.actor_target = ConstantActor(0.9)
    agent.critic_target = TwoCritics()
    b = random_batch(np.random.default_rng(1), n=256)
    b = b._replace(terminated=torch.zeros(256), rewards=torch.zeros(256))
    actions = agent.td_target(b) / 10.0  # Q2'(s', ã) = 10·ã
    # σ̃ = 10 pushes almost every draw to the clip: ã is 0.9 ± 0.25, then clipped to [-1, 1].
    assert actions.min() >= 0.65 - 1e-6 and actions.max() <= 1.0
    assert (actions == 1.0).any() and torch.isclose(actions, torch.tensor(0.65)).any()


def test_actor_and_targets_step_every_policy_delay_critic_steps() -> None:
    agent = make_agent(policy_delay=3)
    rng = np.random.default_rng(2)
    for k in range(1, 7):
        actor = copy.deepcopy(agent.actor)
        critic_target = copy.deepcopy(agent.critic_target)
        metrics = agent.update(random_batch(rng))
        moved = any(
            not torch.equal(a, b)
            for a, b in zip(actor.parameters(), agent.actor.parameters(), strict=True)
        )
        targets = zip(critic_target.parameters(), agent.critic_target.parameters(), strict=True)
        target_moved = any(not torch.equal(a, b) for a, b in targets)
        assert moved == target_moved == (k % 3 == 0)
        assert ("actor_loss" in metrics) == (k % 3 == 0)


def test_run_due_updates_keeps_the_last_actor_loss_between_actor_steps() -> None:
    from rlkit.parts.transition import Transition

    agent = make_agent(learning_starts=0)
    rng = np.random.default_rng(3)
    for step in range(1, 8):
        agent.store(Transition(rng.normal(size=(1, 3)).astype(np.float32),
                               rng.uniform(-2, 2, (1, 1)).astype(np.float32), rng.normal(size=1),
                               rng.normal(size=(1, 3)).astype(np.float32), np.array([False]),
                               np.array([False])))  # fmt: skip
        metrics = agent.run_due_updates(step)
    assert metrics is not None and set(metrics) == {"critic_loss", "actor_loss", "q_mean"}
    assert agent.critic_updates == 4  # steps 4-7: the buffer first holds a batch of 4 at step 4


def test_bad_values_are_one_line() -> None:
    from rlkit.config.compose import compose_config
    from rlkit.errors import ConfigError

    for override, expected in [
        ("agent.policy_delay=0", "agent.policy_delay=0 must be >= 1"),
        ("agent.target_noise_clip=0", "agent.target_noise_clip=0.0 must be > 0"),
        ("agent.target_noise_clip=-1", "agent.target_noise_clip=-1.0 must be > 0"),
        ("agent.target_policy_noise=-0.1", "agent.target_policy_noise=-0.1 must be >= 0"),
    ]:
        with pytest.raises(ConfigError) as info:
            compose_config(["agent=td3", "env=pendulum", override])
        assert expected in str(info.value) and "\n" not in str(info.value)


def test_update_does_exactly_the_matrix_products_it_needs() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    agent = make_agent(actor_hidden_sizes=[16], critic_hidden_sizes=[32], policy_delay=1)
    actor = 3 * 16 + 16 * 1  # multiply-adds a sample, forward (obs 3, action 1)
    critic = (3 + 1) * 32 + 32 * 1  # each of the two
    expected = (
        actor + 2 * critic  # y: μ'(s'), then Q1' and Q2'
        + 2 * (critic + critic + 32 * 1)  # Q1, Q2; their weight gradients; input grads, layer 2
        + actor + critic  # Q1(s, μ(s)): the actor step reads Q1 only
        + critic  # ∂Q1/∂a through every layer, but no critic weight gradients
        + actor + 16 * 1  # μ's weight gradients; the input gradient into its layer 2
    )  # fmt: skip
    with FlopCounterMode(display=False) as counter:
        agent.update(random_batch(np.random.default_rng(0), n=4))
    assert counter.get_total_flops() == 2 * 4 * expected


def test_update_matches_stable_baselines3_td3_step_for_step() -> None:
    # SB3's TD3 is the reference the issue's numbers quote. From the same weights, on the same
    # batches and the same target-noise draws (torch's RNG seeded alike before each step), both
    # libraries' updates must give the same actor, critics and targets, over enough steps that
    # the delayed actor and target updates happen.
    from stable_baselines3 import TD3 as SB3TD3
    from stable_baselines3.common.logger import configure

    env = gym.make("Pendulum-v1")
    sizes, gamma, tau, n = [32, 24], 0.98, 0.005, 16
    sb3 = SB3TD3("MlpPolicy", env, learning_rate=1e-3, batch_size=n, gamma=gamma, tau=tau,
                 policy_delay=2, target_policy_noise=0.2, target_noise_clip=0.5,
                 policy_kwargs={"net_arch": sizes}, seed=0, device="cpu")  # fmt: skip
    sb3.set_logger(configure(None, []))
    cfg = TD3Config(actor_hidden_sizes=sizes, critic_hidden_sizes=sizes, batch_size=n,
                    gamma=gamma, tau=tau, actor_lr=1e-3, critic_lr=1e-3)  # fmt: skip
    agent = TD3(cfg, env.observation_space, env.action_space, seed=0)
    pairs = [
        (agent.actor, sb3.actor),
        (agent.critic, sb3.critic),
        (agent.actor_target, sb3.actor_target),
        (agent.critic_target, sb3.critic_target),
    ]
    copy_parameters(pairs)
    initial = copy.deepcopy(agent)

    update_both_alike(agent, sb3, n, steps=6)

    assert_parameters_close(pairs)
    # Six critic steps and three actor steps at lr 1e-3 moved every weight by about 3e-3, far
    # beyond the tolerance; the targets moved too (τ of that).
    for name in ("actor", "critic", "critic_target"):
        params = zip(getattr(agent, name).parameters(), getattr(initial, name).parameters(),
                     strict=True)  # fmt: skip
        least = min(float((x - y).abs().max()) for x, y in params)
        assert least > (1e-6 if name == "critic_target" else 1e-3), name


def test_short_run_saves_loads_and_resumes_exactly(in_tmp) -> None:
    common = {
        "agent": "td3",
        "env": "pendulum",
        "seed": 3,
        "progress": False,
        "device": "cpu",
        "torch_threads": 1,
        "log_interval": 100,
        "eval_episodes": 1,
        "overrides": [
            "agent.learning_starts=100",
            "agent.batch_size=16",
            "agent.actor_hidden_sizes=[32]",
            "agent.critic_hidden_sizes=[32]",
            "agent.policy_delay=3",  # the resume lands between two actor steps
        ],
    }
    whole = rlkit.train(total_steps=600, **common)
    first = rlkit.train(total_steps=301, **common)
    resumed = rlkit.train(total_steps=600, resume=str(first.dir), **common)
    assert (resumed.dir / "metrics.csv").read_text() == (whole.dir / "metrics.csv").read_text()
    agent = rlkit.load(whole.dir)
    action = agent.predict(np.zeros(3, np.float32), deterministic=True)[0]
    assert action.shape == (1,) and -2.0 <= float(action[0]) <= 2.0


@pytest.mark.parametrize("seed", [5])
def test_td3_learns_pendulum_quickly(in_tmp, seed: int) -> None:
    """A short learning test on a held-out seed: small nets and a 5k-step budget (the preset's
    400x300 nets at 20k steps take minutes, behind ``--runslow``)."""
    run = rlkit.train(agent="td3", env="pendulum", seed=seed, progress=False, total_steps=5000,
                      torch_threads=1, eval_episodes=5,
                      overrides=["agent.learning_starts=1000", "agent.actor_hidden_sizes=[64, 64]",
                                 "agent.critic_hidden_sizes=[64, 64]"])  # fmt: skip
    assert run.summary["eval_return_mean"] >= -400


@pytest.mark.slow(reason="a 20k-step Pendulum run per seed, several minutes each")
@pytest.mark.parametrize("seed", [5, 6, 7, 8, 9])
def test_td3_learns_pendulum_with_the_preset(in_tmp, seed: int) -> None:
    run = rlkit.train(agent="td3", env="pendulum", seed=seed, progress=False)
    assert run.summary["eval_return_mean"] >= -200
