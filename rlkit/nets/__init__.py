"""Neural networks: the RL agents' building blocks and the course's other models.

Constructors take shapes (``in_channels``, ``in_features``, ``n_actions``), never an env; flatten
sizes come from a dummy forward pass. Each class docstring cites its paper or lecture, and the
manual's model table (docs/models.md) names the test that proves each one works.

The names below are imported on first use (PEP 562), so an agent that needs one network does not pay
for importing the whole zoo.
"""

# The names imported for the type checker below are public through __all__ (built from _WHERE,
# which ruff cannot read), not unused.
# ruff: noqa: F401
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

ENCODERS = ("auto", "nature_cnn", "resnet", "mlp")
"""The observation encoders ``observation_encoder`` builds (``agent.encoder``); here, where
importing costs nothing, so that configs check the name without importing PyTorch."""

_WHERE = {
    "ActionClassifier": "mlp",
    "Actor": "actor_critic",
    "AlexNetSmall": "course.cnn",
    "Autoencoder": "course.autoencoders",
    "BasicBlock": "course.cnn",
    "CBOW": "course.word2vec",
    "ConvAutoencoder": "course.autoencoders",
    "CourseCifarCNN": "course.cnn",
    "CourseMLP": "course.classic",
    "Critic": "actor_critic",
    "DBN": "course.rbm",
    "DCGANDiscriminator": "course.gan",
    "DCGANGenerator": "course.gan",
    "DenoisingAutoencoder1d": "course.autoencoders",
    "DenseBlock": "course.cnn",
    "DenseNet": "course.cnn",
    "ElmanRNN": "course.recurrent",
    "EncoderBlock": "course.transformer",
    "FloatFlatten": "mlp",
    "GRU": "course.recurrent",
    "LSTM": "course.recurrent",
    "LeNet5": "course.cnn",
    "MLP": "mlp",
    "MultiHeadAttention": "course.transformer",
    "NatureCNN": "encoders",
    "OneHot": "mlp",
    "Perceptron": "course.classic",
    "PointNet": "course.pointnet",
    "PositionalEncoding": "course.transformer",
    "QNetwork": "mlp",
    "RBM": "course.rbm",
    "ResNet": "course.cnn",
    "ResNetEncoder": "encoders",
    "SegNet": "course.segmentation",
    "SequenceRegressor": "course.recurrent",
    "SkipGram": "course.word2vec",
    "SquashedGaussianActor": "actor_critic",
    "StackedAutoencoder": "course.autoencoders",
    "TNet": "course.pointnet",
    "Transformer": "course.transformer",
    "TwinCritic": "actor_critic",
    "UNet": "course.segmentation",
    "VAE": "course.autoencoders",
    "VGGSmall": "course.cnn",
    "observation_encoder": "encoders",
    "resnet18": "course.cnn",
    "scaled_dot_product_attention": "course.transformer",
}
"""Public name -> the module of rlkit.nets that defines it (``course.*``: the lecture's models that
no agent uses)."""

if TYPE_CHECKING:  # the type checker sees each name's real type; at run time: __getattr__
    from rlkit.nets.actor_critic import Actor, Critic, SquashedGaussianActor, TwinCritic
    from rlkit.nets.course.autoencoders import (
        VAE,
        Autoencoder,
        ConvAutoencoder,
        DenoisingAutoencoder1d,
        StackedAutoencoder,
    )
    from rlkit.nets.course.classic import CourseMLP, Perceptron
    from rlkit.nets.course.cnn import (
        AlexNetSmall,
        BasicBlock,
        CourseCifarCNN,
        DenseBlock,
        DenseNet,
        LeNet5,
        ResNet,
        VGGSmall,
        resnet18,
    )
    from rlkit.nets.course.gan import DCGANDiscriminator, DCGANGenerator
    from rlkit.nets.course.pointnet import PointNet, TNet
    from rlkit.nets.course.rbm import DBN, RBM
    from rlkit.nets.course.recurrent import GRU, LSTM, ElmanRNN, SequenceRegressor
    from rlkit.nets.course.segmentation import SegNet, UNet
    from rlkit.nets.course.transformer import (
        EncoderBlock,
        MultiHeadAttention,
        PositionalEncoding,
        Transformer,
        scaled_dot_product_attention,
    )
    from rlkit.nets.course.word2vec import CBOW, SkipGram
    from rlkit.nets.encoders import NatureCNN, ResNetEncoder, observation_encoder
    from rlkit.nets.mlp import MLP, ActionClassifier, FloatFlatten, OneHot, QNetwork

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import ``rlkit.nets.<module>`` when one of its names is first asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'rlkit.nets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"rlkit.nets.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
