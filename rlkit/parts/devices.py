"""Choosing the torch device."""

from __future__ import annotations

import torch

from rlkit.errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when there is a GPU, else CPU; ``cuda`` without a GPU is a ConfigError."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "device=cuda but no CUDA GPU is available; use device=auto (it picks the CPU here) "
            "or device=cpu"
        )
    return torch.device(name)
