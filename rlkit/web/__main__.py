"""``python -m rlkit.web run=<pong run> [port=8000] [out=<dir>]`` (``--help`` for the keys)."""

from rlkit.config.cli_args import run_main

if __name__ == "__main__":
    from rlkit.web.command import main

    run_main(main)
