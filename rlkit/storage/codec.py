"""The one codec for rlkit's saved state: checkpoints, and the env states inside them.

``encode`` turns a tree of values into JSON-ready data plus a dict of numpy arrays, and ``decode``
turns them back into values of the same types. What it stores:

- ``None``, ``bool``, ``int``, ``float``, ``str`` and lists, as JSON;
- tuples, sets, frozensets, deques (with their ``maxlen``) and dicts, whose keys may be any stored
  value (tuples, ints, ...), as JSON objects with one tag (``{"__tuple__": [...]}``, ...);
- numpy arrays, numpy scalars (as 0-d arrays, so that a ``float32`` stays a ``float32``) and
  PyTorch tensors (moved to the CPU), as arrays beside the JSON;
- numpy ``Generator`` objects, by their bit-generator state, for the bit generators in
  ``BIT_GENERATORS`` only.

Anything else raises ``UnsupportedTypeError`` (a ``TypeError``) naming the type and where it is.
Decoding reads only these tags: it imports nothing and calls nothing that the data names, and
arrays come from ``numpy.load(allow_pickle=False)``, so loading cannot run code.

``plain_copy`` checks that a value is plain data (the same types, but no tensors and no
subclasses, so that the copy has exactly the original's types) and returns a copy of it that does
not change as the original does; ``rlkit.envkit.state`` takes its snapshots with it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

BIT_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
}
"""The bit generators a decoded ``Generator`` may use: looked up by name, so the list is closed."""

_SCALARS = (type(None), bool, int, float, str)
_EXACT_KINDS: dict[type, str] = {
    list: "list",
    tuple: "tuple",
    set: "set",
    frozenset: "frozenset",
    dict: "dict",
    deque: "deque",
    np.ndarray: "ndarray",
    np.random.Generator: "generator",
}
_REBUILD: dict[str, Callable[[Iterable[Any]], Any]] = {
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
}
_ARRAY_KINDS = ("ndarray", "numpy", "tensor")
_TAGS = frozenset(
    f"__{kind}__" for kind in (*_REBUILD, *_ARRAY_KINDS, "dict", "deque", "generator")
)


class _Key:
    """Marks, in a key path, that the value is a key of the dict at that point."""

    def __repr__(self) -> str:
        return "<key>"


_KEY = _Key()


class UnsupportedTypeError(TypeError):
    """A value the codec does not store; ``value`` is the value, ``path`` the keys leading to it."""

    def __init__(self, value: Any, path: tuple[Any, ...]) -> None:
        super().__init__(f"cannot store a {_type_name(value)} at {format_path(path)}")
        self.value = value
        self.path = path


def format_path(path: tuple[Any, ...]) -> str:
    """``path`` (the keys and indices from the top of a tree) as ``['agent']['buffer'][0]``."""
    return "".join(f"[{part!r}]" for part in path) if path else "the top level"


def _type_name(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{type(value).__name__} of dtype {value.dtype}"
    if isinstance(value, np.random.Generator):
        return f"Generator of a {type(value.bit_generator).__name__}"
    return type(value).__name__


def is_tensor(value: Any) -> bool:
    """Whether ``value`` is a PyTorch tensor (told without importing torch)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _kind(value: Any, plain: bool) -> str | None:
    """What ``value`` is stored as, or None if it cannot be. ``plain`` refuses tensors and
    subclasses, which do not come back as the same type."""
    kind = type(value)
    if kind in _SCALARS:
        return "scalar"
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        return None  # would need pickle
    if isinstance(value, np.random.Generator):
        bit_generator = type(value.bit_generator)
        if BIT_GENERATORS.get(bit_generator.__name__) is not bit_generator:
            return None
    if kind in _EXACT_KINDS:
        return _EXACT_KINDS[kind]
    if isinstance(value, np.generic):
        return None if isinstance(value, np.object_) else "numpy"
    if plain:
        return None
    # Checkpoints always took these (torch's state dicts are OrderedDicts), giving the base type.
    for base, name in (
        (Mapping, "dict"),
        (tuple, "tuple"),
        (list, "list"),
        (np.ndarray, "ndarray"),
    ):
        if isinstance(value, base):
            return name
    if isinstance(value, _SCALARS[1:]):
        return "scalar"
    return "tensor" if is_tensor(value) else None


def encode(value: Any, arrays: dict[str, np.ndarray], path: tuple[Any, ...] = ()) -> Any:
    """``value`` as JSON-ready data; its arrays go into ``arrays`` under the names it refers to.

    Raises:
        UnsupportedTypeError: a value in the tree is none of the types the module lists.
    """
    kind = _kind(value, plain=False)
    if kind == "scalar":
        return value
    if kind == "list":
        return [encode(v, arrays, (*path, i)) for i, v in enumerate(value)]
    if kind in _REBUILD or kind == "deque":
        node: dict[str, Any] = {
            f"__{kind}__": [encode(v, arrays, (*path, i)) for i, v in enumerate(value)]
        }
        if kind == "deque":
            node["maxlen"] = value.maxlen
        return node
    if kind == "dict":
        items = [
            [encode(k, arrays, (*path, _KEY)), encode(v, arrays, (*path, k))]
            for k, v in value.items()
        ]
        return {"__dict__": items}
    if kind == "generator":
        return {"__generator__": encode(value.bit_generator.state, arrays, path)}
    if kind in _ARRAY_KINDS:
        ref = f"a{len(arrays)}"
        arrays[ref] = value.detach().cpu().numpy() if kind == "tensor" else np.asarray(value)
        return {f"__{kind}__": ref}
    raise UnsupportedTypeError(value, path)


def _tag(node: dict[str, Any]) -> str:
    """The one tag of a JSON object of ``encode``'s (a deque's ``maxlen`` beside it)."""
    tags = set(node) - {"maxlen"} if "__deque__" in node else set(node)
    if len(tags) != 1 or not tags <= _TAGS:
        raise ValueError(f"unknown node {sorted(node)}")
    return tags.pop()


def decode(node: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """The value that ``encode`` turned into ``node`` and ``arrays``.

    Raises:
        ValueError, KeyError or TypeError: ``node`` is not something ``encode`` writes.
    """
    if isinstance(node, list):
        return [decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    tag = _tag(node)
    body = node[tag]
    kind = tag[2:-2]
    if kind == "dict":
        return {decode(k, arrays): decode(v, arrays) for k, v in body}
    if kind in _REBUILD:
        return _REBUILD[kind](decode(v, arrays) for v in body)
    if kind == "deque":
        return deque((decode(v, arrays) for v in body), maxlen=node.get("maxlen"))
    if kind == "generator":
        return new_generator(decode(body, arrays))
    array = arrays[body]
    if kind == "numpy":
        if array.ndim != 0:
            raise ValueError("numpy scalar is not a 0-d array")
        return array[()]
    if kind == "tensor":
        import torch

        return torch.from_numpy(np.array(array))
    return array


def new_generator(state: Any) -> np.random.Generator:
    """A numpy ``Generator`` with the bit-generator ``state`` (of one of ``BIT_GENERATORS``).

    Raises:
        ValueError: the state names another bit generator, or does not fit its own.
    """
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ValueError(f"unknown bit generator {name!r}")
    bit_generator = BIT_GENERATORS[name]()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def plain_copy(value: Any, path: tuple[Any, ...] = ()) -> Any:
    """A copy of ``value``, checked to be plain data: of the types ``encode`` stores, without
    tensors or subclasses. Arrays, containers and generators are new; numbers and strings are
    immutable and shared.

    Raises:
        UnsupportedTypeError: a value in the tree is not plain data.
    """
    kind = _kind(value, plain=True)
    if kind in ("scalar", "numpy"):
        return value
    if kind == "ndarray":
        return value.copy()
    if kind == "list":
        return [plain_copy(v, (*path, i)) for i, v in enumerate(value)]
    if kind in _REBUILD:
        return _REBUILD[kind](plain_copy(v, (*path, i)) for i, v in enumerate(value))
    if kind == "deque":
        return deque((plain_copy(v, (*path, i)) for i, v in enumerate(value)), maxlen=value.maxlen)
    if kind == "dict":
        return {plain_copy(k, (*path, _KEY)): plain_copy(v, (*path, k)) for k, v in value.items()}
    if kind == "generator":
        return new_generator(value.bit_generator.state)
    raise UnsupportedTypeError(value, path)


def is_plain(value: Any) -> bool:
    """Whether ``plain_copy`` takes ``value``."""
    try:
        plain_copy(value)
    except UnsupportedTypeError:
        return False
    return True
