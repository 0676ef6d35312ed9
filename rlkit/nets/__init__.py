"""Neural networks: the RL agents' building blocks and the course's other models.

Constructors take shapes (``in_channels``, ``in_features``, ``n_actions``), never an env; flatten
sizes come from a dummy forward pass. Each class docstring cites its paper or lecture, and the
README's model table names the test that proves each one works.

The names below are imported on first use (PEP 562), so an agent that needs one network does not pay
for importing the whole zoo.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Actor": "actor_critic",
    "AlexNetSmall": "cnn",
    "Autoencoder": "autoencoders",
    "BasicBlock": "cnn",
    "CBOW": "word2vec",
    "ConvAutoencoder": "autoencoders",
    "CourseCifarCNN": "cnn",
    "CourseMLP": "classic",
    "Critic": "actor_critic",
    "DBN": "rbm",
    "DCGANDiscriminator": "gan",
    "DCGANGenerator": "gan",
    "DenoisingAutoencoder1d": "autoencoders",
    "DenseBlock": "cnn",
    "DenseNet": "cnn",
    "ElmanRNN": "recurrent",
    "EncoderBlock": "transformer",
    "FloatFlatten": "mlp",
    "GRU": "recurrent",
    "LSTM": "recurrent",
    "LeNet5": "cnn",
    "MLP": "mlp",
    "MultiHeadAttention": "transformer",
    "NatureCNN": "encoders",
    "OneHot": "mlp",
    "Perceptron": "classic",
    "PointNet": "pointnet",
    "PositionalEncoding": "transformer",
    "QNetwork": "mlp",
    "RBM": "rbm",
    "ResNet": "cnn",
    "ResNetEncoder": "encoders",
    "SegNet": "segmentation",
    "SequenceRegressor": "recurrent",
    "SkipGram": "word2vec",
    "StackedAutoencoder": "autoencoders",
    "TNet": "pointnet",
    "Transformer": "transformer",
    "UNet": "segmentation",
    "VAE": "autoencoders",
    "VGGSmall": "cnn",
    "observation_encoder": "encoders",
    "resnet18": "cnn",
    "scaled_dot_product_attention": "transformer",
}
"""Public name -> the module of rlkit.nets that defines it."""

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
