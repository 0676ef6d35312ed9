"""Reading a finished run directory back: its typed config, with one-line errors.

``rlkit.play`` and ``rlkit.export`` check a ``run=`` argument here before loading anything heavy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rlkit.errors import CheckpointError, ConfigError

if TYPE_CHECKING:
    from rlkit.config.schema import Config


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
