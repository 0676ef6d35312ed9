"""The files rlkit writes and reads, as formats: checkpoints (``checkpoint.py``, one ``.npz`` that
loads without running code) over the one tagged-tree codec (``codec.py``, which env states use
too), and recorded play for behaviour cloning (``datasets.py``). Nothing here knows about runs."""
