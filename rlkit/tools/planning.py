"""Exact solutions for small envs with a known model, to check what the agents learn."""

from __future__ import annotations

from typing import Any

import numpy as np


def value_iteration(
    env: Any, gamma: float, tol: float = 1e-12, max_iters: int = 10_000
) -> np.ndarray:
    """Q* of a deterministic grid env by value iteration.

    ``env`` needs the model the cliff walk exposes: ``shape``, ``state_of``, ``cell_of`` and
    ``transition(cell, action) -> (next_cell, reward, terminated)``. States that end the episode
    when entered (the cliff, the goal) are never acted in; their rows stay 0.

    Returns:
        ``(n_states, n_actions)`` array, the fixed point of
        Q(s, a) = r + γ·max_a' Q(s', a') (just r when s' ends the episode).
    """
    n_states = env.shape[0] * env.shape[1]
    n_actions = len(env.action_names)
    model = []
    for state in range(n_states):
        cell = env.cell_of(state)
        for action in range(n_actions):
            nxt, reward, terminated = env.transition(cell, action)
            model.append((state, action, env.state_of(nxt), reward, terminated))
    q = np.zeros((n_states, n_actions))
    for _ in range(max_iters):
        new_q = np.zeros_like(q)
        for state, action, nxt, reward, terminated in model:
            new_q[state, action] = reward if terminated else reward + gamma * q[nxt].max()
        delta = np.abs(new_q - q).max()
        q = new_q
        if delta < tol:
            break
    return q


def non_terminal_states(env: Any) -> list[int]:
    """The states an agent can act in (not the cliff, not the goal)."""
    n_states = env.shape[0] * env.shape[1]
    return [s for s in range(n_states) if not env.is_terminal(env.cell_of(s))]
