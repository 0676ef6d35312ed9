"""What ``python -m rlkit.plot`` writes: the learning-curve PNG and, for a directory of runs, a
Markdown summary table next to it. ``learning_curves.py`` collects the numbers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlkit.errors import ConfigError
from rlkit.tools.learning_curves import (
    METRICS,
    Curves,
    band,
    curves_from_compare,
    curves_from_runs,
    is_compare_dir,
)

DEFAULT_NAME = "learning_curves.png"
"""The PNG's name when ``out=`` names no file (a compare directory's own is ``curves.png``)."""


@dataclass
class PlotRequest:
    """What the command line asked for."""

    paths: list[Path]
    out: Path | None = None
    metric: str = "both"
    smooth: int = 20
    overwrite: bool = False


def plot(request: PlotRequest) -> list[Path]:
    """Collect the curves of ``request.paths``, draw them and write the table; return the files.

    Raises:
        ConfigError: no paths; a path that does not exist or holds no runs; run directories mixed
            with a compare directory; a bad ``metric``/``out``; an output file that exists
            (without ``overwrite``).
    """
    if not request.paths:
        raise ConfigError("give run directories, a multirun directory or a compare directory")
    if request.metric not in METRICS:
        raise ConfigError(f"metric={request.metric}; valid choices: {', '.join(METRICS)}")
    compares = [p for p in request.paths if p.is_dir() and is_compare_dir(p)]
    if compares and len(request.paths) > 1:
        raise ConfigError("give one compare directory alone, or run directories without one")
    if compares and request.metric == "episode":
        raise ConfigError("a compare directory holds evaluations only: metric=eval")
    curves = (
        curves_from_compare(compares[0])
        if compares
        else curves_from_runs(request.paths, request.smooth)
    )
    png = output_path(request.paths, request.out)
    table = png.with_suffix(".md") if curves.table_runs else None
    for path in (png, table):
        if path is not None and path.exists() and not request.overwrite:
            raise ConfigError(f"{path} exists; give out=<another file or directory>, or "
                              "overwrite=true to replace it")  # fmt: skip
    png.parent.mkdir(parents=True, exist_ok=True)
    metrics = ("eval",) if compares else _panels(request.metric, curves)
    draw(curves, metrics, png)
    if table is not None:
        table.write_text(summary_table(curves))
    return [png] if table is None else [png, table]


def output_path(paths: list[Path], out: Path | None) -> Path:
    """``out`` if it names a ``.png``; ``<out>/learning_curves.png`` for a directory; without
    ``out``, the PNG goes into the one directory given (or the common parent of several).

    Raises:
        ConfigError: ``out`` names a file that is not a ``.png``.
    """
    if out is None:
        base = (
            paths[0] if len(paths) == 1 else Path(os.path.commonpath([p.resolve() for p in paths]))
        )
        return base / DEFAULT_NAME
    if out.suffix.lower() == ".png":
        return out
    if out.suffix and not out.is_dir():
        raise ConfigError(f"out={out}: give a .png file or a directory")
    return out / DEFAULT_NAME


def _panels(metric: str, curves: Curves) -> tuple[str, ...]:
    """The panels to draw: with ``both``, those the runs have data for."""
    if metric != "both":
        return (metric,)
    has_episodes = any(g.episode_jobs for g in curves.groups)
    return ("eval", "episode") if has_episodes else ("eval",)


def draw(curves: Curves, metrics: tuple[str, ...], path: Path) -> None:
    """One panel per metric (``eval``, ``episode``): each group's mean over seeds and its 95%
    band against env steps.

    Raises:
        ConfigError: no run has the data a panel needs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(6.4 * len(metrics), 4.4), dpi=120,
                             squeeze=False)  # fmt: skip
    try:
        for ax, metric in zip(axes[0], metrics, strict=True):
            _draw_panel(ax, curves, metric)
        handles, labels = axes[0][0].get_legend_handles_labels()
        many = len(labels) > 4
        rows = 0
        if len(labels) > 1:  # one curve: the title names it
            fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3 if many else 4),
                       fontsize=8 if many else 9, frameon=False)  # fmt: skip
            rows = (len(labels) + 2) // 3 if many else 1
        fig.suptitle(curves.title, fontsize=11)
        fig.tight_layout(rect=(0, 0.04 * rows + (0.04 if rows else 0), 1, 1))
        fig.savefig(path)
    finally:
        plt.close(fig)


def _draw_panel(ax: Any, curves: Curves, metric: str) -> None:
    drawn, single_points = 0, True
    for group in curves.groups:
        curve = band(group.eval_jobs if metric == "eval" else group.episode_jobs)
        if curve is None:
            continue
        few = len(curve["steps"]) <= 12
        (line,) = ax.plot(curve["steps"], curve["mean"], lw=2, label=group.label,
                          marker="o" if few else None, ms=4)  # fmt: skip
        ax.fill_between(curve["steps"], curve["low"], curve["high"], color=line.get_color(),
                        alpha=0.2, lw=0)  # fmt: skip
        drawn += 1
        single_points = single_points and len(curve["steps"]) == 1
    if not drawn:
        what = "evaluations (summary.json)" if metric == "eval" else "episodes (metrics.csv)"
        raise ConfigError(f"no run here has {what} for metric={metric}")
    episodes = f"{curves.eval_episodes} episodes" if curves.eval_episodes else "greedy episodes"
    ax.set_title(
        f"evaluation return ({episodes})"
        if metric == "eval"
        else f"training episode return (mean of the last {curves.smooth})",
        fontsize=10,
    )
    if metric == "eval" and single_points:
        ax.text(0.5, 0.04, "final evaluation only: eval_interval=N draws a curve",
                transform=ax.transAxes, ha="center", fontsize=8, color="0.4")  # fmt: skip
    ax.set_xlabel("env steps")
    ax.set_ylabel("return")
    ax.xaxis.set_major_formatter(_steps_label)
    ax.grid(alpha=0.3)


def _steps_label(x: float, _: object = None) -> str:
    """Env steps as 500, 20k, 1.5M: easier to read than 2.0 with a ×10⁴ in the corner."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(x) >= size:
            return f"{x / size:g}{unit}"
    return f"{x:g}"


def summary_table(curves: Curves) -> str:
    """Markdown: each run's seed, final evaluation return, wall time and env steps/s, then per
    group the mean and IQM of the final returns with 95% stratified-bootstrap intervals."""
    from rlkit.compare.stats import score_statistics

    lines = [
        f"{curves.title.split(':')[0]}",
        "",
        "| run | seed | final eval return | wall time (s) | env steps/s |",
        "|---|---|---|---|---|",
    ]
    stats_lines = []
    for group in curves.groups:
        finals = []
        for run in group.runs:
            s = run.summary or {}
            final = s.get("eval_return_mean")
            finals += [final] if final is not None else []
            cells = [_run_name(run.path), str(s.get("seed", "-")),
                     _number(final, s.get("eval_return_std")), _number(s.get("wall_time_s")),
                     _number(s.get("env_steps_per_s"), digits=0)]  # fmt: skip
            lines.append(f"| {' | '.join(cells)} |")
        if finals:
            st = score_statistics(finals)
            stats_lines.append(
                f"- {group.label}: mean {st['mean']:.2f} [{st['mean_ci95'][0]:.2f}, "
                f"{st['mean_ci95'][1]:.2f}], IQM {st['iqm']:.2f} [{st['iqm_ci95'][0]:.2f}, "
                f"{st['iqm_ci95'][1]:.2f}] over {len(finals)} run{'s' * (len(finals) != 1)}"
            )
    notes = ["", "Mean and IQM of the final returns with 95% stratified-bootstrap intervals "
             "(rliable):", "", *stats_lines, ""]  # fmt: skip
    return "\n".join(lines + (notes if stats_lines else [""]))


def _run_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _number(value: Any, std: Any = None, digits: int = 2) -> str:
    if value is None:
        return "-"
    text = f"{value:,.{digits}f}"
    return f"{text} ± {std:.{digits}f}" if std is not None else text
