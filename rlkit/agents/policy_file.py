"""An agent's policy file: what ``agent.save(path)`` writes and ``rlkit.load(path)`` reads.

SB3 users save a model and load it elsewhere; rlkit's checkpoint is the whole training state
(replay buffer, env states, the loop's counters), far larger than a policy needs. A policy file
holds the agent's name and config, its observation and action spaces (so that it loads without
making the env: a custom env need not be registered where the policy is used), and its state
without the replay buffer; the env config when a run wrote it. It is an rlkit checkpoint file
(one ``.npz``, loaded without running code), told apart by its ``kind``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium import spaces

import rlkit
from rlkit.config.schema import AGENT_CONFIGS, ENV_CONFIGS, EnvConfig
from rlkit.errors import CheckpointError
from rlkit.storage.checkpoint import load_checkpoint, save_checkpoint

if TYPE_CHECKING:
    from rlkit.agents.protocol import Agent

POLICY_NAME = "policy.npz"
"""The policy file a run writes beside each checkpoint."""
POLICY_KIND = "rlkit-policy"


def space_to_dict(space: spaces.Space) -> dict[str, Any]:
    """A Discrete or Box space as plain data (the kinds of space rlkit's agents learn)."""
    if isinstance(space, spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, spaces.Box):
        return {"type": "Box", "low": space.low, "high": space.high, "dtype": str(space.dtype)}
    raise TypeError(f"cannot save a {type(space).__name__} space in a policy file")


def space_from_dict(data: dict[str, Any]) -> spaces.Space:
    """The space ``space_to_dict`` described."""
    if data["type"] == "Discrete":
        return spaces.Discrete(data["n"], start=data["start"])
    low, high = np.asarray(data["low"]), np.asarray(data["high"])
    return spaces.Box(low, high, shape=low.shape, dtype=np.dtype(data["dtype"]))


def save_policy(
    path: str | Path,
    agent: Any,
    env_cfg: EnvConfig | None = None,
    state: dict[str, Any] | None = None,
) -> Path:
    """Write ``agent``'s policy file (atomically); the path written. ``agent``: any rlkit
    agent (it is typed ``Any`` because each agent narrows the protocol's spaces).

    ``state``: the agent's ``state_dict(include_buffer=False)`` when the caller has it already.

    Raises:
        CheckpointError: the file cannot be written.
    """
    cfg = agent.cfg
    meta = {
        "kind": POLICY_KIND,
        "agent": cfg.name,
        "agent_config": dataclasses.asdict(cfg),
        "env_schema": None if env_cfg is None else _env_schema_name(env_cfg),
        "env_config": None if env_cfg is None else dataclasses.asdict(env_cfg),
        "observation_space": space_to_dict(agent.observation_space),
        "action_space": space_to_dict(agent.action_space),
        "rlkit_version": rlkit.__version__,
    }
    if state is None:
        state = agent.state_dict(include_buffer=False)
    path = Path(path)
    save_checkpoint(path, {"meta": meta, "agent": state})
    return path


def _env_schema_name(env_cfg: EnvConfig) -> str:
    return next(name for name, schema in ENV_CONFIGS.items() if type(env_cfg) is schema)


def read_policy(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A policy file's meta data and agent state.

    Raises:
        CheckpointError: no such file, a corrupt one, or not a policy file.
    """
    data = load_checkpoint(Path(path))
    meta = data.get("meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or meta.get("kind") != POLICY_KIND:
        raise CheckpointError(
            f"{path} is not a policy file (agent.save writes one; a run directory holds "
            f"{POLICY_NAME})"
        )
    return meta, data["agent"]


def load_policy(path: str | Path, device: str = "cpu") -> Agent:
    """The agent of a policy file, its networks on ``device``.

    Raises:
        CheckpointError: as ``read_policy``, or a file whose state does not fit its agent.
    """
    from rlkit.agents.registry import AGENTS

    meta, state = read_policy(path)
    try:
        cfg = AGENT_CONFIGS[meta["agent"]](**meta["agent_config"])
        agent = AGENTS[meta["agent"]].build(
            cfg,
            space_from_dict(meta["observation_space"]),
            space_from_dict(meta["action_space"]),
            seed=0,
            device=device,
        )
        agent.load_state_dict(state)
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the policy file {path} does not fit its agent: {e}") from e
    return agent


def policy_env_config(meta: dict[str, Any]) -> EnvConfig | None:
    """The env config a run stored in its policy file (``None`` for ``agent.save``'s own)."""
    if meta.get("env_config") is None:
        return None
    return ENV_CONFIGS[meta["env_schema"]](**meta["env_config"])
