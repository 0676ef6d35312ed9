"""The agents, and what the training loop asks of each (``Agent``).

Each agent is a plain class in its own file whose ``update`` reads like the course's pseudo-code.
There is no base class; ``Agent`` only states the interface. Agents are imported lazily by name so
that the tabular path never imports PyTorch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlkit.config.schema import AGENT_CONFIGS, AgentConfig
from rlkit.parts.transition import Transition


class Agent(Protocol):
    """What the training loop, ``rlkit.load`` and ``rlkit.play`` use of an agent."""

    metric_names: tuple[str, ...]
    """Names of the values ``learn`` returns; they become columns of ``metrics.csv``."""

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """Exploring actions for a batch of observations (one per vector env)."""
        ...

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        """The policy's action for one observation, or a batch of them."""
        ...

    def store(self, transition: Transition) -> None:
        """Keep a vector env step for learning (a replay buffer, or just the last step)."""
        ...

    def learn(self, global_step: int) -> dict[str, Any] | None:
        """Run the updates that are due; return their metrics (read only when logged)."""
        ...

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Everything needed to resume: tables or weights, optimiser, RNG state, counters.

        ``include_buffer``: keep a replay buffer's transitions (``None``: as the config's
        ``save_buffer`` says; agents without a buffer ignore it)."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""
        ...

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """Write the agent's own artefacts into the run directory; return text to print."""
        ...


def _discrete_only(observation_space: spaces.Space, action_space: spaces.Space) -> bool:
    return isinstance(observation_space, spaces.Discrete) and isinstance(
        action_space, spaces.Discrete
    )


def _discrete_actions(observation_space: spaces.Space, action_space: spaces.Space) -> bool:
    return isinstance(action_space, spaces.Discrete) and isinstance(
        observation_space, (spaces.Discrete, spaces.Box)
    )


def _continuous(observation_space: spaces.Space, action_space: spaces.Space) -> bool:
    return (
        isinstance(action_space, spaces.Box)
        and isinstance(observation_space, spaces.Box)
        and bool(np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high)))
    )


@dataclass(frozen=True)
class AgentSpec:
    """How to build an agent by name, and which envs it can learn."""

    name: str
    class_path: str
    """``module:Class`` of the agent."""
    needs: str
    """What it needs of an env, said to the user when the env does not have it."""
    accepts: Callable[[spaces.Space, spaces.Space], bool]
    """Whether it can learn an env with these observation and action spaces."""
    uses_torch: bool = True
    """Whether it runs on a torch device (``device=`` matters)."""
    offline: bool = False
    """Whether it learns from a recorded ``dataset=`` instead of from its own env steps."""

    def build(
        self,
        cfg: AgentConfig,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        seed: int,
        device: str = "cpu",
        num_envs: int = 1,
    ) -> Agent:
        """Import the agent's module and build the agent (resolving ``device`` for torch agents)."""
        module_name, class_name = self.class_path.split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        if self.uses_torch:
            from rlkit.parts.devices import resolve_device

            device = resolve_device(device)
        return cls(
            cfg, observation_space, action_space, seed=seed, device=device, num_envs=num_envs
        )


AGENTS: dict[str, AgentSpec] = {
    "qlearning": AgentSpec(
        name="qlearning",
        class_path="rlkit.agents.qlearning:QLearning",
        needs="discrete observations and discrete actions",
        accepts=_discrete_only,
        uses_torch=False,
    ),
    "dqn": AgentSpec(
        name="dqn",
        class_path="rlkit.agents.dqn:DQN",
        needs="discrete actions (and Discrete or Box observations)",
        accepts=_discrete_actions,
    ),
    "ddpg": AgentSpec(
        name="ddpg",
        class_path="rlkit.agents.ddpg:DDPG",
        needs="continuous (Box) actions with finite bounds and Box observations",
        accepts=_continuous,
    ),
    "bc": AgentSpec(
        name="bc",
        class_path="rlkit.agents.bc:BC",
        needs="discrete actions (and Discrete or Box observations)",
        accepts=_discrete_actions,
        offline=True,
    ),
}

assert set(AGENTS) == set(AGENT_CONFIGS), "every agent needs a config schema and a spec"
