"""Whether a window can open here, asked before anything waits for one.

On a headless Linux machine SDL opens no window, prints its own ``XDG_RUNTIME_DIR`` complaint and
carries on: a watched episode then plays unseen, and a person's game waits for keys that cannot
come. rlkit asks first and stops with one line instead.
"""

from __future__ import annotations

import os
import sys

from rlkit.errors import ConfigError


def window_problem() -> str:
    """Why no window can open here, or ``""`` where one can (or where ``SDL_VIDEODRIVER`` names
    a driver: the user chose it, ``dummy`` included)."""
    if os.environ.get("SDL_VIDEODRIVER"):
        return ""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no display (DISPLAY and WAYLAND_DISPLAY are not set)"
    return ""


def require_window(what: str, instead: str) -> None:
    """Raise a one-line ``ConfigError`` if ``what`` needs a window that cannot open here.

    Args:
        what: the argument that asked for the window, e.g. ``render=human``.
        instead: what works without one, e.g. ``record the episodes with video=out.mp4``.
    """
    problem = window_problem()
    if problem:
        raise ConfigError(f"{what} needs a window, and none can open here: {problem}; {instead}")
