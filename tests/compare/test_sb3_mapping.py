"""rlkit's configs mapped to Stable-Baselines3's constructor, field by field."""

from __future__ import annotations

import dataclasses
import inspect
import math
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import stable_baselines3
from gymnasium import spaces

from rlkit.compare.sb3_mapping import MAPPED_FIELDS, sb3_setup
from rlkit.config.compose import compose_config
from rlkit.config.schema import DDPGConfig, DQNConfig, QLearningConfig, SACConfig, TD3Config
from rlkit.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

BOX4 = spaces.Box(-1.0, 1.0, (4,), np.float32)
TWO = spaces.Discrete(2)
PENDULUM_ACTIONS = spaces.Box(-2.0, 2.0, (1,), np.float32)
STEPS = 20_000


def dqn(**fields: Any) -> dict[str, Any]:
    return sb3_setup(DQNConfig(loss="huber", **fields), BOX4, TWO, STEPS).kwargs


def ddpg(**fields: Any) -> dict[str, Any]:
    return sb3_setup(DDPGConfig(**fields), BOX4, PENDULUM_ACTIONS, STEPS).kwargs


def test_sb3s_own_defaults_are_what_bench_dqns_overrides_map_to() -> None:
    from benchlib import SB3_DEFAULTS, as_overrides

    # The speed benchmark's rlkit run: the CartPole preset with SB3's defaults over it.
    overrides = as_overrides(SB3_DEFAULTS)
    epsilon = f"agent.epsilon_decay_steps={STEPS // 10}"  # exploration_fraction 0.1
    _, config = compose_config(["agent=dqn", "env=cartpole", *overrides, epsilon])
    setup = sb3_setup(config.agent, BOX4, TWO, STEPS)
    assert (setup.algorithm, setup.policy) == ("DQN", "MlpPolicy")
    defaults = {
        name: p.default
        for name, p in inspect.signature(stable_baselines3.DQN.__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    for name, value in setup.kwargs.items():
        if name == "policy_kwargs":
            assert value["net_arch"] == [64, 64]  # SB3's MlpPolicy default for DQN
        elif name == "train_freq":
            assert value == (defaults[name], "step")
        elif name == "replay_buffer_kwargs":  # SB3's ReplayBuffer default, stated
            assert value == {"handle_timeout_termination": True}
        else:
            assert value == defaults[name], name


DQN_FIELDS = {
    # field: (rlkit value, SB3 argument, SB3 value)
    "lr": (3e-4, "learning_rate", 3e-4),
    "gamma": (0.9, "gamma", 0.9),
    "buffer_size": (5000, "buffer_size", 5000),
    "batch_size": (16, "batch_size", 16),
    "learning_starts": (777, "learning_starts", 777),
    "train_freq": (8, "train_freq", (8, "step")),
    "train_freq_unit": ("episode", "train_freq", (4, "episode")),
    "gradient_steps": (-1, "gradient_steps", -1),
    "target_update_interval": (250, "target_update_interval", 250),
    "n_step": (3, "n_steps", 3),
    "max_grad_norm": (0.5, "max_grad_norm", 0.5),
    "hidden_sizes": ([32, 16], "policy_kwargs", None),
    "epsilon_start": (0.8, "exploration_initial_eps", 0.8),
    "epsilon_end": (0.02, "exploration_final_eps", 0.02),
    "epsilon_decay_steps": (5000, "exploration_fraction", 0.25),
}
DQN_OTHER = {"target_update", "tau", "lr_end", "lr_decay_steps", "loss", "double_q", "dueling",
             "epsilon_schedule", "pretrain"}  # fmt: skip


def test_the_dqn_mapping_accounts_for_every_field() -> None:
    assert set(DQN_FIELDS) | DQN_OTHER == MAPPED_FIELDS["dqn"]


@pytest.mark.parametrize("field", sorted(DQN_FIELDS))
def test_each_dqn_field_reaches_its_sb3_argument(field: str) -> None:
    value, argument, expected = DQN_FIELDS[field]
    before, after = dqn()[argument], dqn(**{field: value})[argument]
    assert before != after
    if argument == "policy_kwargs":
        assert after["net_arch"] == value
    else:
        assert after == expected


def test_dqn_targets_and_learning_rate_schedule() -> None:
    assert dqn()["tau"] == 1.0 and dqn()["max_grad_norm"] == math.inf  # no clipping in rlkit
    polyak = dqn(target_update="polyak", tau=0.01, train_freq=1)
    assert (polyak["tau"], polyak["target_update_interval"]) == (0.01, 1)
    schedule = dqn(lr=1e-3, lr_end=1e-4, lr_decay_steps=10_000)["learning_rate"]
    assert schedule(1.0) == 1e-3 and math.isclose(schedule(0.75), 5.5e-4)
    assert schedule(0.5) == schedule(0.0) == 1e-4  # annealed by step 10,000 of 20,000


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"double_q": True}, "agent.double_q=True"),
        ({"dueling": True}, "agent.dueling=True"),
        ({"loss": "mse"}, "agent.loss=False"),
        ({"epsilon_schedule": "exponential"}, "agent.epsilon_schedule=exponential"),
        ({"pretrain": "runs/bc"}, "agent.pretrain=runs/bc"),
        ({"target_update": "polyak"}, "agent.target_update=polyak"),
        ({"epsilon_decay_steps": 50_000}, "agent.epsilon_decay_steps=50000"),
        ({"encoder": "resnet"}, "agent.encoder=resnet"),
    ],
)
def test_what_sb3_cannot_express_is_refused_naming_the_field(
    fields: dict[str, Any], named: str
) -> None:
    cfg = dataclasses.replace(DQNConfig(loss="huber"), **fields)
    with pytest.raises(ConfigError) as info:
        sb3_setup(cfg, BOX4, TWO, STEPS)
    assert str(info.value).startswith(named.replace("=False", "=mse") if "loss" in named else named)
    assert "Stable-Baselines3 cannot express it" in str(info.value)


DDPG_FIELDS = {
    "actor_lr": ({"actor_lr": 3e-4, "critic_lr": 3e-4}, "learning_rate", 3e-4),
    "gamma": ({"gamma": 0.98}, "gamma", 0.98),
    "tau": ({"tau": 0.02}, "tau", 0.02),
    "batch_size": ({"batch_size": 64}, "batch_size", 64),
    "buffer_size": ({"buffer_size": 9000}, "buffer_size", 9000),
    "learning_starts": ({"learning_starts": 1000}, "learning_starts", 1000),
    "train_freq": ({"train_freq": 2}, "train_freq", (2, "step")),
    "train_freq_unit": ({"train_freq_unit": "episode"}, "train_freq", (1, "episode")),
    "gradient_steps": ({"gradient_steps": -1}, "gradient_steps", -1),
}
DDPG_OTHER = {"critic_lr", "lr_decay_steps", "actor_hidden_sizes", "critic_hidden_sizes",
              "noise", "noise_sigma", "noise_theta"}  # fmt: skip


def test_the_ddpg_mapping_accounts_for_every_field() -> None:
    assert set(DDPG_FIELDS) | DDPG_OTHER == MAPPED_FIELDS["ddpg"]


@pytest.mark.parametrize("field", sorted(DDPG_FIELDS))
def test_each_ddpg_field_reaches_its_sb3_argument(field: str) -> None:
    fields, argument, expected = DDPG_FIELDS[field]
    assert ddpg()[argument] != ddpg(**fields)[argument] == expected


def test_ddpg_nets_noise_and_schedule() -> None:
    kwargs = ddpg(actor_hidden_sizes=[64], critic_hidden_sizes=[32, 32], noise_sigma=0.3)
    assert kwargs["policy_kwargs"]["net_arch"] == {"pi": [64], "qf": [32, 32]}
    noise = kwargs["action_noise"]
    assert type(noise).__name__ == "NormalActionNoise" and noise._sigma.tolist() == [0.3]
    ou = ddpg(noise="ornstein_uhlenbeck", noise_theta=0.2)["action_noise"]
    assert type(ou).__name__ == "OrnsteinUhlenbeckActionNoise" and ou._theta == 0.2
    schedule = ddpg(lr_decay_steps=10_000)["learning_rate"]
    assert schedule(1.0) == 1e-3 and schedule(0.75) == 5e-4 and schedule(0.5) == 0.0
    with pytest.raises(ConfigError, match=r"agent.actor_lr=0.001: .*\(one learning rate"):
        ddpg(critic_lr=2e-3)


def test_agents_without_an_sb3_counterpart_are_refused() -> None:
    with pytest.raises(ConfigError, match="agent=qlearning has no Stable-Baselines3 counterpart"):
        sb3_setup(QLearningConfig(), spaces.Discrete(48), spaces.Discrete(4), STEPS)


def test_sb3_builds_the_mapped_models() -> None:
    setup = sb3_setup(DQNConfig(loss="huber", hidden_sizes=[32]), BOX4, TWO, STEPS)
    model = getattr(stable_baselines3, setup.algorithm)(
        setup.policy, gym.make("CartPole-v1"), device="cpu", **setup.kwargs
    )
    assert model.exploration_fraction == 10_000 / STEPS and model.target_update_interval == 1000
    assert model.policy.net_arch == [32]
    setup = sb3_setup(DDPGConfig(actor_hidden_sizes=[16], critic_hidden_sizes=[16]),
                      spaces.Box(-8.0, 8.0, (3,), np.float32), PENDULUM_ACTIONS, STEPS)  # fmt: skip
    model = getattr(stable_baselines3, setup.algorithm)(
        setup.policy, gym.make("Pendulum-v1"), device="cpu", **setup.kwargs
    )
    assert model.tau == 0.005 and model.action_noise is setup.kwargs["action_noise"]


def td3(**fields: Any) -> dict[str, Any]:
    return sb3_setup(TD3Config(**fields), BOX4, PENDULUM_ACTIONS, STEPS).kwargs


def sac(**fields: Any) -> dict[str, Any]:
    return sb3_setup(SACConfig(**fields), BOX4, PENDULUM_ACTIONS, STEPS).kwargs


SHARED_FIELDS = {name: spec for name, spec in DDPG_FIELDS.items() if name != "actor_lr"}
TD3_FIELDS = {
    **SHARED_FIELDS,
    "actor_lr": ({"actor_lr": 3e-4, "critic_lr": 3e-4}, "learning_rate", 3e-4),
    "policy_delay": ({"policy_delay": 3}, "policy_delay", 3),
    "target_policy_noise": ({"target_policy_noise": 0.1}, "target_policy_noise", 0.1),
    "target_noise_clip": ({"target_noise_clip": 0.3}, "target_noise_clip", 0.3),
}
TD3_OTHER = DDPG_OTHER
SAC_FIELDS = {
    **SHARED_FIELDS,
    "actor_lr": ({"actor_lr": 1e-3, "critic_lr": 1e-3, "ent_coef_lr": 1e-3}, "learning_rate",
                 1e-3),
    "ent_coef": ({"ent_coef": "0.1"}, "ent_coef", 0.1),
    "target_entropy": ({"target_entropy": -0.5}, "target_entropy", -0.5),
}  # fmt: skip
SAC_OTHER = {"critic_lr", "ent_coef_lr", "lr_decay_steps", "actor_hidden_sizes",
             "critic_hidden_sizes"}  # fmt: skip


@pytest.mark.parametrize(
    ("agent", "mapped", "other"),
    [("td3", TD3_FIELDS, TD3_OTHER), ("sac", SAC_FIELDS, SAC_OTHER)],
)
def test_the_td3_and_sac_mappings_account_for_every_field(
    agent: str, mapped: dict[str, Any], other: set[str]
) -> None:
    assert set(mapped) | other == MAPPED_FIELDS[agent]


@pytest.mark.parametrize("field", sorted(TD3_FIELDS))
def test_each_td3_field_reaches_its_sb3_argument(field: str) -> None:
    fields, argument, expected = TD3_FIELDS[field]
    assert td3()[argument] != td3(**fields)[argument] == expected


@pytest.mark.parametrize("field", sorted(SAC_FIELDS))
def test_each_sac_field_reaches_its_sb3_argument(field: str) -> None:
    fields, argument, expected = SAC_FIELDS[field]
    assert sac()[argument] != sac(**fields)[argument] == expected


def test_td3_nets_noise_and_schedule() -> None:
    kwargs = td3(actor_hidden_sizes=[64], critic_hidden_sizes=[32, 32], noise_sigma=0.3)
    assert kwargs["policy_kwargs"]["net_arch"] == {"pi": [64], "qf": [32, 32]}
    assert kwargs["policy_kwargs"]["n_critics"] == 2
    assert type(kwargs["action_noise"]).__name__ == "NormalActionNoise"
    assert kwargs["action_noise"]._sigma.tolist() == [0.3]
    ou = td3(noise="ornstein_uhlenbeck", noise_theta=0.2)["action_noise"]
    assert type(ou).__name__ == "OrnsteinUhlenbeckActionNoise" and ou._theta == 0.2
    schedule = td3(lr_decay_steps=10_000)["learning_rate"]
    assert schedule(1.0) == 1e-3 and schedule(0.75) == 5e-4 and schedule(0.5) == 0.0
    with pytest.raises(ConfigError, match=r"agent.actor_lr=0.001: .*\(one learning rate"):
        td3(critic_lr=2e-3)


def test_sac_temperature_entropy_nets_and_schedule() -> None:
    kwargs = sac()
    assert (kwargs["ent_coef"], kwargs["target_entropy"]) == ("auto_1.0", "auto")
    assert (kwargs["use_sde"], kwargs["target_update_interval"]) == (False, 1)
    assert kwargs["policy_kwargs"]["net_arch"] == {"pi": [256, 256], "qf": [256, 256]}
    assert kwargs["policy_kwargs"]["n_critics"] == 2 and kwargs["learning_rate"] == 3e-4
    assert sac(ent_coef="auto_0.1")["ent_coef"] == "auto_0.1"
    # A fixed α has no optimiser, so its learning rate need not match.
    assert sac(ent_coef="0.2", ent_coef_lr=1.0)["ent_coef"] == 0.2
    with pytest.raises(ConfigError, match=r"agent.actor_lr=0.0003: .*set agent.ent_coef_lr"):
        sac(ent_coef_lr=1e-3)
    schedule = sac(lr_decay_steps=10_000)["learning_rate"]
    assert schedule(1.0) == 3e-4 and schedule(0.5) == 0.0


@pytest.mark.parametrize("agent", ["td3", "sac"])
def test_sb3_builds_the_mapped_td3_and_sac(agent: str) -> None:
    cfg = {"td3": TD3Config, "sac": SACConfig}[agent](
        actor_hidden_sizes=[16], critic_hidden_sizes=[8, 8], ent_coef="auto_0.3"
    ) if agent == "sac" else TD3Config(actor_hidden_sizes=[16], critic_hidden_sizes=[8, 8],
                                       policy_delay=3)  # fmt: skip
    setup = sb3_setup(cfg, spaces.Box(-8.0, 8.0, (3,), np.float32), PENDULUM_ACTIONS, STEPS)
    model = getattr(stable_baselines3, setup.algorithm)(
        setup.policy, gym.make("Pendulum-v1"), device="cpu", **setup.kwargs
    )
    assert len(model.critic.q_networks) == 2
    assert [m.out_features for m in model.critic.q_networks[0] if hasattr(m, "out_features")] == [
        8, 8, 1
    ]  # fmt: skip
    if agent == "td3":
        assert model.policy_delay == 3 and model.target_noise_clip == 0.5
    else:
        assert abs(float(model.log_ent_coef.exp()) - 0.3) < 1e-6 and model.target_entropy == -1.0
