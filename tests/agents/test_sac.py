"""SAC: the squashed Gaussian's log-probability, the soft target, the temperature, SB3's update
step for step, exact resume with a learned α, and a short learning run."""

from __future__ import annotations

import copy
import math

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit
from rlkit.agents.sac import SAC
from rlkit.config.schema import SACConfig, parse_ent_coef
from rlkit.errors import ConfigError
from rlkit.nets.actor_critic import SquashedGaussianActor
from rlkit.nets.mlp import FloatFlatten
from tests.helpers import assert_parameters_close, copy_parameters, random_batch, update_both_alike

OBS = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Box(-2.0, 2.0, (2,), np.float32)


def make_agent(**cfg: object) -> SAC:
    small = {"actor_hidden_sizes": [16], "critic_hidden_sizes": [16], "batch_size": 4}
    small.update(cfg)
    return SAC(SACConfig(**small), OBS, ACT, seed=0)


def test_log_prob_is_the_change_of_variables_of_the_squashed_gaussian() -> None:
    torch.manual_seed(0)
    actor = SquashedGaussianActor(FloatFlatten(), 3, 2, [8, 8])
    obs = torch.rand(5, 3)
    torch.manual_seed(1)
    actions, log_prob = actor.sample(obs)
    torch.manual_seed(1)
    gaussian = actor.distribution(obs)
    u = gaussian.mean + gaussian.stddev * torch.randn(5, 2)
    # log π(a|s) = Σ_j [log N(u_j; m_j, σ_j) − log(1 − tanh(u_j)²)] (the 1e-6 aside)
    density = -0.5 * ((u - gaussian.mean) / gaussian.stddev) ** 2 - gaussian.stddev.log()
    expected = (density - 0.5 * math.log(2 * math.pi) - torch.log(1 - torch.tanh(u) ** 2)).sum(1)
    torch.testing.assert_close(actions, torch.tanh(u))
    torch.testing.assert_close(log_prob, expected, rtol=1e-4, atol=1e-4)
    assert actions.abs().max() < 1
    torch.testing.assert_close(actor(obs), torch.tanh(gaussian.mean))  # the deterministic policy


def test_soft_target_subtracts_alpha_times_the_next_log_prob() -> None:
    agent = make_agent(gamma=0.5, ent_coef="0.2")
    b = random_batch(np.random.default_rng(0), n=6)
    b = b._replace(actions=torch.zeros(6, 2))
    torch.manual_seed(7)
    y = agent.td_target(b, torch.tensor([0.2]))
    torch.manual_seed(7)
    next_actions, next_log_prob = agent.actor.sample(b.next_obs)
    q1, q2 = agent.critic_target(b.next_obs, next_actions)
    soft = torch.minimum(q1, q2) - 0.2 * next_log_prob
    torch.testing.assert_close(y, b.rewards + 0.5 * (1 - b.terminated) * soft)


def test_learned_alpha_falls_when_the_entropy_is_above_the_target() -> None:
    # The initial policy (σ near 1 on 2 dims) has far more entropy than a target of 5 nats below
    # −dim(A): α must fall, and a fixed α must stay put.
    agent = make_agent(target_entropy=-7.0)
    rng = np.random.default_rng(1)
    before = float(agent.log_alpha.exp())
    for _ in range(3):
        metrics = agent.update(random_batch(rng)._replace(actions=torch.zeros(8, 2)))
    assert float(agent.log_alpha.exp()) < before == 1.0
    assert set(metrics) == {"critic_loss", "actor_loss", "q_mean", "ent_coef", "ent_coef_loss"}
    fixed = make_agent(ent_coef="0.05")
    fixed.update(random_batch(rng)._replace(actions=torch.zeros(8, 2)))
    assert fixed.alpha_optimizer is None
    torch.testing.assert_close(fixed.log_alpha.exp(), torch.tensor([0.05]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("auto", (True, 1.0)), ("auto_0.1", (True, 0.1)), ("0.2", (False, 0.2)), ("3", (False, 3.0))],
)
def test_ent_coef_forms(text: str, expected: tuple[bool, float]) -> None:
    assert parse_ent_coef(text) == expected
    assert make_agent(ent_coef=text).target_entropy == -2.0  # −dim(A) by default


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("agent.ent_coef=fast", "agent.ent_coef='fast' is not valid; choose auto"),
        ("agent.ent_coef=0", "agent.ent_coef='0' is not valid"),
        ("agent.ent_coef=-0.1", "agent.ent_coef='-0.1' is not valid"),
        ("agent.ent_coef=auto_x", "agent.ent_coef='auto_x' is not valid"),
        ("agent.ent_coef=auto_-1", "agent.ent_coef='auto_-1' is not valid"),
        ("agent.target_entropy=high", "agent.target_entropy"),
        ("agent.ent_coef_lr=0", "agent.ent_coef_lr=0.0 must be > 0"),
        ("agent.use_sde=true", "unknown key 'agent.use_sde': rlkit's SAC has no gSDE"),
    ],
)
def test_bad_values_are_one_line(override: str, expected: str) -> None:
    from rlkit.config.compose import compose_config

    with pytest.raises(ConfigError) as info:
        compose_config(["agent=sac", "env=pendulum", override])
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_update_matches_stable_baselines3_sac_step_for_step() -> None:
    # SB3's SAC is the reference the issue's numbers quote. From the same weights, on the same
    # batches and the same Gaussian draws (torch's RNG seeded alike before each step), both
    # libraries' updates must give the same actor, critics, targets and temperature.
    from stable_baselines3 import SAC as SB3SAC
    from stable_baselines3.common.logger import configure

    env = gym.make("Pendulum-v1")
    sizes, gamma, tau, n = [32, 24], 0.98, 0.01, 16
    sb3 = SB3SAC("MlpPolicy", env, learning_rate=1e-3, batch_size=n, gamma=gamma, tau=tau,
                 ent_coef="auto_0.5", policy_kwargs={"net_arch": sizes}, seed=0,
                 device="cpu")  # fmt: skip
    sb3.set_logger(configure(None, []))
    cfg = SACConfig(actor_hidden_sizes=sizes, critic_hidden_sizes=sizes, batch_size=n,
                    gamma=gamma, tau=tau, actor_lr=1e-3, critic_lr=1e-3, ent_coef_lr=1e-3,
                    ent_coef="auto_0.5")  # fmt: skip
    agent = SAC(cfg, env.observation_space, env.action_space, seed=0)
    pairs = [(agent.actor, sb3.actor), (agent.critic, sb3.critic),
             (agent.critic_target, sb3.critic_target)]  # fmt: skip
    copy_parameters(pairs)
    torch.testing.assert_close(agent.log_alpha, sb3.log_ent_coef.detach(), rtol=0, atol=0)
    initial = copy.deepcopy(agent)

    update_both_alike(agent, sb3, n, steps=5)

    assert_parameters_close(pairs)
    torch.testing.assert_close(agent.log_alpha, sb3.log_ent_coef.detach(), rtol=1e-5, atol=1e-6)
    assert abs(float(agent.log_alpha - initial.log_alpha)) > 1e-3  # α moved: 5 steps at 1e-3
    for name in ("actor", "critic"):
        params = zip(getattr(agent, name).parameters(), getattr(initial, name).parameters(),
                     strict=True)  # fmt: skip
        assert min(float((x - y).abs().max()) for x, y in params) > 1e-3, name


def test_short_run_saves_loads_and_resumes_exactly(in_tmp) -> None:
    common = {
        "agent": "sac",
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
            "agent.lr_decay_steps=600",  # every rate, α's included, from the step
        ],
    }
    whole = rlkit.train(total_steps=600, **common)
    first = rlkit.train(total_steps=300, **common)
    resumed = rlkit.train(total_steps=600, resume=str(first.dir), **common)
    assert (resumed.dir / "metrics.csv").read_text() == (whole.dir / "metrics.csv").read_text()
    # A SAC checkpoint is not resumed as TD3 (nor the reverse): one line, before any work.
    with pytest.raises(ConfigError, match="this run is sac on pendulum; resume takes its agent"):
        rlkit.train(agent="td3", resume=str(first.dir), progress=False)
    agent = rlkit.load(whole.dir)
    assert isinstance(agent, SAC) and float(agent.log_alpha) != 0.0  # α learned, and saved
    action = agent.predict(np.zeros(3, np.float32), deterministic=True)[0]
    again = agent.predict(np.zeros(3, np.float32), deterministic=True)[0]
    assert action.shape == (1,) and -2.0 <= float(action[0]) <= 2.0 and action == again


@pytest.mark.parametrize("seed", [5])
def test_sac_learns_pendulum_quickly(in_tmp, seed: int) -> None:
    """A short learning test on a held-out seed: small nets and a 5k-step budget (the preset's
    20k steps take minutes, behind ``--runslow``)."""
    run = rlkit.train(agent="sac", env="pendulum", seed=seed, progress=False, total_steps=5000,
                      torch_threads=1, eval_episodes=5,
                      overrides=["agent.actor_lr=0.001", "agent.critic_lr=0.001",
                                 "agent.ent_coef_lr=0.001", "agent.actor_hidden_sizes=[64, 64]",
                                 "agent.critic_hidden_sizes=[64, 64]"])  # fmt: skip
    assert run.summary["eval_return_mean"] >= -400


@pytest.mark.slow(reason="a 20k-step Pendulum run per seed, several minutes each")
@pytest.mark.parametrize("seed", [5, 6, 7, 8, 9])
def test_sac_learns_pendulum_with_the_preset(in_tmp, seed: int) -> None:
    run = rlkit.train(agent="sac", env="pendulum", seed=seed, progress=False)
    assert run.summary["eval_return_mean"] >= -200
