"""One job of a comparison: one library trained on one seed, evaluated on a schedule.

Both libraries are evaluated by the same function, SB3's own ``evaluate_policy`` (an rlkit agent
has SB3's ``predict``), with the same evaluation env seeds, episode count and deterministic
actions as an rlkit run's evaluations, at the first env step at or past
each multiple of ``eval_interval``, and once more at the end. Training time runs from the start of
training to its last env step, less the time spent evaluating.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.config.schema import Config, EnvConfig
from rlkit.envkit.make import make_env
from rlkit.run.callbacks.base import Callback
from rlkit.run.evaluate import EVAL_SEED_OFFSET

LIBRARIES = ("rlkit", "sb3")
PROGRESS_FILE = "progress.json"
RESULT_FILE = "result.json"


class EvaluationSchedule:
    """The evaluations of one job, the training time between them, and its progress file."""

    def __init__(
        self, env_cfg: EnvConfig, seed: int, interval: int, episodes: int, job_dir: Path
    ) -> None:
        self.env_cfg, self.seed, self.interval, self.episodes = env_cfg, seed, interval, episodes
        self.job_dir = job_dir
        self.evaluations: list[dict[str, Any]] = []
        self.next_eval = interval
        self.started = self.last_step_at = time.perf_counter()
        self.eval_time = 0.0
        self._progress_at = 0.0

    def start(self) -> None:
        """Training starts now."""
        self.started = self.last_step_at = time.perf_counter()

    def step(self, policy: Any, global_step: int) -> None:
        """After an env step: evaluate if one is due, and now and then say how far the job is."""
        self.last_step_at = time.perf_counter()
        if global_step >= self.next_eval:
            self.evaluate(policy, global_step)
            while self.next_eval <= global_step:
                self.next_eval += self.interval
        if self.last_step_at - self._progress_at > 0.5:
            self._progress_at = self.last_step_at
            _write_json(self.job_dir / PROGRESS_FILE, {"step": global_step})

    def evaluate(self, policy: Any, global_step: int) -> None:
        """Evaluate the policy now; its time is not training time."""
        began = time.perf_counter()
        returns = sb3_evaluate(policy, self.env_cfg, self.episodes, self.seed + EVAL_SEED_OFFSET)
        self.eval_time += time.perf_counter() - began
        self.evaluations.append({"step": int(global_step), "returns": [float(r) for r in returns]})

    def finish(self, policy: Any, global_step: int) -> None:
        """After the last env step: the final evaluation, unless one was just made there."""
        if not self.evaluations or self.evaluations[-1]["step"] != global_step:
            self.evaluate(policy, global_step)

    def train_time(self) -> float:
        """Seconds from the start of training to its last env step, evaluations left out."""
        return self.last_step_at - self.started - self.eval_time


class _RlkitEvaluations(Callback):
    """The schedule as an rlkit callback."""

    def __init__(self, schedule: EvaluationSchedule) -> None:
        self.schedule = schedule

    def on_training_start(self, run: Any) -> None:
        self.schedule.start()

    def on_step(self, run: Any) -> bool:
        self.schedule.step(run.agent, run.state.global_step)
        return True

    def on_training_end(self, run: Any) -> None:
        self.schedule.finish(run.agent, run.state.global_step)


def sb3_evaluate(model: Any, env_cfg: EnvConfig, episodes: int, seed: int) -> list[float]:
    """Returns of ``episodes`` deterministic episodes by SB3's ``evaluate_policy``, for an SB3
    model or an rlkit agent alike: one env, its first reset seeded ``seed`` and the later ones
    continuing its random stream, as ``rlkit.run.evaluate.evaluate`` plays them."""
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    env = DummyVecEnv([lambda: Monitor(make_env(env_cfg))])
    env.seed(seed)
    try:
        returns, _ = evaluate_policy(
            model, env, n_eval_episodes=episodes, deterministic=True, return_episode_rewards=True
        )
    finally:
        env.close()
    assert isinstance(returns, list)  # return_episode_rewards=True: one return per episode
    return [float(r) for r in returns]


def run_job(
    library: str, overrides: list[str], seed: int, interval: int, episodes: int, job_dir: Path
) -> dict[str, Any]:
    """Train ``library`` (``rlkit`` or ``sb3``) on the config of ``overrides`` with ``seed``; its
    evaluations, env steps, training and wall time, also written to ``<job_dir>/result.json``."""
    from rlkit.config.compose import compose_config

    job_dir.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    job_overrides = [*overrides, f"seed={seed}", "eval_interval=null", "eval_episodes=0"]
    _, config = compose_config([*job_overrides, "progress=false"])
    schedule = EvaluationSchedule(config.env, seed, interval, episodes, job_dir)
    with (job_dir / "log.txt").open("w") as log, contextlib.redirect_stdout(log):
        if library == "rlkit":
            steps = _train_rlkit(job_overrides, job_dir, schedule)
        else:
            steps = _train_sb3(config, schedule)
    result = {
        "library": library,
        "seed": seed,
        "env_steps": steps,
        "train_time_s": schedule.train_time(),
        "wall_time_s": time.perf_counter() - began,
        "env_steps_per_s": steps / schedule.train_time(),
        "evaluations": schedule.evaluations,
        "final_return": float(np.mean(schedule.evaluations[-1]["returns"])),
    }
    _write_json(job_dir / RESULT_FILE, result)
    return result


def _train_rlkit(overrides: list[str], job_dir: Path, schedule: EvaluationSchedule) -> int:
    from rlkit.api import train

    run = train(
        run_dir=job_dir / "run",
        overrides=[*overrides, "progress=false"],
        callbacks=[_RlkitEvaluations(schedule)],
    )
    return int(run.summary["total_steps"])


def _train_sb3(config: Config, schedule: EvaluationSchedule) -> int:
    from stable_baselines3.common.callbacks import BaseCallback

    from rlkit.compare.sb3_model import sb3_model

    model = sb3_model(config)

    class _SB3Evaluations(BaseCallback):
        def _on_training_start(self) -> None:
            schedule.start()

        def _on_step(self) -> bool:
            schedule.step(model, self.num_timesteps)
            return self.num_timesteps < config.total_steps or _rollout_ends(self.locals)

    model.learn(total_timesteps=config.total_steps, callback=_SB3Evaluations())
    schedule.finish(model, model.num_timesteps)
    model.get_env().close()
    return int(model.num_timesteps)


def _rollout_ends(rollout: dict[str, Any]) -> bool:
    """Whether SB3's rollout ends with this step (SB3 trains next, as rlkit does at its last
    step). SB3 collects whole rollouts of ``train_freq`` and would run past the budget (768 steps
    of a 600-step budget with ``train_freq=256``); rlkit stops at it, so SB3 is stopped there."""
    train_freq = rollout["train_freq"]
    if train_freq.unit.value == "step":
        return bool(rollout["num_collected_steps"] >= train_freq.frequency)
    ended = rollout["num_collected_episodes"] + int(np.sum(rollout["dones"]))
    return ended >= train_freq.frequency


def _write_json(path: Path, data: Any) -> None:
    """Write JSON whole (a temporary file renamed), so that a reader never sees half of it."""
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data, indent=1))
    partial.replace(path)
