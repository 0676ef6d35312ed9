"""Every shell and Python example of the README runs, as a reader would run it.

The README's fenced ``bash`` and ``python`` blocks are read from the file itself, so an example
added later is run too, and one that stops working fails the suite. Each shell command runs in a
fresh interpreter in one scratch directory (the working directory of a reader going down the
page); the Python blocks run in order in one namespace, as a reader pastes them into one session.
Placeholders such as ``<run>`` are filled with a run the test trains first. What cannot run here,
or takes longer than a minute, is listed in ``RULES`` with the reason; a rule that matches no
example any more fails the suite, so the list cannot go stale.
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


@dataclass(frozen=True)
class Example:
    """One shell command or one Python block, with the README line it starts on."""

    language: str
    text: str
    line: int

    @property
    def name(self) -> str:
        first = self.text.strip().splitlines()[0]
        return f"L{self.line}: {first[:60]}"


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
    return examples


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
    ("rlkit.web run=<pong run>", "skip", "serves the page until it is stopped"),
    ("scripts/install.sh", "skip", "the install commands: .ci/run runs them on a clean clone"),
    ("agent=<qlearning|dqn", "skip", "the synopsis of the command line, not a command"),
    ("env=cartpole -m seed=0,1,2,3,4", "slow", "five full CartPole runs, minutes"),
    ("env=pong_pixels", "skip", "pixel DQN's full budget: hours on a CPU"),
    ("opponent=human", "skip", "a person plays in a window"),
    ("make_pong_dataset.py", "slow", "50,000 scripted pong steps"),
    ("dataset=play.npz", "slow", "behaviour cloning on the 50,000 recorded steps"),
    ("agent.pretrain=<bc run>", "skip", "DQN's full pong budget from a clone: an hour on a CPU"),
    ("logger.tensorboard=true", "slow", "a full CartPole run with a video every 10k steps"),
    ("tensorboard --logdir", "skip", "starts a server that runs until it is stopped"),
    ("hydra/launcher=joblib", "slow", "five cliff runs side by side, about a minute"),
    ("hydra/sweeper=optuna", "slow", "twenty 20k-step CartPole trials"),
    ("hydra/launcher=ray", "skip", "needs a Ray cluster's head address"),
    ("class PrintEpisodes", "slow", "DQN on CartPole until it returns 475"),
    ("rlkit.compare agent=dqn env=cartpole", "slow", "ten CartPole runs, 5 seeds x 2 libraries"),
    ("render=human", "skip", "a window in real time"),
    ("python -m pytest", "skip", "the test command itself"),
    ("ruff check", "skip", "the project's checks, which .ci/run runs"),
    ("python -m mypy", "skip", "the project's checks, which .ci/run runs"),
    ("python scripts/", "skip", "a benchmark: minutes to hours, writes docs/benchmarks.md"),
]
EXAMPLES = read_examples(README)


def rule_of(example: Example) -> tuple[str, str, str] | None:
    """The rule that decides ``example``, or ``None``: it runs in the default suite."""
    rule = next((rule for rule in RULES if rule[0] in example.text), None)
    return None if rule is not None and rule[1] == "run" else rule


def test_every_rule_still_matches_an_example() -> None:
    unused = [part for part, _, _ in RULES if not any(part in e.text for e in EXAMPLES)]
    assert not unused, f"rules that match no README example any more: {unused}"


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
    assert not left, f"a README placeholder this test cannot fill: {left} (add it to filled())"
    return text


def _kind(example: Example, request: pytest.FixtureRequest) -> None:
    rule = rule_of(example)
    if rule is None:
        return
    _, kind, why = rule
    if kind == "skip":
        pytest.skip(f"README example not run here: {why}")
    if not request.config.getoption("--runslow"):
        pytest.skip(f"slow ({why}): give --runslow")


SHELL = [e for e in EXAMPLES if e.language == "bash"]


@pytest.mark.parametrize("example", SHELL, ids=[e.name for e in SHELL])
def test_readme_command_runs(
    example: Example, reader: dict[str, str], request: pytest.FixtureRequest
) -> None:
    _kind(example, request)
    if "rlkit.web" in example.text and not (ROOT / "web/node_modules/onnxruntime-web").is_dir():
        pytest.skip("onnxruntime-web is not installed here (bash scripts/install.sh web)")
    words = shlex.split(filled(example.text, reader))
    assert words[0] == "python", f"a README command that is not python: {example.text}"
    words = [sys.executable, *(w.replace("scripts/", f"{ROOT}/scripts/", 1) for w in words[1:])]
    out = subprocess.run(words, cwd=reader["cwd"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"README line {example.line}: {out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr


def test_readme_python_blocks_run_in_one_session(
    reader: dict[str, str], request: pytest.FixtureRequest
) -> None:
    namespace: dict[str, object] = {}
    ran = 0
    with _working_directory(Path(reader["cwd"])):
        for example in (e for e in EXAMPLES if e.language == "python"):
            rule = rule_of(example)
            runslow = request.config.getoption("--runslow")
            if rule is not None and not (rule[1] == "slow" and runslow):
                continue
            code = compile(filled(example.text, reader), f"README.md:{example.line}", "exec")
            exec(code, namespace)  # the README's own example, as a reader pastes it
            ran += 1
    assert ran >= 4


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)
