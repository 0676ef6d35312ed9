"""What the training loop hands an agent after each vector-env step."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Transition(NamedTuple):
    """One env step of every vector env: row ``i`` is env ``i``'s (s, a, r, s', terminated).

    ``next_obs`` is the true next observation, also on the step that ended an episode (the vector
    env has already reset that env; the loop takes the last observation from
    ``info["final_obs"]``).
    ``terminated`` is kept apart from ``truncated``: a time-out still bootstraps from ``next_obs``
    (n-step returns need ``truncated`` to know where an episode stopped).
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
