"""A training run from start to ``summary.json``: the hot loop (``loop.py``), the callbacks around
it (``callbacks/``), the state they share (``context.py``, ``state.py``), checkpoints
(``checkpoint.py`` over the one tagged-tree codec ``codec.py``, which ``envkit/state.py`` uses
too), resuming, evaluation, the summary and run directories."""
