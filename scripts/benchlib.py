"""What the benchmark scripts share: their constants, the machine's description, docs/benchmarks.md,
rlkit runs and SB3 runs in fresh interpreters, seeds side by side, and compare commands.

Every SB3 model a script trains is built here from the rlkit config its rlkit side runs
(``rlkit.compare.sb3_model``: the hyperparameters mapped field by field by
``rlkit/compare/sb3_mapping.py``), so the two sides cannot drift apart. Run as a script
(``python scripts/benchlib.py sb3 key=value ...``) it is the worker behind ``run_sb3``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "docs" / "benchmarks.md"

SB3_DEFAULTS: dict[str, Any] = {
    # SB3 DQN's constructor defaults (stable_baselines3/dqn/dqn.py), as rlkit's fields: with
    # agent.epsilon_decay_steps a tenth of the budget (exploration_fraction 0.1), sb3_setup maps
    # them back to exactly SB3's defaults (tests/compare/test_sb3_mapping.py holds it).
    "agent.lr": 1e-4,
    "agent.lr_end": "null",  # a constant rate (the CartPole preset anneals it)
    "agent.buffer_size": 1_000_000,
    "agent.learning_starts": 100,
    "agent.batch_size": 32,
    "agent.target_update": "hard",  # tau = 1.0
    "agent.target_update_interval": 10_000,
    "agent.gamma": 0.99,
    "agent.train_freq": 4,
    "agent.gradient_steps": 1,
    "agent.epsilon_start": 1.0,
    "agent.epsilon_end": 0.05,
    "agent.max_grad_norm": 10.0,
    "agent.loss": "huber",  # SB3 uses smooth_l1_loss
    "agent.hidden_sizes": "[64,64]",
    "agent.double_q": False,
    "agent.dueling": False,
    "agent.n_step": 1,
}

PIXEL_HYPER: dict[str, Any] = {
    # bench_pixels.py's speed comparison (and profile_pixels.py): SB3's Atari-style DQN values,
    # as rlkit's agent fields over the pong_pixels preset.
    "lr": 1e-4,
    "buffer_size": 100_000,
    "learning_starts": 1_000,
    "batch_size": 32,
    "train_freq": 4,
    "gradient_steps": 1,
    "target_update_interval": 1_000,
    "gamma": 0.99,
    "epsilon_end": 0.01,
    "epsilon_decay_steps": 10_000,
}

SOLVED = {"pendulum": -200.0, "mountaincar": 90.0, "lunarlander": 200.0}
"""The return each DDPG seed must reach (Pendulum's target is on the mean, the others per seed)."""

FRESH_EPISODES = 100
FRESH_SEED_OFFSET = 2_000_000
"""A best agent (``save_best``) was chosen on the periodic evaluations' episodes (seeded from
``seed + 1_000_000``); it is scored again on episodes it was not chosen on."""

LUNAR_SB3_EVAL_EPISODES = 10
"""Episodes of each periodic evaluation of bench_ddpg_sb3.py's SB3 runs."""


def as_overrides(values: dict[str, Any]) -> list[str]:
    """``key=value`` overrides of a dict like ``SB3_DEFAULTS`` (booleans as Hydra spells them)."""
    return [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in values.items()]


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def machine() -> str:
    """A one-line description of the machine, for the tables' captions, with its load when the
    script started (wall times from a loaded machine are longer; ratios from one run still
    compare like with like)."""
    load = (
        f", load average {os.getloadavg()[0]:.1f} at the start" if hasattr(os, "getloadavg") else ""
    )
    return (
        f"{platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}{load}"
    )


def side_by_side(work: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``work`` on each item, ``jobs`` at a time, the results in the items' order: joblib's
    ``Parallel``, as ``rlkit.compare`` runs its ``jobs=``; the one way the scripts run seeds side
    by side. Threads suffice: each item's work is a child process (``run_rlkit``, ``run_sb3``)."""
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=jobs, prefer="threads")(delayed(work)(item) for item in items))


def write_section(markdown: str, section: str) -> Path:
    """Replace one script's section of docs/benchmarks.md (others are kept; created if needed)."""
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    header = "# Benchmarks\n\nWritten by the scripts in `scripts/`; each owns one section.\n"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else header
    block = f"{begin}\n{markdown.rstrip()}\n{end}"
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.parent.mkdir(exist_ok=True)
    BENCHMARKS.write_text(text)
    return BENCHMARKS


def run_rlkit(
    overrides: Sequence[str], workdir: Path, log: Path | None = None
) -> tuple[dict, float]:
    """``python -m rlkit.train`` in a fresh interpreter; its summary and the command's wall time.

    With ``log`` its output goes to that file as it runs (to follow a long run), not to memory.
    """
    started = time.perf_counter()
    with open(log, "w") if log is not None else contextlib.nullcontext() as sink:
        out = subprocess.run(
            [sys.executable, "-m", "rlkit.train", "progress=false", *overrides],
            cwd=workdir,
            stdout=sink if log is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"rlkit run failed: {list(overrides)}\n{out.stderr}")
    stdout = log.read_text() if log is not None else out.stdout
    run_dir = workdir / stdout.strip().splitlines()[-1]
    summary = json.loads((run_dir / "summary.json").read_text())
    return {**summary, "run_dir": str(run_dir)}, wall


def ratio_table(ours: Sequence[float], theirs: Sequence[float]) -> list[str]:
    """Markdown rows: rlkit's and SB3's env steps/s per round, their ratio, and the medians."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    lines = ["| round | rlkit env steps/s | SB3 env steps/s | ratio |", "|---:|---:|---:|---:|"]
    for i, (a, b, r) in enumerate(zip(ours, theirs, ratios, strict=True)):
        lines.append(f"| {i + 1} | {a:,.0f} | {b:,.0f} | {r:.2f}x |")
    lines.append(
        f"| median | {statistics.median(ours):,.0f} | {statistics.median(theirs):,.0f} "
        f"| **{statistics.median(ratios):.2f}x** |"
    )
    return lines


TRAINING_KEYS = ("seed", "total_steps", "num_envs", "agent", "env")
"""What a run learns from; a run read back or resumed must match the call's on all of them."""


def check_same_training(part: Path, overrides: list[str]) -> None:
    """Stop (one line) when a kept run was trained otherwise than ``overrides`` ask: reading it
    back would put another config's number in this table. Keys that only watch or pace a run
    (``eval_interval``, ``torch_threads``, ...) may differ."""
    from rlkit.config.compose import config_changes

    for key, old, new in config_changes(part, overrides):
        if key.split(".")[0] in TRAINING_KEYS:
            raise SystemExit(
                f"{part} was trained with {key}={old}, this call asks for {new}; "
                "give another --runs directory"
            )


def resumable_run(
    overrides: list[str], seed_dir: Path, checkpoint_every: int, log: Path | None
) -> tuple[dict, float | None]:
    """One seed's run kept in ``seed_dir`` as ``part0``, ``part1``, ...: a finished part is read
    back, the last checkpointed part is resumed into the next, else the seed starts afresh.

    Returns the summary and the command's wall time (for a run read back, the one it recorded;
    ``None`` when it took several sittings: the time of an interrupted sitting is not known).
    """
    from rlkit.storage.checkpoint import CHECKPOINT_NAME

    parts = sorted(seed_dir.glob("part*"), key=lambda p: int(p.name.removeprefix("part")))
    for part in reversed(parts):
        if (part / "summary.json").is_file() or (part / CHECKPOINT_NAME).is_file():
            check_same_training(part, overrides)
        if (part / "summary.json").is_file():
            summary = json.loads((part / "summary.json").read_text())
            # A run finished in one sitting timed itself (its process, not the interpreter's start).
            wall = summary.get("wall_time_s") if part.name == "part0" else None
            return {**summary, "run_dir": str(part)}, wall
        if (part / CHECKPOINT_NAME).is_file():
            break
        shutil.rmtree(part)  # killed before its first checkpoint: nothing to resume
    else:
        part = None
    new = seed_dir / f"part{0 if part is None else int(part.name.removeprefix('part')) + 1}"
    if part is None:
        args = [*overrides, f"checkpoint_interval={checkpoint_every}"]
    else:
        args = [f"resume={part.resolve()}"]  # the old run's overrides come back with it
    summary, wall = run_rlkit([*args, f"hydra.run.dir={new.resolve()}"], seed_dir, log)
    return summary, (wall if part is None else None)


# ---------------------------------------------------------------------------------------------
# Stable-Baselines3: its model built from an rlkit config, trained and timed the one way.


def sb3_span() -> Any:
    """An SB3 callback timing ``learn`` from its training start (after ``learn``'s setup) to its
    end, as rlkit's ``env_steps_per_s`` times the training loop."""
    import math

    from stable_baselines3.common.callbacks import BaseCallback

    class _Span(BaseCallback):
        started = ended = math.nan

        def _on_training_start(self) -> None:
            self.started = time.perf_counter()

        def _on_step(self) -> bool:
            return True

        def _on_training_end(self) -> None:
            self.ended = time.perf_counter()

    return _Span()


def sb3_learn(model: Any, total_steps: int, *callbacks: Any) -> dict[str, float]:
    """Train an SB3 model until it has taken ``total_steps`` env steps in all (a model loaded from
    a checkpoint goes on from its own count), with ``callbacks``; the timed span's seconds, and
    the env steps and gradient steps taken in it, per second too."""
    steps, updates = model.num_timesteps, model._n_updates
    span = sb3_span()
    model.learn(total_steps - steps, callback=[span, *callbacks], reset_num_timesteps=False)
    seconds = span.ended - span.started
    steps, updates = model.num_timesteps - steps, model._n_updates - updates
    return {
        "seconds": seconds,
        "steps": int(steps),
        "updates": int(updates),
        "steps_per_s": steps / seconds,
        "updates_per_s": updates / seconds,
    }


def sb3_run(overrides: Sequence[str]) -> dict[str, float]:
    """SB3's model for the rlkit config of ``overrides`` (``rlkit.compare.sb3_model``: the same
    env, hyperparameters, seed, device and threads), trained for its ``total_steps`` and timed by
    ``sb3_learn``; then, as an rlkit run ends, ``eval_episodes`` deterministic episodes from the
    evaluation seed (``eval_return``, untimed; none with ``eval_episodes=0``).

    Raises:
        ConfigError: a field SB3 cannot express (named, as ``python -m rlkit.compare`` says it).
    """
    import statistics

    from rlkit.compare.jobs import sb3_evaluate
    from rlkit.compare.sb3_model import sb3_model
    from rlkit.config.compose import compose_config
    from rlkit.run.evaluate import EVAL_SEED_OFFSET
    from rlkit.run.loop import _limit_threads

    _, config = compose_config(list(overrides))
    _limit_threads(config.torch_threads)
    model = sb3_model(config)
    result = sb3_learn(model, config.total_steps)
    if config.eval_episodes:
        seed = config.seed + EVAL_SEED_OFFSET
        returns = sb3_evaluate(model, config.env, config.eval_episodes, seed)
        result["eval_return"] = statistics.mean(returns)
    model.get_env().close()
    return result


def run_sb3(overrides: Sequence[str]) -> dict[str, float]:
    """``sb3_run`` in a fresh interpreter (as ``run_rlkit`` runs rlkit): its result."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "sb3", *overrides],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"SB3 run failed: {list(overrides)}\n{out.stderr[-3000:]}")
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


# ---------------------------------------------------------------------------------------------
# python -m rlkit.compare commands, as a user runs them.


def run_compare(name: str, overrides: list[str], seeds: int, seed: int, jobs: int,
                out: Path, fresh: bool = False) -> dict:  # fmt: skip
    """``out/results.json`` of the compare command of ``overrides`` (workload ``name``), running
    it first in a fresh process unless it is there (an unfinished one starts again)."""
    if fresh and out.exists():
        shutil.rmtree(out)
    if not (out / "results.json").is_file():
        if out.exists():
            shutil.rmtree(out)
        command = [sys.executable, "-m", "rlkit.compare", *overrides]
        command += [f"seeds={seeds}", f"seed={seed}", f"jobs={jobs}", f"out={out}"]
        print("::", " ".join(command[1:]), flush=True)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True)
        print(f":: {name}: {time.perf_counter() - started:.0f} s", flush=True)
    return json.loads((out / "results.json").read_text())


def _interval(r: dict) -> str:
    return f"{r['iqm']:.1f} [{r['iqm_ci95'][0]:.1f}, {r['iqm_ci95'][1]:.1f}]"


def verdict(ours: dict, theirs: dict) -> str:
    """Where rlkit's IQM falls against SB3's 95% interval."""
    low, high = theirs["iqm_ci95"]
    if ours["iqm"] > high:
        return "above"
    return "inside" if ours["iqm"] >= low else "below"


def compare_table(results: dict[str, dict]) -> list[str]:
    """One row per comparison: both IQMs with intervals, rlkit against SB3's CI, the speed."""
    lines = [
        "| workload | budget | rlkit IQM [95% CI] | SB3 IQM [95% CI] | rlkit vs SB3's CI "
        "| rlkit env steps/s | SB3 env steps/s | speed ratio |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for name, r in results.items():
        ours, theirs = r["libraries"]["rlkit"], r["libraries"]["sb3"]
        lines.append(
            f"| {name}: `{' '.join(r['setup']['overrides'])}` | {r['setup']['total_steps']:,} "
            f"| {_interval(ours)} | {_interval(theirs)} | {verdict(ours, theirs)} "
            f"| {ours['env_steps_per_s']:,.0f} | {theirs['env_steps_per_s']:,.0f} "
            f"| {ours['env_steps_per_s'] / theirs['env_steps_per_s']:.2f}x |"
        )
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] != ["sb3"]:
        raise SystemExit("usage: python scripts/benchlib.py sb3 key=value ... (an SB3 run)")
    from rlkit.errors import RlkitError

    try:
        print("RESULT", json.dumps(sb3_run(sys.argv[2:])), flush=True)
    except RlkitError as e:  # what SB3 cannot express: one line, as rlkit.compare says it
        raise SystemExit(f"error: {e}") from None


# ---------------------------------------------------------------------------------------------
# The throughput workloads (bench_throughput.py measures them, profile_loop.py profiles them).

COMMON = (
    "progress=false",
    "device=cpu",
    "torch_threads=1",  # both libraries: one PyTorch thread (and one BLAS thread)
    "eval_episodes=0",  # eval_interval=null (the default) leaves only the final evaluation
    "eval_interval=null",
    "checkpoint_interval=null",  # the final checkpoint only, after the timed span
    "agent.save_buffer=false",
)
"""Overrides of every rlkit run and floor: what a run does around its env steps is left out."""


@dataclass(frozen=True)
class Workload:
    """One rlkit config, measured against SB3 and its floor."""

    name: str
    title: str
    overrides: tuple[str, ...]
    steps: int
    """Env steps of a run (over all envs)."""
    quick: tuple[str, ...]
    """More overrides for ``--quick`` (tiny budgets: a check that the script works)."""
    quick_steps: int
    backends: tuple[str | None, ...]
    """The ``agent.update_backend`` values to run (``None``: the agent has no such field)."""
    epsilon_fraction: float | None = None
    """ε decays over this share of the budget (SB3's ``exploration_fraction``), if set."""

    def config(self, steps: int, quick: bool, backend: str | None) -> list[str]:
        """The overrides of one run of ``steps`` env steps."""
        given = [*self.overrides, *COMMON, f"total_steps={steps}", *(self.quick if quick else ())]
        if self.epsilon_fraction is not None:
            given.append(f"agent.epsilon_decay_steps={int(self.epsilon_fraction * steps)}")
        if backend is not None:
            given.append(f"agent.update_backend={backend}")
        return given


WORKLOADS = {
    "cartpole": Workload(
        "cartpole",
        "DQN, CartPole-v1, SB3's defaults, 1 env",
        ("agent=dqn", "env=cartpole", *as_overrides(SB3_DEFAULTS)),
        20_000,
        (),
        2_000,
        ("auto", "torch"),
        epsilon_fraction=0.1,  # SB3's exploration_fraction
    ),
    "pong": Workload(
        "pong",
        "DQN, vector pong, preset (double_q off), 8 envs",
        # The preset asks for the torch update; both are measured. Its ε decays over 100k steps,
        # which SB3 can express only within the budget.
        ("agent=dqn", "env=pong", "agent.double_q=false"),
        100_000,
        ("agent.learning_starts=500", "agent.epsilon_decay_steps=1000"),
        2_000,
        ("auto", "torch"),
    ),
    "pendulum": Workload(
        "pendulum",
        "DDPG, Pendulum-v1, preset (rl-zoo), 1 env",
        ("agent=ddpg", "env=pendulum"),
        20_000,
        ("agent.learning_starts=300",),
        1_000,
        (None,),
    ),
}
