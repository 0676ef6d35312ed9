"""Tabular Q-learning, line by line as the lecture teaches it.

    initialise Q(s, a) = 0 for every state s and action a
    repeat for each step:
        in state s choose a ε-greedily from Q (ε may decrease during training)
        take a, observe r and s'
        y = r                          if s' is terminal
        y = r + γ · max_a' Q(s', a')   otherwise
        Q(s, a) ← Q(s, a) + α · (y − Q(s, a))
        s ← s'

The config (α, γ, the ε schedule) is ``rlkit.config.schema.QLearningConfig``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlkit.config.schema import QLearningConfig
from rlkit.parts.observations import observation_batch
from rlkit.parts.schedules import epsilon_schedule_of
from rlkit.parts.transition import Transition


class QLearning:
    """Tabular Q-learning on an env with discrete observations and discrete actions.

    Attributes:
        q_table: ``(n_states, n_actions)`` numpy array; column ``a`` is the env's action ``a``.
    """

    metric_names = ("loss", "epsilon")
    update_backend = "table"

    def describe_update(self) -> str:
        """Q-learning updates its table in ``QLearning.update``."""
        return "table (QLearning.update, rlkit/agents/qlearning.py)"

    def __init__(
        self,
        cfg: QLearningConfig,
        observation_space: spaces.Discrete,
        action_space: spaces.Discrete,
        seed: int = 0,
        device: str = "cpu",
        num_envs: int = 1,
    ) -> None:
        """Start from Q = 0 everywhere. ``device`` and ``num_envs`` are unused (a uniform
        interface): tabular updates take each env's transitions in turn."""
        self.cfg = cfg
        self.observation_space, self.action_space = observation_space, action_space
        self.n_actions = int(action_space.n)
        self.q_table = np.zeros((int(observation_space.n), self.n_actions), dtype=np.float64)
        self.rng = np.random.default_rng(seed)
        self._last: Transition | None = None
        self.epsilon_at = epsilon_schedule_of(cfg)
        """ε at an env step."""
        self._epsilon = cfg.epsilon_start
        self._loss = 0.0

    def _greedy(self, state: int) -> int:
        q = self.q_table[state].tolist()  # a handful of floats: plain Python beats numpy here
        best_value = max(q)
        # A NaN row (a diverged table, which the NaN guard then reports) leaves every action tied.
        best = [a for a, value in enumerate(q) if value == best_value] or list(range(len(q)))
        # Break ties at random: with Q at zeros, argmax would always pick "up" first.
        return best[0] if len(best) == 1 else best[int(self.rng.integers(len(best)))]

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """ε-greedy actions for a batch of states."""
        self._epsilon = self.epsilon_at(global_step)
        actions = np.empty(len(obs), dtype=np.int64)
        for i, state in enumerate(obs):
            if self.rng.random() < self._epsilon:
                actions[i] = self.rng.integers(self.n_actions)
            else:
                actions[i] = self._greedy(int(state))
        return actions

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, None]:
        """The greedy action (lowest index on ties) for a state or an array of states.

        With ``deterministic=False`` the action is ε-greedy with the final ε of the schedule.

        SB3's signature and ``(action, None)`` return (``agents/protocol.py: Agent.predict``).
        """
        # A state outside the space is one clear error, as for DQN, not a bare IndexError.
        batch, single = observation_batch(observation, self.observation_space)
        states = batch.astype(np.int64)
        actions = self.q_table[states].argmax(axis=-1)
        if not deterministic:
            explore = self.rng.random(states.shape) < self.cfg.epsilon_end
            random_actions = self.rng.integers(self.n_actions, size=states.shape)
            actions = np.where(explore, random_actions, actions)
        return (int(actions[0]) if single else actions), None

    def save(self, path: str | Path) -> Path:
        """Write the policy file that ``rlkit.load(path)`` reads: the config, the spaces and the
        weights, without the replay buffer (SB3's ``model.save``)."""
        from rlkit.agents.policy_file import save_policy

        return save_policy(path, self)

    def update(
        self, state: int, action: int, reward: float, next_state: int, terminated: bool
    ) -> float:
        """One Q-learning update; returns the squared TD error (y − q)²."""
        q = self.q_table[state, action]
        if terminated:
            y = reward
        else:
            y = reward + self.cfg.gamma * self.q_table[next_state].max()
        self.q_table[state, action] = q + self.cfg.alpha * (y - q)
        return float((y - q) ** 2)

    def store(self, transition: Transition) -> None:
        """Tabular Q-learning learns from each step as it comes: keep only the last one."""
        self._last = transition

    def run_due_updates(self, global_step: int) -> dict[str, float] | None:
        """Update Q on each env's last transition."""
        t = self._last
        if t is None:
            return None
        for i in range(len(t.actions)):
            self._loss = self.update(
                int(t.obs[i]),
                int(t.actions[i]),
                float(t.rewards[i]),
                int(t.next_obs[i]),
                bool(t.terminated[i]),
            )
        self._last = None
        return {"loss": self._loss, "epsilon": self._epsilon}

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """The Q-table and the exploration RNG's state (no buffer to include)."""
        return {"q_table": self.q_table.copy(), "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict``; the Q-table's shape must match this env's."""
        q_table = np.asarray(state["q_table"], dtype=np.float64)
        if q_table.shape != self.q_table.shape:
            raise ValueError(
                f"the Q-table has shape {q_table.shape}; this env needs {self.q_table.shape}"
            )
        self.q_table = q_table.copy()
        self.rng.bit_generator.state = state["rng"]

    def policy_module(self) -> None:
        """No network to export: the policy is the Q-table's argmax."""
        return None

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """Write ``q_table.csv``; on a grid env also ``q_table.png`` and the greedy path."""
        from rlkit.parts import qtable_report

        return qtable_report.write(self.q_table, env, run_dir)
