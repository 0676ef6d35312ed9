"""Observation encoders for the RL agents: how a network reads what an env shows it.

``observation_encoder(space, name)`` picks one: one-hot for ``Discrete`` states, a flatten for
vectors, and a CNN for images (``uint8`` frames, stacked along the first axis). Frames stay
``uint8`` in the replay buffer and on their way to the device; the encoder scales them to [0, 1]
there.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch
from gymnasium import spaces
from torch import nn

from rlkit.errors import ConfigError
from rlkit.nets import ENCODERS
from rlkit.nets.mlp import FloatFlatten, OneHot


def _conv_output_size(convs: nn.Module, in_shape: Sequence[int]) -> int:
    """Features after ``convs`` for one input of ``in_shape`` (a dummy pass, not arithmetic)."""
    with torch.no_grad():
        return int(convs(torch.zeros(1, *in_shape)).flatten(1).shape[1])


class NatureCNN(nn.Module):
    """The DQN paper's network (Mnih et al. 2015, "Human-level control through deep reinforcement
    learning"): Conv 32x8x8 s4, Conv 64x4x4 s2, Conv 64x3x3 s1 (ReLU each), then a linear layer.

    Input: ``(B, C, H, W)`` frames, ``uint8`` in [0, 255] (scaled here) or float in [0, 1].
    """

    def __init__(self, in_shape: Sequence[int], features: int = 512) -> None:
        """``in_shape`` is ``(C, H, W)``; ``features`` the output width."""
        super().__init__()
        channels, height, width = _image_shape(in_shape, "NatureCNN")
        if min(height, width) < 36:
            raise ConfigError(
                f"NatureCNN needs frames of at least 36x36 (its 8/4, 4/2 and 3/1 convolutions "
                f"leave nothing of smaller ones); got {height}x{width}"
            )
        self.convs = nn.Sequential(
            nn.Conv2d(channels, 32, 8, stride=4),
            nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        self.linear = nn.Sequential(
            nn.Linear(_conv_output_size(self.convs, (channels, height, width)), features), nn.ReLU()
        )
        self.out_features = features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` frames to ``(B, features)``."""
        return self.linear(self.convs(_scaled(frames)))


class _ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(torch.relu(self.conv0(torch.relu(x))))


class ResNetEncoder(nn.Module):
    """The IMPALA paper's small ResNet (Espeholt et al. 2018, "IMPALA"): per stage a 3x3 conv, a
    3x3 max-pool with stride 2 and two residual blocks; then ReLU and a linear layer. Deeper than
    NatureCNN for about as many parameters; it often learns faster on varied frames.
    """

    def __init__(
        self, in_shape: Sequence[int], channels: Sequence[int] = (16, 32, 32), features: int = 256
    ) -> None:
        """``in_shape`` is ``(C, H, W)``; ``channels`` one width per stage."""
        super().__init__()
        in_channels, height, width = _image_shape(in_shape, "ResNetEncoder")
        if min(height, width) < 2 ** len(channels):
            raise ConfigError(
                f"ResNetEncoder with {len(channels)} stages halves the frame {len(channels)} "
                f"times; frames of {height}x{width} are too small (need at least "
                f"{2 ** len(channels)} px a side)"
            )
        stages: list[nn.Module] = []
        for out_channels in channels:
            stages += [
                nn.Conv2d(in_channels, out_channels, 3, padding=1),
                nn.MaxPool2d(3, stride=2, padding=1),
                _ResidualBlock(out_channels),
                _ResidualBlock(out_channels),
            ]
            in_channels = out_channels
        self.convs = nn.Sequential(*stages, nn.ReLU(), nn.Flatten())
        size = _conv_output_size(self.convs, _image_shape(in_shape, "ResNetEncoder"))
        self.linear = nn.Sequential(nn.Linear(size, features), nn.ReLU())
        self.out_features = features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` frames to ``(B, features)``."""
        return self.linear(self.convs(_scaled(frames)))


class _AddChannel(nn.Module):
    """A single grey frame ``(B, H, W)`` as ``(B, 1, H, W)``."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.encoder(frames.unsqueeze(1))


def _scaled(frames: torch.Tensor) -> torch.Tensor:
    # uint8 frames travel and sit in the buffer as bytes (4x less than float32); scaling happens
    # here, on the device that runs the network.
    if frames.dtype == torch.uint8:
        return frames.float() / 255.0
    return frames.float()


def _image_shape(shape: Sequence[int], name: str) -> tuple[int, int, int]:
    if len(shape) == 2:
        return 1, int(shape[0]), int(shape[1])
    if len(shape) == 3:
        return int(shape[0]), int(shape[1]), int(shape[2])
    raise ConfigError(f"{name} takes frames of shape (C, H, W) or (H, W), not {tuple(shape)}")


def is_image_space(space: spaces.Space) -> bool:
    """``uint8`` boxes of 2 (grey frame) or 3 (stacked frames, channels first) dimensions."""
    return (
        isinstance(space, spaces.Box)
        and space.dtype == "uint8"
        and len(space.shape) in (2, 3)
        and min(space.shape[-2:]) >= 8
    )


_warned_mlp_on_images = False


def observation_encoder(space: spaces.Space, name: str = "auto") -> tuple[nn.Module, int]:
    """The module that turns a batch of observations of ``space`` into features, and their width.

    ``name``: ``auto`` (a CNN for images, else one-hot or flatten), ``nature_cnn``, ``resnet`` or
    ``mlp`` (flatten whatever comes; on images that is allowed, and warned about once).

    Raises:
        ConfigError: an unknown encoder name, a CNN asked for non-image observations, or a space no
            encoder reads.
    """
    global _warned_mlp_on_images
    if name not in ENCODERS:
        raise ConfigError(
            f"agent.encoder={name!r} is not valid; choose one of: {', '.join(ENCODERS)}"
        )
    image = is_image_space(space)
    if name in ("nature_cnn", "resnet") and not image:
        raise ConfigError(
            f"agent.encoder={name} reads image observations (uint8 frames), not {space}; "
            "use agent.encoder=auto or mlp"
        )
    if isinstance(space, spaces.Discrete):
        return OneHot(int(space.n)), int(space.n)
    if not isinstance(space, spaces.Box):
        raise ConfigError(f"no observation encoder for {type(space).__name__} observations")
    if image and name != "mlp":
        cnn = (ResNetEncoder if name == "resnet" else NatureCNN)(_image_shape(space.shape, name))
        module: nn.Module = _AddChannel(cnn) if len(space.shape) == 2 else cnn
        return module, cnn.out_features
    if image and not _warned_mlp_on_images:
        _warned_mlp_on_images = True
        warnings.warn(
            f"agent.encoder=mlp flattens {space.shape} image observations into "
            f"{int(torch.tensor(space.shape).prod())} inputs; a CNN (encoder=auto) usually learns "
            "far better",
            stacklevel=2,
        )
    return FloatFlatten(), int(torch.tensor(space.shape).prod().item())


def _nature_cnn_example() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return NatureCNN((4, 84, 84)), (torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8),)


def _resnet_encoder_example() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return ResNetEncoder((4, 64, 64)), (torch.rand(2, 4, 64, 64),)


ZOO_EXAMPLES = {"NatureCNN": _nature_cnn_example, "ResNetEncoder": _resnet_encoder_example}
"""Small instances and inputs for the zoo-wide test (tests/nets/test_nets_zoo.py)."""
