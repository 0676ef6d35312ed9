"""The Python API: ``rlkit.train`` and ``rlkit.load``, the same config and loop as the CLI."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from rich.console import Console

from rlkit.agents import AGENTS, Agent
from rlkit.config.compose import compose_config, config_from_file, with_resume_overrides
from rlkit.config.preflight import check_run_inputs
from rlkit.config.schema import Config
from rlkit.envkit.make import make_env
from rlkit.errors import CheckpointError, ConfigError
from rlkit.run.checkpoint import CHECKPOINT_NAME, load_checkpoint

_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./:-]+$")


@dataclass(frozen=True)
class Run:
    """A finished training run."""

    dir: Path
    """The run directory (``.hydra/config.yaml``, ``metrics.csv``, checkpoint, ``summary.json``)."""
    summary: dict[str, Any]
    """The contents of ``summary.json``."""
    config: Config
    """The typed config the run used."""


def _override(key: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        items = (_override("", item).removeprefix("=") for item in value)
        return f"{key}=[{','.join(items)}]"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, (int, float)):
        text = repr(value)
    else:
        text = str(value)
        if not _PLAIN_VALUE.match(text):
            text = "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return f"{key}={text}"


def default_run_dir(config: Config) -> Path:
    """``runs/<agent>-<env>/<time>_seed<seed>``, with ``-1``, ``-2``, ... added if that exists;
    created here, so that it is this run's alone.

    Two runs started in the same second (say a resume right after its run, or two commands at
    once) must not share a directory: the second would overwrite the first's metrics and
    checkpoint.
    """
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    parent = Path("runs") / f"{config.agent.name}-{config.env.name}"
    return claim_directory(parent / f"{stamp}_seed{config.seed}")


def claim_directory(base: Path) -> Path:
    """Create ``base``, or ``base-1``, ``base-2``, ... if taken, and return the one created.

    ``mkdir`` either creates a directory or fails, so two processes claiming the same name at
    the same moment get different ones (checking ``exists()`` first would let both through).
    """
    base.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            candidate = base.with_name(f"{base.name}-{n}")
            n += 1


def run_from_config(
    cfg: DictConfig, config: Config, run_dir: Path, console: Console | None = None
) -> Run:
    """Train with a composed config into ``run_dir``: where the CLI and the API both end."""
    from rlkit.run.loop import train_agent

    console = console or Console()
    summary = train_agent(config, run_dir, console)
    return Run(dir=run_dir, summary=summary, config=config)


def train(
    agent: str | None = None,
    env: str | None = None,
    seed: int | None = None,
    *,
    run_dir: str | Path | None = None,
    overrides: list[str] | None = None,
    **fields: Any,
) -> Run:
    """Train an agent, exactly as ``python -m rlkit.train agent=... env=... seed=...`` does.

    Args:
        agent: ``qlearning`` or ``dqn`` (default: ``conf/config.yaml``'s, or the resumed run's).
        env: a name from ``conf/env`` (``cliff``, ``cartpole``, ...).
        seed: seeds the envs and the agent (default 0).
        run_dir: where to write the run (default ``runs/<agent>-<env>/<time>_seed<seed>``).
        overrides: Hydra override strings, e.g. ``["agent.alpha=0.2"]``.
        **fields: more overrides as keywords: ``total_steps=20_000``, ``agent__alpha=0.2``
            (``__`` stands for the dot).

    Returns:
        The ``Run``: ``.dir`` and ``.summary``.

    Raises:
        ConfigError: an unknown agent, env or key, a bad value, or an agent that cannot
            learn the env.
    """
    named = {"agent": agent, "env": env, "seed": seed}
    all_overrides = [
        *(f"{key}={value}" for key, value in named.items() if value is not None),
        *(_override(k.replace("__", "."), v) for k, v in fields.items()),
        *(overrides or []),
    ]
    all_overrides = with_resume_overrides(all_overrides)
    cfg, config = compose_config(all_overrides)
    check_run_inputs(config)
    if run_dir is None:
        run_dir = default_run_dir(config)
    run_dir = Path(run_dir)
    (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    OmegaConf.save(OmegaConf.create(all_overrides), run_dir / ".hydra" / "overrides.yaml")
    run = run_from_config(cfg, config, run_dir)
    Console().print(str(run_dir), markup=False, highlight=False)
    return run


def load(run_dir: str | Path, device: str = "cpu") -> Agent:
    """The trained agent of a run directory, ready for ``agent.predict(obs, deterministic=True)``.

    ``device`` (``cpu``, ``cuda`` or ``auto``) is where a torch agent's networks go.

    Raises:
        CheckpointError: the directory, its config or its checkpoint is missing, corrupt or from
            another agent.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"run directory {run_dir} does not exist")
    config_path = run_dir / ".hydra" / "config.yaml"
    if not config_path.is_file():
        raise CheckpointError(
            f"{run_dir} has no .hydra/config.yaml; give a run directory written by rlkit.train"
        )
    try:
        config = config_from_file(config_path)
    except (ConfigError, ValueError) as e:
        raise CheckpointError(f"{config_path} is not a valid rlkit config: {e}") from e
    state = load_checkpoint(run_dir / CHECKPOINT_NAME)
    saved_agent = state.get("meta", {}).get("agent") if isinstance(state, dict) else None
    if saved_agent != config.agent.name:
        raise CheckpointError(
            f"the checkpoint in {run_dir} is from agent {saved_agent!r}, but the run's config "
            f"says {config.agent.name!r}"
        )
    env = make_env(config.env)
    agent = AGENTS[config.agent.name].build(
        config.agent,
        env.observation_space,
        env.action_space,
        seed=config.seed,
        device=device,
        num_envs=config.num_envs,
    )
    env.close()
    try:
        agent.load_state_dict(state["agent"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint in {run_dir} does not fit its agent: {e}") from e
    return agent
