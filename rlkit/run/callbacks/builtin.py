"""Which callbacks a run's config turns on, in the order they run (the loop and the offline
agents' run both take them from here)."""

from __future__ import annotations

from pathlib import Path

from rlkit.config.schema import Config
from rlkit.run.callbacks.base import Callback
from rlkit.run.callbacks.checkpoints import PeriodicCheckpoint
from rlkit.run.callbacks.csv_logger import CSVLogger
from rlkit.run.callbacks.evaluation import PeriodicEvaluation
from rlkit.run.callbacks.nan_guard import NaNGuard
from rlkit.run.callbacks.progress import ProgressBar
from rlkit.run.callbacks.stop_at_return import StopAtReturn
from rlkit.run.callbacks.tensorboard_logger import TensorBoardLogger
from rlkit.run.callbacks.train_log import TrainingMetrics
from rlkit.run.callbacks.video_recorder import VideoRecorder
from rlkit.run.callbacks.wandb_logger import WandbLogger


def builtin_callbacks(cfg: Config, resumed_from: Path | None = None) -> list[Callback]:
    """The callbacks every run has, in the order they run: ``metrics.csv``, the training
    metrics, the NaN guard, the loggers that are on, periodic evaluation, videos, stop at a
    return, periodic checkpoints, the progress bar."""
    callbacks: list[Callback] = [CSVLogger(resumed_from), TrainingMetrics(), NaNGuard()]
    callbacks += logger_callbacks(cfg, resumed_from)
    if cfg.eval_interval is not None:
        callbacks.append(PeriodicEvaluation())
    if cfg.video_interval is not None:
        callbacks.append(VideoRecorder(cfg.video_interval))
    if cfg.stop_at_return is not None:
        callbacks.append(StopAtReturn(cfg.stop_at_return))
    if cfg.checkpoint_interval is not None:
        callbacks.append(PeriodicCheckpoint())
    if cfg.progress:
        callbacks.append(ProgressBar())
    return callbacks


def logger_callbacks(cfg: Config, resumed_from: Path | None = None) -> list[Callback]:
    """The loggers besides ``metrics.csv`` that ``cfg.logger`` turns on (TensorBoard, W&B)."""
    loggers: list[Callback] = []
    if cfg.logger.tensorboard:
        loggers.append(TensorBoardLogger())
    if cfg.logger.wandb:
        loggers.append(WandbLogger(resumed_from))
    return loggers
