"""Config composition: every agent x env pair that should compose does; bad values are one line."""

from __future__ import annotations

import dataclasses

import pytest
from omegaconf import OmegaConf

from rlkit.agents.registry import AGENTS
from rlkit.config.compose import compose_config, load_env_config
from rlkit.config.env_ids import env_names
from rlkit.config.schema import (
    AGENT_CONFIGS,
    CONF_DIR,
    Config,
    EnvConfig,
    QLearningConfig,
    group_choices,
)
from rlkit.envkit.make import make_env
from rlkit.errors import ConfigError, IncompatibleError
from rlkit.run.preflight import check_compatible, envs_for_agent

COMPATIBLE = {
    ("qlearning", "cliff"),
    ("dqn", "cliff"),
    ("dqn", "cartpole"),
    ("dqn", "pong"),
    ("dqn", "pong_pixels"),
    ("dqn", "atari"),
    ("bc", "cliff"),
    ("bc", "cartpole"),
    ("bc", "pong"),
    ("bc", "pong_pixels"),
    ("bc", "atari"),
    ("ddpg", "pendulum"),
    ("ddpg", "mountaincar"),
    ("ddpg", "lunarlander"),
    ("td3", "pendulum"),
    ("td3", "mountaincar"),
    ("td3", "lunarlander"),
    ("sac", "pendulum"),
    ("sac", "mountaincar"),
    ("sac", "lunarlander"),
}
USABLE = {
    "qlearning": "cliff",
    "dqn": "atari, cartpole, cliff, pong, pong_pixels",
    "bc": "atari, cartpole, cliff, pong, pong_pixels",
    "ddpg": "lunarlander, mountaincar, pendulum",
    "td3": "lunarlander, mountaincar, pendulum",
    "sac": "lunarlander, mountaincar, pendulum",
}
ALL_PAIRS = [(agent, env) for agent in group_choices("agent") for env in env_names()]


def test_every_agent_has_a_yaml_a_schema_and_a_spec() -> None:
    assert set(group_choices("agent")) == set(AGENTS)


@pytest.mark.parametrize(("agent", "env"), ALL_PAIRS)
def test_every_pair_composes_and_compatibility_is_as_expected(agent: str, env: str) -> None:
    raw, config = compose_config([f"agent={agent}", f"env={env}"])
    assert isinstance(config, Config)
    assert config.agent.name == agent and config.env.name == env
    assert raw.agent.name == agent
    if (agent, env) in COMPATIBLE:
        check_compatible(agent, config.env)
        spec = AGENTS[agent]
        probe = make_env(config.env)
        built = spec.build(config.agent, probe.observation_space, probe.action_space, seed=0)
        assert hasattr(built, "predict")
    else:
        with pytest.raises(IncompatibleError) as info:
            check_compatible(agent, config.env)
        message = str(info.value)
        assert "\n" not in message and f"env={env}" in message
        assert message.endswith(f"envs it can use: {USABLE[agent]}")
        learners = sorted(a for a, envs in USABLE.items() if env in envs.split(", "))
        assert f"agents that can learn env={env}: {', '.join(learners)};" in message


def test_qlearning_defaults_are_the_lectures() -> None:
    _, config = compose_config(["agent=qlearning", "env=cliff"])
    assert isinstance(config.agent, QLearningConfig)
    assert (config.agent.alpha, config.agent.gamma, config.agent.epsilon_start) == (0.1, 0.9, 1.0)
    assert config.agent.epsilon_end < config.agent.epsilon_start  # ε decays
    yaml_defaults = dataclasses.asdict(config.agent)
    assert yaml_defaults == dataclasses.asdict(QLearningConfig())  # YAML and dataclass agree


@pytest.mark.parametrize("agent", sorted(AGENT_CONFIGS))
def test_agent_yaml_names_its_schema_and_repeats_no_default(agent: str) -> None:
    # Defaults live in the dataclasses only: a YAML that restated them would drift from them.
    raw = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "agent" / f"{agent}.yaml"))
    assert raw == {"defaults": [f"{agent}_schema", "_self_"]}
    env = "cliff" if agent == "qlearning" else "atari"  # pairs whose conf/agent_env sets no field
    _, config = compose_config([f"agent={agent}", f"env={env}"])
    assert dataclasses.asdict(config.agent) == dataclasses.asdict(AGENT_CONFIGS[agent]())


def test_top_level_yaml_repeats_no_default() -> None:
    raw = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "config.yaml"))
    assert set(raw) == {"defaults", "hydra"}
    _, config = compose_config(["agent=qlearning", "env=cliff"])
    composed = dataclasses.asdict(config)
    for key, value in dataclasses.asdict(Config(agent=config.agent, env=config.env)).items():
        if key != "total_steps":  # conf/agent_env/qlearning_cliff.yaml sets the budget
            assert composed[key] == value, key


def test_env_yaml_files_load_without_hydra() -> None:
    for name in env_names():
        cfg = load_env_config(name)
        assert isinstance(cfg, EnvConfig) and cfg.name == name


def test_envs_for_each_agent() -> None:
    assert envs_for_agent("qlearning") == ["cliff"]
    assert envs_for_agent("dqn") == ["atari", "cartpole", "cliff", "pong", "pong_pixels"]
    assert envs_for_agent("bc") == ["atari", "cartpole", "cliff", "pong", "pong_pixels"]
    for agent in ("ddpg", "td3", "sac"):
        assert envs_for_agent(agent) == ["lunarlander", "mountaincar", "pendulum"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("agent.noise_sigma=-0.1", "agent.noise_sigma=-0.1 must be >= 0"),
        ("agent.lr_decay_steps=0", "agent.lr_decay_steps=0 must be >= 1"),
        ("agent.tau=0", "agent.tau=0.0 is out of range (0, 1]"),
        ("agent.tau=2", "agent.tau=2.0 is out of range (0, 1]"),
        ("agent.noise=pink", "choose one of: gaussian, ornstein_uhlenbeck"),
        ("agent.actor_lr=0", "agent.actor_lr=0.0 must be > 0"),
        (
            "agent.train_freq_unit=epoch",
            "agent.train_freq_unit='epoch' is not valid; choose one of: step, episode",
        ),
        (
            "agent.gradient_steps=0",
            "agent.gradient_steps=0 must be >= 1, or -1 (as many as env "
            "steps since the last update)",
        ),
    ],
)
def test_bad_ddpg_values(override: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose_config(["agent=ddpg", "env=pendulum", override])
    assert "\n" not in str(info.value) and expected in str(info.value)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("agent.batch_size=0", "agent.batch_size=0 must be >= 1"),
        ("agent.buffer_size=10", "agent.buffer_size=10 must be >= agent.batch_size=64"),
        ("agent.tau=0", "agent.tau=0.0 is out of range (0, 1]"),
        ("agent.tau=1.5", "agent.tau=1.5 is out of range (0, 1]"),
        ("agent.loss=l1", "agent.loss='l1' is not valid; choose one of: mse, huber"),
        ("agent.target_update=soft", "choose one of: hard, polyak"),
        ("agent.n_step=0", "agent.n_step=0 must be >= 1"),
        ("agent.lr_end=-0.001", "agent.lr_end=-0.001 must be >= 0 (or null)"),
        ("agent.lr_decay_steps=0", "agent.lr_decay_steps=0 must be >= 1"),
        ("agent.lr_end=0 agent.compile=true", "agent.compile=true with agent.lr_end"),
        ("agent.hidden_sizes=[]", "needs at least one layer"),
        ("agent.max_grad_norm=-1", "agent.max_grad_norm=-1.0 must be > 0 (or null)"),
        ("agent.lr=abc", "agent.lr=abc has the wrong type: expected a number"),
        ("agent.gradient_steps=-2", "agent.gradient_steps=-2 must be >= 1, or -1"),
        ("agent.train_freq_unit=episodes", "choose one of: step, episode"),
    ],
)
def test_bad_dqn_values(override: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose_config(["agent=dqn", "env=cartpole", *override.split()])
    assert "\n" not in str(info.value) and expected in str(info.value)


def test_overrides_reach_the_dataclasses() -> None:
    _, config = compose_config(
        ["seed=7", "total_steps=123", "agent.alpha=0.5", "env.max_episode_steps=20"]
    )
    assert (config.seed, config.total_steps, config.agent.alpha) == (7, 123, 0.5)
    assert config.env.make_kwargs() == {"max_episode_steps": 20}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("agent=foo", "unknown agent 'foo'; valid choices: bc, ddpg, dqn, qlearning, sac, td3"),
        (
            "env=bar",
            "unknown env 'bar'; valid choices: atari, cartpole, cliff, lunarlander, mountaincar, "
            "pendulum, pong, pong_pixels",
        ),
        ("agent.alpah=0.1", "unknown key 'agent.alpah'; valid keys of agent (QLearningConfig)"),
        ("+agent.alpah=0.1", "unknown key 'agent.alpah'"),
        ("sed=1", "unknown key 'sed'; valid keys at the top level: agent, env, seed"),
        ("env.foo=1", "unknown key 'env.foo'; valid keys of env (EnvConfig): name, id"),
        ("agent.alpha=abc", "agent.alpha=abc has the wrong type: expected a number"),
        ("seed=x", "seed=x has the wrong type: expected an integer"),
        ("progress=maybe", "progress=maybe has the wrong type: expected true or false"),
        ("agent.gamma=1.5", "agent.gamma=1.5 is out of range [0, 1]"),
        ("agent.alpha=0", "agent.alpha=0.0 is out of range (0, 1]"),
        ("total_steps=-5", "total_steps=-5 must be > 0"),
        ("seed=-1", "seed=-1 must be >= 0"),
        ("num_envs=0", "num_envs=0 must be >= 1"),
        ("device=tpu", "device='tpu' is not valid; choose one of: auto, cpu, cuda"),
        ("vector_mode=threads", "choose one of: fast, sync, async"),
        ("agent.epsilon_schedule=cosine", "choose one of: linear, exponential"),
        ("seed=[1", "cannot parse the override"),
    ],
)
def test_bad_values_are_one_line_errors(override: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose_config([override])
    message = str(info.value)
    assert "\n" not in message
    assert expected in message


def test_ddpg_compile_refuses_annealed_rates() -> None:
    with pytest.raises(ConfigError, match="would recompile as they anneal"):
        compose_config(
            ["agent=ddpg", "env=pendulum", "agent.compile=true", "agent.lr_decay_steps=9"]
        )


def test_threads_can_compose_at_once() -> None:
    # The benchmark scripts check kept runs from several threads; Hydra's state is global.
    from concurrent.futures import ThreadPoolExecutor

    from rlkit.config.compose import compose_config

    def seed_of(seed: int) -> int:
        return compose_config(["agent=ddpg", "env=pendulum", f"seed={seed}"])[0].seed

    with ThreadPoolExecutor(max_workers=8) as pool:  # without the lock this fails at once
        assert list(pool.map(seed_of, range(40))) == list(range(40))
