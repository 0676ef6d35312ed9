"""The lecture's cliff walk: a 4x12 grid where a fall ends the episode."""

from __future__ import annotations

import operator
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlkit.errors import InvalidActionError

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
ACTION_NAMES = ("up", "right", "down", "left")
ACTION_ARROWS = ("↑", "→", "↓", "←")
_MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))

_CELL_PX = 32
_COLOURS = {
    "floor": (235, 235, 235),
    "grid": (160, 160, 160),
    "cliff": (60, 60, 60),
    "start": (150, 190, 240),
    "goal": (130, 210, 130),
    "agent": (220, 50, 50),
}


class CliffWalkEnv(gym.Env):
    """The cliff walk as the course's lecture teaches it (after MATLAB's example).

    ## Description
    A 4x12 grid. The agent starts in the bottom-left corner (3, 0) and must reach the goal in the
    bottom-right corner (3, 11). The cells between them, (3, 1) to (3, 10), are a cliff. Unlike
    Gymnasium's ``CliffWalking-v1`` (where a fall sends the agent back to the start), a fall here
    ends the episode, as in the lecture.

    ## Action Space
    ``Discrete(4)`` in Gymnasium's order: 0 up, 1 right, 2 down, 3 left. A move into the border
    leaves the agent where it is.

    ## Observation Space
    ``Discrete(48)``: the cell index ``row * 12 + col``.

    ## Rewards
    -1 for each step, 0 for the step that reaches the goal, -100 for the step that falls off the
    cliff. The shortest path (up, 11 x right, down) takes 13 steps and returns -12.

    ## Starting State
    Always (3, 0), observation 36.

    ## Episode End
    Terminated on reaching the goal or falling off the cliff. ``rlkit/CliffWalk-v0`` is registered
    with ``max_episode_steps=100`` so that a policy that never reaches either is truncated.

    ## Arguments
    ``render_mode``: ``"ansi"`` (text grid: S start, G goal, C cliff, A agent) or ``"rgb_array"``
    (a 128x384 RGB picture of the grid).
    """

    # Not a ClassVar: Gymnasium declares metadata an instance attribute.
    metadata: dict[str, Any] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}  # noqa: RUF012

    shape = (4, 12)
    start = (3, 0)
    goal = (3, 11)
    cliff = tuple((3, col) for col in range(1, 11))
    action_names = ACTION_NAMES
    action_arrows = ACTION_ARROWS

    def __init__(self, render_mode: str | None = None) -> None:
        """Create the env.

        Args:
            render_mode: ``None``, ``"ansi"`` or ``"rgb_array"``.
        """
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"unknown render_mode {render_mode!r}; valid choices: "
                f"{', '.join(self.metadata['render_modes'])} or None"
            )
        self.render_mode = render_mode
        self.observation_space = spaces.Discrete(self.shape[0] * self.shape[1])
        self.action_space = spaces.Discrete(4)
        self._position = self.start
        self._cliff = frozenset(self.cliff)

    def state_of(self, cell: tuple[int, int]) -> int:
        """The observation of a (row, col) cell."""
        return cell[0] * self.shape[1] + cell[1]

    def cell_of(self, state: int) -> tuple[int, int]:
        """The (row, col) cell of an observation."""
        return divmod(int(state), self.shape[1])

    def is_terminal(self, cell: tuple[int, int]) -> bool:
        """Whether entering ``cell`` ends the episode (the goal or the cliff)."""
        return cell == self.goal or cell in self._cliff

    def transition(self, cell: tuple[int, int], action: int) -> tuple[tuple[int, int], float, bool]:
        """The deterministic model: ``(next_cell, reward, terminated)`` for ``action`` in ``cell``.

        Exposed so that value iteration and the tests use the env's own rules.
        """
        d_row, d_col = _MOVES[action]
        row = min(max(cell[0] + d_row, 0), self.shape[0] - 1)
        col = min(max(cell[1] + d_col, 0), self.shape[1] - 1)
        nxt = (row, col)
        if nxt in self._cliff:
            return nxt, -100.0, True
        if nxt == self.goal:
            return nxt, 0.0, True
        return nxt, -1.0, False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Put the agent on the start cell. The start is fixed; ``seed`` seeds ``np_random``."""
        super().reset(seed=seed)
        self._position = self.start
        return self.state_of(self._position), {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        """Move one cell; see the class docstring for the rules."""
        # operator.index takes ints, numpy integers and 0-d integer arrays, and refuses floats;
        # it is what Discrete(4).contains checks, at a tenth of the cost.
        try:
            index = operator.index(action)
        except TypeError:
            index = -1
        if not 0 <= index < 4:
            raise InvalidActionError(
                f"action {action!r} is outside the action space Discrete(4); valid actions: "
                "0 (up), 1 (right), 2 (down), 3 (left)"
            )
        self._position, reward, terminated = self.transition(self._position, index)
        return self.state_of(self._position), reward, terminated, False, {}

    def render(self) -> str | np.ndarray | None:
        """Render the grid as text (``ansi``) or as an RGB array (``rgb_array``)."""
        if self.render_mode == "ansi":
            return self.grid_text()
        if self.render_mode == "rgb_array":
            return self._draw_rgb()
        return None

    def grid_text(self, marks: dict[tuple[int, int], str] | None = None) -> str:
        """The grid as text, with optional ``marks`` (cell -> one character) drawn over it."""
        rows = []
        for row in range(self.shape[0]):
            cells = []
            for col in range(self.shape[1]):
                cell = (row, col)
                if marks and cell in marks:
                    char = marks[cell]
                elif cell == self._position:
                    char = "A"
                elif cell == self.start:
                    char = "S"
                elif cell == self.goal:
                    char = "G"
                elif cell in self._cliff:
                    char = "C"
                else:
                    char = "."
                cells.append(char)
            rows.append(" ".join(cells))
        return "\n".join(rows) + "\n"

    def _draw_rgb(self) -> np.ndarray:
        height, width = self.shape
        image = np.empty((height * _CELL_PX, width * _CELL_PX, 3), dtype=np.uint8)
        image[:] = _COLOURS["floor"]
        for cell, colour in (
            *((c, _COLOURS["cliff"]) for c in self.cliff),
            (self.start, _COLOURS["start"]),
            (self.goal, _COLOURS["goal"]),
        ):
            r, c = cell
            image[r * _CELL_PX : (r + 1) * _CELL_PX, c * _CELL_PX : (c + 1) * _CELL_PX] = colour
        image[::_CELL_PX, :] = _COLOURS["grid"]
        image[:, ::_CELL_PX] = _COLOURS["grid"]
        image[-1, :] = _COLOURS["grid"]
        image[:, -1] = _COLOURS["grid"]
        # The agent as a disc, drawn last so that it shows over the cliff it fell in.
        r, c = self._position
        yy, xx = np.mgrid[0:_CELL_PX, 0:_CELL_PX]
        centre = (_CELL_PX - 1) / 2
        disc = (yy - centre) ** 2 + (xx - centre) ** 2 <= (_CELL_PX * 0.35) ** 2
        patch = image[r * _CELL_PX : (r + 1) * _CELL_PX, c * _CELL_PX : (c + 1) * _CELL_PX]
        patch[disc] = _COLOURS["agent"]
        return image
