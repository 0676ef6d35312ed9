"""Hydra's launchers and sweepers on rlkit's command line: which exist, which are installed, and
which pip extra brings the others.

``python -m rlkit.train -m ... hydra/launcher=joblib`` runs a multirun's jobs side by side,
``hydra/launcher=ray`` on a Ray cluster, ``hydra/sweeper=optuna`` tunes with Optuna. Hydra itself
would say a missing plugin in a dozen lines, after claiming the sweep directory; here it is one
line before anything starts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

from rlkit.errors import ConfigError


@dataclass(frozen=True)
class Plugin:
    """A Hydra plugin rlkit documents: its module, its PyPI name and rlkit's extra for it."""

    module: str | None
    """``hydra_plugins.<name>``; ``None`` for Hydra's own (always there)."""
    package: str = ""
    extra: str = ""


KNOWN: dict[str, dict[str, Plugin]] = {
    "hydra/launcher": {
        "basic": Plugin(None),
        "joblib": Plugin("hydra_plugins.hydra_joblib_launcher", "hydra-joblib-launcher", "sweep"),
        "ray": Plugin("hydra_plugins.hydra_ray_launcher", "hydra-ray-launcher", "ray"),
        "ray_aws": Plugin("hydra_plugins.hydra_ray_launcher", "hydra-ray-launcher", "ray"),
    },
    "hydra/sweeper": {
        "basic": Plugin(None),
        "optuna": Plugin("hydra_plugins.hydra_optuna_sweeper", "hydra-optuna-sweeper", "sweep"),
    },
}
"""The launchers and sweepers the manual documents (docs/logging.md), by Hydra config group."""


def is_installed(plugin: Plugin) -> bool:
    """Whether the plugin's module can be imported (without importing it: Ray's is slow)."""
    if plugin.module is None:
        return True
    try:
        return importlib.util.find_spec(plugin.module) is not None
    except ModuleNotFoundError:  # no hydra_plugins namespace at all
        return False


def plugin_choices(group: str) -> dict[str, str]:
    """``{name: note}`` for the group's choices: rlkit's known ones (the note names the extra of
    a missing one) and any other plugin Hydra finds installed (``submitit_slurm``, ...)."""
    choices = {
        name: "" if is_installed(p) else f" (pip extra [{p.extra}])"
        for name, p in KNOWN[group].items()
    }
    for name in _hydra_options(group):
        choices.setdefault(name, "")
    return choices


def _hydra_options(group: str) -> list[str]:
    """The options Hydra's config search path offers for ``group`` (all installed plugins)."""
    from rlkit.config.compose import _hydra_context as hydra_context

    try:
        with hydra_context():
            from hydra.core.global_hydra import GlobalHydra

            return list(GlobalHydra.instance().config_loader().get_group_options(group))
    except Exception:  # listing is a courtesy in an error message; never the error itself
        return []


def chosen_plugins(overrides: Sequence[str]) -> dict[str, str]:
    """``{"hydra/launcher": "joblib", ...}`` from the command line's overrides."""
    chosen = {}
    for override in overrides:
        key, sep, value = override.lstrip("+~").partition("=")
        if sep and key in KNOWN:
            chosen[key] = value
    return chosen


def check_plugins(overrides: Sequence[str], multirun: bool) -> dict[str, str]:
    """Refuse a launcher or sweeper that does not exist or is not installed, and one given to a
    single run (Hydra would ignore it without a word). Returns the chosen ones.

    Raises:
        ConfigError: naming the valid choices, or the pip extra that brings the plugin.
    """
    chosen = chosen_plugins(overrides)
    for group, name in chosen.items():
        plugin = KNOWN[group].get(name)
        if plugin is not None and not is_installed(plugin):
            raise ConfigError(
                f"{group}={name} needs Hydra's {plugin.package} plugin, which rlkit's "
                f"[{plugin.extra}] extra installs: pip install -e '.[{plugin.extra}]' (or bash "
                f"scripts/install.sh {plugin.extra})"
            )
        choices = plugin_choices(group)
        if name not in choices:
            valid = ", ".join(f"{n}{note}" for n, note in choices.items())
            raise ConfigError(f"unknown {group} {name!r}; valid choices: {valid}")
        if not multirun and name != "basic":
            raise ConfigError(
                f"{group}={name} works on a multirun's jobs: add -m (python -m rlkit.train -m "
                f"seed=0,1,2 {group}={name} ...)"
            )
    return chosen
