"""Every shell and Python example of the README and of the manual (docs/) runs, as a reader would
run it.

The fenced ``bash`` and ``python`` blocks are read from the pages themselves, so an example added
later is run too, and one that stops working fails the suite. Each shell command runs in a fresh
interpreter in one scratch directory (the working directory of a reader going down the pages); a
command shown on several pages runs once. Each page's Python blocks run in order in one namespace,
as a reader pastes them into one session. Placeholders such as ``<run>`` are filled with a run the
test trains first. What takes longer than a minute (or cannot run here) is listed in ``RULES`` with
the reason; a rule that matches no example any more fails the suite, so the list cannot go stale.
A command that is not meant to run is shown in a ``console`` block with a ``$`` prompt, which the
reader of the page sees, and this test does not collect.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# The README and every page of the manual (docs/benchmarks.md, written by the scripts, has no
# examples of its own; it is read like the others).
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]


@dataclass(frozen=True)
class Example:
    """One shell command or one Python block, with the page and the line it starts on."""

    language: str
    text: str
    line: int
    page: str = "README.md"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def name(self) -> str:
        first = self.text.strip().splitlines()[0]
        return f"{self.where}: {first[:60]}"


def read_examples(path: Path) -> list[Example]:
    """The fenced ``bash`` blocks' commands (continuations joined, comments dropped) and the
    ``python`` blocks, in the file's order."""
    examples, block, language, start = [], [], "", 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence and not language:
            language, block, start = fence.group(1) or "text", [], number + 1
        elif fence:
            if language == "python":
                examples.append(Example("python", "\n".join(block), start))
            elif language == "bash":
                examples.extend(_commands(block, start))
            language = ""
        elif language:
            block.append(line)
    page = path.relative_to(ROOT).as_posix()
    return [Example(e.language, e.text, e.line, page) for e in examples]


def _commands(lines: list[str], start: int) -> Iterator[Example]:
    command, first = "", start
    for offset, line in enumerate(lines):
        if not command:
            first = start + offset
        command += line.rstrip().removesuffix("\\") + " "
        if line.rstrip().endswith("\\"):
            continue
        text = " ".join(shlex.split(command, comments=True))
        if text:
            yield Example("bash", text, first)
        command = ""


# (a part of the command or block, kind, why): the first rule whose part the example contains
# decides it. "run": runs by default (to except it from a later rule); "slow": runs with
# --runslow; "skip": never runs here, for the reason given.
RULES: list[tuple[str, str, str]] = [
    ("rlkit.web run=<pong run> out=pong-site", "run", "writes the page's folder and exits"),
    ("scripts/install.sh", "skip", "the Quick start: .ci/run runs it on a clean clone"),
    ("env=cartpole -m seed=0,1,2,3,4", "slow", "five full CartPole runs, minutes"),
    ("rlkit.train agent=dqn env=cartpole", "slow", "a full CartPole run: 50k steps, 50-120 s"),
    ("env=pendulum", "slow", "a Pendulum preset: 20k steps, minutes on a CPU"),
    ("make_pong_dataset.py", "slow", "50,000 scripted pong steps"),
    ("dataset=play.npz", "slow", "behaviour cloning on the 50,000 recorded steps"),
    ("hydra/launcher=joblib", "slow", "five cliff runs side by side, about a minute"),
    ("hydra/sweeper=optuna", "slow", "twenty 20k-step CartPole trials"),
    ("class PrintEpisodes", "slow", "DQN on CartPole until it returns 475"),
    ("rlkit.compare agent=dqn env=cartpole", "slow", "ten CartPole runs, 5 seeds x 2 libraries"),
]
EXAMPLES = [example for page in PAGES for example in read_examples(page)]


def rule_of(example: Example) -> tuple[str, str, str] | None:
    """The rule that decides ``example``, or ``None``: it runs in the default suite."""
    rule = next((rule for rule in RULES if rule[0] in example.text), None)
    return None if rule is not None and rule[1] == "run" else rule


def test_every_rule_still_matches_an_example() -> None:
    unused = [part for part, _, _ in RULES if not any(part in e.text for e in EXAMPLES)]
    assert not unused, f"rules that match no example any more: {unused}"


def test_examples_are_read_from_the_readme_and_the_manual() -> None:
    pages = {e.page for e in EXAMPLES}
    assert "README.md" in pages and "docs/training.md" in pages and "docs/export.md" in pages


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A scratch directory with the runs the placeholders name, as a reader's earlier commands
    made them: a 20k-step DQN cliff run that kept its best evaluation's agent (``<run>``), and a
    short DQN pong run (``<pong run>``)."""
    cwd = tmp_path_factory.mktemp("reader")
    cliff = "agent=dqn env=cliff total_steps=20000 eval_interval=5000 save_best=true"
    run = _python(cwd, f"-m rlkit.train {cliff}").stdout.strip().splitlines()[-1]
    _python(cwd, f"-m rlkit.export run={run} out={run}/policy.onnx")
    pong = "agent=dqn env=pong total_steps=2000 eval_episodes=1 progress=false"
    pong_run = _python(cwd, f"-m rlkit.train {pong}").stdout.strip().splitlines()[-1]
    return {"cwd": str(cwd), "run": run, "pong run": pong_run}


def _python(cwd: Path, args: str) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [sys.executable, *shlex.split(args)], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def filled(text: str, reader: dict[str, str]) -> str:
    """``text`` with the README's placeholders replaced by the reader's runs."""
    run = reader["run"]
    cwd = Path(reader["cwd"])
    multiruns = sorted(cwd.glob("runs/qlearning-cliff/multirun_*"))
    for placeholder, value in {
        "runs/dqn-cartpole/<time>_seed0": run,
        "runs/dqn-cliff/<run>": run,
        "runs/qlearning-cliff/multirun_<time>": str(multiruns[-1]) if multiruns else "",
        "runs/dqn-cliff/2026-12-03_07-30-00_seed0": run,
        "<run>": run,
        "<pong run>": reader["pong run"],
    }.items():
        text = text.replace(placeholder, value)
    left = re.findall(r"<[a-z][\w -]*>", text)
    assert not left, f"a placeholder this test cannot fill: {left} (add it to filled())"
    return text


def _kind(example: Example, request: pytest.FixtureRequest) -> None:
    rule = rule_of(example)
    if rule is None:
        return
    _, kind, why = rule
    if kind == "skip":
        pytest.skip(f"example not run here: {why}")
    if not request.config.getoption("--runslow"):
        pytest.skip(f"slow ({why}): give --runslow")


# A command shown on several pages runs once, where a reader of README.md, then docs/, meets it.
_FIRST: dict[str, Example] = {}
for _example in EXAMPLES:
    if _example.language == "bash":
        _FIRST.setdefault(_example.text, _example)
SHELL = list(_FIRST.values())


@pytest.mark.parametrize("example", SHELL, ids=[e.name for e in SHELL])
def test_command_runs(
    example: Example, reader: dict[str, str], request: pytest.FixtureRequest
) -> None:
    _kind(example, request)
    if "rlkit.web" in example.text and not (ROOT / "web/node_modules/onnxruntime-web").is_dir():
        pytest.skip("onnxruntime-web is not installed here (bash scripts/install.sh web)")
    words = shlex.split(filled(example.text, reader))
    assert words[0] == "python", f"a bash example that is not python: {example.name}"
    words = [sys.executable, *(w.replace("scripts/", f"{ROOT}/scripts/", 1) for w in words[1:])]
    out = subprocess.run(words, cwd=reader["cwd"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"{example.where}: {out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr


PYTHON_PAGES = sorted({e.page for e in EXAMPLES if e.language == "python"})


@pytest.mark.parametrize("page", PYTHON_PAGES)
def test_python_blocks_run_in_one_session(
    page: str, reader: dict[str, str], request: pytest.FixtureRequest
) -> None:
    namespace: dict[str, object] = {}
    ran = 0
    with _working_directory(Path(reader["cwd"])):
        for example in (e for e in EXAMPLES if e.language == "python" and e.page == page):
            rule = rule_of(example)
            runslow = request.config.getoption("--runslow")
            if rule is not None and not (rule[1] == "slow" and runslow):
                continue
            code = compile(filled(example.text, reader), example.where, "exec")
            exec(code, namespace)  # the page's own example, as a reader pastes it
            ran += 1
    if not ran:
        pytest.skip(f"{page}: every Python block is slow: give --runslow")


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)
