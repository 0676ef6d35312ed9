"""Serving a page folder on 127.0.0.1 with the standard library's HTTP server."""

from __future__ import annotations

import errno
import http.server
import socket
from pathlib import Path
from typing import Any

from rlkit.errors import ConfigError

# Browsers load ES modules and WebAssembly only with these types; Python's own table has lacked
# .mjs on some versions.
MIME_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}


class PageServer(http.server.ThreadingHTTPServer):
    """An HTTP server of one folder (``folder``, which may be set after binding)."""

    daemon_threads = True
    folder = "."


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the server's folder without a log line per request, and never from a cache."""

    def __init__(self, request: Any, client_address: Any, server: PageServer) -> None:
        """Handle one request (the base class does it all in its constructor)."""
        self.extensions_map = {**self.extensions_map, **MIME_TYPES}
        super().__init__(request, client_address, server, directory=server.folder)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the terminal for the command's own lines."""

    def end_headers(self) -> None:
        """A page rebuilt for another run must not be mixed with a cached one."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def bind(port: int, folder: str | Path = ".") -> PageServer:
    """A server of ``folder`` bound to 127.0.0.1:``port`` (0: any free port), not yet serving.

    Raises:
        ConfigError: the port is taken or cannot be bound.
    """
    PageServer.allow_reuse_address = False  # a port another server holds must fail here
    try:
        server = PageServer(("127.0.0.1", port), _QuietHandler)
    except OSError as e:
        taken = e.errno == errno.EADDRINUSE
        reason = "is taken by another program" if taken else f"cannot be bound ({e.strerror})"
        raise ConfigError(f"port={port} {reason}; give another, or port=0 for any free one") from e
    server.folder = str(folder)
    return server


def free_port() -> int:
    """A port that was free a moment ago (for tests and examples)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
