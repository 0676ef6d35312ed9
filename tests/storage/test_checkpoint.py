"""Checkpoints: round trip, no code on load, atomic writes, clear errors for broken files."""

from __future__ import annotations

import errno
import json
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlkit
from rlkit.envkit.state import get_env_state, set_env_state, set_vector_env_state
from rlkit.errors import CheckpointError
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint


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
    assert type(loaded["list"][0]) is np.float32  # format 1 gave a Python float
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
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(CheckpointError) as info:
        save_checkpoint(path, {"version": 2})
    assert str(info.value) == (
        f"cannot write the checkpoint {path} (No space left on device); "
        "the last one written is intact"
    )
    assert load_checkpoint(path) == {"version": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]  # no temporary file left


def test_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "not_a_dir").write_text("a file where the run directory was")
    with pytest.raises(CheckpointError, match=r"cannot write the checkpoint .*none was written"):
        save_checkpoint(tmp_path / "not_a_dir" / "c.npz", {"version": 1})


def test_a_zip_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    np.savez(path, weights=np.zeros(3))  # a plain npz: no __tree__
    with pytest.raises(CheckpointError, match="not an rlkit checkpoint"):
        load_checkpoint(path)


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


def test_an_unknown_tag_is_a_broken_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    tree = {"format": 2, "state": {"__pickle__": "a0"}}
    np.savez(path, __tree__=np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8))
    with pytest.raises(CheckpointError, match=r"not an rlkit checkpoint \(unknown node"):
        load_checkpoint(path)


# Format 1, as rlkit wrote it before the codec was shared: the checkpoint tagged only dicts, tuples,
# arrays and tensors, turned numpy scalars into Python numbers, and the env states inside it carried
# tags of their own. These two functions are format 1's writers, kept here to make such files.


def format_1_env_value(value: Any) -> Any:
    """An env-state value as format 1 tagged it."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is np.ndarray:
        return value.copy()
    if isinstance(value, np.generic):
        return {"numpy": np.array(value)}
    if kind is list:
        return [format_1_env_value(v) for v in value]
    if kind in (tuple, set, frozenset):
        return {kind.__name__: [format_1_env_value(v) for v in value]}
    if kind is dict:
        return {"dict": [[format_1_env_value(k), format_1_env_value(v)] for k, v in value.items()]}
    if kind is deque:
        return {"deque": [format_1_env_value(v) for v in value], "maxlen": value.maxlen}
    if kind is np.random.Generator:
        return {"generator": value.bit_generator.state}
    raise TypeError(kind.__name__)


def format_1_env_state(state: dict[str, Any]) -> dict[str, Any]:
    """A format-2 env state (``get_env_state``'s or a batched one) in format 1."""
    if "batched" in state:
        return {"format": 1, "batched": format_1_env_value(state["batched"])}
    layers = [{k: format_1_env_value(v) for k, v in layer.items()} for layer in state["layers"]]
    return {**state, "format": 1, "layers": layers}


def format_1_tree(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """A checkpoint's state as format 1 stored it in ``__tree__``."""
    if isinstance(value, Mapping):
        return {"__dict__": [[k, format_1_tree(v, arrays)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [format_1_tree(v, arrays) for v in value]}
    if isinstance(value, list):
        return [format_1_tree(v, arrays) for v in value]
    if type(value).__module__.startswith("torch"):
        arrays[f"a{len(arrays)}"] = value.detach().cpu().numpy()
        return {"__tensor__": f"a{len(arrays) - 1}"}
    if isinstance(value, np.ndarray):
        arrays[f"a{len(arrays)}"] = value
        return {"__ndarray__": f"a{len(arrays) - 1}"}
    if isinstance(value, np.generic):
        return value.item()
    assert value is None or isinstance(value, (bool, int, float, str)), type(value)
    return value


def write_format_1(path: Path, state: dict[str, Any]) -> None:
    arrays: dict[str, np.ndarray] = {}
    tree = {"format": 1, "state": format_1_tree(state, arrays)}
    np.savez(path, __tree__=np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8), **arrays)


class BatchedGames(gym.vector.VectorEnv):
    """A vector env that keeps its games' state itself, as pong does; records what it is given."""

    def __init__(self) -> None:
        self.metadata = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
        self.saved: Any = None

    def get_state(self) -> Any:
        return self.saved

    def set_state(self, saved: Any) -> None:
        self.saved = saved


def test_a_format_1_checkpoint_written_by_hand_loads(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    old_env_state = {
        "format": 1,
        "batched": {
            "dict": [
                ["pos", {"tuple": [2, 0]}],
                ["cliff", {"frozenset": [{"tuple": [3, 1]}, {"tuple": [3, 2]}]}],
                ["seen", {"set": [1, 2]}],
                [{"tuple": [4, 5]}, [{"numpy": np.array(6, dtype=np.int64)}]],
                ["queue", {"deque": [1.5, 2.5], "maxlen": 3}],
                ["scale", {"numpy": np.array(0.1, dtype=np.float32)}],
                ["board", np.arange(4.0)],
                ["rngs", [{"generator": rng.bit_generator.state}]],
            ]
        },
    }
    arrays = {"a0": np.eye(2), "a1": np.arange(3, dtype=np.float32)}
    tree = {
        "format": 1,
        "state": {
            "__dict__": [
                ["table", {"__ndarray__": "a0"}],
                ["w", {"__tensor__": "a1"}],
                ["pair", {"__tuple__": [1, "two", None]}],
                ["scale", 0.5],  # once a numpy scalar: format 1 kept its value only
                [3, "int keys"],
                ["envs", [format_1_tree(old_env_state, arrays)]],
            ]
        },
    }
    path = tmp_path / "old.npz"
    np.savez(path, __tree__=np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8), **arrays)
    loaded = load_checkpoint(path)
    np.testing.assert_array_equal(loaded["table"], np.eye(2))
    assert torch.equal(loaded["w"], torch.arange(3, dtype=torch.float32))
    assert loaded["pair"] == (1, "two", None) and loaded[3] == "int keys"
    assert type(loaded["scale"]) is float
    games = BatchedGames()
    set_vector_env_state(games, loaded["envs"])
    state = games.saved
    assert state["pos"] == (2, 0) and state["cliff"] == frozenset({(3, 1), (3, 2)})
    assert state["seen"] == {1, 2} and type(state[(4, 5)][0]) is np.int64
    assert state["queue"] == deque([1.5, 2.5]) and state["queue"].maxlen == 3
    assert type(state["scale"]) is np.float32 and state["scale"] == np.float32(0.1)
    np.testing.assert_array_equal(state["board"], np.arange(4.0))
    assert state["rngs"][0].random() == rng.random()


def test_a_format_1_env_state_restores_the_env_exactly(tmp_path: Path) -> None:
    env = gym.make("CartPole-v1")
    env.reset(seed=3)
    for _ in range(5):
        env.step(env.action_space.sample())
    path = tmp_path / "old.npz"
    write_format_1(path, {"env": format_1_env_state(get_env_state(env))})
    restored = gym.make("CartPole-v1")
    set_env_state(restored, load_checkpoint(path)["env"])
    for action in [0, 1, 1, 0, 1] * 10:
        a, b = env.step(action), restored.step(action)
        assert np.array_equal(a[0], b[0]) and a[1:4] == b[1:4]
        if a[2] or a[3]:
            assert np.array_equal(env.reset()[0], restored.reset()[0])


DQN_FAST = [
    "agent.learning_starts=200",
    "agent.target_update_interval=100",
    "agent.batch_size=16",
    "agent.epsilon_decay_steps=1000",
]


@pytest.mark.parametrize(
    ("agent", "env", "num_envs", "extra"),
    [
        ("qlearning", "cliff", 3, []),
        ("dqn", "cartpole", 1, DQN_FAST),  # tensors, an optimiser, a replay buffer
        ("dqn", "pong", 2, [*DQN_FAST, "env.points_to_win=2"]),  # batched, with generators
    ],
)
def test_a_format_1_checkpoint_resumes_exactly(
    in_tmp: Path, agent: str, env: str, num_envs: int, extra: list[str]
) -> None:
    """A run stopped by an older rlkit (format 1) resumes to the metrics of one that never
    stopped."""
    kwargs: dict[str, Any] = dict(agent=agent, env=env, seed=1, progress=False, device="cpu")
    common = dict(kwargs, log_interval=250, eval_episodes=2, overrides=extra, num_envs=num_envs)
    whole = rlkit.train(total_steps=3000, **common)
    first = rlkit.train(total_steps=1500, **common)
    state = load_checkpoint(first.dir / CHECKPOINT_NAME)
    state["envs"] = [format_1_env_state(s) for s in state["envs"]]
    write_format_1(first.dir / CHECKPOINT_NAME, state)
    resumed = rlkit.train(total_steps=3000, resume=str(first.dir), **kwargs)
    assert (resumed.dir / "metrics.csv").read_text() == (whole.dir / "metrics.csv").read_text()
    assert resumed.summary["eval_return_mean"] == whole.summary["eval_return_mean"]
