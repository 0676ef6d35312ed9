"""The course's segmentation networks: U-Net and SegNet (per-pixel class logits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from rlkit.errors import ConfigError


def _conv_relu(in_channels: int, out_channels: int, batch_norm: bool) -> list[nn.Module]:
    """A 3x3 conv with padding 1 (the map keeps its size), optional batch norm, ReLU."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=not batch_norm)
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.ReLU())
    return layers


class DoubleConv(nn.Sequential):
    """One U-Net level: two 3x3 convs, each followed by a ReLU (and batch norm if asked).

    Ronneberger, Fischer & Brox (2015), "U-Net: convolutional networks for biomedical image
    segmentation".

    Args:
        in_channels: input channels.
        out_channels: channels of both convs' outputs.
        batch_norm: put a batch norm between each conv and its ReLU (not in the paper).
    """

    def __init__(self, in_channels: int, out_channels: int, batch_norm: bool = False) -> None:
        """Build conv-ReLU-conv-ReLU."""
        super().__init__(
            *_conv_relu(in_channels, out_channels, batch_norm),
            *_conv_relu(out_channels, out_channels, batch_norm),
        )


class UNet(nn.Module):
    """U-Net: a contracting path, an expanding path, and skip connections by concatenation.

    Ronneberger, Fischer & Brox (2015), "U-Net: convolutional networks for biomedical image
    segmentation"; the course's "Neural networks" lecture (U-Net). Each level has two 3x3 convs +
    ReLU; the contracting path goes down by 2x2 max-pooling and doubles the channels; the
    expanding path goes up by a 2x2 up-convolution (transposed conv, stride 2) that halves them,
    concatenates the skip from the same level, and applies two 3x3 convs; a final 1x1 conv maps
    ``width`` channels to the classes. ``depth=4, width=64`` is the paper's net (4 poolings, 4 skip
    connections, 64 -> ... -> 1024 channels, final 1x1 conv from 64).

    Unlike the paper's unpadded convs (whose output is smaller than the input and needs cropped
    skips), the convs here are padded, so the mask has the image's size; height and width must
    then be multiples of ``2 ** depth``.

    Args:
        in_channels: image channels.
        n_classes: the number of classes (logit maps).
        depth: the number of poolings (and of skip connections).
        width: the channels of the first level (doubled at each level down).
        batch_norm: batch norm after each conv (a common modern addition; off in the paper).
    """

    def __init__(
        self,
        in_channels: int = 1,
        n_classes: int = 2,
        depth: int = 4,
        width: int = 64,
        batch_norm: bool = False,
    ) -> None:
        """Build the levels; channels are ``width * 2**level``."""
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("n_classes", n_classes),
            ("depth", depth),
            ("width", width),
        ):
            if value < 1:
                raise ConfigError(f"UNet: {name} must be >= 1, got {value}")
        self.depth = depth
        widths = [width * 2**level for level in range(depth + 1)]
        self.down = nn.ModuleList(
            DoubleConv(c_in, c_out, batch_norm)
            for c_in, c_out in zip([in_channels, *widths[:-2]], widths[:-1], strict=True)
        )
        self.pool = nn.MaxPool2d(2)
        self.bottom = DoubleConv(widths[-2], widths[-1], batch_norm)
        # Index i of the expanding path works at level depth-1-i, from the bottom up.
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(widths[level + 1], widths[level], 2, stride=2)
            for level in reversed(range(depth))
        )
        self.up_convs = nn.ModuleList(
            DoubleConv(2 * widths[level], widths[level], batch_norm)  # skip + upsampled
            for level in reversed(range(depth))
        )
        self.head = nn.Conv2d(widths[0], n_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` to ``(B, n_classes, H, W)`` logits.

        Raises:
            ConfigError: H or W is not a multiple of ``2 ** depth``.
        """
        factor = 2**self.depth
        if x.shape[-2] % factor or x.shape[-1] % factor:
            raise ConfigError(
                f"UNet: image size {x.shape[-2]}x{x.shape[-1]} must be a multiple of "
                f"2**depth = {factor} in both dimensions"
            )
        skips = []
        for level in self.down:
            x = level(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, conv, skip in zip(self.up, self.up_convs, reversed(skips), strict=True):
            x = conv(torch.cat([skip, up(x)], dim=1))
        return self.head(x)


class SegNet(nn.Module):
    """SegNet: a VGG-style encoder whose max-pooling indices drive the decoder's upsampling.

    Badrinarayanan, Kendall & Cipolla (2017), "SegNet: a deep convolutional encoder-decoder
    architecture for image segmentation"; named in the course's "Neural networks" lecture. Each
    encoder stage is 3x3 conv + batch norm + ReLU layers and a 2x2 max-pool that *remembers where
    each maximum was*; the mirrored decoder stage puts its values back at those positions
    (``MaxUnpool2d``, zeros elsewhere) and densifies the sparse map with its own convs. No skip
    of features (unlike U-Net): only the indices cross. A final 1x1 conv gives the class logits.
    ``stages=(64, 128, 256, 512, 512), convs_per_stage=(2, 2, 3, 3, 3)`` is the paper's
    (VGG-16) encoder.

    Args:
        in_channels: image channels.
        n_classes: the number of classes (logit maps).
        stages: the channels of each encoder stage.
        convs_per_stage: the convs in each stage (one int for all, or one each); the decoder
            mirrors them.
    """

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 2,
        stages: Sequence[int] = (64, 128, 256, 512, 512),
        convs_per_stage: int | Sequence[int] = (2, 2, 3, 3, 3),
    ) -> None:
        """Build the encoder, the mirrored decoder and the classifier."""
        super().__init__()
        counts = (
            [convs_per_stage] * len(stages)
            if isinstance(convs_per_stage, int)
            else list(convs_per_stage)
        )
        if len(stages) == 0:
            raise ConfigError("SegNet: stages must name at least one stage's channels")
        if len(counts) != len(stages):
            raise ConfigError(
                f"SegNet: convs_per_stage has {len(counts)} entries for {len(stages)} stages"
            )
        for name, value in [
            ("in_channels", in_channels),
            ("n_classes", n_classes),
            *((f"stages[{i}]", c) for i, c in enumerate(stages)),
            *((f"convs_per_stage[{i}]", c) for i, c in enumerate(counts)),
        ]:
            if value < 1:
                raise ConfigError(f"SegNet: {name} must be >= 1, got {value}")
        self.encoder = nn.ModuleList()
        channels = in_channels
        for out_channels, count in zip(stages, counts, strict=True):
            layers: list[nn.Module] = []
            for _ in range(count):
                layers += _conv_relu(channels, out_channels, batch_norm=True)
                channels = out_channels
            self.encoder.append(nn.Sequential(*layers))
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        # Decoder stage i mirrors encoder stage i and ends at the channels of stage i - 1.
        self.decoder = nn.ModuleList()
        for i in reversed(range(len(stages))):
            target = stages[max(i - 1, 0)]
            layers = []
            for j in range(counts[i]):
                out_channels = target if j == counts[i] - 1 else stages[i]
                layers += _conv_relu(stages[i], out_channels, batch_norm=True)
            self.decoder.append(nn.Sequential(*layers))
        self.classifier = nn.Conv2d(stages[0], n_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` to ``(B, n_classes, H, W)`` logits.

        Raises:
            ConfigError: the image is too small for all the poolings.
        """
        factor = 2 ** len(self.encoder)
        if x.shape[-2] < factor or x.shape[-1] < factor:
            raise ConfigError(
                f"SegNet: image size {x.shape[-2]}x{x.shape[-1]} is smaller than "
                f"2**stages = {factor} (one 2x2 pool per stage)"
            )
        pooled: list[tuple[torch.Tensor, torch.Size]] = []
        for stage in self.encoder:
            x = stage(x)
            size = x.shape
            x, indices = self.pool(x)
            pooled.append((indices, size))
        for stage, (indices, size) in zip(self.decoder, reversed(pooled), strict=True):
            # output_size restores odd sizes that the pooling rounded down.
            x = stage(self.unpool(x, indices, output_size=size[-2:]))
        return self.classifier(x)


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "unet_small": lambda: (UNet(1, 2, depth=2, width=4), (torch.randn(2, 1, 16, 16),)),
    "segnet_small": lambda: (SegNet(1, 2, (4, 8), 1), (torch.randn(2, 1, 16, 16),)),
}
