"""What a comparison writes: ``results.json`` (every number), ``table.md`` and ``curves.png``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LABELS = {"rlkit": "rlkit", "sb3": "Stable-Baselines3"}


def write_report(out: Path, results: dict[str, Any]) -> None:
    """Write the three files of a finished comparison into ``out``."""
    (out / "results.json").write_text(json.dumps(results, indent=1))
    (out / "table.md").write_text(markdown_table(results))
    plot_curves(results, out / "curves.png")


def _interval(point: float, ci: list[float]) -> str:
    return f"{point:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]"


def markdown_table(results: dict[str, Any]) -> str:
    """The comparison's table: per library the final evaluation's IQM and mean with their 95%
    stratified-bootstrap intervals, the median, each seed's return, wall time and speed."""
    setup = results["setup"]
    lines = [
        f"{setup['agent']} on {setup['env']} ({setup['env_id']}), {setup['total_steps']:,} env "
        f"steps, seeds {', '.join(map(str, setup['seeds']))}; final evaluation: "
        f"{setup['eval_episodes']} deterministic episodes per seed.",
        "",
        "| library | IQM [95% CI] | mean [95% CI] | median | per seed | wall time (s) "
        "| env steps/s | speed ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    speed = {lib: r["env_steps_per_s"] for lib, r in results["libraries"].items()}
    for library, r in results["libraries"].items():
        per_seed = ", ".join(f"{x:.1f}" for x in r["final_returns"])
        lines.append(
            f"| {LABELS[library]} | {_interval(r['iqm'], r['iqm_ci95'])} "
            f"| {_interval(r['mean'], r['mean_ci95'])} | {r['median']:.2f} | {per_seed} "
            f"| {r['wall_time_s']:.1f} | {r['env_steps_per_s']:,.0f} "
            f"| {r['env_steps_per_s'] / speed['sb3']:.2f}x |"
        )
    lines += [
        "",
        "Intervals: rliable's stratified bootstrap over seeds. Env steps/s: env steps over "
        "training time (evaluations left out), the median over seeds; wall time: the sum "
        "over seeds. Speed ratio: against Stable-Baselines3.",
        "",
    ]
    return "\n".join(lines)


def plot_curves(results: dict[str, Any], path: Path) -> None:
    """Evaluation return against env steps: each library's mean over seeds and its 95% band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setup = results["setup"]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for library, r in results["libraries"].items():
        curve = r["curve"]
        (line,) = ax.plot(curve["steps"], curve["mean"], label=LABELS[library], lw=2)
        ax.fill_between(
            curve["steps"], curve["low"], curve["high"], color=line.get_color(), alpha=0.2
        )
    ax.set_xlabel("env steps")
    ax.set_ylabel(f"evaluation return ({setup['eval_episodes']} episodes)")
    ax.set_title(
        f"{setup['agent']} on {setup['env']}: mean and 95% band over {len(setup['seeds'])} seeds"
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
