"""``python -m rlkit.compare agent=dqn env=cartpole seeds=5 ...`` (``--help`` for the keys)."""

from rlkit.config.cli_args import run_main

if __name__ == "__main__":
    from rlkit.compare.command import main

    run_main(main)
