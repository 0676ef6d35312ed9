"""The state of an env mid-episode as plain data, so that a stopped run resumes exactly.

``get_env_state`` walks the wrapper chain (``env``, ``env.env``, ... down to ``env.unwrapped``) and
records, for each layer, its class and the instance attributes whose values are plain data:
``None``, ``bool``, ``int``, ``float``, ``str``, numpy scalars and arrays, and tuples, lists, dicts,
sets, frozensets and deques of these (and numpy generators, by their bit-generator state).
The env's own ``np_random`` is recorded separately, with its seed. That covers the physics state
(``CartPoleEnv.state``), the wrappers' counters and flags (``TimeLimit._elapsed_steps``,
``OrderEnforcing._has_reset``, ``PassiveEnvChecker.checked_step``) and the random stream; it also
records constants such as ``CartPoleEnv.gravity``, which cannot be told apart from state and cost
nothing to restore.

What is skipped is known not to be state: the wrapped ``env`` reference, spaces, specs, metadata,
``render_mode``, constructor arguments kept for pickling and the specs (``_saved_kwargs``,
``_ezpickle_args``), render state (``screen``, ``clock``, pygame objects), functions and classes.
Any other object (a Box2D world, a MuJoCo ``MjData``, a file) is taken to be state that rlkit
cannot save, and ``get_env_state`` raises ``EnvStateError`` rather than resume inexactly. Spaces are
skipped along with their own random generators: rlkit never samples actions from ``action_space``.

The recorded values are copies, taken and checked by ``rlkit.storage.codec.plain_copy``: plain
Python and numpy values that do not change as the env runs on, and that
``rlkit.storage.checkpoint`` stores without pickle and loads back as the same types, numpy scalar
dtypes included. Restoring imports nothing and calls nothing named by the state: classes are
compared by name and bit generators come from a fixed list. States of format 1, which tagged
every container themselves (``{"tuple": [...]}``, ``{"dict": [[key, value], ...]}``,
``{"numpy": 0-d array}``, ...), are still read, from the checkpoints of older rlkit versions.
"""

from __future__ import annotations

import functools
import types
from collections import deque
from typing import Any, Protocol, TypeGuard

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import EnvSpec

from rlkit.envkit.vector import FastSyncVectorEnv
from rlkit.errors import RlkitError
from rlkit.storage.codec import UnsupportedTypeError, is_plain, new_generator, plain_copy

STATE_FORMAT = 2
"""Format 1 held tagged containers (read by ``_from_format_1``); format 2 holds the values."""

# Attributes that are configuration or plumbing, never episode state, in any layer.
_SKIP_NAMES = frozenset(
    {
        "spec",
        "_cached_spec",
        "metadata",
        "_metadata",
        "render_mode",
        "observation_space",
        "action_space",
        "_observation_space",
        "_action_space",
        # Constructor arguments kept for ``gym.make``'s spec and for pickling.
        "_saved_kwargs",
        "_ezpickle_args",
        "_ezpickle_kwargs",
        # Render state: None (or True) until the env renders, and not part of the dynamics.
        "screen",
        "clock",
        "isopen",
        "window",
        "surf",
        "viewer",
    }
)
# Recorded explicitly for the innermost env, rather than as two of its attributes.
_RNG_NAMES = ("_np_random", "_np_random_seed")
_CALLABLE_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    functools.partial,
    np.ufunc,
    type,
)
_FORMAT_1_REBUILD = {"tuple": tuple, "set": set, "frozenset": frozenset}


class _BatchedEnv(Protocol):
    """A vector env that keeps its games' state itself (pong), as ``_batched`` finds it."""

    def get_state(self) -> Any:
        """The games' state as plain data."""

    def set_state(self, saved: Any) -> None:
        """Restore a ``get_state`` result."""


class EnvStateError(RlkitError):
    """An env whose state cannot be saved as plain data, or a state that does not fit the env."""


def _is_skipped_value(value: Any) -> bool:
    """Objects that are configuration or rendering, wherever they appear in a layer."""
    if isinstance(value, (gym.spaces.Space, EnvSpec, _CALLABLE_TYPES)):
        return True
    # pygame surfaces and clocks exist only once an env has rendered.
    return type(value).__module__.split(".")[0] == "pygame"


def _decode_format_1(node: Any) -> Any:
    """The value that format 1's tagged ``node`` stands for, rebuilt from fresh objects."""
    if node is None or type(node) in (bool, int, float, str):
        return node
    if isinstance(node, np.ndarray):
        return node.copy()
    if isinstance(node, list):
        return [_decode_format_1(v) for v in node]
    if not isinstance(node, dict):
        raise ValueError(f"unexpected {type(node).__name__}")
    if "numpy" in node:
        scalar = node["numpy"]
        if not isinstance(scalar, np.ndarray) or scalar.ndim != 0:
            raise ValueError("numpy scalar is not a 0-d array")
        return scalar[()]
    if "dict" in node:
        return {_decode_format_1(k): _decode_format_1(v) for k, v in node["dict"]}
    if "deque" in node:
        return deque((_decode_format_1(v) for v in node["deque"]), maxlen=node["maxlen"])
    if "generator" in node:
        return new_generator(node["generator"])
    for tag, rebuild in _FORMAT_1_REBUILD.items():
        if tag in node:
            return rebuild(_decode_format_1(v) for v in node[tag])
    raise ValueError(f"unknown tag {sorted(node)}")


def _from_format_1(state: dict[str, Any]) -> dict[str, Any]:
    """A format-1 state (from a checkpoint of an older rlkit) in format 2.

    Raises:
        ValueError, TypeError, KeyError: a tag is unknown or does not hold what format 1 wrote.
    """
    new = {**state, "format": STATE_FORMAT}
    if "batched" in state:
        new["batched"] = _decode_format_1(state["batched"])
    if isinstance(state.get("layers"), list):
        new["layers"] = [
            {name: _decode_format_1(v) for name, v in layer.items()} for layer in state["layers"]
        ]
    return new


def _restore_generator(current: Any, new: np.random.Generator) -> np.random.Generator:
    """Put ``new``'s state into ``current`` where it can take it, so that anything else holding
    ``current`` (an env that shares its generator with a helper) follows the restore too."""
    if isinstance(current, np.random.Generator) and type(current.bit_generator) is type(
        new.bit_generator
    ):
        current.bit_generator.state = new.bit_generator.state
        return current
    return new


def _layers(env: gym.Env) -> list[Any]:
    """The wrapper chain from the outermost wrapper to the innermost env."""
    layers = [env]
    while isinstance(layers[-1], gym.Wrapper):
        layers.append(layers[-1].env)
    return layers


def _class_name(layer: Any) -> str:
    return f"{type(layer).__module__}.{type(layer).__qualname__}"


def _env_name(env: gym.Env) -> str:
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(env.unwrapped).__name__


def _slot_names(layer: Any) -> list[str]:
    """Attributes kept in ``__slots__``, which ``vars()`` does not show."""
    names = []
    for cls in type(layer).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    return [n for n in names if n not in ("__dict__", "__weakref__")]


def _candidates(layer: Any, innermost: bool) -> dict[str, Any]:
    """The layer's instance attributes that may be state: all but the known-harmless ones."""
    skip = _SKIP_NAMES | (set(_RNG_NAMES) if innermost else {"env"})
    return {
        name: value
        for name, value in vars(layer).items()
        if name not in skip and not _is_skipped_value(value)
    }


def get_env_state(env: gym.Env) -> dict[str, Any]:
    """The state of ``env`` and of every wrapper around it, as plain data.

    Args:
        env: an env as ``gym.make`` returns it (wrappers included), reset or not.

    Returns:
        ``{"format", "env_id", "chain", "layers", "np_random", "np_random_seed"}``: the class of
        each layer (outermost first), each layer's recorded attributes (copies, see the module
        docstring), and the bit-generator state and seed of ``env.unwrapped.np_random``. It can be
        stored with ``rlkit.storage.checkpoint.save_checkpoint``.

    Raises:
        EnvStateError: a layer keeps state that is not plain data (e.g. a Box2D world).
    """
    name = _env_name(env)
    layers = _layers(env)
    recorded = []
    for i, layer in enumerate(layers):
        slots = _slot_names(layer)
        if slots:
            raise EnvStateError(
                f"env {name} keeps state rlkit cannot save ({type(layer).__name__} uses __slots__: "
                f"{', '.join(slots)}); exact resume is not supported for it"
            )
        attrs = {}
        for attr, value in _candidates(layer, innermost=i == len(layers) - 1).items():
            try:
                attrs[attr] = plain_copy(value)
            except UnsupportedTypeError as e:
                library = type(e.value).__module__.split(".")[0]
                raise EnvStateError(
                    f"env {name} keeps state rlkit cannot save ({library} {attr}, a "
                    f"{type(e.value).__name__} in {type(layer).__name__}); exact resume is not "
                    "supported for it"
                ) from None
        recorded.append(attrs)
    base = layers[-1]
    rng = vars(base).get("_np_random")
    return {
        "format": STATE_FORMAT,
        "env_id": name,
        "chain": [_class_name(layer) for layer in layers],
        "layers": recorded,
        # None until the env is first reset (or asked for np_random).
        "np_random": None if rng is None else rng.bit_generator.state,
        "np_random_seed": vars(base).get("_np_random_seed"),
    }


def _prepare(env: gym.Env, state: dict[str, Any]) -> tuple[list[Any], list[dict[str, Any]], Any]:
    """Check ``state`` against ``env`` and copy its values, changing nothing yet."""
    state = _current_format(state)
    layers = _layers(env)
    chain = [_class_name(layer) for layer in layers]
    saved = list(state.get("chain", []))
    if saved != chain:
        short = [c.rsplit(".", 1)[-1] for c in saved]
        raise EnvStateError(
            f"env state of {state.get('env_id')} is for the wrappers {' > '.join(short)}, but "
            f"env {_env_name(env)} has {' > '.join(c.rsplit('.', 1)[-1] for c in chain)}"
        )
    try:
        attrs = [{name: plain_copy(v) for name, v in layer.items()} for layer in state["layers"]]
        if len(attrs) != len(layers):
            raise ValueError(f"{len(attrs)} layers for a chain of {len(layers)}")
        rng = None if state["np_random"] is None else new_generator(state["np_random"])
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise EnvStateError(f"env state of {state.get('env_id')} is malformed ({e})") from None
    return layers, attrs, rng


def _current_format(state: Any) -> dict[str, Any]:
    """``state`` in format 2, or ``EnvStateError`` if it is no env state of a known format."""
    if not isinstance(state, dict) or state.get("format") not in (1, STATE_FORMAT):
        raise EnvStateError("env state is not an rlkit env state (missing or unknown format)")
    if state["format"] == STATE_FORMAT:
        return state
    try:
        return _from_format_1(state)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise EnvStateError(f"env state of {state.get('env_id')} is malformed ({e})") from None


def _apply(layers: list[Any], attrs: list[dict[str, Any]], rng: Any, seed: int | None) -> None:
    """Set the decoded state on the layers (``_prepare`` has checked that it fits)."""
    for i, (layer, values) in enumerate(zip(layers, attrs, strict=True)):
        current = vars(layer)
        # An attribute the saved env did not have yet (e.g. ``state`` before the first reset) goes,
        # so that the layer falls back to its class default as the saved one did.
        for name, value in _candidates(layer, innermost=i == len(layers) - 1).items():
            if name not in values and is_plain(value):
                del current[name]
        for name, value in values.items():
            if isinstance(value, np.random.Generator):
                value = _restore_generator(current.get(name), value)
            current[name] = value
    base = vars(layers[-1])
    base["_np_random"] = None if rng is None else _restore_generator(base.get("_np_random"), rng)
    base["_np_random_seed"] = seed


def set_env_state(env: gym.Env, state: dict[str, Any]) -> None:
    """Put ``env`` (and its wrappers) into the state that ``get_env_state`` recorded.

    ``env`` must be made the same way as the env the state came from; whether it has been reset
    does not matter. Arrays, containers and generators are fresh copies, so one state can restore
    many envs.

    Args:
        env: the env to restore, e.g. a fresh ``gym.make`` of the same id.
        state: ``get_env_state``'s result, possibly after a checkpoint round trip (also one of
            format 1, from an older rlkit's checkpoint).

    Raises:
        EnvStateError: the wrapper chain differs (other classes or order) or the state is malformed;
            ``env`` is then left unchanged.
    """
    layers, attrs, rng = _prepare(env, state)
    _apply(layers, attrs, rng, state.get("np_random_seed"))


def _sub_envs(envs: gym.vector.VectorEnv) -> list[gym.Env]:
    """The sub-envs of an in-process ``SAME_STEP`` vector env, or ``EnvStateError``."""
    if isinstance(envs, gym.vector.AsyncVectorEnv):
        raise EnvStateError(
            "exact resume needs vector_mode=fast or sync; AsyncVectorEnv keeps its envs in "
            "subprocesses, where their state cannot be read"
        )
    if not isinstance(envs, (FastSyncVectorEnv, gym.vector.SyncVectorEnv)):
        raise EnvStateError(
            f"cannot save the state of a {type(envs).__name__}; exact resume needs "
            "vector_mode=fast or sync"
        )
    mode = envs.metadata.get("autoreset_mode")
    if mode != gym.vector.AutoresetMode.SAME_STEP:
        # In NEXT_STEP mode the vector env's own ``_autoreset_envs`` would be state too.
        raise EnvStateError(f"exact resume needs autoreset_mode=SAME_STEP, not {mode}")
    return list(envs.envs)


def get_vector_env_state(envs: gym.vector.VectorEnv) -> list[dict[str, Any]]:
    """The state of every sub-env of ``envs``, in order.

    With ``SAME_STEP`` autoreset, an env that ends an episode is reset within the same ``step``, so
    between steps the vector env itself holds nothing that the next step reads: its buffers
    (``FastSyncVectorEnv._obs``, ``SyncVectorEnv._env_obs``, ``_observations``, ``_rewards``, ...)
    are overwritten by the next ``step``, and ``SyncVectorEnv._autoreset_envs`` is read only in the
    other modes. The current observation is what the training loop holds; it must save that itself.

    Args:
        envs: a ``FastSyncVectorEnv`` or a Gymnasium ``SyncVectorEnv`` in ``SAME_STEP`` mode.

    Returns:
        One ``get_env_state`` result per sub-env.

    Raises:
        EnvStateError: ``envs`` is an ``AsyncVectorEnv`` (or another kind), is not in ``SAME_STEP``
            mode, or a sub-env keeps state that cannot be saved.
    """
    if _batched(envs):
        # A vector env that runs its games in one object (pong) hands over its own state.
        try:
            return [{"format": STATE_FORMAT, "batched": plain_copy(envs.get_state())}]
        except UnsupportedTypeError as e:
            raise EnvStateError(
                f"{type(envs).__name__} keeps state rlkit cannot save ({e}); exact resume is not "
                "supported for it"
            ) from None
    return [get_env_state(env) for env in _sub_envs(envs)]


def _batched(envs: gym.vector.VectorEnv) -> TypeGuard[_BatchedEnv]:
    """Whether ``envs`` keeps its games' state itself and offers ``get_state``/``set_state``."""
    if not (hasattr(envs, "get_state") and hasattr(envs, "set_state")):
        return False
    mode = envs.metadata.get("autoreset_mode")
    if mode != gym.vector.AutoresetMode.SAME_STEP:
        raise EnvStateError(f"exact resume needs autoreset_mode=SAME_STEP, not {mode}")
    return True


def set_vector_env_state(envs: gym.vector.VectorEnv, states: list[dict[str, Any]]) -> None:
    """Put every sub-env of ``envs`` into the state that ``get_vector_env_state`` recorded.

    Args:
        envs: a vector env made like the one the states came from (same kind, number of envs).
        states: ``get_vector_env_state``'s result, possibly after a checkpoint round trip.

    Raises:
        EnvStateError: the number of envs, a wrapper chain or the vector env kind does not fit, or
            a state is malformed; no sub-env is changed then.
    """
    if _batched(envs):
        try:
            (state,) = states
            envs.set_state(plain_copy(_current_format(state)["batched"]))
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise EnvStateError(f"env state does not fit {type(envs).__name__} ({e})") from None
        return
    sub_envs = _sub_envs(envs)
    if len(states) != len(sub_envs):
        raise EnvStateError(
            f"env state is for {len(states)} envs, but the vector env has {len(sub_envs)}"
        )
    # Check every sub-env's state before changing any, so that a misfit leaves envs as it was.
    prepared = [_prepare(env, state) for env, state in zip(sub_envs, states, strict=True)]
    for (layers, attrs, rng), state in zip(prepared, states, strict=True):
        _apply(layers, attrs, rng, state.get("np_random_seed"))
