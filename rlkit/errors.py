"""Exceptions for mistakes a user can make.

Every message is one line that names the problem and, where there is a choice, the valid choices.
The command-line entry points print that line and exit non-zero; the Python API lets the exception
propagate so that a notebook shows the same line.
"""

from __future__ import annotations


class RlkitError(Exception):
    """Base class: a mistake in what the user asked for, not a bug in rlkit."""


class ConfigError(RlkitError, ValueError):
    """An unknown agent, env or key, or a config value of the wrong type or out of range."""


class IncompatibleError(ConfigError):
    """An agent that cannot work on the chosen env (e.g. tabular Q-learning on a continuous env)."""


class CheckpointError(RlkitError):
    """A run directory or checkpoint that is missing, truncated, corrupt or from another agent."""


class InvalidActionError(RlkitError, ValueError):
    """An action outside the env's action space."""


class InvalidObservationError(RlkitError, ValueError):
    """An observation that is not of the agent's observation space (wrong shape or value)."""


class TrainingDiverged(RlkitError):
    """A loss or a weight became NaN or infinite; the run stopped without checkpointing it."""
