"""rlkit: readable, fast reinforcement-learning agents on Gymnasium and PyTorch.

``import rlkit`` registers rlkit's envs with Gymnasium (``rlkit/CliffWalk-v0``, ...). The heavy
parts (Hydra, PyTorch) load only when ``rlkit.train`` or ``rlkit.load`` is first used, so that the
tabular path starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlkit import envs as _envs  # noqa: F401  (registers the envs)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from rlkit.api import Run, load, make_env, train
    from rlkit.compare.command import compare

__all__ = ["Run", "__version__", "compare", "load", "make_env", "train"]


def __getattr__(name: str) -> Any:
    if name == "compare":
        import importlib

        return importlib.import_module("rlkit.compare")  # a module that calls as a function
    if name in ("train", "load", "make_env", "Run"):
        from rlkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'rlkit' has no attribute {name!r}")
