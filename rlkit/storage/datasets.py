"""Recorded play for offline agents: ``.npz`` files of (observation, action) pairs.

``python -m rlkit.play env=pong opponent=human record=play.npz`` (a person) and
``scripts/make_pong_dataset.py`` (a scripted player) write them; ``agent=bc dataset=<file>`` reads
them. The arrays: ``observations`` (N, *observation shape), ``actions`` (N,) integers, and
optionally ``obs_type`` (a string naming the pong observation type the play was recorded with).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from rlkit.errors import ConfigError


@dataclass(frozen=True)
class Dataset:
    """Observations and the actions taken on them."""

    observations: np.ndarray
    actions: np.ndarray

    def __len__(self) -> int:
        """The number of (observation, action) pairs."""
        return len(self.actions)

    def split(self, val_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
        """A random (seeded) split into a training part and a held-out part of ``val_fraction``."""
        order = np.random.default_rng(seed).permutation(len(self))
        n_val = round(val_fraction * len(self))
        val, train = order[:n_val], order[n_val:]
        return (
            Dataset(self.observations[train], self.actions[train]),
            Dataset(self.observations[val], self.actions[val]),
        )


def load_dataset(
    path: str | Path, observation_space: spaces.Space, action_space: spaces.Space
) -> Dataset:
    """Read and check a recorded-play file against the env it is meant for.

    Raises:
        ConfigError: a missing or unreadable file, missing arrays, or arrays that do not fit the
            env's observation or action space.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"dataset={path}: no such file; record one with `python -m rlkit.play "
            "env=pong opponent=human record=play.npz` or scripts/make_pong_dataset.py"
        )
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"dataset={path} is not an .npz file (np.savez writes one)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ConfigError(f"dataset={path} is not a readable .npz file: {e}") from e
    missing = [key for key in ("observations", "actions") if key not in arrays]
    if missing:
        raise ConfigError(
            f"dataset={path} lacks the array(s) {', '.join(missing)}; it has "
            f"{', '.join(sorted(arrays)) or 'none'} (needed: observations, actions)"
        )
    observations, actions = arrays["observations"], arrays["actions"]
    shape = observation_space.shape or ()
    if observations.ndim < 1 or observations.shape[1:] != shape:
        raise ConfigError(
            f"dataset={path}: observations have shape {observations.shape}, but the env's are "
            f"{shape} (N, {', '.join(map(str, shape))}) — was it recorded with another obs_type?"
        )
    if actions.shape != (len(observations),) or actions.dtype.kind not in "iu":
        raise ConfigError(
            f"dataset={path}: actions must be {len(observations)} integers (one per observation), "
            f"got shape {actions.shape} of {actions.dtype}"
        )
    if len(actions) == 0:
        raise ConfigError(f"dataset={path} is empty")
    if isinstance(action_space, spaces.Discrete):
        low, high = int(action_space.start), int(action_space.start + action_space.n - 1)
        if actions.min() < low or actions.max() > high:
            raise ConfigError(
                f"dataset={path}: actions lie in [{actions.min()}, {actions.max()}], outside the "
                f"env's actions {low}..{high}"
            )
    return Dataset(observations.astype(observation_space.dtype), actions.astype(np.int64))


def save_dataset(
    path: str | Path, observations: np.ndarray, actions: np.ndarray, **extra: np.ndarray
) -> Path:
    """Write a recorded-play file atomically (a crash never leaves half a file under ``path``)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays: dict[str, Any] = {"observations": observations, "actions": actions, **extra}
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return path
