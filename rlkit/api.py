"""The Python API: ``rlkit.train``, ``rlkit.load`` and ``rlkit.make_env``, the same config and loop
as the CLI."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
from omegaconf import DictConfig, OmegaConf
from rich.console import Console

from rlkit.agents.protocol import Agent
from rlkit.agents.registry import AGENTS
from rlkit.config.compose import (
    compose_config,
    integral_numbers,
    load_env_config,
    with_resume_overrides,
)
from rlkit.config.env_ids import env_id_overrides
from rlkit.config.schema import Config
from rlkit.envkit.make import make_env as build_env
from rlkit.errors import CheckpointError
from rlkit.run.callbacks.base import Callback
from rlkit.run.loop import run_training
from rlkit.run.preflight import check_run_inputs
from rlkit.run.run_dir import check_new_run_dir, default_run_dir, read_run, read_run_config
from rlkit.storage.paths import RUNS_HINT, check_writable

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


def train(
    agent: str | None = None,
    env: str | None = None,
    seed: int | None = None,
    *,
    run_dir: str | Path | None = None,
    overrides: list[str] | None = None,
    callbacks: Sequence[Callback] = (),
    **fields: Any,
) -> Run:
    """Train an agent, exactly as ``python -m rlkit.train agent=... env=... seed=...`` does.

    Args:
        agent: ``qlearning``, ``dqn``, ``ddpg``, ``td3``, ``sac`` or ``bc`` (default:
            ``conf/config.yaml``'s, or the resumed run's).
        env: a name from ``conf/env`` (``cliff``, ``cartpole``, ...) or any registered Gymnasium
            id (``Acrobot-v1``: the agent's defaults, run in ``runs/<agent>-Acrobot-v1/``).
        seed: seeds the envs and the agent (default 0).
        run_dir: where to write the run (default ``runs/<agent>-<env>/<time>_seed<seed>``).
        overrides: Hydra override strings, e.g. ``["agent.alpha=0.2"]``.
        callbacks: your own ``rlkit.run.callbacks.Callback`` objects, called after the built-in
            ones (``metrics.csv``, evaluation, checkpoints, progress), in order.
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
    prepared = prepare_run(all_overrides)
    if run_dir is None:
        check_writable("runs", "", directory=True, hint=RUNS_HINT)
    else:
        check_run_dir(run_dir, prepared.config.resume, "run_dir")
    return start_run(prepared, run_dir, callbacks)


@dataclass(frozen=True)
class PreparedRun:
    """A run's overrides as composed, and its config, checked: what ``start_run`` runs."""

    overrides: list[str]
    """The user's overrides as composed (``env=<id>`` rewritten, a resumed run's own first)."""
    composed: DictConfig
    """What ``.hydra/config.yaml`` holds."""
    config: Config
    """The typed config."""


def prepare_run(overrides: Sequence[str]) -> PreparedRun:
    """Compose and check one run, before anything is written: the one preparation of every way
    into a run (``python -m rlkit.train``, ``rlkit.train``).

    Raises:
        ConfigError: an unknown agent, env or key, a bad value, or an agent that cannot
            learn the env; a run that cannot start (``check_run_inputs``).
    """
    normalised = with_resume_overrides(env_id_overrides(integral_numbers(list(overrides))))
    composed, config = compose_config(normalised)
    check_run_inputs(config)
    return PreparedRun(normalised, composed, config)


def check_run_dir(run_dir: str | Path, resume: str | None, key: str) -> None:
    """A run directory the user named must be writable and hold no run (``key`` names it in
    the error)."""
    check_writable(run_dir, key, directory=True)
    check_new_run_dir(run_dir, resume, key)


def start_run(
    prepared: PreparedRun, run_dir: str | Path | None = None, callbacks: Sequence[Callback] = ()
) -> Run:
    """Claim the run directory (default ``runs/<agent>-<env>/<time>_seed<seed>``), write its
    ``.hydra/`` files as Hydra would, train, and print the directory last."""
    config = prepared.config
    run_dir = Path(default_run_dir(config) if run_dir is None else run_dir).resolve()
    (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    OmegaConf.save(prepared.composed, run_dir / ".hydra" / "config.yaml")
    overrides = OmegaConf.create(prepared.overrides)
    OmegaConf.save(overrides, run_dir / ".hydra" / "overrides.yaml")
    console = Console()
    summary = run_training(config, run_dir, console, callbacks)
    # The run directory is the last line: RUN=$(python -m rlkit.train ... | tail -1)
    console.print(str(run_dir), markup=False, highlight=False, soft_wrap=True)
    return Run(dir=run_dir, summary=summary, config=config)


def load(path: str | Path, device: str = "cpu") -> Agent:
    """The trained agent of a policy file (``agent.save(path)``) or a run directory (its
    ``policy.npz``, or its checkpoint for runs older than that file), without the replay buffer;
    ready for ``action, _ = agent.predict(obs, deterministic=True)``.

    ``device`` (``cpu``, ``cuda`` or ``auto``) is where a torch agent's networks go.

    Raises:
        CheckpointError: the path, its config or its checkpoint is missing, corrupt or from
            another agent.
    """
    from rlkit.agents.policy_file import POLICY_NAME, load_policy

    path = Path(path)
    if path.is_file():
        return load_policy(path, device)
    if (path / POLICY_NAME).is_file():
        return load_policy(path / POLICY_NAME, device)
    config, state = read_run(path)
    env = build_env(config.env)
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
        raise CheckpointError(f"the checkpoint in {path} does not fit its agent: {e}") from e
    return agent


def make_env(run_or_env: str | Path, render_mode: str | None = None) -> gym.Env:
    """The env a run trained on (``run_or_env`` a run directory), or a named env of ``conf/env``
    (``cliff``, ``cartpole``, ``pong_pixels``, ...) or a registered Gymnasium id, made as rlkit
    makes it: its kwargs, time limit and wrappers (frame stacking, Atari preprocessing) included.

    Raises:
        CheckpointError: a directory that is not a readable run.
        ConfigError: neither a run directory nor an env name (the names are listed).
    """
    if Path(run_or_env).is_dir():
        env_cfg = read_run_config(run_or_env).env
    else:
        env_cfg = load_env_config(str(run_or_env))
    return build_env(env_cfg, render_mode=render_mode)
