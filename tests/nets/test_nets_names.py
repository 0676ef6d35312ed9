"""``rlkit.nets`` imports each public name on first use; the type checker sees the same names,
from the same modules, through the package's ``TYPE_CHECKING`` block (else every network an agent
builds from ``rlkit.nets`` would be ``Any`` to it)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import rlkit.nets

NETS_INIT = Path(rlkit.nets.__file__)


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse(NETS_INIT.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    names = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module is not None
        for alias in node.names:
            names[alias.name] = node.module.removeprefix("rlkit.nets.")
    return names


def test_type_checker_sees_every_lazy_name_from_its_module() -> None:
    assert _type_checking_imports() == rlkit.nets._WHERE


def test_every_lazy_name_loads() -> None:
    for name, module in rlkit.nets._WHERE.items():
        loaded = getattr(rlkit.nets, name)
        assert loaded is getattr(importlib.import_module(f"rlkit.nets.{module}"), name)
