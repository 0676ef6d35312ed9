"""Target-network updates."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def polyak_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """θ' ← τ·θ + (1 − τ)·θ' for every parameter (τ is the online net's share).

    Buffers (e.g. batch-norm statistics) are copied as they are.
    """
    target_params: list[torch.Tensor] = list(target.parameters())
    source_params: list[torch.Tensor] = list(source.parameters())
    torch._foreach_lerp_(target_params, source_params, tau)
    for target_buffer, source_buffer in zip(target.buffers(), source.buffers(), strict=True):
        target_buffer.copy_(source_buffer)


@torch.no_grad()
def hard_update(target: nn.Module, source: nn.Module) -> None:
    """θ' ← θ: the lecture's periodic copy."""
    target.load_state_dict(source.state_dict())
