"""Configs: the typed dataclasses that hold every default (``schema.py``), Hydra composition with
one-line errors (``compose.py``), the checks of a run's inputs before anything is written
(``preflight.py``), and the ``key=value`` parsing of the small commands (``cli_args.py``)."""
