"""Shared test set-up: headless pygame, the `slow` marker, and runs written under a temp dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("WANDB_MODE", "offline")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``slow`` tests unless ``--runslow``, each with the reason its marker gives: every
    ``@pytest.mark.slow(reason=...)`` says what makes it slow and about how long it takes
    (``tests/test_layout.py`` fails a marker without one)."""
    for item in items:
        marker = item.get_closest_marker("slow")
        if marker is None:
            continue
        reason = marker.kwargs.get("reason", "no reason given")
        if not config.getoption("--runslow"):
            item.add_marker(pytest.mark.skip(reason=f"slow ({reason}): give --runslow"))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from an empty temp dir, so that `runs/` lands there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Run a test on one PyTorch thread: tiny models are fastest that way, and the test machine's
    cores are shared with other work."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
