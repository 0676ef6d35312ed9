"""Composing the Hydra config from overrides, with one-line errors for the user's mistakes.

The command line and the Python API both come through here, so a typo gets the same message in a
shell and in a notebook: the problem and the valid choices, in one line.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import (
    ConfigCompositionException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from rlkit.config.env_ids import (
    GYM_ENV,
    ID_ENVS,
    check_registered,
    env_id_overrides,
    env_names,
    is_registered,
    unknown_env,
)
from rlkit.config.schema import (
    AGENT_CONFIGS,
    CONF_DIR,
    ENV_CONFIGS,
    Config,
    EnvConfig,
    field_names,
    group_choices,
    register_configs,
)
from rlkit.errors import ConfigError

_TYPE_NAMES = {
    "Integer": "an integer",
    "Float": "a number",
    "Boolean": "true or false",
    "bool": "true or false",
}


_HYDRA_LOCK = threading.RLock()
"""Hydra's global state is one per process: threads composing at once would clash."""


@contextmanager
def _hydra_context() -> Iterator[None]:
    """Initialise Hydra on rlkit's config dir, restoring any Hydra app that was already running."""
    register_configs()
    with _HYDRA_LOCK:
        global_hydra = GlobalHydra.instance()
        outer = global_hydra.hydra if global_hydra.is_initialized() else None
        global_hydra.clear()
        try:
            with initialize_config_dir(
                config_dir=str(CONF_DIR), version_base="1.3", job_name="train"
            ):
                yield
        finally:
            global_hydra.clear()
            if outer is not None:
                global_hydra.initialize(outer)


def _override_value(overrides: Sequence[str], key: str) -> str | None:
    for override in overrides:
        name, _, value = override.lstrip("+~").partition("=")
        if name == key:
            return value
    return None


ABSENT_FEATURES = {
    "use_sde": "rlkit's SAC has no gSDE (SB3's generalized state-dependent exploration); its "
    "actor explores by its own Gaussian: drop agent.use_sde",
    "sde_sample_freq": "rlkit's SAC has no gSDE: drop agent.sde_sample_freq",
    "use_sde_at_warmup": "rlkit's SAC has no gSDE: drop agent.use_sde_at_warmup",
}
"""SB3 keys that a user coming from SB3 may type and rlkit has no counterpart for: why, in one
line, instead of the list of valid keys."""


def _unknown_key(key: str, schema: type | None) -> ConfigError:
    section, _, name = key.rpartition(".")
    if section == "agent" and name in ABSENT_FEATURES:
        return ConfigError(f"unknown key {key!r}: {ABSENT_FEATURES[name]}")
    where = f"of {section} ({schema.__name__})" if section and schema else "at the top level"
    valid = field_names(schema) if schema is not None else []
    return ConfigError(f"unknown key {key!r}; valid keys {where}: {', '.join(valid)}")


def _check_keys(node: DictConfig, schema: Any, prefix: str = "") -> None:
    """Refuse keys the schema does not have (Hydra's ``+key=value`` can add them)."""
    valid = set(field_names(schema))
    for key in node:
        full_key = f"{prefix}{key!s}"
        if key not in valid:
            raise _unknown_key(full_key, schema)
        child = node._get_node(key)
        if isinstance(child, DictConfig) and is_dataclass(OmegaConf.get_type(child)):
            _check_keys(child, OmegaConf.get_type(child), f"{full_key}.")


def explain(error: Exception, overrides: Sequence[str]) -> ConfigError:
    """Turn a Hydra or OmegaConf composition error into a one-line ``ConfigError``."""
    if isinstance(error, MissingConfigException) and error.missing_cfg_file:
        group, _, name = error.missing_cfg_file.rpartition("/")
        if group in ("agent", "env"):
            valid = env_names() if group == "env" else group_choices(group)
            return ConfigError(f"unknown {group} {name!r}; valid choices: {', '.join(valid)}")
    if isinstance(error, OverrideParseException):
        return ConfigError(f"cannot parse the override: {str(error).splitlines()[0]}")
    cause = error.__cause__ if error.__cause__ is not None else error
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or "?"
        schema = getattr(cause, "object_type", None)
        if isinstance(cause, (ConfigKeyError, ConfigAttributeError)):
            return _unknown_key(key, schema if isinstance(schema, type) else None)
        message = str(cause).splitlines()[0]
        match = re.search(r"(?:could not be converted to|is not a valid) (\w+)", message)
        value = _override_value(overrides, key)
        if match and value is not None:
            wanted = _TYPE_NAMES.get(match.group(1), match.group(1))
            return ConfigError(f"{key}={value} has the wrong type: expected {wanted}")
        return ConfigError(f"invalid value for {key}: {message}")
    return ConfigError(str(error).splitlines()[0])


_FLOAT_TEXT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$")


def integral_numbers(overrides: Sequence[str]) -> list[str]:
    """Overrides with integral numbers written as floats (``total_steps=1e4``, ``1e5``,
    ``2000.0``, as the zoo's files and SB3 users write budgets) rewritten as integers, so that
    integer fields take them; ``1.5`` stays a float, which an integer field refuses. A float field
    reads the integer as the same number. Comma-separated sweeps are rewritten item by item."""
    out = []
    for override in overrides:
        key, sep, value = override.partition("=")
        if sep and not key.lstrip("+~").startswith("hydra"):
            items = value.split(",")
            if all(_FLOAT_TEXT.match(item) for item in items):
                items = [_integral(item) for item in items]
            override = f"{key}={','.join(items)}"
        out.append(override)
    return out


def _integral(text: str) -> str:
    number = float(text)
    return str(int(number)) if number.is_integer() and abs(number) < 2**63 else text


def _check_agent_name(overrides: Sequence[str]) -> None:
    """Refuse an ``agent=`` that is not one of ``conf/agent``: Hydra would also take the schemas'
    own names (``agent=dqn_schema``, DQN's bare defaults under another name)."""
    agent = _override_value(overrides, "agent")
    choices = group_choices("agent")
    if agent is not None and "," not in agent and agent not in choices:
        raise ConfigError(f"unknown agent {agent!r}; valid choices: {', '.join(choices)}")


def compose_config(overrides: Sequence[str]) -> tuple[DictConfig, Config]:
    """Compose ``conf/config.yaml`` with Hydra overrides and build the typed ``Config``.

    ``env=<Gymnasium id>`` is taken as ``env=gym env.id=<id>`` (``env_ids.env_id_overrides``).

    Returns:
        The composed DictConfig (what ``.hydra/config.yaml`` holds) and the typed dataclasses.

    Raises:
        ConfigError: an unknown agent, env or key; a value of the wrong type or out of range; an
            ``env.id`` that is not registered, or that a named env (``env=cartpole``) would run.
    """
    overrides = env_id_overrides(overrides)
    check_env_id(overrides)
    _check_agent_name(overrides)
    with _hydra_context():
        try:
            cfg = compose(config_name="config", overrides=list(overrides))
        except (ConfigCompositionException, OverrideParseException, OmegaConfBaseException) as e:
            raise explain(e, overrides) from e
    return cfg, to_config(cfg)


def to_config(cfg: DictConfig) -> Config:
    """Build the real dataclasses (``__post_init__`` checks ranges) from a composed config."""
    _check_keys(cfg, Config)
    try:
        return OmegaConf.to_object(cfg)  # type: ignore[return-value]
    except OmegaConfBaseException as e:
        raise explain(e, []) from e


def config_from_file(path: Path) -> Config:
    """Read a run's ``.hydra/config.yaml`` back into typed dataclasses."""
    raw = OmegaConf.load(path)
    agent_name = OmegaConf.select(raw, "agent.name")
    env_name = OmegaConf.select(raw, "env.name")
    if agent_name not in AGENT_CONFIGS:
        raise ConfigError(
            f"{path} names agent {agent_name!r}; valid choices: {', '.join(AGENT_CONFIGS)}"
        )
    # A run of env=gym is named after its id, which has no conf file: a plain env's schema.
    schema_name = "env" if _is_plain_id(env_name) else env_schema(env_name)
    schema = OmegaConf.structured(
        Config(agent=AGENT_CONFIGS[agent_name](), env=ENV_CONFIGS[schema_name]())
    )
    try:
        merged = OmegaConf.merge(schema, raw)
        assert isinstance(merged, DictConfig)
        return to_config(merged)
    except OmegaConfBaseException as e:
        raise explain(e, []) from e


def with_resume_overrides(overrides: Sequence[str]) -> list[str]:
    """Put the resumed run's own overrides (``.hydra/overrides.yaml``) before the user's.

    ``resume=<dir>`` alone then continues that run with its config; anything the user adds (say
    ``total_steps=200000``) comes later and wins.

    Raises:
        CheckpointError: ``resume`` names no run directory.
    """
    from rlkit.errors import CheckpointError
    from rlkit.storage.checkpoint import BEST_DIR

    resume = _override_value(overrides, "resume")
    if resume in (None, "null", "None"):
        return list(overrides)
    if not resume:  # `resume=` with the path left out would start a fresh run without a word
        raise ConfigError(
            "resume= needs the run directory to continue: resume=runs/<agent>-<env>/<run>"
        )
    run_dir = Path(resume)
    if run_dir.is_file():
        raise CheckpointError(f"resume={resume} is a file; give the run directory that holds it")
    if not run_dir.is_dir():
        raise CheckpointError(f"resume={resume}: no such run directory")
    saved = run_dir / ".hydra" / "overrides.yaml"
    if run_dir.name == BEST_DIR and (run_dir.parent / ".hydra" / "overrides.yaml").is_file():
        raise CheckpointError(
            f"resume={resume}: that is a run's best agent (save_best), not a training state; "
            f"resume={run_dir.parent} continues the run"
        )
    if not saved.is_file():
        raise CheckpointError(f"resume={resume}: no .hydra/overrides.yaml; is it an rlkit run?")
    try:
        old = [str(o) for o in OmegaConf.load(saved)]
    except Exception as e:  # a damaged YAML file: say so in one line
        raise CheckpointError(f"resume={resume}: .hydra/overrides.yaml is unreadable") from e
    kept = [o for o in old if not o.lstrip("+~").startswith(("resume=", "hydra.", "hydra/"))]
    _check_same_agent_and_env(run_dir, overrides)
    combined = [*kept, *overrides]
    _check_config_unchanged(run_dir, combined, overrides)
    return combined


def _check_same_agent_and_env(run_dir: Path, given: Sequence[str]) -> None:
    """A resume continues the run's own agent on its own env: an ``agent=`` or ``env=`` that names
    others is refused first, in one line, before any key-by-key comparison could blame another."""
    try:
        saved = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
        agent, env = OmegaConf.select(saved, "agent.name"), OmegaConf.select(saved, "env.name")
    except Exception:  # no readable config: the checkpoint checks say what is wrong
        return
    asked_env = _override_value(given, "env")
    if asked_env == GYM_ENV:  # env=gym env.id=<id>: a run of it is named after the id
        asked_env = _override_value(given, "env.id")
    asked = (_override_value(given, "agent"), asked_env)
    if asked[0] not in (None, agent) or asked[1] not in (None, env):
        raise ConfigError(
            f"resume={run_dir}: this run is {agent} on {env}; resume takes its agent and env from "
            "the run: drop agent=/env=, or start a new run"
        )


def _flatten(node: object, prefix: str = "") -> dict[str, object]:
    """A nested config (plain dicts) as ``{"agent.gamma": 0.98, ...}``; lists stay whole."""
    if not isinstance(node, dict):
        return {prefix: node}
    flat: dict[str, object] = {}
    for key, value in node.items():
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def config_changes(run_dir: Path, overrides: Sequence[str]) -> list[tuple[str, str, str]]:
    """Where a run's saved config (``.hydra/config.yaml``) and what ``overrides`` compose to today
    differ: ``(key, old, new)`` with the values as override text, for keys both have (a field
    added since is left alone). Empty when the run has no readable saved config.

    Raises:
        ConfigError: the overrides themselves do not compose.
    """
    saved_path = run_dir / ".hydra" / "config.yaml"
    if not saved_path.is_file():
        return []
    try:
        saved = _flatten(OmegaConf.to_container(OmegaConf.load(saved_path), resolve=True))
    except Exception:  # an unreadable config: the checkpoint checks say what is wrong
        return []
    now = _flatten(OmegaConf.to_container(compose_config(overrides)[0], resolve=True))
    return [
        (key, _yaml_value(saved[key]), _yaml_value(now[key]))
        for key in saved
        if key in now and saved[key] != now[key]
    ]


FIXED_ON_RESUME = ("seed",)
"""Keys a resume cannot change: the run (its directory name, summary and random streams) is
that seed's."""


def _check_config_unchanged(run_dir: Path, combined: list[str], given: Sequence[str]) -> None:
    """Stop a resume whose config would differ from the run's for a reason the user did not give.

    A resume re-composes the run's overrides with today's ``conf/``; an edited preset or default
    would otherwise change a run halfway without a word. Keys the user names now may change (that
    is what ``total_steps=...`` on a resume is for).
    """
    named = [o.lstrip("+~").partition("=")[0] for o in given if "=" in o]
    changes = config_changes(run_dir, combined)
    for key, old, new in changes:
        if key in FIXED_ON_RESUME:
            raise ConfigError(
                f"resume={run_dir}: the run is {key}={old} and continues its random streams, so "
                f"it cannot become {key}={new}: drop {key}=, or start a new run with {key}={new}"
            )
    changed = [
        change
        for change in changes
        if not any(change[0] == name or change[0].startswith(f"{name}.") for name in named)
    ]
    if not changed:
        return
    key, old, new = changed[0]
    more = f" (also changed: {', '.join(c[0] for c in changed[1:])})" if len(changed) > 1 else ""
    raise ConfigError(
        f"resume={run_dir}: the run began with {key}={old} but conf/ now gives {new}{more}; "
        f"add {key}={old} to continue it as it began, or {key}={new} to change it"
    )


def _yaml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_yaml_value(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _is_plain_id(name: object) -> bool:
    """A registered Gymnasium id that is not also a name in ``conf/env``."""
    return isinstance(name, str) and name not in group_choices("env") and is_registered(name)


def env_schema(name: str) -> str:
    """The schema named by ``conf/env/<name>.yaml`` (``defaults: [<schema>_schema]``)."""
    path = CONF_DIR / "env" / f"{name}.yaml"
    if not path.is_file():
        raise unknown_env(name)
    raw = OmegaConf.load(path)
    defaults = raw.get("defaults", []) if isinstance(raw, DictConfig) else []
    return next(
        (str(d).removesuffix("_schema") for d in defaults if str(d).endswith("_schema")), "env"
    )


def load_env_config(name: str) -> EnvConfig:
    """The env config ``conf/env/<name>.yaml`` as its dataclass (without Hydra), or a registered
    Gymnasium id's plain config (as ``env=<id>`` gives it).

    Raises:
        ConfigError: neither a name in ``conf/env`` nor a registered id; ``gym`` (needs an id).
    """
    if _is_plain_id(name):
        return EnvConfig(name=name, id=name)
    if name == GYM_ENV:
        raise ConfigError("env=gym needs env.id=<a Gymnasium id>, e.g. env=gym env.id=Acrobot-v1")
    env_schema(name)  # an unknown name: one line with the choices
    raw = OmegaConf.load(CONF_DIR / "env" / f"{name}.yaml")
    assert isinstance(raw, DictConfig)
    raw.pop("defaults", None)
    merged = OmegaConf.merge(OmegaConf.structured(ENV_CONFIGS[env_schema(name)]), raw)
    env_config = OmegaConf.to_object(merged)
    assert isinstance(env_config, EnvConfig)
    return env_config


@cache
def _default_env() -> str:
    raw = OmegaConf.load(CONF_DIR / "config.yaml")
    defaults: Any = raw.get("defaults", []) if isinstance(raw, DictConfig) else []
    return next(str(d["env"]) for d in defaults if isinstance(d, DictConfig) and "env" in d)


def _last(overrides: Sequence[str], key: str) -> str | None:
    values = [o.partition("=")[2] for o in overrides if o.partition("=")[0].lstrip("+") == key]
    return values[-1] if values else None


def check_env_id(overrides: Sequence[str]) -> None:
    """Refuse an ``env.id`` that would run another env under a named conf (and its presets), and
    an id that is not registered; ``env=gym`` needs an ``env.id``. Expects ``env_id_overrides``'
    output (one run, no sweeps).

    Raises:
        ConfigError: one line naming the id that would run and the form to give instead.
    """
    env = _last(overrides, "env") or _default_env()
    env_id = _last(overrides, "env.id")
    if env == GYM_ENV and env_id is None:
        raise ConfigError("env=gym needs env.id=<a Gymnasium id>, e.g. env=gym env.id=Acrobot-v1")
    if env_id is None or env not in group_choices("env"):
        return  # no id given, or an unknown env= that composition names
    if env not in ID_ENVS:
        own = load_env_config(env).id
        if env_id != own:
            raise ConfigError(
                f"env={env} trains {own} (with {env}'s presets), not env.id={env_id}: to train "
                f"{env_id} with the agent's defaults give env={env_id} (or env=gym "
                f"env.id={env_id})"
            )
    check_registered(env_id)
