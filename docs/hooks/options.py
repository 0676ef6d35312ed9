"""MkDocs hook: the site's generated parts, made from the code at build time.

Three markers in a page's Markdown are replaced when the site is built:

- ``<!-- options: DQNConfig -->``: the table of a config dataclass of ``rlkit/config/schema.py``
  (every field, its default as ``dataclasses.fields`` gives it, and the docstring written under
  the field), so a default can never disagree with its documentation;
- ``<!-- source: rlkit/agents/dqn.py DQN.update -->``: that function's source, with its line
  numbers in the file;
- ``<!-- presets: dqn -->``: each ``conf/agent_env/<agent>_*.yaml`` preset, as written.

``tests/test_docs.py`` calls these functions directly and checks them against the schema objects.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from rlkit.config import schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(schema.__file__)
MARKER = re.compile(r"<!-- (options|source|presets): ([^>]*?) -->")


def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string written under it), for ``cls`` and the classes it
    inherits from in ``schema.py``; a subclass's docstring wins."""
    tree = ast.parse(SCHEMA.read_text())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    docs: dict[str, str] = {}
    for base in reversed(cls.__mro__):
        node = classes.get(base.__name__)
        if node is None:
            continue
        body = node.body
        for item, following in zip(body, [*body[1:], None], strict=True):
            if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                continue
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[item.target.id] = following.value.value
    return docs


def prefix_of(cls: type) -> str:
    """How the command line names the fields of ``cls``: ``agent.``, ``env.``, ``logger.`` or
    nothing (the top-level ``Config``)."""
    for base, prefix in (
        (schema.AgentConfig, "agent."),
        (schema.EnvConfig, "env."),
        (schema.LoggerConfig, "logger."),
    ):
        if issubclass(cls, base):
            return prefix
    return ""


def default_of(item: dataclasses.Field[Any]) -> Any:
    """The field's default value (a factory's is made), or ``MISSING``."""
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return MISSING


def yaml_value(value: Any) -> str:
    """A default as it is typed on the command line: ``null``, ``true``, ``[64, 64]``, ``0.001``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    return str(value)


def markdown_text(doc: str) -> str:
    """A docstring as one table cell: reST's double backticks as Markdown code, one line."""
    text = " ".join(line.strip() for line in doc.strip().splitlines())
    return text.replace("``", "`").replace("|", "\\|")


def option_rows(cls: type) -> list[tuple[str, str, str]]:
    """(key, default, meaning) of every field of ``cls`` that has a value of its own: the agent's
    ``name`` and the top-level config's groups (agent, env, logger) are left out."""
    docs = field_docs(cls)
    rows = []
    for item in dataclasses.fields(cls):
        default = default_of(item)
        if item.name == "name" or default is MISSING or dataclasses.is_dataclass(default):
            continue
        rows.append((prefix_of(cls) + item.name, yaml_value(default), docs.get(item.name, "")))
    return rows


def options_table(name: str) -> str:
    """The Markdown table of ``rlkit.config.schema.<name>``'s options."""
    cls = getattr(schema, name.strip())
    lines = [
        f"Generated from `rlkit.config.schema.{cls.__name__}` when the site is built.",
        "",
        "| key | default | meaning |",
        "|---|---|---|",
    ]
    for key, default, meaning in option_rows(cls):
        lines.append(f"| `{key}` | `{default}` | {markdown_text(meaning)} |")
    return "\n".join(lines)


def find_function(path: Path, qualname: str) -> ast.FunctionDef:
    """The definition of ``Class.method`` (or a module-level function) in ``path``."""
    nodes: list[ast.stmt] = ast.parse(path.read_text()).body
    *owners, name = qualname.split(".")
    for owner in owners:
        nodes = next(n for n in nodes if isinstance(n, ast.ClassDef) and n.name == owner).body
    for node in nodes:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise LookupError(f"{qualname} is not defined in {path}")


def source_of(path: str, qualname: str) -> tuple[int, str]:
    """The first line number and the source text (decorators included) of a function."""
    file = ROOT / path
    node = find_function(file, qualname)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = file.read_text().splitlines()[first - 1 : node.end_lineno]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return first, "\n".join(line[indent:] for line in lines)


def source_block(spec: str) -> str:
    """``rlkit/agents/dqn.py DQN.update`` as a Python block titled with the file and its lines."""
    path, qualname = spec.split()
    first, text = source_of(path, qualname)
    return f'```python linenums="{first}" title="{path}: {qualname}"\n{text}\n```'


def preset_blocks(agent: str) -> str:
    """Each preset of ``agent`` in ``conf/agent_env/``, as a YAML block titled with its path."""
    blocks = []
    for file in sorted((ROOT / "conf/agent_env").glob(f"{agent.strip()}_*.yaml")):
        path = file.relative_to(ROOT).as_posix()
        blocks.append(f'```yaml title="{path}"\n{file.read_text().rstrip()}\n```')
    if not blocks:
        raise LookupError(f"no presets conf/agent_env/{agent}_*.yaml")
    return "\n\n".join(blocks)


def expand(markdown: str) -> str:
    """``markdown`` with every marker replaced by what it names."""
    makers = {"options": options_table, "source": source_block, "presets": preset_blocks}
    return MARKER.sub(lambda match: makers[match.group(1)](match.group(2)), markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs' hook: expand the markers of each page."""
    return expand(markdown)
