"""Checkpoints: round trip, no code on load, atomic writes, clear errors for broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rlkit.errors import CheckpointError
from rlkit.run.checkpoint import load_checkpoint, save_checkpoint


def sample_state() -> dict:
    rng = np.random.default_rng(5)
    return {
        "table": rng.normal(size=(4, 3)),
        "frames": np.arange(12, dtype=np.uint8).reshape(3, 4),
        "counters": {"global_step": 1234, "episode": 7},
        "rng": rng.bit_generator.state,  # nested dict with 128-bit integers
        "pair": (1, "two", None, True, 2.5),
        "list": [np.float32(1.5), {"k": [1, 2]}],
        3: "int keys survive (optimiser states use them)",
    }


def test_round_trip(tmp_path: Path) -> None:
    state = sample_state()
    save_checkpoint(tmp_path / "c.npz", state)
    loaded = load_checkpoint(tmp_path / "c.npz")
    np.testing.assert_array_equal(loaded["table"], state["table"])
    assert loaded["frames"].dtype == np.uint8
    assert loaded["counters"] == {"global_step": 1234, "episode": 7}
    assert loaded["rng"] == state["rng"]
    assert loaded["pair"] == (1, "two", None, True, 2.5)
    assert loaded["list"] == [1.5, {"k": [1, 2]}]
    assert loaded[3].startswith("int keys")
    restored = np.random.default_rng()
    restored.bit_generator.state = loaded["rng"]
    original = np.random.default_rng(5)
    original.normal(size=(4, 3))
    assert restored.random() == original.random()


def test_torch_tensors_round_trip(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "step": torch.tensor(3.0)}
    save_checkpoint(tmp_path / "c.npz", state)
    loaded = load_checkpoint(tmp_path / "c.npz")
    assert isinstance(loaded["w"], torch.Tensor) and torch.equal(loaded["w"], state["w"])
    assert loaded["step"].item() == 3.0


def test_objects_that_would_need_pickle_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="cannot store a"):
        save_checkpoint(tmp_path / "c.npz", {"f": lambda: None})


def test_a_crash_while_saving_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.npz"
    save_checkpoint(path, {"version": 1})

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"version": 2})
    assert load_checkpoint(path) == {"version": 1}


def test_missing_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.npz")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "pickle"])
def test_broken_checkpoints_are_one_line_errors(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "c.npz"
    save_checkpoint(path, sample_state())
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00not a zip file" * 50)
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # an npz whose array needs pickle: must not be loaded
        np.savez(path, __tree__=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert "\n" not in str(info.value)
    assert "truncated, corrupt or not an rlkit checkpoint" in str(info.value)
