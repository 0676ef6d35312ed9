"""The one place that decides which code computes DQN's update.

``DQN.update`` in ``rlkit/agents/dqn.py`` is the reference, written as the lecture reads. Three
faster paths compute the same maths and are tested equal to it:

- ``numpy``: ``rlkit/fast/numpy_dqn.py``, for an MLP q on the CPU (PyTorch's per-op overhead is
  most of a small update's cost there);
- ``cuda_graphs``: ``rlkit/fast/cuda_graphs.py``, the update recorded once on a GPU and replayed;
- ``compile``: ``torch.compile`` of ``DQN.update`` (asked for with ``agent.compile=true``).

The run's first console line and ``summary.json``'s ``update`` say which one ran.
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces

from rlkit.config.schema import DQNConfig
from rlkit.errors import ConfigError
from rlkit.fast.cuda_graphs import GraphedPolicy, GraphedUpdate, use_cuda_graphs
from rlkit.fast.gpu_passes import passed_on_gpu
from rlkit.fast.numpy_dqn import NumpyQUpdate
from rlkit.fast.paths import Policy, SpeedPaths, Update
from rlkit.nets.mlp import QNetwork

UPDATE_BACKENDS = ("torch", "numpy", "cuda_graphs", "compile")
"""What ``choose_dqn_update`` can answer (``agent.update_backend`` chooses among the first two)."""


def numpy_misfit(cfg: DQNConfig, observation_space: spaces.Space, device: torch.device) -> str:
    """Why the NumPy update cannot compute this DQN's update, or ``""`` where it can: it writes
    out an MLP q (no duelling head) over one-hot or flattened observations, on the CPU, trained
    by the plain Adam DQN builds."""
    from rlkit.nets.encoders import is_image_space

    image = cfg.encoder in ("nature_cnn", "resnet") or (
        cfg.encoder != "mlp" and is_image_space(observation_space)
    )
    if device.type != "cpu":
        return f"device={device.type}"
    if cfg.dueling:
        return "dueling=true"
    if image:
        return "a CNN encoder"
    if cfg.compile:
        return "compile=true"
    return ""


def choose_dqn_update(cfg: DQNConfig, observation_space: spaces.Space, device: torch.device) -> str:
    """``compile``, ``cuda_graphs``, ``numpy`` or ``torch``: the update this DQN runs.

    Raises:
        ConfigError: ``agent.update_backend=numpy`` where the NumPy update does not fit, or
            ``agent.cuda_graphs=true`` off a GPU.
    """
    misfit = numpy_misfit(cfg, observation_space, device)
    if cfg.update_backend == "numpy" and misfit:
        raise ConfigError(
            f"agent.update_backend=numpy needs an MLP q on the CPU (flat or Discrete "
            f"observations, dueling=false, device=cpu, compile=false), but this run has "
            f"{misfit}; use agent.update_backend=auto or torch"
        )
    if cfg.compile:
        return "compile"
    if use_cuda_graphs(cfg.cuda_graphs, device, cfg.lr_end is not None, "dqn_update_graph"):
        return "cuda_graphs"
    if cfg.update_backend != "torch" and not misfit:
        return "numpy"
    return "torch"


def describe_dqn_update(backend: str) -> str:
    """The run's first console line for ``backend``: which code runs, and how to run another."""
    return {
        "numpy": "numpy (rlkit/fast/numpy_dqn.py; agent.update_backend=torch runs DQN.update)",
        "torch": "torch (DQN.update, rlkit/agents/dqn.py)",
        "cuda_graphs": "cuda_graphs (DQN.update recorded once and replayed, "
        "rlkit/fast/cuda_graphs.py; agent.cuda_graphs=false runs it eagerly)",
        "compile": "compile (torch.compile of DQN.update; agent.compile=false runs it eagerly)",
    }[backend]


def dqn_paths(
    cfg: DQNConfig,
    backend: str,
    update: Update,
    greedy: Policy,
    nets: tuple[QNetwork, QNetwork],
    optimizer: torch.optim.Optimizer,
    gamma_powers: torch.Tensor,
) -> SpeedPaths:
    """The code ``backend`` names for DQN's ``update`` and its greedy actions (``greedy``: the
    reference argmax_a q(obs, a)); ``nets`` are q and q'."""
    q_net, q_target = nets
    paths = SpeedPaths(backend, describe_dqn_update(backend), update, greedy, [optimizer])
    if backend == "compile":
        paths.update = torch.compile(update)
    elif backend == "cuda_graphs":
        paths.update = GraphedUpdate(update, [optimizer])
        if cfg.cuda_graphs or passed_on_gpu("dqn_policy_graph"):
            device = next(q_net.parameters()).device
            paths.policy = GraphedPolicy(lambda x: q_net(x).argmax(dim=1), device)
    elif backend == "numpy":
        numpy = NumpyQUpdate(
            q_net,
            q_target,
            optimizer,
            cfg.loss,
            cfg.double_q,
            cfg.max_grad_norm,
            gamma_powers.numpy(),
        )
        paths.update = numpy.update
        paths.policy = lambda obs: numpy.q_values(np.asarray(obs)).argmax(axis=1)
    return paths
