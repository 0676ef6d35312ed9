"""Configs: the typed dataclasses that hold every default (``schema.py``), and Hydra composition
with one-line errors (``compose.py``), reading env configs included; ``env_ids.py`` takes any
registered Gymnasium id as ``env=<id>`` (``env=gym env.id=<id>``); ``cli_args.py`` parses the
``key=value`` arguments of the small commands. The checks of a whole run's inputs are in
``rlkit/run/preflight.py``, above the agents they build."""
