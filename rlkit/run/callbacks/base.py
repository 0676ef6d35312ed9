"""The callback interface: how everything around the hot loop hooks into a run.

The loop itself only acts, steps the envs, stores and learns (``rlkit/run/loop.py``). Writing
``metrics.csv``, the progress bar, periodic evaluation, keeping the best agent, checkpoints,
stopping on Ctrl-C or at a return are callbacks, each in its own file of this package, and a
user's own callbacks go through the same interface (``rlkit.train(..., callbacks=[...])``).

Stable-Baselines3's ``BaseCallback`` is the model: ``on_training_start``, ``on_step`` (return
``False`` to stop) and ``on_training_end``. Two hooks are rlkit's own: ``on_record`` hears every
row of metrics that the run records (an ended episode, the training metrics, an evaluation), so
that a logger (CSV, TensorBoard, wandb: a file each) is just a callback; ``on_video`` hears of
each video the run records (``video_interval``), so that a logger can show it; and
``on_checkpoint`` comes just before a checkpoint is written, so that whatever the checkpoint
counts (the rows of ``metrics.csv``) is on disk first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from rlkit.run.context import RunContext

RECORD_KINDS = ("episode", "train", "eval")


class Record(NamedTuple):
    """One row of metrics: what ended or was measured, at which env step (epoch for an offline
    agent), and the values by column name (a named tuple: one is made per ended episode)."""

    kind: str
    """``episode`` (an episode ended), ``train`` (the agent's training metrics, every
    ``log_interval``) or ``eval`` (an evaluation of the greedy policy)."""
    step: int
    values: Mapping[str, Any]


class Callback:
    """A hook into a run. Every method does nothing by default: override the ones you need.

    ``run`` (a ``RunContext``) gives the config, the agent, the run directory and the loop's
    state (``run.state.global_step``, ``run.state.episode``, ``run.state.last_return``, ...).
    """

    def on_training_start(self, run: RunContext) -> None:
        """Before the first env step (of this sitting, for a resumed run)."""

    def on_step(self, run: RunContext) -> bool:
        """After every vector-env step (and its update); return ``False`` to stop training."""
        return True

    def on_record(self, run: RunContext, record: Record) -> None:
        """A row of metrics was recorded."""

    def on_video(self, run: RunContext, path: Path) -> None:
        """A video of an evaluation episode was written to ``path``, at ``run.state.global_step``
        (``video_interval``)."""

    def on_checkpoint(self, run: RunContext) -> None:
        """A checkpoint is about to be written: put on disk what it counts."""

    def on_training_end(self, run: RunContext) -> None:
        """After the last checkpoint and the final evaluation, or after a stop by a signal
        (``run.stopped_by`` says which signal); always called, so close files here."""


def _overrides(callback: Callback, name: str) -> bool:
    return getattr(type(callback), name) is not getattr(Callback, name)


class CallbackList:
    """Callbacks called in order. ``on_step`` stops at the first that returns ``False``."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        """Keep ``callbacks`` in order; only those that override ``on_step`` run every step."""
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be rlkit.run.callbacks.Callback instances, "
                    f"got {type(callback).__name__}"
                )
        # Bound methods of those that step, looked up once: on_step runs at every env step.
        self._step_hooks = tuple(c.on_step for c in self.callbacks if _overrides(c, "on_step"))

    def on_training_start(self, run: RunContext) -> None:
        """Call every ``on_training_start``."""
        for callback in self.callbacks:
            callback.on_training_start(run)

    def on_step(self, run: RunContext) -> bool:
        """Call ``on_step`` in order; ``False`` as soon as one asks to stop."""
        for on_step in self._step_hooks:
            if not on_step(run):
                return False
        return True

    def on_record(self, run: RunContext, record: Record) -> None:
        """Pass a record to every callback."""
        for callback in self.callbacks:
            callback.on_record(run, record)

    def on_video(self, run: RunContext, path: Path) -> None:
        """Tell every callback of a video."""
        for callback in self.callbacks:
            callback.on_video(run, path)

    def on_checkpoint(self, run: RunContext) -> None:
        """Call every ``on_checkpoint``."""
        for callback in self.callbacks:
            callback.on_checkpoint(run)

    def on_training_end(self, run: RunContext) -> None:
        """Call every ``on_training_end``, even if an earlier one raised (then raise that)."""
        error: BaseException | None = None
        for callback in self.callbacks:
            try:
                callback.on_training_end(run)
            except BaseException as e:
                error = error or e
        if error is not None:
            raise error
