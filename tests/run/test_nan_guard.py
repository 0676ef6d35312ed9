"""A run whose numbers go NaN stops with one line and never checkpoints them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rlkit
from rlkit.errors import TrainingDiverged
from rlkit.run.callbacks import Callback
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint


class PoisonAt(Callback):
    """Puts inf into the Q-table once ``step`` env steps are taken (NaN would break the greedy
    choice before any guard could see it; inf makes the TD errors NaN)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step(self, run: Any) -> bool:
        if run.state.global_step == self.step:
            run.agent.q_table[:] = np.inf
        return True


def test_nan_in_the_loss_stops_the_run_and_keeps_the_last_good_checkpoint(in_tmp: Path) -> None:
    with pytest.raises(TrainingDiverged) as info:
        rlkit.train(
            "qlearning", "cliff", total_steps=5000, log_interval=500, checkpoint_interval=1000,
            progress=False, run_dir="run", callbacks=[PoisonAt(1700)],
        )  # fmt: skip
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("training diverged at step 2,000: loss=")
    checkpoint = Path("run").resolve() / CHECKPOINT_NAME
    assert f"the last good checkpoint is {checkpoint} (step 1,000)" in message
    state = load_checkpoint(Path("run") / CHECKPOINT_NAME)
    assert state["loop"]["global_step"] == 1000 and np.isfinite(state["agent"]["q_table"]).all()
    # It resumes from there.
    resumed = rlkit.train(resume="run", progress=False)
    assert resumed.summary["total_steps"] == 5000


def test_non_finite_weights_are_never_checkpointed(in_tmp: Path) -> None:
    # The weights go NaN just before a checkpoint, with no training row in between.
    with pytest.raises(TrainingDiverged, match=r"at step 1,000: the agent's state\['q_table'\]"):
        rlkit.train(
            "qlearning", "cliff", total_steps=3000, log_interval=5000, checkpoint_interval=1000,
            progress=False, run_dir="run", callbacks=[PoisonAt(999)],
        )  # fmt: skip
    assert not (Path("run") / CHECKPOINT_NAME).exists()


def test_the_cli_says_it_in_one_line(in_tmp: Path) -> None:
    from helpers import run_cli

    result = run_cli("agent=dqn", "env=cartpole", "total_steps=3000", "agent.lr=1e30",
                     "agent.learning_starts=100", "log_interval=500", "progress=false",
                     "device=cpu", cwd=in_tmp)  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    # NumPy may warn of the overflow on its way; rlkit's own line is the last, and no traceback.
    assert result.stderr.splitlines()[-1].startswith("error: training diverged at step")
    assert "Traceback" not in result.stderr
