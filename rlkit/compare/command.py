"""``rlkit.compare``: rlkit and Stable-Baselines3 on the same env, budget, seeds, hyperparameters
and evaluation protocol, the jobs side by side (joblib), the statistics by rliable."""

from __future__ import annotations

import platform
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rlkit.compare.jobs import LIBRARIES, PROGRESS_FILE, RESULT_FILE, run_job
from rlkit.compare.stats import mean_curve, score_statistics
from rlkit.config.compose import compose_config, integral_numbers
from rlkit.config.schema import Config
from rlkit.errors import ConfigError

USAGE = """usage: python -m rlkit.compare agent=<dqn|ddpg|td3|sac> env=<name|Gymnasium id> [seeds=5]
    [seed=0] [total_steps=N] [eval_interval=K] [eval_episodes=10] [jobs=2] [out=DIR]
    [agent.<field>=...]

Trains rlkit and Stable-Baselines3 on the same env, budget and seeds (seeds seed .. seed+seeds-1)
with the hyperparameters mapped field by field, evaluates both with the same episodes every
eval_interval env steps (default: a tenth of the budget) and writes table.md, curves.png and
results.json to a compare directory (default runs/compare/<agent>-<env>/<time>), printed last.
Every other key=value is an rlkit override, as for python -m rlkit.train."""


@dataclass(frozen=True)
class Comparison:
    """A finished comparison."""

    dir: Path
    """The compare directory (``table.md``, ``curves.png``, ``results.json``, ``jobs/``)."""
    results: dict[str, Any]
    """The contents of ``results.json``."""


@dataclass(frozen=True)
class CompareSettings:
    """What ``compare`` takes besides the rlkit overrides."""

    seeds: int = 5
    seed: int = 0
    eval_interval: int | None = None
    eval_episodes: int = 10
    jobs: int = 2
    out: str | None = None


def compare(
    agent: str,
    env: str,
    seeds: int = 5,
    seed: int = 0,
    *,
    eval_interval: int | None = None,
    eval_episodes: int = 10,
    jobs: int = 2,
    out: str | Path | None = None,
    overrides: list[str] | None = None,
    quiet: bool = False,
    **fields: Any,
) -> Comparison:
    """Compare rlkit with Stable-Baselines3, as ``python -m rlkit.compare`` does.

    Args:
        agent: ``dqn``, ``ddpg``, ``td3`` or ``sac``.
        env: a name from ``conf/env`` or any registered Gymnasium id (``Acrobot-v1``).
        seeds: how many seeds (``seed`` .. ``seed + seeds - 1``).
        seed: the first seed.
        eval_interval: env steps between evaluations (default: a tenth of ``total_steps``).
        eval_episodes: deterministic episodes per evaluation.
        jobs: jobs (library x seed) run side by side.
        out: the compare directory (must not hold anything yet).
        overrides: rlkit overrides, e.g. ``["agent.lr=1e-3"]``.
        quiet: no progress display or table on the console.
        **fields: more overrides as keywords: ``total_steps=20_000``, ``agent__lr=1e-3``.

    Raises:
        ConfigError: a bad setting, an agent or field SB3 cannot express, or an ``out`` that
            holds something.
    """
    from rlkit.api import _override

    all_overrides = [
        f"agent={agent}",
        f"env={env}",
        *(_override(k.replace("__", "."), v) for k, v in fields.items()),
        *(overrides or []),
    ]
    settings = CompareSettings(seeds, seed, eval_interval, eval_episodes, jobs, str(out or ""))
    return run_comparison(all_overrides, settings, quiet)


def run_comparison(overrides: list[str], settings: CompareSettings, quiet: bool) -> Comparison:
    """Check everything, run the jobs, write the report; the finished comparison."""
    overrides = integral_numbers(overrides)
    config = check_comparison(overrides, settings)
    interval = settings.eval_interval or max(config.total_steps // 10, 1)
    out = _claim_out(settings.out, config)
    seeds = list(range(settings.seed, settings.seed + settings.seeds))
    # Each seed's two jobs next to each other: with jobs=2 an rlkit job mostly runs beside an
    # SB3 one, so both libraries share the machine alike.
    tasks = [(library, s) for s in seeds for library in LIBRARIES]
    started = time.perf_counter()
    jobs = _run_jobs(tasks, overrides, settings, interval, out, config, quiet)
    results = {
        "setup": _setup(config, overrides, seeds, interval, settings),
        "libraries": {
            lib: _library_summary([j for j in jobs if j["library"] == lib]) for lib in LIBRARIES
        },
        "wall_time_s": time.perf_counter() - started,
    }
    from rlkit.compare.report import markdown_table, write_report

    write_report(out, results)
    if not quiet:
        print(markdown_table(results))
    print(out, flush=True)
    return Comparison(dir=out, results=results)


def check_comparison(overrides: list[str], settings: CompareSettings) -> Config:
    """The rlkit config of the comparison, checked as a run's would be and against what SB3 can
    express, before any job starts.

    Raises:
        ConfigError: the first problem found, in one line.
    """
    from rlkit.compare.sb3_mapping import sb3_setup
    from rlkit.envkit.make import make_env
    from rlkit.run.preflight import check_run_inputs

    for key, value, least in (("seeds", settings.seeds, 1), ("jobs", settings.jobs, 1),
                              ("eval_episodes", settings.eval_episodes, 1)):  # fmt: skip
        if value < least:
            raise ConfigError(f"{key}={value} must be >= {least}")
    if settings.eval_interval is not None and settings.eval_interval < 1:
        raise ConfigError(f"eval_interval={settings.eval_interval} must be >= 1")
    try:
        _, config = compose_config(overrides)
    except ConfigError as e:
        if "at the top level" not in str(e):
            raise
        raise ConfigError(f"{e}; and compare's own: {', '.join(COMPARE_KEYS)}") from e
    if config.resume:
        raise ConfigError("compare trains from scratch: drop resume=")
    check_run_inputs(config)
    env = make_env(config.env)
    try:
        sb3_setup(config.agent, env.observation_space, env.action_space, config.total_steps,
                  config.num_envs)  # fmt: skip
    finally:
        env.close()
    return config


def _claim_out(out: str | None, config: Config) -> Path:
    from rlkit.config.env_ids import dir_name
    from rlkit.run.run_dir import claim_directory
    from rlkit.storage.paths import check_writable

    if out:
        check_writable(out, "out", directory=True)
    else:
        check_writable(
            "runs", "", directory=True, hint="run from a directory you can write, or give out="
        )
    if not out:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        base = Path("runs") / "compare" / f"{config.agent.name}-{dir_name(config.env.name)}" / stamp
        return claim_directory(base).resolve()
    path = Path(out)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ConfigError(
            f"out={out} already holds something (a comparison is never written over another, "
            "nor over other files); give a new or empty directory"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def _run_jobs(
    tasks: list[tuple[str, int]],
    overrides: list[str],
    settings: CompareSettings,
    interval: int,
    out: Path,
    config: Config,
    quiet: bool,
) -> list[dict[str, Any]]:
    """Run the jobs with joblib (``jobs`` processes), showing their progress meanwhile."""
    from joblib import Parallel, delayed

    def job_dir(library: str, seed: int) -> Path:
        return out / "jobs" / f"{library}_seed{seed}"

    results: list[dict[str, Any]] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            parallel = Parallel(n_jobs=settings.jobs, return_as="generator_unordered")
            calls = (
                delayed(run_job)(
                    lib, overrides, s, interval, settings.eval_episodes, job_dir(lib, s)
                )
                for lib, s in tasks
            )
            results.extend(parallel(calls))
        except BaseException as e:  # re-raised in the caller's thread
            failure.append(e)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    _show_progress(worker, [job_dir(lib, s) for lib, s in tasks], tasks, config, quiet)
    worker.join()
    if failure:
        raise failure[0]
    return sorted(results, key=lambda r: (LIBRARIES.index(r["library"]), r["seed"]))


def _show_progress(
    worker: threading.Thread,
    dirs: list[Path],
    tasks: list[tuple[str, int]],
    config: Config,
    quiet: bool,
) -> None:
    """One bar per library (env steps over all its seeds) until the jobs are done."""
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    if quiet:
        worker.join()
        return
    console = Console(file=sys.stdout)  # fixed now: a job run in this process redirects stdout
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bars = {
            lib: progress.add_task(
                f"{lib:>5}", total=config.total_steps * sum(t[0] == lib for t in tasks)
            )
            for lib in LIBRARIES
        }
        while True:
            alive = worker.is_alive()
            done = {lib: 0 for lib in LIBRARIES}
            for (lib, _), d in zip(tasks, dirs, strict=True):
                for name in (RESULT_FILE, PROGRESS_FILE):
                    try:
                        data = json.loads((d / name).read_text())
                    except (OSError, ValueError):
                        continue
                    done[lib] += data.get("env_steps", data.get("step", 0))
                    break
            for lib, bar in bars.items():
                progress.update(bar, completed=done[lib])
            if not alive:
                return
            worker.join(timeout=0.5)


def _library_summary(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    final = [j["final_return"] for j in jobs]
    return {
        **score_statistics(final),
        "final_returns": final,
        "wall_time_s": sum(j["wall_time_s"] for j in jobs),
        "env_steps_per_s": statistics.median(j["env_steps_per_s"] for j in jobs),
        "curve": mean_curve(jobs),
        "jobs": jobs,
    }


def _setup(
    config: Config, overrides: list[str], seeds: list[int], interval: int, settings: CompareSettings
) -> dict[str, Any]:
    import os

    import stable_baselines3

    import rlkit

    return {
        "agent": config.agent.name,
        "env": config.env.name,
        "env_id": config.env.id,
        "total_steps": config.total_steps,
        "num_envs": config.num_envs,
        "seeds": seeds,
        "eval_interval": interval,
        "eval_episodes": settings.eval_episodes,
        "jobs": settings.jobs,
        "overrides": overrides,
        "rlkit_version": rlkit.__version__,
        "sb3_version": stable_baselines3.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
    }


COMPARE_KEYS = {
    "seeds": "how many seeds",
    "seed": "the first seed",
    "eval_interval": "env steps between evaluations",
    "eval_episodes": "episodes per evaluation",
    "jobs": "jobs side by side",
    "out": "the compare directory",
}


def main(argv: list[str] | None = None) -> None:
    """``python -m rlkit.compare key=value ...``."""
    from rlkit.config.cli_args import fail, wants_help
    from rlkit.errors import RlkitError

    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_help(argv):
        print(USAGE)
        return
    try:
        settings, overrides = parse_command_line(argv)
        run_comparison(overrides, settings, quiet=False)
    except RlkitError as e:
        fail(e)


def parse_command_line(argv: list[str]) -> tuple[CompareSettings, list[str]]:
    """``compare``'s own keys, and the rest as rlkit overrides.

    Raises:
        ConfigError: an argument that is not ``key=value``, or a bad value of compare's keys.
    """
    from rlkit.config.cli_args import parse_int

    own: dict[str, Any] = {}
    overrides = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or not key or arg.startswith("-"):
            raise ConfigError(
                f"cannot read {arg!r}: rlkit.compare takes key=value arguments, e.g. "
                "agent=dqn env=cartpole seeds=5 (--help lists them)"
            )
        if key in COMPARE_KEYS:
            if key in own:
                raise ConfigError(f"{key}= is given twice")
            own[key] = value if key == "out" else parse_int(key, value)
        else:
            overrides.append(arg)
    if not any(o.startswith("agent=") for o in overrides):
        raise ConfigError("compare needs agent=dqn, ddpg, td3 or sac (and env=<name>)")
    return CompareSettings(**own), overrides
