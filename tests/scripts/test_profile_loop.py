"""scripts/profile_loop.py: each part's own time (nested calls taken out), and one real run's
parts adding up to its loop."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture
def profile_loop(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))
    yield importlib.import_module("profile_loop")
    sys.modules.pop("profile_loop", None)


def test_a_nested_call_counts_to_itself_not_to_its_caller(profile_loop) -> None:
    phases = profile_loop.Phases()
    inner = phases.wrap("inner", lambda: time.sleep(0.05))

    def outer() -> None:
        time.sleep(0.02)
        inner()

    phases.wrap("outer", outer)()
    assert phases.seconds["inner"] == pytest.approx(0.05, abs=0.03)
    assert phases.seconds["outer"] == pytest.approx(0.02, abs=0.015)


def test_a_profiled_run_times_every_part(profile_loop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SCRIPTS.parent)
    # The worker patches torch's backward and Adam's step for its own process: keep them.
    import torch

    monkeypatch.setattr(torch.Tensor, "backward", torch.Tensor.backward)
    monkeypatch.setattr(torch.optim.Adam, "step", torch.optim.Adam.step)
    import rlkit.run.loop
    from rlkit.fast.numpy_dqn import NumpyQUpdate

    monkeypatch.setattr(rlkit.run.loop, "_collect", rlkit.run.loop._collect)
    for name in ("forward", "_adam_step"):
        monkeypatch.setattr(NumpyQUpdate, name, NumpyQUpdate.__dict__[name])
    _, overrides = profile_loop.overrides_of("cartpole", 1_500)
    result = profile_loop.worker([*overrides, "agent.learning_starts=500"])
    seconds = result["seconds"]
    assert result["steps"] == 1_500
    for part in ("env", "act", "store", "update: replay draw", "update: forward and loss"):
        assert seconds[part] > 0, part
    assert seconds["loop itself"] > 0
