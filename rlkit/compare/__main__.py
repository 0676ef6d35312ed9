"""``python -m rlkit.compare agent=dqn env=cartpole seeds=5 ...`` (``--help`` for the keys)."""

from rlkit.compare.command import main

main()
