"""A GPU speed path is on by default only while its code is the code that passed its GPU tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from rlkit.fast import gpu_passes
from rlkit.fast.cuda_graphs import use_cuda_graphs
from rlkit.fast.gpu_passes import GPU_PATHS, read_record, source_hash

GPU = torch.device("cuda")  # a device object needs no GPU; nothing here touches one
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    gpu_passes.passed_on_gpu.cache_clear()
    yield
    gpu_passes.passed_on_gpu.cache_clear()


def test_the_record_names_every_path_and_says_where_each_passed() -> None:
    passes = read_record()
    assert set(passes) == set(GPU_PATHS)
    for entry in passes.values():
        assert entry is None or set(entry) == {"sha256", "commit", "card", "date"}


@pytest.mark.parametrize("path", sorted(GPU_PATHS))
def test_auto_follows_the_record_compared_with_the_source(path: str, fresh_cache: None) -> None:
    entry = read_record()[path]
    passed = entry is not None and entry["sha256"] == source_hash(path)
    assert use_cuda_graphs(None, GPU, blocked=False, path=path) is passed
    assert use_cuda_graphs(None, torch.device("cpu"), blocked=False, path=path) is False


def test_a_matching_record_turns_auto_on_and_any_edit_turns_it_off(
    monkeypatch: pytest.MonkeyPatch, fresh_cache: None, tmp_path: Path
) -> None:
    sha = source_hash("dqn_update_graph")
    entry = {"sha256": sha, "commit": "abc", "card": "H100", "date": "2026-12-07"}
    monkeypatch.setattr(gpu_passes, "read_record", lambda: {"dqn_update_graph": entry})
    assert use_cuda_graphs(None, GPU, blocked=False, path="dqn_update_graph")
    assert not use_cuda_graphs(None, GPU, blocked=True, path="dqn_update_graph")
    assert not use_cuda_graphs(False, GPU, blocked=False, path="dqn_update_graph")

    gpu_passes.passed_on_gpu.cache_clear()
    monkeypatch.setattr(gpu_passes, "PACKAGE", _copy_with_one_edit(tmp_path, "agents/dqn.py"))
    assert source_hash("dqn_update_graph") != sha
    assert not use_cuda_graphs(None, GPU, blocked=False, path="dqn_update_graph")


def _copy_with_one_edit(root: Path, changed: str) -> Path:
    """A copy of the package sources the paths use, with one comment added to ``changed``."""
    for names in GPU_PATHS.values():
        for name in names:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((gpu_passes.PACKAGE / name).read_bytes())
    (root / changed).write_text((root / changed).read_text() + "# one more line\n")
    return root


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_the_record_is_renewed_only_on_a_gpu() -> None:
    out = subprocess.run(
        [sys.executable, "scripts/record_gpu_pass.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "needs a CUDA GPU" in out.stdout
    assert "Traceback" not in out.stderr
