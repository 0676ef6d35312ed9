"""The codec: every supported type comes back as itself, anything else is refused by name and
place, and decoding follows only the codec's own tags."""

from __future__ import annotations

import json
import tempfile
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlkit.storage.checkpoint import load_checkpoint, save_checkpoint
from rlkit.storage.codec import BIT_GENERATORS, decode, encode, is_plain, plain_copy

DTYPES = ["bool", "int8", "int64", "uint16", "float16", "float32", "float64", "complex64", "<U3"]


def canon(value: Any) -> Any:
    """A hashable picture of ``value`` that tells apart what the codec must keep apart: types,
    dtypes, shapes, the bits of numbers, container kinds, a deque's maxlen, a generator's state."""
    kind = type(value).__name__
    if isinstance(value, (np.ndarray, np.generic)):  # before float: np.float64 is a float
        array = np.asarray(value)
        return (kind, array.dtype.str, array.shape, array.tobytes())
    if isinstance(value, (bool, int, str, type(None))):
        return (kind, value)
    if isinstance(value, float):
        return (kind, repr(value))  # tells -0.0 from 0.0 and compares nan with nan
    if isinstance(value, (list, tuple)):
        return (kind, tuple(canon(v) for v in value))
    if isinstance(value, deque):
        return (kind, value.maxlen, tuple(canon(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return (kind, frozenset(canon(v) for v in value))
    if isinstance(value, dict):
        return (kind, tuple((canon(k), canon(v)) for k, v in value.items()))
    if isinstance(value, np.random.Generator):
        return (kind, canon(value.bit_generator.state))
    if type(value).__module__.startswith("torch"):
        return (kind, canon(value.numpy()))
    raise AssertionError(f"no picture for {kind}")


def numpy_scalars() -> st.SearchStrategy[Any]:
    return st.sampled_from(DTYPES).flatmap(lambda d: hnp.arrays(d, ())).map(lambda a: a[()])


def generators() -> st.SearchStrategy[np.random.Generator]:
    def make(name: str, seed: int, draws: int) -> np.random.Generator:
        rng = np.random.Generator(BIT_GENERATORS[name](seed))
        rng.random(draws)  # MT19937 and Philox keep buffers mid-stream
        return rng

    return st.builds(
        make, st.sampled_from(sorted(BIT_GENERATORS)), st.integers(0, 2**64), st.integers(0, 9)
    )


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4))
HASHABLES = st.recursive(
    st.one_of(SCALARS, numpy_scalars()),
    lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3),
    max_leaves=4,
)
ARRAYS = hnp.arrays(st.sampled_from(DTYPES), hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
PLAIN = st.recursive(
    st.one_of(SCALARS, numpy_scalars(), ARRAYS, generators()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.sets(HASHABLES, max_size=3),
        st.frozensets(HASHABLES, max_size=3),
        st.builds(deque, st.lists(inner, max_size=4), st.none() | st.integers(0, 3)),
        st.dictionaries(HASHABLES, inner, max_size=3),
    ),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PLAIN)
def test_every_plain_type_survives_a_checkpoint(value: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.npz"
        save_checkpoint(path, {"value": value})
        assert canon(load_checkpoint(path)["value"]) == canon(value)


@settings(max_examples=60, deadline=None)
@given(PLAIN)
def test_plain_copies_are_equal_and_independent(value: Any) -> None:
    assert is_plain(value)
    copy = plain_copy(value)
    assert canon(copy) == canon(value)
    if isinstance(value, np.ndarray) and value.size:
        assert not np.shares_memory(copy, value)
    if isinstance(value, (list, dict, set, deque, np.random.Generator)):
        assert copy is not value


def test_a_snapshot_does_not_follow_the_original() -> None:
    rng = np.random.default_rng(3)
    original = {"a": np.zeros(3), "q": deque([1], maxlen=2), "rng": rng, "l": [[1]]}
    copy = plain_copy(original)
    original["a"][0] = 1.0
    original["q"].append(2)
    original["l"][0].append(2)
    expected = np.random.default_rng(3).random()
    rng.random()
    assert copy["a"][0] == 0.0 and list(copy["q"]) == [1] and copy["l"] == [[1]]
    assert copy["rng"].random() == expected


def test_tensors_survive_a_checkpoint(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    state = {"w": (torch.arange(6, dtype=torch.float16).reshape(2, 3), {1: torch.tensor(True)})}
    save_checkpoint(tmp_path / "c.npz", state)
    loaded = load_checkpoint(tmp_path / "c.npz")
    assert canon(loaded) == canon(state)


def test_checkpoints_take_mapping_and_sequence_subclasses_as_their_base_types(
    tmp_path: Path,
) -> None:
    """torch's state dicts are OrderedDicts; checkpoints have always stored them as dicts."""
    save_checkpoint(tmp_path / "c.npz", {"sd": OrderedDict(w=np.ones(2))})
    assert type(load_checkpoint(tmp_path / "c.npz")["sd"]) is dict


class Opaque:
    """Something the codec knows nothing about."""


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (Opaque(), "Opaque"),
        (lambda: None, "function"),
        (np.array([None, 1], dtype=object), "ndarray of dtype object"),
        (np.random.RandomState(1), "RandomState"),
        (b"bytes", "bytes"),
    ],
)
def test_unsupported_types_are_refused_with_where_they_are(
    tmp_path: Path, value: Any, name: str
) -> None:
    path = tmp_path / "c.npz"
    with pytest.raises(TypeError) as error:
        save_checkpoint(path, {"agent": {"buffer": [1, (2, value)]}})
    message = str(error.value)
    assert message == f"cannot store a {name} at ['agent']['buffer'][1][1]"
    assert not path.exists() and not list(tmp_path.iterdir())
    with pytest.raises(TypeError, match=r"at \['agent'\]\[3\]"):
        plain_copy({"agent": {3: value}})


def test_an_unsupported_dict_key_is_named_as_a_key() -> None:
    with pytest.raises(TypeError, match=r"cannot store a Opaque at \['d'\]\[<key>\]"):
        encode({"d": {Opaque(): 1}}, {})


@pytest.mark.parametrize(
    "value", [OrderedDict(a=1), type("Sub", (list,), {})([1]), np.ma.masked_array([1, 2])]
)
def test_plain_data_refuses_subclasses(value: Any) -> None:
    """A subclass would come back as its base type, so an env holding one is not restorable."""
    assert not is_plain(value)
    with pytest.raises(TypeError, match="at the top level"):
        plain_copy(value)


def test_plain_data_refuses_tensors() -> None:
    torch = pytest.importorskip("torch")
    assert not is_plain([torch.zeros(1)])


def test_encoding_is_json_and_arrays() -> None:
    arrays: dict[str, np.ndarray] = {}
    tree = encode({(1, 2): {np.float32(0.5)}, "q": deque(maxlen=2)}, arrays)
    assert json.loads(json.dumps(tree)) == tree
    assert all(isinstance(a, np.ndarray) and not a.dtype.hasobject for a in arrays.values())


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"__pickle__": "a0"}, "unknown node"),
        ({"__tuple__": [], "__set__": []}, "unknown node"),
        (
            {"__generator__": {"__dict__": [["bit_generator", "os.system"]]}},
            "unknown bit generator",
        ),
        ({"__numpy__": "a0"}, "not a 0-d array"),
    ],
)
def test_decoding_follows_only_the_codec_tags(node: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode(node, {"a0": np.zeros(2)})
