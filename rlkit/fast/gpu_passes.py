"""Which GPU speed paths are on by default: only those whose current code passed its GPU tests.

A CUDA graph cannot be tested without a GPU, and most machines that change rlkit have none. So
``gpu_passes.json`` beside this file records, for each path, the SHA-256 of the source files that
make it, the commit, the card and the date of the last run where ``tests/fast/test_cuda_graphs.py``
passed on a GPU (``scripts/record_gpu_pass.py`` writes it, and only after the tests pass). With
``agent.cuda_graphs=null`` (auto) a path is on for ``device=cuda`` only while the hash of its
sources today equals the recorded one: any edit to them turns it off until it passes again.
``agent.cuda_graphs=true`` still turns it on, as an explicit choice.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent
RECORD = Path(__file__).with_name("gpu_passes.json")

GPU_PATHS: dict[str, tuple[str, ...]] = {
    "dqn_update_graph": ("fast/cuda_graphs.py", "agents/dqn.py"),
    "dqn_policy_graph": ("fast/cuda_graphs.py", "agents/dqn.py"),
    "ddpg_graphs": ("fast/cuda_graphs.py", "agents/ddpg.py"),
}
"""Each GPU speed path and the package files (relative to ``rlkit/``) whose code it runs."""


def source_hash(path: str) -> str:
    """SHA-256 over the source files of GPU speed path ``path``, in their listed order."""
    digest = hashlib.sha256()
    for name in GPU_PATHS[path]:
        digest.update(name.encode())
        digest.update((PACKAGE / name).read_bytes())
    return digest.hexdigest()


def read_record(record: Path = RECORD) -> dict[str, Any]:
    """The recorded passes: path name to ``{"sha256", "commit", "card", "date"}`` (or null)."""
    passes = json.loads(record.read_text())["passes"]
    assert isinstance(passes, dict)
    return passes


@cache
def passed_on_gpu(path: str) -> bool:
    """Whether ``path``'s code as it is now passed its tests on a GPU (read once per process)."""
    entry = read_record().get(path)
    return entry is not None and entry.get("sha256") == source_hash(path)
