"""``python -m rlkit.web run=<pong run> [port=8000] [out=<dir>]``: play a pong run in a browser.

Without ``out=`` the page is written to a temporary folder and served on 127.0.0.1 until Ctrl-C;
with ``out=`` it is written there as a static site (any static server can host it) and nothing
is served. Every check (the run, the agent, onnxruntime-web, the port, the folder) comes before
the export.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from pathlib import Path

from rlkit.config.cli_args import fail, parse_int, parse_key_values, wants_help
from rlkit.errors import ConfigError, RlkitError
from rlkit.web.server import PageServer, bind
from rlkit.web.site import check_out_dir, check_web_run, write_site

KEYS = {
    "run": "the pong run to play against (required)",
    "port": "the port to serve on at 127.0.0.1 (default 8000; 0: any free port)",
    "out": "write the page into this folder as a static site instead of serving it",
}
USAGE = "python -m rlkit.web run=<pong run> [port=8000] [out=<dir>]"


def _describe(report_path: Path, seconds: float) -> str:
    return f"exported {report_path} in {seconds:.1f} s"


def main(argv: list[str] | None = None) -> None:
    """The command line: check everything, write the page, then serve it or say where it is."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_help(argv):
        print(f"{USAGE}\n" + "\n".join(f"  {k}=  {v}" for k, v in KEYS.items()))
        return
    try:
        args = parse_key_values(argv, KEYS)
        if not args.get("run"):
            raise ConfigError(f"give the pong run to play: {USAGE}")
        if "out" in args and "port" in args:
            raise ConfigError("out= writes a static folder and serves nothing; drop port=")
        port = parse_int("port", args.get("port", "8000"), minimum=0)
        if port > 65535:
            raise ConfigError(f"port={port} must be at most 65535")
        web_run = check_web_run(args["run"])
        if "out" in args:
            check_out_dir(args["out"])
            report = write_site(web_run, args["out"])
        else:
            server = bind(port)  # bound before the export: a taken port fails first
            folder = Path(tempfile.mkdtemp(prefix="rlkit-web-"))
            report = write_site(web_run, folder)
    except RlkitError as e:
        fail(e)
    print(_describe(report.path, report.seconds), flush=True)
    if "out" in args:
        print(
            f"wrote the page to {args['out']}; host it with any static server, e.g. "
            f"python -m http.server -d {args['out']}",
            flush=True,
        )
        return
    _serve(server, folder)


def _stop(signum: int, frame: object) -> None:
    """SIGTERM (a closed terminal, a process manager) ends the server as Ctrl-C does."""
    raise KeyboardInterrupt


def _serve(server: PageServer, folder: Path) -> None:
    """Serve ``folder`` until Ctrl-C or SIGTERM, then remove it."""
    signal.signal(signal.SIGTERM, _stop)
    server.folder = str(folder)
    port = server.server_address[1]
    print(f"play at http://127.0.0.1:{port}/  (arrow keys or W/S; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)
