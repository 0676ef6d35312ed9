"""The speed layer's side of an agent: the code that runs its update and its policy, chosen once.

An agent writes its reference ``update`` (and its policy's forward pass) in its own file, as the
lecture reads; it never branches on speed. At construction it asks this module for a ``SpeedPaths``
and then calls ``paths.update(batch)`` and ``paths.policy(obs)``: the reference itself, or a
faster code computing the same maths (tested equal to the reference in ``tests/fast/``).
``backend.py`` decides for DQN; the actor-critic agents take ``compile`` or CUDA graphs as their
configs ask. The run's first console line and ``summary.json`` say which ran (``description``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rlkit.config.schema import DDPGConfig
from rlkit.fast.cuda_graphs import GraphedPolicy, GraphedUpdate, use_cuda_graphs
from rlkit.parts.replay import ReplayBatch

Update = Callable[[ReplayBatch], dict[str, Any]]
Policy = Callable[[np.ndarray], np.ndarray]


@dataclass
class SpeedPaths:
    """Which code runs an agent's update and its policy on a batch of host observations."""

    backend: str
    """``torch`` (the reference), ``numpy``, ``compile`` or ``cuda_graphs``."""
    description: str
    """The run's first console line: which code runs, and how to run another."""
    update: Update
    """One gradient step on a replay batch (the agent's ``update``, or code equal to it)."""
    policy: Policy
    """The policy's actions for a batch of observations, as a host array."""
    optimizers: Sequence[torch.optim.Optimizer] = ()

    def after_load(self) -> None:
        """Fit loaded optimiser state to this path: a recorded update keeps Adam's step count on
        the GPU (``capturable``), and its graph holds the old tensors' addresses, so it records
        again."""
        for optimizer in self.optimizers:
            for group in optimizer.param_groups:  # the run that saved it may have had no GPU
                group["capturable"] = self.backend == "cuda_graphs"
        if isinstance(self.update, GraphedUpdate):
            self.update.reset()


def fused_adam(params: Iterable[torch.nn.Parameter], lr: float, backend: str) -> torch.optim.Adam:
    """Adam as one fused kernel for the whole step instead of a few ops per parameter;
    ``capturable`` keeps its step count on the GPU so that a CUDA graph can record the step."""
    return torch.optim.Adam(params, lr=lr, fused=True, capturable=backend == "cuda_graphs")


def reference_paths(name: str, update: Update, policy: Policy) -> SpeedPaths:
    """The reference update and policy, for an agent with no faster path (``name``: its class)."""
    description = f"torch ({name}.update, rlkit/agents/{name.lower()}.py)"
    return SpeedPaths("torch", description, update, policy)


def actor_critic_backend(cfg: DDPGConfig, device: torch.device, path: str) -> str:
    """``cuda_graphs``, ``compile`` or ``torch``: the code an actor-critic update runs as its
    config asks (CUDA graphs where ``rlkit/fast/gpu_passes.py`` records ``path`` as passed on a
    GPU, or where asked for; not with ``compile`` or annealed learning rates).

    Raises:
        ConfigError: ``cuda_graphs=true`` off a GPU.
    """
    blocked = cfg.compile or cfg.lr_decay_steps is not None
    if use_cuda_graphs(cfg.cuda_graphs, device, blocked=blocked, path=path):
        return "cuda_graphs"
    return "compile" if cfg.compile else "torch"


def actor_critic_paths(
    name: str,
    backend: str,
    update: Update,
    actor: torch.nn.Module,
    policy: Policy,
    optimizers: Sequence[torch.optim.Optimizer],
) -> SpeedPaths:
    """The paths of an actor-critic agent: its ``update`` eager, compiled or replayed from a CUDA
    graph (``backend``), and μ(s) replayed from a graph where the update is."""
    eager = f"agent.{'compile' if backend == 'compile' else 'cuda_graphs'}=false runs it eagerly"
    if backend == "compile":
        description = f"compile (torch.compile of {name}.update; {eager})"
        return SpeedPaths(backend, description, torch.compile(update), policy, optimizers)
    if backend == "cuda_graphs":
        description = (
            f"cuda_graphs ({name}.update recorded once and replayed, "
            f"rlkit/fast/cuda_graphs.py; {eager})"
        )
        graphed = GraphedUpdate(update, optimizers)
        device = next(actor.parameters()).device
        return SpeedPaths(backend, description, graphed, GraphedPolicy(actor, device), optimizers)
    return SpeedPaths(
        "torch", reference_paths(name, update, policy).description, update, policy, optimizers
    )
