"""The one way into a run: overrides to a checked config (``prepare_run``), then a claimed run
directory and the training (``start_run``). ``python -m rlkit.train``'s single run, ``rlkit.train``
and ``rlkit.compare``'s rlkit jobs all start here; a Hydra multirun's jobs are composed by Hydra
(each checked first by ``preflight.validate_overrides``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from rich.console import Console

from rlkit.config.compose import compose_config, integral_numbers, with_resume_overrides
from rlkit.config.env_ids import env_id_overrides
from rlkit.config.schema import Config
from rlkit.run.callbacks.base import Callback
from rlkit.run.loop import run_training
from rlkit.run.preflight import check_run_inputs
from rlkit.run.run_dir import check_new_run_dir, default_run_dir
from rlkit.storage.paths import RUNS_HINT, check_writable


@dataclass(frozen=True)
class Run:
    """A finished training run."""

    dir: Path
    """The run directory (``.hydra/config.yaml``, ``metrics.csv``, checkpoint, ``summary.json``)."""
    summary: dict[str, Any]
    """The contents of ``summary.json``."""
    config: Config
    """The typed config the run used."""


@dataclass(frozen=True)
class PreparedRun:
    """A run's overrides as composed, and its config, checked: what ``start_run`` runs."""

    overrides: list[str]
    """The user's overrides as composed (``env=<id>`` rewritten, a resumed run's own first)."""
    composed: DictConfig
    """What ``.hydra/config.yaml`` holds."""
    config: Config
    """The typed config."""
    run_dir: Path | None
    """The run directory the user named (checked), or ``None`` for the default."""


def prepare_run(
    overrides: Sequence[str], run_dir: str | Path | None = None, run_dir_key: str = "run_dir"
) -> PreparedRun:
    """Compose and check one run and where it goes, before anything is written: the one
    preparation of every way into a run (``python -m rlkit.train``, ``rlkit.train``, compare).

    Args:
        overrides: the user's Hydra overrides.
        run_dir: the run directory the user named (must be writable and hold no run), or
            ``None`` for ``runs/<agent>-<env>/<time>_seed<seed>`` (``runs/`` must be writable).
        run_dir_key: how the user named it, for the error (``run_dir``, ``hydra.run.dir``).

    Raises:
        ConfigError: an unknown agent, env or key, a bad value, or an agent that cannot
            learn the env; a run that cannot start (``check_run_inputs``); a run directory that
            cannot be written or holds a run.
    """
    normalised = with_resume_overrides(env_id_overrides(integral_numbers(list(overrides))))
    composed, config = compose_config(normalised)
    check_run_inputs(config)
    if run_dir is None:
        check_writable("runs", "", directory=True, hint=RUNS_HINT)
    else:
        check_writable(run_dir, run_dir_key, directory=True)
        check_new_run_dir(run_dir, config.resume, run_dir_key)
    return PreparedRun(normalised, composed, config, None if run_dir is None else Path(run_dir))


def start_run(prepared: PreparedRun, callbacks: Sequence[Callback] = ()) -> Run:
    """Claim the run directory (default ``runs/<agent>-<env>/<time>_seed<seed>``), write its
    ``.hydra/`` files as Hydra would, train, and print the directory last."""
    config = prepared.config
    named = prepared.run_dir
    run_dir = Path(default_run_dir(config) if named is None else named).resolve()
    (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    OmegaConf.save(prepared.composed, run_dir / ".hydra" / "config.yaml")
    overrides = OmegaConf.create(prepared.overrides)
    OmegaConf.save(overrides, run_dir / ".hydra" / "overrides.yaml")
    console = Console()
    summary = run_training(config, run_dir, console, callbacks)
    # The run directory is the last line: RUN=$(python -m rlkit.train ... | tail -1)
    console.print(str(run_dir), markup=False, highlight=False, soft_wrap=True)
    return Run(dir=run_dir, summary=summary, config=config)
