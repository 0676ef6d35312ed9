"""Checkpoints that load without executing code, and are written atomically.

A checkpoint is one ``.npz`` file: every array (numpy arrays and scalars, and PyTorch tensors moved
to the CPU) is an entry of its own, and the structure around them (dicts, lists, tuples, sets,
deques, numbers, strings, RNG states) is JSON in the entry ``__tree__``, as ``rlkit.storage.codec``
writes it. Loading uses ``numpy.load(allow_pickle=False)``, so a checkpoint cannot run code, and
reading it needs no PyTorch unless it holds tensors. The file is written beside its final name,
flushed to disk and then renamed over it, so a crash while saving leaves the previous checkpoint
intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.errors import CheckpointError
from rlkit.storage.codec import decode, encode

CHECKPOINT_NAME = "checkpoint.npz"
BEST_DIR = "best"
"""Where ``save_best`` keeps the best evaluation's agent inside a run directory."""
FORMAT_VERSION = 2
"""Format 2 added sets, frozensets, deques, numpy generators, dict keys of any stored type and
numpy scalars that keep their dtype (format 1 turned them into Python numbers). Format 1's tags
are a subset of format 2's with the same meaning, so one decoder reads both."""
_READABLE_FORMATS = (1, 2)


def save_checkpoint(path: Path, state: Mapping[str, Any]) -> None:
    """Write ``state`` atomically: nested dicts, lists, tuples, sets, deques, numbers, strings,
    numpy arrays, scalars and generators, and tensors (see ``rlkit.storage.codec``).

    Raises:
        TypeError: ``state`` holds a value of another type (the message says which and where);
            nothing is written then.
        CheckpointError: the file cannot be written (a full disk, a missing or unwritable
            directory); the previous checkpoint at ``path``, if any, is left as it was.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    tree = {"format": FORMAT_VERSION, "state": encode(state, arrays)}
    tree_bytes = np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            # numpy's stubs take **arrays for its allow_pickle flag, which the names never are.
            np.savez(f, __tree__=tree_bytes, **arrays)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:  # a full disk, a directory gone or not writable
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        kept = "the last one written is intact" if path.is_file() else "none was written before"
        raise CheckpointError(
            f"cannot write the checkpoint {path} ({e.strerror or e}); {kept}"
        ) from e


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``, of this format or format 1.

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
        if tree.get("format") not in _READABLE_FORMATS:
            raise ValueError(f"format {tree.get('format')!r}")
        return decode(tree["state"], arrays)
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise CheckpointError(
            f"checkpoint {path} is truncated, corrupt or not an rlkit checkpoint ({reason})"
        ) from e


def read_cloned_policy(run_dir: str | Path) -> dict[str, Any]:
    """The policy network's weights in a behaviour-cloning run's checkpoint: what DQN loads into q
    for ``agent.pretrain`` (``rlkit/run/preflight.py`` checks the run fits before a run starts).
    Here, in the storage layer, so that one agent does not import another to read a file.

    Raises:
        CheckpointError: no readable checkpoint, or one without a policy network.
    """
    state = load_checkpoint(Path(run_dir) / CHECKPOINT_NAME)
    try:
        policy: dict[str, Any] = state["agent"]["policy"]
    except (KeyError, TypeError) as e:
        raise CheckpointError(f"the checkpoint in {run_dir} has no policy network") from e
    return policy
