"""A run's training state in its checkpoint: writing it, and reading it back to resume exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

import rlkit
from rlkit.agents.protocol import Agent
from rlkit.config.schema import Config
from rlkit.errors import CheckpointError, ConfigError
from rlkit.run.state import LoopState
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint


def save_training_state(
    path: Path, cfg: Config, agent_state: dict[str, Any], state: LoopState, envs: Any | None
) -> None:
    """Write the agent's state (``agent.state_dict()``) and the loop's, and the envs' where they
    can be saved."""
    from rlkit.envkit.state import EnvStateError, get_vector_env_state

    try:
        env_states = None if envs is None else get_vector_env_state(envs)
    except EnvStateError:
        env_states = None  # resuming restarts the episodes in progress (said at resume time)
    save_checkpoint(
        path,
        {
            "meta": {
                "agent": cfg.agent.name,
                "env": cfg.env.name,
                "env_id": cfg.env.id,
                "num_envs": cfg.num_envs,
                "rlkit_version": rlkit.__version__,
            },
            "loop": state.to_dict(),
            "envs": env_states,
            "agent": agent_state,
        },
    )


def read_resume_checkpoint(cfg: Config) -> dict[str, Any]:
    """Load and check the checkpoint of ``cfg.resume`` before anything is written.

    Raises:
        CheckpointError: missing directory or checkpoint, corrupt file, another agent, env or
            number of envs.
        ConfigError: the run has already taken ``total_steps`` (the command to go on is named).
    """
    run_dir = Path(str(cfg.resume))
    if not run_dir.is_dir():
        raise CheckpointError(f"resume={run_dir}: no such run directory")
    state = load_checkpoint(run_dir / CHECKPOINT_NAME)
    meta = state.get("meta") if isinstance(state, dict) else None
    if not isinstance(meta, dict) or "loop" not in state or "agent" not in state:
        raise CheckpointError(f"resume={run_dir}: the checkpoint is not an rlkit training state")
    for key, wanted in (
        ("agent", cfg.agent.name),
        ("env", cfg.env.name),
        ("num_envs", cfg.num_envs),
    ):
        if meta.get(key) != wanted:
            raise CheckpointError(
                f"resume={run_dir}: the checkpoint is from {key} {meta.get(key)!r}, "
                f"this run asks for {wanted!r}"
            )
    if not (run_dir / "metrics.csv").is_file():
        raise CheckpointError(f"resume={run_dir}: metrics.csv is missing")
    done = state["loop"].get("global_step", 0) if isinstance(state["loop"], dict) else 0
    # A run killed after its last checkpoint but before summary.json may resume: it then only
    # evaluates and writes its summary.
    finished = (run_dir / "summary.json").is_file()
    if isinstance(done, int) and done >= cfg.total_steps and finished:
        raise ConfigError(
            f"resume={run_dir}: the run already took {done:,} of total_steps={cfg.total_steps:,}; "
            f"to train on, raise the budget: python -m rlkit.train resume={run_dir} "
            f"total_steps={2 * max(done, cfg.total_steps)}"
        )
    return state


def restore(
    cfg: Config, agent: Agent, envs: Any, checkpoint: dict[str, Any], console: Console
) -> LoopState:
    """Put the agent and the envs back as the checkpoint left them; return the loop's state.

    Where the envs' state could not be saved, the resumed run starts new episodes (and says so).
    """
    from rlkit.envkit.state import set_vector_env_state

    try:
        agent.load_state_dict(checkpoint["agent"])
        state = LoopState.from_dict(checkpoint["loop"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"resume={cfg.resume}: the checkpoint does not fit: {e}") from e
    if checkpoint.get("envs") is not None:
        set_vector_env_state(envs, checkpoint["envs"])
    else:
        state.obs, _ = envs.reset(seed=cfg.seed + state.global_step)
        state.episode_return[:] = 0.0
        state.episode_length[:] = 0
        console.print(
            f"note: {cfg.env.id} keeps state rlkit cannot save; the resumed run starts new "
            "episodes, so it will not match an uninterrupted run exactly"
        )
    return state
