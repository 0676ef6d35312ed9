"""Speed paths: the same maths as a reference implementation, faster, and tested equal to it.

``backend.py`` decides which one a DQN runs (the run's first line and ``summary.json`` say which);
``numpy_dqn.py`` is DQN's update written out in NumPy for small MLPs on a CPU, ``cuda_graphs.py``
records an update once on a GPU and replays it.
"""
