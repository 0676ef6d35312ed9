"""A training run from start to ``summary.json``: the checks before it (``preflight.py``), the hot
loop (``loop.py``), the callbacks around it (``callbacks/``), the state they share
(``context.py``, ``state.py``), resuming (``resume.py``), evaluation, the summary and run
directories. Files are written through ``rlkit.storage``."""
