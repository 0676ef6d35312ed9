"""The wheel holds every package of the source tree (an editable install hides a missing one)."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def test_every_rlkit_package_is_listed_in_pyproject() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    package_dir = setuptools["package-dir"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "rlkit").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    missing = on_disk - listed
    assert not missing, f"packages missing from pyproject.toml (not in a wheel): {sorted(missing)}"
    for name, folder in package_dir.items():
        assert (ROOT / folder / "__init__.py").is_file(), f"{name} -> {folder} has no __init__.py"
        assert name in listed
