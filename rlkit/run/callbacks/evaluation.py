"""Periodic evaluation (``eval_interval``) and keeping the best agent (``save_best``)."""

from __future__ import annotations

import math
import shutil
from typing import TYPE_CHECKING, Any

from omegaconf import OmegaConf

import rlkit
from rlkit.run.callbacks.base import Callback
from rlkit.run.evaluate import evaluation_record
from rlkit.storage.checkpoint import BEST_DIR, CHECKPOINT_NAME, save_checkpoint

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class PeriodicEvaluation(Callback):
    """Every ``eval_interval`` env steps: ``eval_episodes`` greedy episodes on a fresh env, a
    record (a row of ``metrics.csv``), a line on the console and an entry in ``summary.json``'s
    ``evaluations``; with ``save_best``, the agent of the best one so far in ``<run>/best``
    (Stable-Baselines3's ``EvalCallback``)."""

    def on_step(self, run: RunContext) -> bool:
        """Evaluate when an interval has passed."""
        s = run.state
        if s.global_step < s.next_eval:
            return True
        returns = run.evaluate()
        run.record(
            "eval", eval_return_mean=float(returns.mean()), eval_return_std=float(returns.std())
        )
        # The training time before each evaluation, earlier sittings included; kept out of
        # metrics.csv, which must not depend on time.
        s.train_time_s = run.train_time()
        s.evaluations.append(evaluation_record(s.global_step, s.train_time_s, returns))
        best = run.cfg.save_best and is_best(s.evaluations)
        if best:
            save_best(run)
        run.print(
            f"eval at step {s.global_step:,} after {s.train_time_s:.0f} s of training: "
            f"return {returns.mean():.2f} ± {returns.std():.2f}"
            + (f" (best so far: kept in {run.run_dir / BEST_DIR})" if best else "")
        )
        s.next_eval += run.cfg.eval_interval or math.inf
        return True


def is_best(evaluations: list[dict[str, Any]]) -> bool:
    """Whether the last evaluation beats every earlier one (an equal score keeps the earlier)."""
    return all(e["return_mean"] < evaluations[-1]["return_mean"] for e in evaluations[:-1])


def save_best(run: RunContext) -> None:
    """Write the agent as a loadable run directory ``<run>/best``: its config and a checkpoint
    of the agent alone (no loop state, so it is not mistaken for a training state to resume)."""
    best = run.run_dir / BEST_DIR
    (best / ".hydra").mkdir(parents=True, exist_ok=True)
    config = run.run_dir / ".hydra" / "config.yaml"
    if config.is_file():
        shutil.copyfile(config, best / ".hydra" / "config.yaml")
    else:  # a run started from a Config in Python, without a .hydra directory
        OmegaConf.save(OmegaConf.structured(run.cfg), best / ".hydra" / "config.yaml")
    save_checkpoint(
        best / CHECKPOINT_NAME,
        {
            "meta": {
                "agent": run.cfg.agent.name,
                "env": run.cfg.env.name,
                "env_id": run.cfg.env.id,
                "step": int(run.state.global_step),
                "rlkit_version": rlkit.__version__,
            },
            "agent": run.agent.state_dict(include_buffer=False),  # a policy, not a training state
        },
    )
