"""The manual (mkdocs.yml, docs/) builds, and what it generates from the code is true.

The option tables are made from ``rlkit/config/schema.py`` by ``docs/hooks/options.py`` when the
site is built; these tests call the hook's functions directly and hold every row against the
schema's dataclasses as OmegaConf composes them, so a default changed in schema.py changes its
documentation, and a field without a docstring fails. The agent pages' tables of pseudo-code and
code quote lines of the agents' files; a quoted line that is no longer there fails.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from omegaconf import OmegaConf

from rlkit.config import schema

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
AGENT_PAGES = sorted((DOCS / "agents").glob("*.md"))


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_options_hook", DOCS / "hooks/options.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _hook()

# Every config dataclass a reader sets keys of (the bases AgentConfig and ContinuousConfig are
# shown through the agents that inherit them).
CONFIGS = [
    schema.Config,
    schema.LoggerConfig,
    schema.QLearningConfig,
    schema.DQNConfig,
    schema.DDPGConfig,
    schema.TD3Config,
    schema.SACConfig,
    schema.BCConfig,
    schema.EnvConfig,
    schema.PongEnvConfig,
    schema.AtariEnvConfig,
]


def test_every_config_dataclass_has_a_table_in_the_manual() -> None:
    documented = {
        name.__name__
        for name in vars(schema).values()
        if isinstance(name, type) and dataclasses.is_dataclass(name)
    } - {"AgentConfig", "ContinuousConfig"}
    assert documented == {cls.__name__ for cls in CONFIGS}, "a new config: add it to CONFIGS"
    pages = "\n".join(page.read_text() for page in DOCS.rglob("*.md"))
    missing = [cls.__name__ for cls in CONFIGS if f"<!-- options: {cls.__name__} -->" not in pages]
    assert not missing, f"config dataclasses without an options table in docs/: {missing}"


def _table(text: str) -> dict[str, tuple[str, str]]:
    """key -> (default, meaning) of a generated Markdown table."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| `([^`]+)` \| `([^`]*)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def _as_typed(value: object) -> str:
    """A value as it is typed on the command line: null, true, [64, 64], 0.001."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_as_typed(v) for v in value) + "]"
    return str(value)


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda cls: cls.__name__)
def test_option_table_shows_each_fields_default_and_docstring(cls: type) -> None:
    rows = _table(hook.options_table(cls.__name__))
    prefix = hook.prefix_of(cls)
    # The defaults as the config is composed: OmegaConf reads them from the dataclass.
    composed = OmegaConf.to_container(OmegaConf.structured(cls))
    assert isinstance(composed, dict)
    expected = {
        prefix + key: value
        for key, value in composed.items()
        if key != "name" and value != "???" and not isinstance(value, dict)
    }
    assert sorted(rows) == sorted(expected)
    for key, value in expected.items():
        default, meaning = rows[key]
        assert default == _as_typed(value), (key, default, value)
        assert meaning.strip(), f"{cls.__name__}.{key.removeprefix(prefix)} has no docstring"


def test_a_changed_default_changes_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table is read from the dataclass at build time, not from text kept beside it."""

    @dataclasses.dataclass
    class ChangedDQN(schema.DQNConfig):
        lr: float = 0.125

    monkeypatch.setattr(schema, "ChangedDQN", ChangedDQN, raising=False)
    rows = _table(hook.options_table("ChangedDQN"))
    assert rows["agent.lr"][0] == "0.125"
    assert rows["agent.lr"][1].startswith("Adam's learning rate")  # DQNConfig's docstring


def test_the_hook_expands_every_marker_of_the_manual() -> None:
    for page in DOCS.rglob("*.md"):
        expanded = hook.expand(page.read_text())  # a marker naming nothing raises
        assert "<!-- options:" not in expanded and "<!-- source:" not in expanded, page
        assert "<!-- presets:" not in expanded, page


def _quoted_code(page: Path) -> list[str]:
    """The code column of a page's ``| pseudo-code | code |`` table: each row's first quote."""
    text = page.read_text()
    assert "| pseudo-code | code |" in text, f"{page.name}: no table of pseudo-code and code"
    table = text.split("| pseudo-code | code |", 1)[1].split("\n\n", 1)[0]
    quotes = []
    for line in table.splitlines()[2:]:
        cell = re.split(r"(?<!\\)\|", line)[2]
        quotes.append(re.search(r"`([^`]+)`", cell).group(1))  # type: ignore[union-attr]
    return quotes


@pytest.mark.parametrize("page", AGENT_PAGES, ids=lambda page: page.stem)
def test_agent_page_quotes_lines_its_agent_has(page: Path) -> None:
    source = (ROOT / "rlkit/agents" / f"{page.stem}.py").read_text()
    lines = {line.strip() for line in source.splitlines()}
    quotes = _quoted_code(page)
    assert len(quotes) >= 3
    missing = [q for q in quotes if q not in lines and q not in source]
    assert not missing, f"{page.name} quotes code rlkit/agents/{page.stem}.py no longer has"
    assert f"<!-- source: rlkit/agents/{page.stem}.py" in page.read_text()


def test_every_agent_has_a_page() -> None:
    from rlkit.agents.registry import AGENTS

    assert {page.stem for page in AGENT_PAGES} == set(AGENTS)


def test_readme_is_at_most_250_lines_and_links_into_the_manual() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    targets = re.findall(r"\]\(((?:docs/)[^)#]+)(?:#[^)]*)?\)", text)
    assert any(t.startswith("docs/agents/") for t in targets)
    assert "docs/compare.md" in targets and "docs/web.md" in targets
    missing = [t for t in targets if not (ROOT / t).is_file()]
    assert not missing, f"README links to files that do not exist: {missing}"


def test_site_builds_strict(tmp_path: Path) -> None:
    """``mkdocs build --strict``: a broken link, anchor, image or API reference fails it."""
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (bash scripts/install.sh docs; dev includes it)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-5000:]
    dqn = (tmp_path / "agents/dqn/index.html").read_text()
    assert "agent.update_backend" in dqn and "conf/agent_env/dqn_cliff.yaml" in dqn
    api = (tmp_path / "reference/api/index.html").read_text()
    assert "rlkit.api.train" in api
