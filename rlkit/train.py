"""``python -m rlkit.train agent=<name> env=<name> [key=value ...]``: train one agent (Hydra).

Every override is composed and checked before a run starts, so a typo, a wrong type, a value out
of range or an agent that cannot learn the env stops with one line on stderr, exit code 2, and no
run directory. One run starts as ``rlkit.train()`` starts one (``rlkit/run/start.py``:
``prepare_run`` composes and checks it once, ``start_run`` trains it). Hydra's app takes the rest:
``-m`` (multirun) sweeps as in any Hydra app (``-m seed=0,1,2,3,4``, launchers, Optuna),
``--cfg``, ``--help`` and a run with other ``hydra.*`` settings.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import types
from pathlib import Path
from typing import Any

from rlkit.errors import RlkitError

EXIT_USAGE = 2


def _fail(error: RlkitError) -> None:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def _hydra_app() -> Any:
    import hydra
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import DictConfig
    from rich.console import Console

    from rlkit.config.compose import to_config
    from rlkit.config.schema import CONF_DIR, register_configs
    from rlkit.run.loop import run_training

    register_configs()

    @hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
    def task(cfg: DictConfig) -> float | None:
        try:
            config = to_config(cfg)
            run_dir = Path(HydraConfig.get().runtime.output_dir)
            summary = run_training(config, run_dir, Console())
        except RlkitError as e:
            _fail(e)
        except KeyboardInterrupt as e:
            # The loop has said where the checkpoint is; a traceback would only hide that line.
            sys.exit(128 + getattr(e, "signum", signal.SIGINT))
        # The run directory is the last line: RUN=$(python -m rlkit.train ... | tail -1)
        print(run_dir, flush=True)
        FINISHED.append((run_dir, summary))
        # What a sweeper maximises: the final evaluation's mean return.
        eval_mean: float | None = summary["eval_return_mean"]
        return eval_mean

    return task


FINISHED: list[tuple[Path, dict[str, Any]]] = []
"""The runs this process finished, with their summaries (a multirun's table reads them)."""


def print_sweep_table(runs: list[tuple[Path, dict[str, Any]]]) -> None:
    """A multirun's closing table (seed, final return, wall time, run) and, last, its directory."""
    if not runs:
        return
    from rich.console import Console
    from rich.table import Table

    swept = _swept_overrides([run_dir for run_dir, _ in runs])
    columns = ["seed", "return", "time (s)", "run"] + (["overrides"] if any(swept) else [])
    table = Table(*columns, box=None, pad_edge=False)
    for (run_dir, summary), overrides in zip(runs, swept, strict=True):
        mean, std = summary["eval_return_mean"], summary["eval_return_std"]
        score = "-" if mean is None else f"{mean:.2f} ± {std:.2f}"
        row = [str(summary["seed"]), score, f"{summary['wall_time_s']:.1f}", run_dir.name]
        table.add_row(*row, *([overrides] if any(swept) else []))
    console = Console()
    console.print(table)
    # The sweep's directory last, as a single run's is (a sweep over envs: their common folder).
    sweep = os.path.commonpath([str(run_dir.parent) for run_dir, _ in runs])
    print(sweep, flush=True)


def _swept_overrides(run_dirs: list[Path]) -> list[str]:
    """Each run's overrides that not all runs share, seed aside (an Optuna trial's values)."""
    from omegaconf import OmegaConf

    found = []
    for run_dir in run_dirs:
        saved = run_dir / ".hydra" / "overrides.yaml"
        found.append([str(o) for o in OmegaConf.load(saved)] if saved.is_file() else [])
    common = set.intersection(*(set(o) for o in found)) if found else set()
    return [
        " ".join(o for o in overrides if o not in common and not o.startswith("seed="))
        for overrides in found
    ]


HYDRA_FLAGS = ("-m", "--multirun", "-h", "--help", "--hydra-help", "--version", "--resolve")
"""Hydra's flags that take no value."""
HYDRA_VALUE_FLAGS = ("--cfg", "-c", "--package", "-p", "--info", "-i", "--config-path", "-cp",
                     "--config-name", "-cn", "--config-dir", "-cd", "--shell-completion", "-sc",
                     "--experimental-rerun")  # fmt: skip
"""Hydra's flags that take a value (``--info`` may take none)."""
NO_RUN_FLAGS = ("--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--version")
"""Flags with which Hydra prints something and runs nothing: no run directory is claimed."""


def check_arguments(argv: list[str]) -> None:
    """Refuse what is neither a Hydra override (``key=value``) nor one of Hydra's flags, in one
    line that shows the Hydra form (``--agent dqn`` is an argparse habit: ``agent=dqn``).

    Raises:
        ConfigError: an unknown ``--flag``, or a bare word where an override belongs.
    """
    from rlkit.errors import ConfigError

    i = 0
    while i < len(argv):
        arg = argv[i]
        name, sep, value = arg.lstrip("-").partition("=")
        if arg in HYDRA_VALUE_FLAGS:
            i += 2
            continue
        if arg in HYDRA_FLAGS or (sep and not arg.startswith("-")):
            i += 1
            continue
        if arg.startswith("-"):
            given = value or (argv[i + 1] if i + 1 < len(argv) and "=" not in argv[i + 1] else "")
            example = f"{name.replace('-', '_')}={given or '...'}"
            raise ConfigError(
                f"{arg}{'' if sep or not given else ' ' + given} is not an option of rlkit.train: "
                f"it takes Hydra overrides, key=value, e.g. {example} "
                "(python -m rlkit.train agent=dqn env=cliff; --help lists the keys)"
            )
        raise ConfigError(
            f"cannot read {arg!r}: rlkit.train takes key=value overrides, e.g. agent={arg} or "
            f"env={arg} (python -m rlkit.train agent=dqn env=cliff; --help lists the keys)"
        )
    _check_one_mode(argv)


def _check_one_mode(argv: list[str]) -> None:
    """Hydra does one thing per command: a sweep, or printing a config or its sources.

    Raises:
        ConfigError: ``-m`` with ``--cfg``, ``--info`` or ``--shell-completion``.
    """
    from rlkit.errors import ConfigError

    printers = ("--cfg", "-c", "--info", "-i", "--shell-completion", "-sc")
    printing = [a for a in argv if a in printers]
    if printing and ("-m" in argv or "--multirun" in argv):
        raise ConfigError(
            f"-m runs a sweep and {printing[0]} prints without running: give one of them "
            f"({printing[0]} with one value per key prints that run's config)"
        )


def main(argv: list[str] | None = None) -> None:
    """Check the command line's overrides, then run the one run they ask for, or hand them to
    Hydra."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        check_arguments(argv)
    except RlkitError as e:
        _fail(e)
    overrides = [a for a in argv if "=" in a and not a.startswith("-")]
    flags = [a for a in argv if a not in overrides]
    try:
        # Hydra composes on its own below: an env given by its Gymnasium id reaches it in the
        # form its config groups can hold (env=gym env.id=<id>), --cfg and --help included.
        overrides = _env_ids(overrides)
    except RlkitError as e:
        _fail(e)
    multirun = "-m" in argv or "--multirun" in argv
    passthrough = any(a in NO_RUN_FLAGS for a in argv)
    if not multirun and not passthrough and not flags and _only_run_dir(overrides):
        _run_one(overrides)
        return
    claimed: Path | None = None
    if not passthrough:
        from rlkit.config.compose import with_resume_overrides
        from rlkit.run.preflight import validate_overrides

        try:
            overrides = _env_ids(with_resume_overrides(overrides))
            configs = validate_overrides(overrides, multirun=multirun)
        except RlkitError as e:
            _fail(e)
        try:
            _check_output_dirs(overrides, configs[0].resume, multirun)
            overrides = _plugin_overrides(overrides, configs, multirun)
        except RlkitError as e:
            _fail(e)
        if not multirun and not any(o.startswith("hydra.run.dir=") for o in overrides):
            from rlkit.run.run_dir import default_run_dir

            # Hydra's own ${now:...} directory is shared by runs started in the same second.
            overrides = [*overrides, f"hydra.run.dir={default_run_dir(configs[0])}"]
        if multirun and not any(o.startswith("hydra.sweep.dir=") for o in overrides):
            overrides = [*overrides, *_sweep_dir_override(configs)]
            claimed = Path(overrides[-1].partition("=")[2])
    argv = [*flags, *overrides]
    sys.argv = [sys.argv[0], *argv]
    try:
        if "--help" in argv or "-h" in argv:
            _help_without_schemas()
        else:
            _hydra_app()()
    finally:
        # A sweep Hydra could not start (a launcher's own error) leaves no empty directory.
        if claimed is not None and claimed.is_dir() and not any(claimed.iterdir()):
            claimed.rmdir()
    if multirun and not passthrough:
        _disconnect_ray()
        _report_sweep(_override_value(overrides, "hydra.sweep.dir"))


def _only_run_dir(overrides: list[str]) -> bool:
    """No Hydra setting but the run directory: the run needs nothing of Hydra's app."""
    hydra = [o for o in overrides if o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    return all(o.startswith("hydra.run.dir=") for o in hydra)


def _run_one(overrides: list[str]) -> None:
    """One run, the way ``rlkit.train()`` starts one: composed and checked once (nothing written
    before), then trained; the run directory is the last line."""
    from rlkit.run.start import prepare_run, start_run

    own = [o for o in overrides if not o.startswith("hydra.run.dir=")]
    run_dir = _override_value(overrides, "hydra.run.dir")
    try:
        start_run(prepare_run(own, run_dir, "hydra.run.dir"))
    except RlkitError as e:
        _fail(e)
    except KeyboardInterrupt as e:
        # The loop has said where the checkpoint is; a traceback would only hide that line.
        sys.exit(128 + getattr(e, "signum", signal.SIGINT))


def _help_without_schemas() -> None:
    """Hydra's ``--help``, less the ``<name>_schema`` options of each group: those are the typed
    schemas the YAML files build on (``conf/agent/dqn.yaml`` on ``dqn_schema``), not choices."""
    import contextlib
    import io

    text = io.StringIO()
    try:
        with contextlib.redirect_stdout(text):
            _hydra_app()()
    finally:
        print(re.sub(r"(, )?\b\w+_schema\b(, )?", _keep_one_comma, text.getvalue()), end="")


def _keep_one_comma(match: re.Match[str]) -> str:
    return ", " if match.group(1) and match.group(2) else ""


def _plugin_overrides(overrides: list[str], configs: list[Any], multirun: bool) -> list[str]:
    """Check the launcher and sweeper (installed, and given to a multirun); with Optuna, tune
    towards a higher return unless told otherwise (its sweeper minimises by default).

    Raises:
        ConfigError: a launcher or sweeper that does not exist or is not installed; Optuna on
            runs without a final evaluation (nothing to maximise).
    """
    from rlkit.config.hydra_plugins import check_plugins
    from rlkit.errors import ConfigError

    chosen = check_plugins(overrides, multirun)
    address = _override_value(overrides, "hydra.launcher.ray.init.address")
    memory = "hydra.launcher.ray.init.object_store_memory"
    if (
        chosen.get("hydra/launcher") == "ray"
        and address not in (None, "null")
        and not any(o.lstrip("+").startswith(f"{memory}=") for o in overrides)
    ):
        # hydra-ray-launcher 1.2.2 always asks Ray for a 75 MB object store, which Ray refuses
        # when joining a running cluster; null lets the cluster's own setting stand.
        overrides = [*overrides, f"+{memory}=null"]
    if chosen.get("hydra/sweeper") != "optuna":
        return overrides
    if any(c.eval_episodes == 0 for c in configs):
        raise ConfigError(
            "hydra/sweeper=optuna tunes the final evaluation's mean return: eval_episodes=0 "
            "leaves none; give eval_episodes >= 1"
        )
    if _override_value(overrides, "hydra.sweeper.direction") is None:
        overrides = [*overrides, "hydra.sweeper.direction=maximize"]
    return overrides


def _override_value(overrides: list[str], key: str) -> str | None:
    return next((o.partition("=")[2] for o in overrides if o.partition("=")[0] == key), None)


def _report_sweep(sweep_dir: str | None) -> None:
    """After a multirun: Optuna's best trial, then the table of the runs and the sweep directory.
    A launcher runs the jobs in other processes, so their summaries are read from disk."""
    runs = list(FINISHED)
    if not runs and sweep_dir is not None:
        runs = _sweep_runs(Path(sweep_dir))
    best = Path(sweep_dir or ".") / "optimization_results.yaml"
    if sweep_dir is not None and best.is_file():
        from omegaconf import OmegaConf

        result = OmegaConf.to_container(OmegaConf.load(best))
        assert isinstance(result, dict)
        params = " ".join(f"{k}={v}" for k, v in result.get("best_params", {}).items())
        print(f"best trial: {params} -> return {result.get('best_value')} ({best})", flush=True)
    print_sweep_table(runs)


def _disconnect_ray() -> None:
    """After Ray's launcher: end this process's Ray session, which also flushes the lines Ray
    forwards from its workers, so that the sweep directory stays the last line."""
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()


def _sweep_runs(sweep_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The finished runs of a sweep directory, in job order (``<num>_seed<seed>``)."""
    import json

    def job_number(path: Path) -> tuple[int, str]:
        head = path.parent.name.partition("_")[0]
        return (int(head) if head.isdigit() else -1, path.parent.name)

    found = sorted(sweep_dir.glob("*/summary.json"), key=job_number)
    return [(p.parent.resolve(), json.loads(p.read_text())) for p in found]


def _env_ids(overrides: list[str]) -> list[str]:
    """Integral floats as integers, and ``env=<Gymnasium id>`` as ``env=gym env.id=<id>``."""
    from rlkit.config.compose import integral_numbers
    from rlkit.config.env_ids import env_id_overrides

    return env_id_overrides(integral_numbers(overrides))


def _check_output_dirs(overrides: list[str], resume: str | None, multirun: bool) -> None:
    """A run or sweep directory the user named must not hold a run already."""
    from rlkit.run.run_dir import check_new_run_dir, check_new_sweep_dir
    from rlkit.storage.paths import RUNS_HINT, check_writable

    named = False
    for override in overrides:
        key, _, value = override.partition("=")
        if key == "hydra.run.dir" and not multirun:
            check_writable(value, key, directory=True)
            check_new_run_dir(value, resume, key)
            named = True
        if key == "hydra.sweep.dir" and multirun:
            check_writable(value, key, directory=True)
            check_new_sweep_dir(value)
            named = True
    if not named:  # the default: runs/ in the working directory
        check_writable("runs", "", directory=True, hint=RUNS_HINT)


def _sweep_dir_override(configs: list[Any]) -> list[str]:
    """``hydra.sweep.dir`` claimed for this sweep alone (as ``default_run_dir`` does for a run):
    ``runs/<agent>-<env>/multirun_<time>``, a sweep over agents or envs named after all of them
    (``dqn-Acrobot-v1+CartPole-v1``; over more than three, their number). Hydra's own directory
    would name only the default env, and cannot be made for a sweep over ``env.id``."""
    from datetime import datetime

    from rlkit.config.env_ids import dir_name
    from rlkit.run.run_dir import claim_directory

    agents = _joined([c.agent.name for c in configs], "agents")
    envs = _joined([dir_name(c.env.name) for c in configs], "envs")
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    parent = Path("runs") / f"{agents}-{envs}"
    return [f"hydra.sweep.dir={claim_directory(parent / f'multirun_{stamp}')}"]


def _joined(names: list[str], plural: str) -> str:
    unique = sorted(set(names))
    return "+".join(unique) if len(unique) <= 3 else f"{len(unique)}{plural}"


class _CallableModule(types.ModuleType):
    """Keeps ``rlkit.train(...)`` the API function even after ``import rlkit.train``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from rlkit.api import train

        return train(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

if __name__ == "__main__":
    from rlkit.config.cli_args import run_main

    run_main(main)
