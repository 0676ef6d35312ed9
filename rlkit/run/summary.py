"""A run's first console line (which update runs), ``summary.json`` and its closing line."""

from __future__ import annotations

import json
import time
from typing import Any

from rich.console import Console

import rlkit
from rlkit.agents.protocol import Agent
from rlkit.envkit.make import make_env
from rlkit.run.context import RunContext

SUMMARY_KEYS = (
    "agent",
    "env",
    "seed",
    "total_steps",
    "eval_episodes",
    "eval_return_mean",
    "eval_return_std",
    "wall_time_s",
    "env_steps_per_s",
    "evaluations",
    "update",
    "rlkit_version",
)


def print_update(console: Console, agent: Agent) -> None:
    """The run's first line: which code computes the agent's update (``summary.json`` says it
    too), so that the code a student reads is the code they know to be running."""
    console.print(
        f"update: {agent.describe_update()}", markup=False, highlight=False, soft_wrap=True
    )


def finish(
    run: RunContext, started: float, steps_run: int, returns: Any, offline: bool = False
) -> dict[str, Any]:
    """Write the agent's report and ``summary.json``, print the closing line; return the summary.

    ``returns`` are the final evaluation's episode returns; ``steps_run`` the env steps of this
    sitting (a resumed run's speed counts only those).
    """
    report_env = make_env(run.cfg.env)
    report = run.agent.write_report(run.run_dir, report_env)
    report_env.close()
    train_time = run.sitting_time()
    eval_mean = float(returns.mean()) if len(returns) else None
    eval_std = float(returns.std()) if len(returns) else None
    summary = {
        "agent": run.cfg.agent.name,
        "env": run.cfg.env.name,
        "seed": run.cfg.seed,
        "total_steps": 0 if offline else run.state.global_step,
        "eval_episodes": run.cfg.eval_episodes,
        "eval_return_mean": eval_mean,
        "eval_return_std": eval_std,
        "wall_time_s": round(time.perf_counter() - started, 3),
        "env_steps_per_s": round(steps_run / max(train_time, 1e-9), 1),
        "evaluations": run.state.evaluations,
        "update": run.agent.update_backend,
        "rlkit_version": rlkit.__version__,
    }
    assert tuple(summary) == SUMMARY_KEYS
    (run.run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if report:
        run.console.print(report, markup=False, highlight=False, soft_wrap=True, end="")
    eval_text = (
        "no evaluation"
        if eval_mean is None
        else f"eval return {eval_mean:.2f} ± {eval_std:.2f} over {run.cfg.eval_episodes} episodes"
    )
    speed = (
        f"fitted to the dataset in {train_time:.1f} s"
        if offline
        else f"{steps_run:,} steps in {train_time:.1f} s "
        f"({summary['env_steps_per_s']:,.0f} steps/s)"
    )
    run.print(f"{eval_text} | {speed}")
    return summary
