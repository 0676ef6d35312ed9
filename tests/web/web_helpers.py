"""What the web tests share: finding node, chromium and node_modules, and skipping without them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "rlkit" / "web" / "static"
NODE_MODULES = ROOT / "web" / "node_modules"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
REQUIRE = "RLKIT_REQUIRE_BROWSER"
"""Set (to 1) where the browser tests must run, as in CI: a missing piece fails instead of skips."""


def _skip(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE):
        pytest.fail(f"{reason} ({REQUIRE} is set, so this fails instead of skipping)")
    pytest.skip(reason)


def node_or_skip() -> str:
    """The node executable, or skip: the JS module is run under Node."""
    node = shutil.which("node")
    if node is None:
        _skip("node is not installed (apt-get install nodejs); the JS pong runs under Node")
    return node


def chromium_or_skip() -> str:
    """Debian's chromium (or $RLKIT_CHROMIUM), or skip."""
    explicit = os.environ.get("RLKIT_CHROMIUM")
    found = explicit or next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    if not found:
        _skip("no chromium to drive (apt-get install chromium, or set RLKIT_CHROMIUM)")
    return found


def node_modules_or_skip(package: str) -> Path:
    """web/node_modules/<package>, or skip: `bash scripts/install.sh web` installs it."""
    path = NODE_MODULES / package
    if not (path / "package.json").is_file():
        _skip(f"{package} is not installed in web/node_modules: run bash scripts/install.sh web")
    return path
