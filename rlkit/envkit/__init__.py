"""Building envs from their configs (``make.py``), stepping many at once (``vector.py``) and saving
an env's state mid-episode so that a run resumes exactly (``state.py``)."""
