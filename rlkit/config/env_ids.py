"""Any registered Gymnasium env by its id: ``env=Acrobot-v1`` is ``env=gym env.id=Acrobot-v1``.

``conf/env/gym.yaml`` is a plain Gymnasium env named after its id, with the agent's own defaults
(no ``conf/agent_env`` preset is named ``<agent>_gym``). Hydra's group options cannot hold an id's
``/`` (``rlkit/CliffWalk-v0``), so an id given as ``env=`` is rewritten to the ``env.id`` form here,
once, for every entry point: ``compose_config`` (the Python API, compare) and the command line,
which hands the rewritten overrides on to Hydra.

A named env keeps its own id: ``env=cartpole env.id=Acrobot-v1`` would train Acrobot under
cartpole's name and presets, so ``compose.py`` refuses it with the form to use instead. Only the
confs that exist to take an id (``gym``, and ``atari`` for ALE games with the DQN paper's
preprocessing) take one.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Sequence

from rlkit.config.schema import group_choices
from rlkit.errors import ConfigError

GYM_ENV = "gym"
"""The conf of a plain Gymnasium env picked by ``env.id`` (``conf/env/gym.yaml``)."""
ID_ENVS = (GYM_ENV, "atari")
"""The confs whose ``env.id`` a user picks; every other conf names one env."""
_SWEEP = re.compile(r"[,()\[\]]")


def env_names() -> list[str]:
    """The named envs of ``conf/env`` (``gym`` is the form for an id, not an env)."""
    return [name for name in group_choices("env") if name != GYM_ENV]


def dir_name(env_name: str) -> str:
    """An env's name as one safe path component: ``rlkit/CliffWalk-v0`` -> ``rlkit_CliffWalk-v0``,
    ``ale_py:ALE/Pong-v5`` -> ``ale_py_ALE_Pong-v5`` (a ``/`` would nest directories, a ``:`` is
    not allowed on Windows)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", env_name)


def import_namespace(env_id: str) -> None:
    """Register the envs an id's ``module:`` prefix or ``ALE/`` namespace needs (Gymnasium's
    ``make`` imports the module itself, but its registry does not list those envs before).

    Raises:
        ConfigError: the module (or ale-py for ``ALE/``) cannot be imported.
    """
    module, sep, name = env_id.rpartition(":")
    if sep:
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise ConfigError(f"env.id={env_id}: cannot import {module!r} ({e})") from e
    if name.startswith("ALE/"):
        try:
            import ale_py
        except ImportError as e:
            raise ConfigError(
                f"env.id={env_id} needs ale-py (which ships the Atari ROMs): pip install ale-py"
            ) from e
        # The emulator greets on stderr; a one-line error must stay one line.
        ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
        import gymnasium as gym

        gym.register_envs(ale_py)


def is_registered(env_id: str) -> bool:
    """Whether ``env_id`` (``module:`` prefix allowed) is in Gymnasium's registry."""
    import gymnasium as gym

    try:
        import_namespace(env_id)
    except ConfigError:
        return False
    return env_id.rpartition(":")[2] in gym.registry


def close_ids(text: str, extra: Sequence[str] = ()) -> list[str]:
    """Up to three registered ids (or ``extra`` names) that ``text`` may have meant."""
    import gymnasium as gym

    candidates = [*extra, *gym.registry]
    by_lower = {c.lower(): c for c in candidates}
    found = difflib.get_close_matches(text.lower(), list(by_lower), n=3, cutoff=0.75)
    return [by_lower[f] for f in found]


def check_registered(env_id: str) -> None:
    """Raise a one-line ``ConfigError`` naming ``env_id`` and its near misses unless it is a
    registered Gymnasium id."""
    import_namespace(env_id)  # a missing module says so itself
    if is_registered(env_id):
        return
    hint = _did_you_mean(close_ids(env_id.rpartition(":")[2]))
    raise ConfigError(f"env.id={env_id} is not a registered Gymnasium id{hint}")


def _did_you_mean(near: list[str]) -> str:
    return f"; did you mean {', '.join(near)}?" if near else ""


def unknown_env(name: str) -> ConfigError:
    """The one-line error for an ``env=`` that is neither a conf name nor a registered id."""
    return ConfigError(
        f"unknown env {name!r}; valid choices: {', '.join(env_names())}, or any registered "
        "Gymnasium id (env=Acrobot-v1, or env=gym env.id=Acrobot-v1)"
        + _did_you_mean(close_ids(name, env_names()))
    )


def env_id_overrides(overrides: Sequence[str]) -> list[str]:
    """``env=<Gymnasium id>`` rewritten as ``env=gym env.id=<id>``; conf names and every other
    override pass unchanged, so applying it twice changes nothing.

    Raises:
        ConfigError: ``env=`` names neither a conf nor a registered id, or sweeps over ids.
    """
    out: list[str] = []
    names = group_choices("env")
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or key.lstrip("+~") != "env" or value in names:
            out.append(override)
        elif _SWEEP.search(value):
            if all(item.strip() in names for item in _SWEEP.split(value) if item.strip()):
                out.append(override)
                continue
            raise ConfigError(
                f"env={value}: a sweep over Gymnasium ids goes through env.id: "
                "env=gym -m env.id=Acrobot-v1,CartPole-v1"
            )
        elif is_registered(value):
            out += [f"{key}={GYM_ENV}", f"env.id={value}"]
        else:
            raise unknown_env(value)
    return out
