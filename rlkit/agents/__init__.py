"""The lecture's algorithms, one file each: ``qlearning.py``, ``dqn.py``, ``ddpg.py``, ``bc.py``,
and DDPG's two successors, ``td3.py`` and ``sac.py``.

``protocol.py`` states what the run loop asks of an agent and ``registry.py`` builds one by name.
Each agent composes small parts from ``rlkit.parts`` (replay buffer, schedules, target updates,
noise) and networks from ``rlkit.nets``; its update reads top to bottom like the course's
pseudo-code.
"""
