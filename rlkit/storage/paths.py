"""Whether a file or directory can be written where the user asked, checked before any work.

Training, export, play and compare each write somewhere the user named (or the working
directory's ``runs/``). Finding out at the end, after minutes of work, that the place cannot be
written ends in a traceback and loses the work; these checks say so in one line first.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rlkit.errors import ConfigError

RUNS_HINT = "run from a directory you can write, or give hydra.run.dir= (run_dir= in Python)"
"""What to do when the default ``runs/`` cannot be written."""


def _nearest_existing(path: Path) -> Path:
    """``path`` itself, or its closest ancestor that exists."""
    probe = path.absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def check_writable(path: str | Path, key: str, directory: bool, hint: str = "") -> None:
    """Refuse, in one line naming ``key=path`` and why, a place where a ``directory`` (or a
    file) cannot be created or written: a path that runs through a regular file, a file where a
    directory is wanted (or the reverse), or a read-only or unwritable directory.

    ``key``: how the user named the place (``hydra.run.dir``); empty for a default place, which
    is then named by its full path. ``hint``: what to do instead, appended to the message.

    Raises:
        ConfigError: the first reason found.
    """
    path = Path(path)
    name = f"{key}={path}" if key else str(path.absolute())
    hint = f"; {hint}" if hint else ""
    here = _nearest_existing(path)
    if here == path.absolute():
        if directory and not here.is_dir():
            raise ConfigError(f"{name} is a file, not a directory{hint}")
        if not directory and here.is_dir():
            raise ConfigError(f"{name} is a directory; give a file name{hint}")
        target = here if directory else here.parent
    elif not here.is_dir():
        raise ConfigError(f"{name} cannot be made: {here} is a file, not a directory{hint}")
    else:
        target = here
    # Try it: permission bits do not tell root (or a special file system) the whole story.
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".rlkit-probe-", dir=target))
    except OSError as e:
        why = "a read-only file system" if _read_only(target) else (e.strerror or str(e))
        raise ConfigError(
            f"{name} cannot be written: {target} is not writable ({why.lower()}){hint}"
        ) from e


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
