"""The small pieces agents compose: the replay buffer (``replay.py``) and its n-step sums
(``nstep.py``), target-network updates, exploration noise, ε and training schedules, action
scaling, observation checks, the transition the loop hands an agent, the device, and the cliff's
Q-table report."""
