"""Weights & Biases (``logger.wandb=true``): a W&B run in ``<run>/wandb/``, offline unless
``logger.wandb_mode=online``, with the resolved config, the metrics under the names of
``rlkit/run/namespace.py`` against ``global_step``, and the ``video_interval`` videos.

A resumed run (``resume=<dir>``) continues the W&B run of the run it resumes: the id is kept in
``<run>/wandb/run_id.txt``. Offline, nothing touches the network; ``wandb sync
<run>/wandb/offline-run-*`` uploads a run later.
"""

from __future__ import annotations

import dataclasses
import netrc
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rlkit.config.schema import Config, LoggerConfig
from rlkit.errors import ConfigError
from rlkit.run.callbacks.base import Callback, Record
from rlkit.run.namespace import VIDEO, MetricStream

if TYPE_CHECKING:
    from rlkit.run.context import RunContext

WANDB_DIR = "wandb"
"""W&B's folder in the run directory (W&B names it)."""
RUN_ID_FILE = Path(WANDB_DIR) / "run_id.txt"
"""Where a run keeps its W&B run id, for a resumed run to continue."""
STEP = "global_step"
"""The x-axis of every W&B chart: the env step, not W&B's own count of ``log`` calls (which a
resumed run would restart from a later point than the rows it repeats)."""


def check_wandb(cfg: LoggerConfig) -> None:
    """Raise a one-line ``ConfigError`` if ``logger.wandb=true`` cannot start here: wandb does not
    import, or ``logger.wandb_mode=online`` finds no API key. Nothing is contacted.

    Raises:
        ConfigError: saying why, and how to go on without it.
    """
    if not cfg.wandb:
        return
    off = "turn it off with logger.wandb=false"
    try:
        import wandb  # noqa: F401
    except Exception as e:  # an ImportError, or a broken install failing otherwise
        raise ConfigError(
            f"logger.wandb=true, but wandb does not import ({type(e).__name__}: {e}); install "
            f"it (pip install wandb) or {off}"
        ) from e
    if cfg.wandb_mode == "online" and not _has_api_key():
        raise ConfigError(
            "logger.wandb_mode=online needs a W&B API key, and neither WANDB_API_KEY nor "
            "~/.netrc (`wandb login`) has one; log offline with logger.wandb_mode=offline "
            f"(and `wandb sync` later), or {off}"
        )


def _has_api_key() -> bool:
    """Whether W&B would find a key: ``WANDB_API_KEY``, or a ``.netrc`` entry for its host (where
    ``wandb login`` keeps it)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai")).hostname
    path = os.environ.get("NETRC") or str(Path.home() / ".netrc")
    try:
        return netrc.netrc(path).authenticators(host or "") is not None
    except (OSError, netrc.NetrcParseError):
        return False


class WandbLogger(Callback):
    """Logs every record (and each video) to a W&B run that lives as long as the training.

    W&B starts a service process, about a second and a half of waiting on a 2-core machine: it
    starts in a thread while training goes on, and what is logged before it is up is kept, in
    order, and sent when it is (``wandb`` itself imported in the pre-run checks, so a broken
    install still stops the run before it starts)."""

    def __init__(self, resumed_from: Path | None = None) -> None:
        """``resumed_from``: the run directory whose W&B run to continue (``resume=``)."""
        self.resumed_from = resumed_from
        self.wandb_run: Any = None
        self.stream: MetricStream | None = None
        self._starting: Future[Any] | None = None
        self._waiting: list[dict[str, Any]] = []

    def on_training_start(self, run: RunContext) -> None:
        """Start (or continue) the W&B run in the background, quietly: the run's console stays
        rlkit's."""
        starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wandb-start")
        self._starting = starter.submit(start_wandb_run, run.cfg, run.run_dir, self.resumed_from)
        starter.shutdown(wait=False)
        self.stream = MetricStream(run.cfg.agent.name, sps=run.envs is not None)
        self.stream.start(run.state.global_step)

    def on_record(self, run: RunContext, record: Record) -> None:
        """Log the record's scalars at its env step."""
        assert self.stream is not None
        scalars = self.stream.scalars(record.kind, record.step, record.values)
        if scalars:
            self._log({STEP: record.step, **scalars})

    def on_video(self, run: RunContext, path: Path) -> None:
        """Log the video (W&B copies the ``.mp4`` into its run)."""
        import wandb

        video = wandb.Video(str(path), format="mp4")
        self._log({STEP: run.state.global_step, VIDEO: video}, wait=True)

    def on_training_end(self, run: RunContext) -> None:
        """Send what waits, and finish the W&B run (marked failed if a signal stopped
        training)."""
        if self._starting is None:
            return
        self._log(None, wait=True)
        self.wandb_run.finish(exit_code=0 if run.stopped_by is None else 1)

    def _log(self, data: dict[str, Any] | None, wait: bool = False) -> None:
        """Log ``data`` once the W&B run is up (``wait``: wait for it), keeping what comes
        before; ``None`` sends only what waits."""
        if data is not None:
            self._waiting.append(data)
        if self.wandb_run is None:
            assert self._starting is not None
            if not (wait or self._starting.done()):
                return
            self.wandb_run = self._starting.result()  # W&B's own error, if it failed to start
        for waiting in self._waiting:
            self.wandb_run.log(waiting)
        self._waiting.clear()


def start_wandb_run(cfg: Config, run_dir: Path, resumed_from: Path | None) -> Any:
    """``wandb.init`` in ``run_dir/wandb`` with the config's mode, project, group and tags and
    the resolved config; the same run id as ``resumed_from``'s W&B run, if it had one."""
    import wandb

    run_id = None
    if resumed_from is not None and (resumed_from / RUN_ID_FILE).is_file():
        run_id = (resumed_from / RUN_ID_FILE).read_text().strip() or None
    (run_dir / WANDB_DIR).mkdir(parents=True, exist_ok=True)
    mode: Any = cfg.logger.wandb_mode  # one of wandb's modes: the config checks WANDB_MODES
    wandb_run = wandb.init(
        dir=str(run_dir), mode=mode, project=cfg.logger.wandb_project,
        group=cfg.logger.wandb_group, tags=list(cfg.logger.wandb_tags),
        name=f"{run_dir.parent.name}/{run_dir.name}", id=run_id, resume="allow",
        config=dataclasses.asdict(cfg),
        # silent: no banner; console="off": W&B leaves stdout alone, so the progress bar and the
        # run directory as the last line stay as they are.
        settings=wandb.Settings(silent=True, console="off"),
    )  # fmt: skip
    wandb_run.define_metric(STEP)
    wandb_run.define_metric("*", step_metric=STEP)
    (run_dir / RUN_ID_FILE).write_text(f"{wandb_run.id}\n")
    return wandb_run
