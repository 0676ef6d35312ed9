"""A learned Q-table as the lecture shows it: a CSV, a heatmap with arrows, the greedy path."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np


def _action_names(env: Any, n_actions: int) -> list[str]:
    names = getattr(env, "action_names", None)
    return list(names) if names is not None else [f"action_{a}" for a in range(n_actions)]


def write_csv(q_table: np.ndarray, env: Any, path: Path) -> None:
    """One row per state: ``state`` (plus ``row, col`` on a grid) and one column per action."""
    shape = getattr(env, "shape", None)
    header = ["state", *(["row", "col"] if shape else []), *_action_names(env, q_table.shape[1])]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for state, values in enumerate(q_table):
            cell = list(divmod(state, shape[1])) if shape else []
            writer.writerow([state, *cell, *(f"{v:.6f}" for v in values)])


def greedy_path(q_table: np.ndarray, env: Any, max_steps: int = 100) -> tuple[list, float, bool]:
    """Follow argmax Q from the start with the env's own model.

    Returns:
        The cells visited (start first), the return, and whether the goal was reached.
    """
    cell, total, path = env.start, 0.0, [env.start]
    for _ in range(max_steps):
        action = int(q_table[env.state_of(cell)].argmax())
        cell, reward, terminated = env.transition(cell, action)
        total += reward
        path.append(cell)
        if terminated:
            return path, total, cell == env.goal
    return path, total, False


def path_text(q_table: np.ndarray, env: Any) -> str:
    """The greedy path drawn on the grid with arrows, and its length and return."""
    path, total, reached = greedy_path(q_table, env)
    marks = {}
    for cell in path[:-1]:
        marks[cell] = env.action_arrows[int(q_table[env.state_of(cell)].argmax())]
    grid = env.grid_text(marks)
    outcome = "reaches the goal" if reached else "does not reach the goal"
    return f"greedy path: {len(path) - 1} steps, return {total:g}, {outcome}\n{grid}"


def plot_png(q_table: np.ndarray, env: Any, path: Path) -> None:
    """Heatmap of max_a Q(s, a) over the grid, each cell with its value and greedy arrow."""
    import logging

    # Its first import on a machine logs "generated new fontManager" at INFO, which Hydra's
    # logging would print as if it were one of the run's lines.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = env.shape
    values = q_table.max(axis=1).reshape(rows, cols)
    terminal = np.array(
        [[env.is_terminal((r, c)) for c in range(cols)] for r in range(rows)], dtype=bool
    )
    shown = np.ma.masked_array(values, mask=terminal)
    fig, ax = plt.subplots(figsize=(cols * 0.9 + 1.5, rows * 0.9 + 0.8), dpi=100)
    image = ax.imshow(shown, cmap="viridis")
    cmap_bad = np.zeros((rows, cols, 4))
    for cell in env.cliff:
        cmap_bad[cell] = (0.2, 0.2, 0.2, 1.0)
    cmap_bad[env.goal] = (0.5, 0.8, 0.5, 1.0)
    ax.imshow(cmap_bad)
    path_cells = set(greedy_path(q_table, env)[0][:-1])
    for r in range(rows):
        for c in range(cols):
            if (r, c) in env.cliff:
                ax.text(c, r, "cliff", ha="center", va="center", color="white", fontsize=7)
                continue
            if (r, c) == env.goal:
                ax.text(c, r, "G", ha="center", va="center", fontsize=12, weight="bold")
                continue
            arrow = env.action_arrows[int(q_table[r * cols + c].argmax())]
            bold = "bold" if (r, c) in path_cells else "normal"
            colour = "red" if (r, c) in path_cells else "white"
            ax.text(
                c, r - 0.18, arrow, ha="center", va="center", color=colour, fontsize=13, weight=bold
            )
            ax.text(
                c,
                r + 0.25,
                f"{values[r, c]:.2f}",
                ha="center",
                va="center",
                color="white",
                fontsize=7,
            )
    ax.text(env.start[1] - 0.38, env.start[0] - 0.3, "S", color="white", fontsize=8, weight="bold")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_title("max_a Q(s, a) and the greedy action (red: the greedy path from S)")
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.02)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(q_table: np.ndarray, env: gym.Env, run_dir: Path) -> str:
    """Write ``q_table.csv`` (any discrete env); on a grid env also the PNG and the path text."""
    grid_env = env.unwrapped
    write_csv(q_table, grid_env, run_dir / "q_table.csv")
    if getattr(grid_env, "shape", None) is None:
        return ""
    plot_png(q_table, grid_env, run_dir / "q_table.png")
    return path_text(q_table, grid_env)
