"""TensorBoard (``logger.tensorboard=true``): event files in ``<run>/tb/``, the metrics under
the names of ``rlkit/run/namespace.py`` at the global env step; ``tensorboard --logdir runs/``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlkit.envkit.video import gif_of_video
from rlkit.run.callbacks.base import Callback, Record
from rlkit.run.namespace import VIDEO, MetricStream

if TYPE_CHECKING:
    from rlkit.run.context import RunContext

TB_DIR = "tb"
"""The event files' folder in the run directory."""


class TensorBoardLogger(Callback):
    """Every record as scalars, and each ``video_interval`` video as an animated image.

    A video goes in as a GIF in an image summary, which TensorBoard's Images tab plays: what
    ``SummaryWriter.add_video`` writes, without its need for moviepy (whose 2.x releases it
    cannot use).
    """

    def __init__(self) -> None:
        """Nothing is opened before training starts."""
        self.writer: Any = None
        self.stream: MetricStream | None = None

    def on_training_start(self, run: RunContext) -> None:
        """Open the event file (PyTorch's ``SummaryWriter``)."""
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(run.run_dir / TB_DIR))
        self.stream = MetricStream(run.cfg.agent.name, sps=run.envs is not None)
        self.stream.start(run.state.global_step)

    def on_record(self, run: RunContext, record: Record) -> None:
        """Add the record's scalars at its step."""
        assert self.stream is not None
        for name, value in self.stream.scalars(record.kind, record.step, record.values).items():
            self.writer.add_scalar(name, value, record.step)

    def on_video(self, run: RunContext, path: Path) -> None:
        """Add the video as an animated GIF at the current step."""
        from tensorboard.compat.proto.summary_pb2 import Summary

        gif, height, width = gif_of_video(path)
        image = Summary.Image(height=height, width=width, colorspace=3, encoded_image_string=gif)
        summary = Summary(value=[Summary.Value(tag=VIDEO, image=image)])
        # add_video's own route to the event file, minus its moviepy encoding step.
        self.writer._get_file_writer().add_summary(summary, run.state.global_step)

    def on_checkpoint(self, run: RunContext) -> None:
        """Flush, so the events reach disk at least as often as checkpoints do."""
        if self.writer is not None:
            self.writer.flush()

    def on_training_end(self, run: RunContext) -> None:
        """Close the event file."""
        if self.writer is not None:
            self.writer.close()
