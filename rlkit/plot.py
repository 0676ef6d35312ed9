"""``python -m rlkit.plot <run dirs... | a multirun dir | a compare dir> [out=...] [metric=...]``:
learning curves as a PNG, the mean over seeds with a 95% band.

Runs of the same configuration (all but the seed) are one curve; a directory of runs also gets
a Markdown table of each run's final return, wall time and speed, with their mean and IQM; a
compare directory's two libraries are redrawn from its ``results.json``. The work is done in
``rlkit/tools/learning_curves.py`` (the numbers) and ``rlkit/tools/curve_report.py`` (the files).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rlkit.config.cli_args import fail, parse_bool, parse_int, parse_key_values, wants_help
from rlkit.errors import RlkitError
from rlkit.tools.curve_report import PlotRequest, plot

KEYS = {
    "out": "the .png to write, or a directory for learning_curves.png (default: in the "
    "directory given, or the common parent of several)",
    "metric": "both (default), eval (summary.json's evaluations) or episode (metrics.csv's "
    "training episodes)",
    "smooth": "training episodes averaged into each point of the episode curve (default 20)",
    "overwrite": "true: replace the output files if they exist (default false)",
}
USAGE = (
    "python -m rlkit.plot <run dirs... | a multirun dir | a compare dir> [out=<file.png or dir>] "
    "[metric=both|eval|episode] [smooth=20] [overwrite=false]"
)


def parse(argv: list[str]) -> PlotRequest:
    """Paths are the arguments without ``=`` (or that name an existing path); the rest are keys.

    Raises:
        ConfigError: an unknown key, a bad value.
    """
    paths = [Path(a) for a in argv if "=" not in a or Path(a).exists()]
    args = parse_key_values([a for a in argv if "=" in a and not Path(a).exists()], KEYS)
    return PlotRequest(
        paths=paths,
        out=Path(args["out"]) if args.get("out") else None,
        metric=args.get("metric", "both"),
        smooth=parse_int("smooth", args.get("smooth", "20"), minimum=1),
        overwrite=parse_bool("overwrite", args.get("overwrite", "false")),
    )


def main(argv: list[str] | None = None) -> None:
    """The command line: check the arguments, draw, say where the files went (the last line)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_help(argv):
        print(f"{USAGE}\n" + "\n".join(f"  {k}=  {v}" for k, v in KEYS.items()))
        return
    try:
        written = plot(parse(argv))
    except RlkitError as e:
        fail(e)
    table = next((p for p in written if p.suffix == ".md"), None)
    if table is not None:
        print(table.read_text(), end="")
    print(f"wrote {', '.join(str(p) for p in written)}", flush=True)


if __name__ == "__main__":
    from rlkit.config.cli_args import run_main

    run_main(main)
