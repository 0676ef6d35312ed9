"""The numbers behind ``python -m rlkit.plot``: runs found on disk, grouped by configuration, as
curves of the mean over seeds with a 95% band (rliable's stratified bootstrap, the same as
``rlkit.compare``'s curves).

Inputs are run directories (``summary.json``'s ``evaluations`` and ``metrics.csv``'s episode
rows), directories that hold runs (a multirun, ``runs/<agent>-<env>/``), or one compare
directory (its ``results.json``). ``curve_report.py`` draws what this module collects.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.compare.stats import mean_curve
from rlkit.errors import ConfigError

METRICS = ("both", "eval", "episode")
"""What ``metric=`` may draw: both panels, the evaluation return, the training episode return."""

GRID_POINTS = 100
"""Env steps at which the smoothed training returns of a group's seeds are compared."""

RUN_FILES = ("summary.json", "metrics.csv")
"""A directory with one of these is a run (a finished one has both)."""


@dataclass
class Run:
    """One run directory as the plot reads it."""

    path: Path
    summary: dict[str, Any] | None
    """``summary.json``, or ``None`` for a run that has not finished."""
    key: tuple[str, ...]
    """Its configuration without the seed: runs with the same key are seeds of one curve."""
    episodes: tuple[np.ndarray, np.ndarray] | None
    """Env step and return of each ended training episode (``metrics.csv``), if any."""


@dataclass
class Group:
    """The runs (or a compare directory's jobs) drawn as one curve."""

    label: str
    eval_jobs: list[dict[str, Any]] = field(default_factory=list)
    """``[{"evaluations": [{"step", "returns"}, ...]}, ...]``, one per seed (``mean_curve``'s
    input)."""
    episode_jobs: list[dict[str, Any]] = field(default_factory=list)
    """The smoothed training returns on a common step grid, in the same form."""
    runs: list[Run] = field(default_factory=list)


@dataclass
class Curves:
    """Everything one plot shows."""

    title: str
    groups: list[Group]
    eval_episodes: int | None
    """Episodes per evaluation, when all runs agree."""
    smooth: int
    table_runs: list[Run] | None = None
    """The runs of a directory given as input (a multirun): its summary table lists them."""


def find_runs(path: Path) -> list[Path]:
    """``path`` itself if it is a run, else every run below it.

    Raises:
        ConfigError: ``path`` does not exist, or holds no runs.
    """
    if not path.exists():
        raise ConfigError(f"{path} does not exist; give run directories, a multirun directory or a "
                          "compare directory")  # fmt: skip
    if path.is_file():
        raise ConfigError(f"{path} is a file; give the run directory that holds it")
    if any((path / name).is_file() for name in RUN_FILES):
        return [path]
    found = {p.parent for name in RUN_FILES for p in path.rglob(name)}
    if not found:
        raise ConfigError(
            f"{path} holds no runs (no summary.json or metrics.csv below it); give run "
            "directories, a multirun directory or a compare directory"
        )
    return sorted(found)


def is_compare_dir(path: Path) -> bool:
    """Whether ``path`` is a directory written by ``rlkit.compare`` (it has ``results.json``)."""
    return (path / "results.json").is_file() and not (path / "summary.json").is_file()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ConfigError(f"{path} cannot be read: {str(e).splitlines()[0]}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return data


def read_episodes(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Env step and return of each training episode in a ``metrics.csv`` (its rows with an
    ``episode_return``; the log and evaluation rows leave it empty)."""
    if not path.is_file():
        return None
    steps, returns = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row.get("episode_return"):
                steps.append(float(row["step"]))
                returns.append(float(row["episode_return"]))
    return (np.asarray(steps), np.asarray(returns)) if steps else None


def _run_key(run_dir: Path, summary: dict[str, Any] | None) -> tuple[str, ...]:
    """Agent, env and the run's overrides other than its seed (and Hydra's own), sorted."""
    overrides: list[str] = []
    saved = run_dir / ".hydra" / "overrides.yaml"
    if saved.is_file():
        from omegaconf import OmegaConf

        overrides = [str(o) for o in OmegaConf.load(saved)]
    if summary is None and saved.parent.joinpath("config.yaml").is_file():
        from omegaconf import OmegaConf

        cfg = OmegaConf.load(saved.parent / "config.yaml")
        summary = {
            "agent": OmegaConf.select(cfg, "agent.name"),
            "env": OmegaConf.select(cfg, "env.name"),
        }
    agent, env = (summary or {}).get("agent", "?"), (summary or {}).get("env", "?")
    kept = sorted(
        o for o in overrides
        if not o.lstrip("+~").startswith(("seed=", "hydra.", "hydra/", "agent=", "env=", "resume="))
    )  # fmt: skip
    return (f"agent={agent}", f"env={env}", *kept)


def read_run(run_dir: Path) -> Run:
    """A run directory's summary, configuration key and training episodes.

    Raises:
        ConfigError: an unreadable ``summary.json``.
    """
    summary_path = run_dir / "summary.json"
    summary = _read_json(summary_path) if summary_path.is_file() else None
    return Run(run_dir, summary, _run_key(run_dir, summary), read_episodes(run_dir / "metrics.csv"))


def eval_points(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """A run's evaluations (``summary.json``'s periodic ones, then the final one at its last step,
    whose mean return is ``eval_return_mean``)."""
    points = [{"step": e["step"], "returns": e["returns"]} for e in summary.get("evaluations", [])]
    final = summary.get("eval_return_mean")
    if final is not None and (not points or points[-1]["step"] != summary["total_steps"]):
        points.append({"step": summary["total_steps"], "returns": [final]})
    return points


def smoothed(returns: np.ndarray, window: int) -> np.ndarray:
    """The mean of each episode's return and the ``window - 1`` before it (fewer at the start),
    as the progress bar's recent return: single episodes are too noisy to read a trend from."""
    sums = np.cumsum(np.concatenate([[0.0], returns]))
    ends = np.arange(1, len(returns) + 1)
    starts = np.maximum(ends - window, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def episode_jobs(runs: list[Run], window: int) -> list[dict[str, Any]]:
    """The runs' smoothed training returns at common env steps (the span every run covers), in
    ``mean_curve``'s form; runs without ended episodes are left out."""
    series = [r.episodes for r in runs if r.episodes is not None]
    if not series:
        return []
    first = max(float(steps[0]) for steps, _ in series)
    last = min(float(steps[-1]) for steps, _ in series)
    grid = np.unique(np.linspace(first, last, GRID_POINTS).astype(np.int64))
    return [
        {
            "evaluations": [
                {"step": int(s), "returns": [float(v)]}
                for s, v in zip(
                    grid, np.interp(grid, steps, smoothed(returns, window)), strict=True
                )
            ]
        }
        for steps, returns in series
    ]


def band(jobs: list[dict[str, Any]]) -> dict[str, list[float]] | None:
    """``mean_curve`` (mean over seeds and its 95% stratified-bootstrap band) of the jobs with
    evaluations, at the steps they share; ``None`` if there are none."""
    jobs = [j for j in jobs if j["evaluations"]]
    shared = (
        set.intersection(*({e["step"] for e in j["evaluations"]} for j in jobs)) if jobs else set()
    )
    return mean_curve(jobs) if shared else None


def _labels(keys: list[tuple[str, ...]]) -> list[str]:
    """``dqn on cliff``, with the overrides that tell groups apart (those not all of them share)."""
    common = set.intersection(*(set(k) for k in keys))
    same_task = {k[:2] for k in keys} == {keys[0][:2]}
    labels = []
    for key in keys:
        agent, env = key[0].partition("=")[2], key[1].partition("=")[2]
        differing = ", ".join(o for o in key[2:] if o not in common)
        if same_task and differing:  # the title names the agent and env
            labels.append(differing)
        else:
            labels.append(f"{agent} on {env}" + (f" ({differing})" if differing else ""))
    return labels


def group_runs(runs: list[Run], window: int) -> list[Group]:
    """Runs with the same configuration (all but the seed) as one group each, in label order."""
    by_key: dict[tuple[str, ...], list[Run]] = {}
    for run in runs:
        by_key.setdefault(run.key, []).append(run)
    keys = list(by_key)
    groups = [
        Group(
            label=label,
            eval_jobs=[{"evaluations": eval_points(r.summary)} for r in by_key[key] if r.summary],
            episode_jobs=episode_jobs(by_key[key], window),
            runs=by_key[key],
        )
        for key, label in zip(keys, _labels(keys), strict=True)
    ]
    return sorted(groups, key=lambda g: g.label)


def _title(groups: list[Group]) -> str:
    names = sorted({f"{r.key[0][6:]} on {r.key[1][4:]}" for g in groups for r in g.runs})
    seeds = sorted({len(g.runs) for g in groups})
    count = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
    return f"{', '.join(names)}: mean and 95% band over {count} seed{'s' * (seeds != [1])}"


def curves_from_runs(paths: list[Path], window: int) -> Curves:
    """The curves of the runs at or below ``paths``; a directory of runs (not a run itself)
    also gets a summary table.

    Raises:
        ConfigError: a path that does not exist or holds no runs; an unreadable summary.
    """
    runs: dict[Path, Run] = {}
    table = False
    for path in paths:
        found = find_runs(path)
        table = table or found != [path]
        for run_dir in found:
            runs.setdefault(run_dir.resolve(), read_run(run_dir))
    groups = group_runs(list(runs.values()), window)
    episodes = {r.summary["eval_episodes"] for r in runs.values() if r.summary}
    return Curves(
        title=_title(groups),
        groups=groups,
        eval_episodes=episodes.pop() if len(episodes) == 1 else None,
        smooth=window,
        table_runs=list(runs.values()) if table else None,
    )


def curves_from_compare(path: Path) -> Curves:
    """Both libraries' evaluation curves from a compare directory's ``results.json``.

    Raises:
        ConfigError: ``results.json`` cannot be read or is not a comparison's.
    """
    from rlkit.compare.report import LABELS

    results = _read_json(path / "results.json")
    try:
        setup, libraries = results["setup"], results["libraries"]
        groups = [
            Group(label=LABELS.get(lib, lib), eval_jobs=r["jobs"]) for lib, r in libraries.items()
        ]
        title = (
            f"{setup['agent']} on {setup['env']}: mean and 95% band over "
            f"{len(setup['seeds'])} seeds"
        )
    except (KeyError, TypeError) as e:
        raise ConfigError(f"{path / 'results.json'} is not a comparison's results ({e})") from e
    return Curves(title=title, groups=groups, eval_episodes=setup.get("eval_episodes"), smooth=0)
