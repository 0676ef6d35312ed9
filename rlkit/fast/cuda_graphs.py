"""CUDA graphs for the hot GPU calls: record a call's kernels once, then replay them.

A DQN update on pixels launches ~100 small kernels (three NatureCNN passes, backward, Adam); on a
GPU their launch cost from Python, not the arithmetic, sets the pace (4.1 ms a batch of 32 on an
H100, against 0.74 ms replayed). A graph replays the recorded kernels with one launch; the same
kernels run on the same memory, so the maths is unchanged. Inputs are copied into the tensors the
graph was recorded on ("static" tensors) before each replay, and outputs are read from its static
outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from rlkit.errors import ConfigError
from rlkit.fast.gpu_passes import passed_on_gpu
from rlkit.parts.replay import ReplayBatch

# Eager calls before recording: they run the real updates (on a side stream, as recording needs)
# and let cuDNN, cuBLAS and autograd allocate their workspaces first.
WARMUP_CALLS = 3


class GraphedUpdate:
    """Replay one recorded gradient step instead of launching its kernels one by one.

    ``update(batch)`` must do the whole step on the GPU (losses, backward passes, optimiser
    steps, target updates in place; no host syncs, same shapes every call) with optimisers made
    with ``capturable=True``, and return a dict of tensors. The first ``WARMUP_CALLS`` calls run
    it eagerly; the next one records it on that call's batch and replays it; later calls copy
    their batch into the recorded one and replay. Every call is one real update, so a graphed run
    takes the same steps as an eager one. Call ``reset`` after loading optimiser state (it comes
    in new tensors, and the graph holds the old ones' addresses).
    """

    def __init__(
        self,
        update: Callable[[ReplayBatch], dict[str, torch.Tensor]],
        optimizers: Sequence[torch.optim.Optimizer],
    ) -> None:
        """Wrap ``update``; ``optimizers`` have their gradients cleared before recording."""
        self.update = update
        self.optimizers = list(optimizers)
        self.reset()

    def reset(self) -> None:
        """Forget the graph: the next calls warm up and record again."""
        self._graph: torch.cuda.CUDAGraph | None = None
        self._batch: ReplayBatch | None = None
        self._out: dict[str, torch.Tensor] = {}
        self._calls = 0

    def __call__(self, batch: ReplayBatch) -> dict[str, torch.Tensor]:
        """One gradient step on ``batch``; metrics are fresh tensors (not overwritten later)."""
        if self._graph is None:
            self._calls += 1
            if self._calls <= WARMUP_CALLS:
                return _on_side_stream(lambda: self.update(batch))
            self._record(batch)
        else:
            assert self._batch is not None
            for static, new in zip(self._batch, batch, strict=True):
                static.copy_(new)
        assert self._graph is not None
        self._graph.replay()
        return {name: value.clone() for name, value in self._out.items()}

    def _record(self, batch: ReplayBatch) -> None:
        """Record ``update`` on a copy of ``batch`` (recording runs nothing; the caller replays)."""
        self._batch = ReplayBatch(*(t.clone() for t in batch))
        # Gradients the graph creates live in its memory pool and are rewritten by each replay.
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        self._graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self._graph):
            self._out = self.update(self._batch)


class GraphedPolicy:
    """``policy(obs)`` for host observations, replayed from a graph recorded per batch shape.

    ``policy`` maps a device tensor of observations to a tensor (DQN: q's argmax; DDPG: μ). The
    graphs read the networks' parameters where they are, so they follow every in-place weight
    change (optimiser steps, ``load_state_dict``) without recording again. Training acts on
    ``num_envs`` observations at a time and evaluation on one, so each of the first
    ``MAX_SHAPES`` batch shapes gets a graph; any other shape runs eagerly.
    """

    MAX_SHAPES = 4

    def __init__(
        self, policy: Callable[[torch.Tensor], torch.Tensor], device: torch.device
    ) -> None:
        """Wrap ``policy``; nothing is recorded until a batch of a new shape comes."""
        self.policy = policy
        self.device = device
        self._graphs: dict[tuple[tuple[int, ...], str], _RecordedPolicy] = {}

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """The policy's output for ``obs``, on the host."""
        obs = np.ascontiguousarray(obs)
        key = (obs.shape, obs.dtype.str)
        recorded = self._graphs.get(key)
        if recorded is None and len(self._graphs) < self.MAX_SHAPES:
            recorded = self._graphs[key] = _RecordedPolicy(self.policy, obs, self.device)
        if recorded is None:
            with torch.inference_mode():
                return self.policy(torch.as_tensor(obs, device=self.device)).cpu().numpy()
        return recorded(obs)


class _RecordedPolicy:
    """One recorded ``policy`` call on a fixed batch shape, with its input and output tensors."""

    def __init__(
        self,
        policy: Callable[[torch.Tensor], torch.Tensor],
        example: np.ndarray,
        device: torch.device,
    ) -> None:
        """Record ``policy`` for batches shaped and typed like ``example``."""
        self._obs = torch.as_tensor(example, device=device).clone()
        with torch.inference_mode():
            _on_side_stream(lambda: policy(self._obs))
            torch.cuda.synchronize()
            self._graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self._graph):
                self._out = policy(self._obs)
        self._out_host = torch.empty_like(self._out, device="cpu").pin_memory()

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Copy ``obs`` in, replay, copy the output out."""
        self._obs.copy_(torch.from_numpy(obs))
        self._graph.replay()
        self._out_host.copy_(self._out)  # waits for the replay: one sync per step
        return self._out_host.numpy().copy()


def use_cuda_graphs(setting: bool | None, device: torch.device, blocked: bool, path: str) -> bool:
    """Whether an agent records the CUDA graphs of GPU speed path ``path``: ``setting``
    (``agent.cuda_graphs``) where given, else on a GPU unless ``blocked`` (``compile``, or a
    learning rate that changes), and only while the path's code is the code that passed its GPU
    tests (``rlkit/fast/gpu_passes.py``)."""
    if setting is None:
        return device.type == "cuda" and not blocked and passed_on_gpu(path)
    if setting and device.type != "cuda":
        raise ConfigError(
            f"agent.cuda_graphs=true needs device=cuda, not {device.type}; "
            "use agent.cuda_graphs=null (auto) or false"
        )
    return setting


def _on_side_stream(call: Callable[[], Any]) -> Any:
    """Run ``call`` on a fresh stream, ordered after and before the current one (warm-up before
    recording must not run on the default stream)."""
    current = torch.cuda.current_stream()
    side = torch.cuda.Stream()
    side.wait_stream(current)
    with torch.cuda.stream(side):
        result = call()
    current.wait_stream(side)
    return result
