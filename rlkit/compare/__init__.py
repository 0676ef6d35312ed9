"""Comparing rlkit with Stable-Baselines3 on the same env, budget, seeds and hyperparameters.

``python -m rlkit.compare agent=dqn env=cartpole seeds=5`` and ``rlkit.compare(...)`` run both
libraries (``command.py``): ``sb3_mapping.py`` maps an rlkit agent config to SB3's constructor,
field by field, and refuses what SB3 cannot express; ``sb3_model.py`` builds SB3's model on the
same env; ``jobs.py`` trains and evaluates one library on one seed; ``stats.py`` and
``report.py`` make the table, the curves and ``results.json``.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    """Keeps ``rlkit.compare(...)`` the function even after ``import rlkit.compare``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from rlkit.compare.command import compare

        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
