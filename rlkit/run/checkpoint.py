"""Checkpoints that load without executing code, and are written atomically.

A checkpoint is one ``.npz`` file: every array (numpy arrays, and PyTorch tensors moved to the
CPU) is an entry of its own, and the structure around them (dicts, lists, numbers, strings, RNG
states) is JSON in the entry ``__tree__``. Loading uses ``numpy.load(allow_pickle=False)``, so a
checkpoint cannot run code, and reading it needs no PyTorch unless it holds tensors. The file is
written beside its final name, flushed to disk and then renamed over it, so a crash while saving
leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.errors import CheckpointError

CHECKPOINT_NAME = "checkpoint.npz"
BEST_DIR = "best"
"""Where ``save_best`` keeps the best evaluation's agent inside a run directory."""
FORMAT_VERSION = 1


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, Mapping):
        return {"__dict__": [[k, _encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if _is_tensor(value):
        ref = f"a{len(arrays)}"
        arrays[ref] = value.detach().cpu().numpy()
        return {"__tensor__": ref}
    if isinstance(value, np.ndarray):
        ref = f"a{len(arrays)}"
        arrays[ref] = value
        return {"__ndarray__": ref}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint")


def _decode(node: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "__dict__" in node:
        return {k: _decode(v, arrays) for k, v in node["__dict__"]}
    if "__tuple__" in node:
        return tuple(_decode(v, arrays) for v in node["__tuple__"])
    if "__ndarray__" in node:
        return arrays[node["__ndarray__"]]
    if "__tensor__" in node:
        import torch

        return torch.from_numpy(np.array(arrays[node["__tensor__"]]))
    raise ValueError(f"unknown node {sorted(node)}")


def save_checkpoint(path: Path, state: Mapping[str, Any]) -> None:
    """Write ``state`` (nested dicts, lists, numbers, strings, arrays, tensors) atomically."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    tree = {"format": FORMAT_VERSION, "state": _encode(state, arrays)}
    tree_bytes = np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, __tree__=tree_bytes, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``.

    Raises:
        CheckpointError: the file is missing, truncated, corrupt, or not an rlkit checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        tree = json.loads(arrays.pop("__tree__").tobytes().decode())
        if tree.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {tree.get('format')!r}")
        return _decode(tree["state"], arrays)
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise CheckpointError(
            f"checkpoint {path} is truncated, corrupt or not an rlkit checkpoint ({reason})"
        ) from e
