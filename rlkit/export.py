"""``python -m rlkit.export run=<run_dir> [out=policy.onnx]``: a run's policy as one ONNX file.

The export itself (the graph's input and output, its metadata and the onnxruntime check) is
``rlkit/tools/onnx_export.py``; this is the command line around it.
"""

from __future__ import annotations

import sys

from rlkit.config.cli_args import fail, parse_bool, parse_key_values, wants_help
from rlkit.errors import ConfigError, RlkitError
from rlkit.tools.onnx_export import (
    INPUT_NAME,
    OUTPUT_NAME,
    ExportReport,
    export_onnx,
    export_onnx_report,
    exportable_agents,
)

__all__ = [
    "INPUT_NAME",
    "KEYS",
    "OUTPUT_NAME",
    "USAGE",
    "ExportReport",
    "export_onnx",
    "export_onnx_report",
    "exportable_agents",
    "main",
]

KEYS = {
    "run": "the run directory to export (required)",
    "out": "the .onnx file to write (default: <run>/policy.onnx)",
    "overwrite": "true: replace out= if it exists (default false)",
}
USAGE = "python -m rlkit.export run=<run_dir> [out=policy.onnx] [overwrite=false]"


def _describe(report: ExportReport) -> str:
    size_kb = report.path.stat().st_size / 1024
    shape_in = ", ".join(str(d) for d in report.input_shape)
    shape_out = ", ".join(str(d) for d in report.output_shape)
    return (
        f"wrote {report.path} ({size_kb:.1f} KiB) in {report.seconds:.1f} s: {report.agent} on "
        f"{report.env}, input {report.input_dtype} [{shape_in}] -> output [{shape_out}], "
        f"{report.output_meaning}; onnxruntime matches PyTorch (max |diff| "
        f"{report.max_abs_diff:.1e})"
    )


def main(argv: list[str] | None = None) -> None:
    """The command line: check the arguments, export, print one line about the file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_help(argv):
        print(f"{USAGE}\n" + "\n".join(f"  {k}=  {v}" for k, v in KEYS.items()))
        return
    try:
        args = parse_key_values(argv, KEYS)
        if not args.get("run"):
            raise ConfigError(f"give the run to export: {USAGE}")
        if args.get("out") is not None and not args["out"].endswith(".onnx"):
            raise ConfigError(f"out={args['out']} must end in .onnx")
        overwrite = parse_bool("overwrite", args.get("overwrite", "false"))
        report = export_onnx_report(args["run"], args.get("out"), overwrite)
    except RlkitError as e:
        fail(e)
    print(_describe(report), flush=True)


if __name__ == "__main__":
    from rlkit.config.cli_args import run_main

    run_main(main)
