"""Checking what a user hands ``agent.predict``: one observation or a batch of them."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from rlkit.errors import InvalidObservationError


def observation_batch(obs: Any, space: spaces.Space, dtype: Any = None) -> tuple[np.ndarray, bool]:
    """``obs`` as a batch of observations of ``space``, and whether it was a single one.

    Raises:
        InvalidObservationError: a shape that is neither one observation nor a batch of them, or
            (for a Discrete space) a value that is not one of its states.
    """
    batch = np.asarray(obs) if dtype is None else np.asarray(obs, dtype=dtype)
    shape = space.shape or ()
    single = batch.ndim == len(shape)
    if single:
        batch = batch[None]
    out_of_range = isinstance(space, spaces.Discrete) and (
        batch.dtype.kind not in "iu"
        or batch.min() < space.start
        or batch.max() >= space.start + space.n
    )
    if batch.shape[1:] != shape or out_of_range:
        raise InvalidObservationError(
            f"observation of shape {np.shape(obs)} is not in {space}; "
            f"predict takes one observation of shape {shape} or a batch of them"
        )
    return batch, single
