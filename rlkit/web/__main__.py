"""``python -m rlkit.web run=<pong run> [port=8000] [out=<dir>]`` (``--help`` for the keys)."""

from rlkit.web.command import main

main()
