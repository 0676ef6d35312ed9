"""Checks of a whole run's inputs before anything starts: the agent fits the env, and the files the
config names (a dataset, a run to pretrain from, a run to resume) exist and fit.

The CLI runs them on every composed config before Hydra starts, and ``rlkit.train`` before it
writes a run directory, so a mistake is one line and leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlkit.agents import AGENTS
from rlkit.config.schema import Config
from rlkit.errors import CheckpointError, ConfigError


def check_run_inputs(config: Config) -> None:
    """Raise a one-line ``RlkitError`` if the run cannot start.

    Raises:
        IncompatibleError: the agent cannot learn the env.
        ConfigError: a missing, unreadable or unfitting ``dataset=`` or ``agent.pretrain=``, a
            dataset for an agent that does not read one, or none for one that needs it.
        CheckpointError: ``resume=`` a missing or unfitting run.
    """
    from rlkit.envkit.make import check_compatible, make_env

    spec = AGENTS[config.agent.name]
    check_compatible(spec.name, config.env)
    offline = [name for name, s in AGENTS.items() if s.offline]
    if spec.offline and config.resume:
        raise ConfigError(
            f"resume= is for agents that learn from env steps; agent={spec.name} trains from its "
            "dataset in one go: start a new run"
        )
    if spec.offline and config.dataset is None:
        raise ConfigError(
            f"agent={spec.name} learns from recorded play: give dataset=<file.npz> (record one "
            "with `python -m rlkit.play env=pong opponent=human record=play.npz`)"
        )
    if not spec.offline and config.dataset is not None:
        raise ConfigError(
            f"dataset= is read only by offline agents ({', '.join(offline)}); agent={spec.name} "
            "learns from its own env steps (for DQN from a cloned policy: agent.pretrain=<bc run>)"
        )
    if config.dataset is not None:
        from rlkit.parts.datasets import load_dataset

        env = make_env(config.env)
        try:
            load_dataset(config.dataset, env.observation_space, env.action_space)
        finally:
            env.close()
    pretrain = getattr(config.agent, "pretrain", None)
    if pretrain is not None:
        read_pretrained_policy(pretrain, config)
    if getattr(config.agent, "update_backend", None) == "numpy":
        _check_numpy_update_fits(config)
    if config.resume:
        from rlkit.run.loop import read_resume_checkpoint

        read_resume_checkpoint(config)


def read_pretrained_policy(run_dir: str | Path, config: Config) -> dict[str, Any]:
    """The policy weights of a behaviour-cloning run, checked to fit ``config``'s DQN.

    Raises:
        ConfigError: not a finished bc run, or one on another env, observation type or network.
    """
    from rlkit.config.compose import config_from_file
    from rlkit.run.checkpoint import CHECKPOINT_NAME, load_checkpoint

    run_dir = Path(run_dir)
    key = f"agent.pretrain={run_dir}"
    config_path = run_dir / ".hydra" / "config.yaml"
    if not config_path.is_file():
        raise ConfigError(f"{key}: not a run directory (no .hydra/config.yaml)")
    try:
        bc = config_from_file(config_path)
        state = load_checkpoint(run_dir / CHECKPOINT_NAME)
    except (ConfigError, CheckpointError, ValueError) as e:
        raise ConfigError(f"{key}: {e}") from e
    if bc.agent.name != "bc":
        raise ConfigError(
            f"{key} is a run of agent {bc.agent.name!r}; pretraining starts from a behaviour-"
            "cloning run (agent=bc)"
        )
    theirs, ours_space = _observation_space(bc), _observation_space(config)
    if theirs != ours_space:
        from rlkit.envkit.make import describe_space

        raise ConfigError(
            f"{key} saw {describe_space(theirs)} observations ({bc.env.name}), this run's env "
            f"gives {describe_space(ours_space)} ({config.env.name}); clone on the same "
            "observation type"
        )
    ours = list(config.agent.hidden_sizes)  # type: ignore[attr-defined]
    if list(bc.agent.hidden_sizes) != ours or config.agent.dueling:  # type: ignore[attr-defined]
        raise ConfigError(
            f"{key} has hidden_sizes={list(bc.agent.hidden_sizes)} without a duelling head; set "
            f"agent.hidden_sizes={list(bc.agent.hidden_sizes)} and agent.dueling=false "
            f"(now {ours}, dueling={config.agent.dueling})"  # type: ignore[attr-defined]
        )
    try:
        return state["agent"]["policy"]
    except (KeyError, TypeError) as e:
        raise ConfigError(f"{key}: its checkpoint has no policy network") from e


def _check_numpy_update_fits(config: Config) -> None:
    """``agent.update_backend=numpy`` only computes MLP Q-networks on the CPU (``DQN`` checks
    again; this says so before a run directory exists)."""
    from rlkit.agents.dqn import NUMPY_BACKEND_NEEDS
    from rlkit.nets.encoders import is_image_space
    from rlkit.parts.devices import resolve_device

    agent = config.agent
    image = agent.encoder in ("nature_cnn", "resnet") or (  # type: ignore[attr-defined]
        agent.encoder != "mlp" and is_image_space(_observation_space(config))  # type: ignore[attr-defined]
    )
    cpu = resolve_device(config.device).type == "cpu"
    if agent.dueling or image or not cpu:  # type: ignore[attr-defined]
        raise ConfigError(NUMPY_BACKEND_NEEDS)


def _observation_space(config: Config) -> Any:
    from rlkit.envkit.make import make_env

    env = make_env(config.env)
    try:
        return env.observation_space
    finally:
        env.close()
