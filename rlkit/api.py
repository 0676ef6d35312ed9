"""The Python API: ``rlkit.train``, ``rlkit.load`` and ``rlkit.make_env``, the same config and loop
as the CLI."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

from rlkit.agents.protocol import Agent
from rlkit.agents.registry import AGENTS
from rlkit.config.compose import (
    load_env_config,
)
from rlkit.envkit.make import make_env as build_env
from rlkit.errors import CheckpointError
from rlkit.run.callbacks.base import Callback
from rlkit.run.run_dir import read_run, read_run_config
from rlkit.run.start import Run, prepare_run, start_run

_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./:-]+$")


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
    return start_run(prepare_run(all_overrides, run_dir), callbacks)


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
