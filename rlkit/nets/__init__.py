"""Neural networks: the RL agents' building blocks (and, later, the course's other models).

Constructors take sizes (``n_states``, ``in_features``, ``n_actions``), never an env.
"""

from rlkit.nets.actor_critic import Actor, Critic
from rlkit.nets.encoders import NatureCNN, ResNetEncoder, observation_encoder
from rlkit.nets.mlp import MLP, FloatFlatten, OneHot, QNetwork

__all__ = [
    "MLP",
    "Actor",
    "Critic",
    "FloatFlatten",
    "NatureCNN",
    "OneHot",
    "QNetwork",
    "ResNetEncoder",
    "observation_encoder",
]
