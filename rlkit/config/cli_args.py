"""``key=value`` command lines for the small tools (``rlkit.play``, ``rlkit.export``).

They take a handful of plain arguments, so they parse them here rather than through Hydra; a
mistake is still one line on stderr and exit code 2, as ``rlkit.train`` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

from rlkit.errors import ConfigError, RlkitError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, as a shell reports a process that Ctrl-C stopped."""

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def fail(error: RlkitError) -> NoReturn:
    """Print ``error: <one line>`` on stderr and exit with code 2."""
    print(f"error: {error}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def run_main(main: Callable[[], object]) -> None:
    """Run a command's ``main``. Ctrl-C where the command has no handling of its own (while it
    imports PyTorch, checks its arguments or loads a run) stops it with one line and exit code
    130 instead of a ``KeyboardInterrupt`` traceback; a training run catches Ctrl-C itself and
    says where its checkpoint is."""
    try:
        main()
    except KeyboardInterrupt:
        print("stopped by Ctrl-C", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


def wants_help(argv: Sequence[str]) -> bool:
    """Whether the command line asks for the usage text."""
    return any(a in ("-h", "--help", "help") for a in argv)


def parse_key_values(argv: Sequence[str], valid: Mapping[str, str]) -> dict[str, str]:
    """``["run=runs/x", "episodes=3"]`` to ``{"run": "runs/x", "episodes": "3"}``.

    Args:
        argv: the arguments after the program name.
        valid: the accepted keys and what each means (named in the error for an unknown key).

    Raises:
        ConfigError: an argument that is not ``key=value``, an unknown key, or a key given twice.
    """
    keys = ", ".join(valid)
    values: dict[str, str] = {}
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise ConfigError(f"cannot read {arg!r}: give key=value arguments; valid keys: {keys}")
        if key not in valid:
            raise ConfigError(f"unknown key {key!r}; valid keys: {keys}")
        if key in values:
            raise ConfigError(f"{key}= is given twice")
        values[key] = value
    return values


def parse_bool(key: str, text: str) -> bool:
    """``true``/``false`` (also yes/no, 1/0, on/off) to a bool."""
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{key}={text} must be true or false")


def parse_int(key: str, text: str, minimum: int | None = None) -> int:
    """An integer argument, at least ``minimum`` if given."""
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{key}={text} must be an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{key}={value} must be >= {minimum}")
    return value
