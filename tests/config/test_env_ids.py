"""Any registered Gymnasium env: ``env=<id>`` and ``env=gym env.id=<id>`` compose alike, with the
agent's own defaults; a named env keeps its own id; a bad id is one line with near misses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from rlkit.config.compose import compose_config, config_from_file, load_env_config
from rlkit.config.env_ids import dir_name, env_id_overrides
from rlkit.config.schema import Config, DQNConfig, EnvConfig
from rlkit.errors import ConfigError


def _resolved(overrides: list[str]) -> dict[str, object]:
    raw, _ = compose_config(overrides)
    container = OmegaConf.to_container(raw, resolve=True)
    assert isinstance(container, dict)
    return {str(k): v for k, v in container.items()}


def test_the_id_form_and_the_gym_form_compose_alike_with_the_agents_defaults() -> None:
    by_id = _resolved(["agent=dqn", "env=Acrobot-v1"])
    by_gym = _resolved(["agent=dqn", "env=gym", "env.id=Acrobot-v1"])
    assert by_id == by_gym
    _, config = compose_config(["agent=dqn", "env=Acrobot-v1"])
    assert config.env == EnvConfig(name="Acrobot-v1", id="Acrobot-v1")
    # conf/agent/dqn.yaml's defaults, and the top-level budget: no conf/agent_env preset applied.
    assert dataclasses.asdict(config.agent) == dataclasses.asdict(DQNConfig())
    assert config.total_steps == Config.total_steps
    _, cartpole = compose_config(["agent=dqn", "env=cartpole"])
    assert cartpole.agent != config.agent  # (the CartPole preset would show here)


@pytest.mark.parametrize(
    ("env_id", "folder"),
    [
        ("Acrobot-v1", "Acrobot-v1"),
        ("rlkit/CliffWalk-v0", "rlkit_CliffWalk-v0"),
        ("ale_py:ALE/Pong-v5", "ale_py_ALE_Pong-v5"),
    ],
)
def test_namespaced_ids_compose_and_name_a_safe_folder(env_id: str, folder: str) -> None:
    _, config = compose_config(["agent=dqn", f"env={env_id}"])
    assert (config.env.name, config.env.id) == (env_id, env_id)
    assert dir_name(config.env.name) == folder


def test_the_rewrite_is_done_once_and_leaves_named_envs_alone() -> None:
    once = env_id_overrides(["agent=dqn", "env=Acrobot-v1", "seed=1"])
    assert once == ["agent=dqn", "env=gym", "env.id=Acrobot-v1", "seed=1"]
    assert env_id_overrides(once) == once
    assert env_id_overrides(["env=cartpole", "env=cliff,cartpole"]) == [
        "env=cartpole",
        "env=cliff,cartpole",
    ]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["env=cartpole", "env.id=Acrobot-v1"],
            "env=cartpole trains CartPole-v1 (with cartpole's presets), not env.id=Acrobot-v1: "
            "to train Acrobot-v1 with the agent's defaults give env=Acrobot-v1 (or env=gym "
            "env.id=Acrobot-v1)",
        ),
        (["agent=dqn", "env=cartpole", "env.id=Pendulum-v1"], "give env=Pendulum-v1"),
        (["env.id=Acrobot-v1"], "env=cliff trains rlkit/CliffWalk-v0"),  # the default env
        (["agent=dqn", "env=Acrobt-v1"], "unknown env 'Acrobt-v1'; valid choices: atari, "),
        (["agent=dqn", "env=Acrobt-v1"], "registered Gymnasium id"),
        (["agent=dqn", "env=Acrobt-v1"], "did you mean Acrobot-v1?"),
        (["agent=dqn", "env=acrobot-v1"], "did you mean Acrobot-v1?"),
        (["env=gym", "env.id=Acrobt-v1"], "env.id=Acrobt-v1 is not a registered Gymnasium id"),
        (["env=gym"], "env=gym needs env.id=<a Gymnasium id>"),
        (["env=atari", "env.id=ALE/Breakot-v5"], "did you mean ALE/Breakout-v5"),
        (["env=nosuchmodule:Foo-v0"], "unknown env 'nosuchmodule:Foo-v0'"),
        (["env=cliff,Acrobot-v1"], "env=gym -m env.id=Acrobot-v1,CartPole-v1"),
    ],
)
def test_bad_ids_are_one_line_errors(overrides: list[str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose_config(overrides)
    message = str(info.value)
    assert "\n" not in message and expected in message


def test_an_env_that_takes_an_id_or_its_own_id_is_accepted() -> None:
    _, config = compose_config(["agent=dqn", "env=cartpole", "env.id=CartPole-v1"])
    assert config.env.name == "cartpole"
    _, atari = compose_config(["agent=dqn", "env=atari", "env.id=ALE/Breakout-v5"])
    assert (atari.env.name, atari.env.id) == ("atari", "ALE/Breakout-v5")


def test_an_id_reads_back_without_hydra(tmp_path: Path) -> None:
    assert load_env_config("Acrobot-v1") == EnvConfig(name="Acrobot-v1", id="Acrobot-v1")
    with pytest.raises(ConfigError, match="did you mean Acrobot-v1"):
        load_env_config("Acrobt-v1")
    raw, config = compose_config(["agent=dqn", "env=Acrobot-v1", "env.max_episode_steps=50"])
    OmegaConf.save(raw, tmp_path / "config.yaml")  # as a run's .hydra/config.yaml holds it
    assert config_from_file(tmp_path / "config.yaml") == config
