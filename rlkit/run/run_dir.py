"""Run directories: claiming a new one, and reading a finished one back with one-line errors.

``rlkit.load``, ``rlkit.play``, ``rlkit.export`` and ``agent.pretrain`` read runs here;
``rlkit.train`` and the CLI claim theirs here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlkit.errors import CheckpointError, ConfigError
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint

if TYPE_CHECKING:
    from rlkit.config.schema import Config


def default_run_dir(config: Config) -> Path:
    """``runs/<agent>-<env>/<time>_seed<seed>``, with ``-1``, ``-2``, ... added if that exists;
    created here, so that it is this run's alone. An env named by its Gymnasium id has the id's
    ``/`` and ``:`` as ``_`` there (``runs/dqn-rlkit_CliffWalk-v0/...``).

    Two runs started in the same second (say a resume right after its run, or two commands at
    once) must not share a directory: the second would overwrite the first's metrics and
    checkpoint.
    """
    from rlkit.config.env_ids import dir_name  # lazily, as run directories are read without it

    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    parent = Path("runs") / f"{config.agent.name}-{dir_name(config.env.name)}"
    return claim_directory(parent / f"{stamp}_seed{config.seed}")


def claim_directory(base: Path) -> Path:
    """Create ``base``, or ``base-1``, ``base-2``, ... if taken, and return the one created.

    ``mkdir`` either creates a directory or fails, so two processes claiming the same name at
    the same moment get different ones (checking ``exists()`` first would let both through).
    """
    base.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            candidate = base.with_name(f"{base.name}-{n}")
            n += 1


RUN_FILES = ("metrics.csv", CHECKPOINT_NAME, "summary.json", ".hydra")
"""What a run writes into its directory: one of them there means a run lives there."""


def check_new_run_dir(run_dir: str | Path, resume: str | None, key: str) -> None:
    """Refuse to start a run in a directory that already holds one (it would overwrite that
    run's metrics, checkpoint and summary), and a resume aimed at the run it continues.

    Args:
        run_dir: where the new run would write.
        resume: the run being continued (``resume=``), if any.
        key: how the user named ``run_dir`` (``hydra.run.dir`` or ``run_dir``), for the message.

    Raises:
        ConfigError: ``run_dir`` holds a run, or is the resumed run's own directory.
    """
    run_dir = Path(run_dir)
    if resume and run_dir.resolve() == Path(resume).resolve():
        raise ConfigError(
            f"{key}={run_dir} is the directory of the run that resume= continues: a resume writes "
            "a new run directory and only reads the old one; drop "
            f"{key}= (or give a new directory)"
        )
    held = [name for name in RUN_FILES if (run_dir / name).exists()]
    if held:
        raise ConfigError(
            f"{key}={run_dir} already holds a run ({', '.join(held)}), which this run would "
            f"overwrite; give a new directory, or continue that run with resume={run_dir}"
        )


def check_new_sweep_dir(sweep_dir: str | Path) -> None:
    """Refuse a multirun into a sweep directory whose job directories already hold runs.

    Raises:
        ConfigError: a run lives in one of ``sweep_dir``'s subdirectories.
    """
    sweep_dir = Path(sweep_dir)
    taken = sorted(
        d.name for d in (sweep_dir.iterdir() if sweep_dir.is_dir() else ())
        if d.is_dir() and any((d / name).exists() for name in RUN_FILES)
    )  # fmt: skip
    if taken:
        raise ConfigError(
            f"hydra.sweep.dir={sweep_dir} already holds runs ({', '.join(taken[:3])}"
            f"{', ...' if len(taken) > 3 else ''}), which this sweep would overwrite; give a new "
            "directory"
        )


def read_run_config(run_dir: str | Path) -> Config:
    """The typed config of a run (its ``.hydra/config.yaml``).

    Raises:
        CheckpointError: the directory or its config is missing, unreadable or not rlkit's.
    """
    run_dir = Path(run_dir)
    config_path = run_dir / ".hydra" / "config.yaml"
    if not run_dir.is_dir():
        raise CheckpointError(f"run directory {run_dir} does not exist")
    if not config_path.is_file():
        raise CheckpointError(
            f"{run_dir} has no .hydra/config.yaml; give a run directory written by rlkit.train"
        )
    from rlkit.config.compose import config_from_file  # lazily: Hydra is slow to import

    try:
        return config_from_file(config_path)
    except (ConfigError, ValueError) as e:
        raise CheckpointError(f"{config_path} is not a valid rlkit config: {e}") from e
    except Exception as e:  # a damaged YAML file: one line, not a parser's traceback
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise CheckpointError(f"{config_path} cannot be read: {first}") from e


def read_run(run_dir: str | Path) -> tuple[Config, dict[str, Any]]:
    """A run's typed config and its checkpoint, checked to be of the same agent.

    Raises:
        CheckpointError: the directory, its config or its checkpoint is missing, corrupt or from
            another agent.
    """
    config = read_run_config(run_dir)
    state = load_checkpoint(Path(run_dir) / CHECKPOINT_NAME)
    saved_agent = state.get("meta", {}).get("agent") if isinstance(state, dict) else None
    if saved_agent != config.agent.name:
        raise CheckpointError(
            f"the checkpoint in {run_dir} is from agent {saved_agent!r}, but the run's config "
            f"says {config.agent.name!r}"
        )
    return config, state
