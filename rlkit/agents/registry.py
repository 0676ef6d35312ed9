"""The agents by name: how to build each one and which envs it can learn.

Agents are imported by name when first built, so that the tabular path never imports PyTorch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from rlkit.agents.protocol import Agent, OfflineAgent
from rlkit.config.schema import AGENT_CONFIGS, AgentConfig


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
    """Whether it runs on a torch device (``device=`` matters) and has a network to export."""
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
        agent: Agent = self._construct(cfg, observation_space, action_space, seed, device, num_envs)
        return agent

    def build_offline(
        self,
        cfg: AgentConfig,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        seed: int,
        device: str = "cpu",
    ) -> OfflineAgent:
        """``build`` for an agent that learns from a dataset (``offline``)."""
        if not self.offline:
            raise TypeError(f"agent {self.name} learns from env steps, not from a dataset")
        agent: OfflineAgent = self._construct(cfg, observation_space, action_space, seed, device, 1)
        return agent

    def _construct(
        self,
        cfg: AgentConfig,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        seed: int,
        device: str,
        num_envs: int,
    ) -> Any:
        module_name, class_name = self.class_path.split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        resolved: object = device
        if self.uses_torch:
            from rlkit.parts.devices import resolve_device

            resolved = resolve_device(device)
        return cls(
            cfg, observation_space, action_space, seed=seed, device=resolved, num_envs=num_envs
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
    "td3": AgentSpec(
        name="td3",
        class_path="rlkit.agents.td3:TD3",
        needs="continuous (Box) actions with finite bounds and Box observations",
        accepts=_continuous,
    ),
    "sac": AgentSpec(
        name="sac",
        class_path="rlkit.agents.sac:SAC",
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
