"""The course's convolutional networks: LeNet-5, the course's CIFAR CNN, AlexNet- and VGG-style
nets, ResNet and DenseNet.

Every constructor takes shapes (``in_channels``, ``n_classes``, an ``input_size`` where the
classifier's width depends on it) and finds the flatten size with a dummy forward pass. The named
nets are scaled by a width parameter so that tests can train small ones on the 8x8 digits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from rlkit.errors import ConfigError

Size = int | tuple[int, int]


def _pair(size: Size) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _flat_features(
    features: nn.Module, in_channels: int, input_size: Size, model: str, needs: str
) -> int:
    """The width of ``features``' flattened output on one ``in_channels x input_size`` image.

    Raises:
        ConfigError: the input is too small for the conv/pool stack (an empty or impossible map).
    """
    height, width = _pair(input_size)
    was_training = features.training
    features.eval()  # batch norm cannot take training statistics from a single 1x1 map
    try:
        with torch.no_grad():
            out = features(torch.zeros(1, in_channels, height, width))
    except RuntimeError:
        out = torch.zeros(0)
    finally:
        features.train(was_training)
    if out.numel() == 0:
        raise ConfigError(f"{model}: input_size {height}x{width} is too small ({needs})")
    return out[0].numel()


def _he_init(model: nn.Module) -> None:
    """He et al. (2015) normal init for the convs that ReLUs follow, zero biases.

    PyTorch's default (uniform, gain for leaky ReLU slope sqrt(5)) keeps a plain deep ReLU stack
    without batch norm stuck near chance for several epochs; He init is what torchvision's VGG
    and AlexNet-era recipes use.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)


def _check_dropout(model: str, p: float) -> None:
    if not 0.0 <= p < 1.0:
        raise ConfigError(f"{model}: dropout must be in [0, 1), got {p}")


def _check_positive(model: str, **values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ConfigError(f"{model}: {name} must be >= 1, got {value}")


class LeNet5(nn.Module):
    """LeNet-5: C1 conv 6@5x5, S2 pool, C3 conv 16@5x5, S4 pool, C5 120, F6 84, output.

    LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document
    recognition"; the course's "Neural networks" lecture (named CNNs). Kept as in the paper: tanh
    units and 2x2 average-pooling subsampling. Simplified: S2/S4 have no trainable coefficient,
    C3 connects to all six maps (not the paper's sparse table), and the output is a linear layer
    (not RBF units). C5 is a linear layer on the flattened S4 maps: on the paper's 32x32 input
    that is exactly a 5x5 convolution over 5x5 maps, and it lets other sizes through.

    The 8x8 digits are run by *upsampling* them 4x to 32x32 (the paper's input size; padding an 8x8
    digit to 32x32 would leave it smaller than two 5x5 kernels). Anything from 16x16 up works.

    Args:
        in_channels: image channels (1 for digits).
        n_classes: the number of outputs (logits).
        input_size: the image side (or (height, width)); at least 16.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10, input_size: Size = 32) -> None:
        """Build the layers; the width of C5's input comes from a dummy forward pass."""
        super().__init__()
        _check_positive("LeNet5", in_channels=in_channels, n_classes=n_classes)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5),  # C1
            nn.Tanh(),
            nn.AvgPool2d(2),  # S2
            nn.Conv2d(6, 16, kernel_size=5),  # C3
            nn.Tanh(),
            nn.AvgPool2d(2),  # S4
        )
        flat = _flat_features(
            self.features,
            in_channels,
            input_size,
            "LeNet5",
            "two 5x5 convs and two 2x2 pools need >= 16",
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, 120),  # C5
            nn.Tanh(),
            nn.Linear(120, 84),  # F6
            nn.Tanh(),
            nn.Linear(84, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` images to ``(B, n_classes)`` logits."""
        return self.classifier(self.features(x))


class CourseCifarCNN(nn.Module):
    """The course's CIFAR CNN, layer for layer.

    The course's "Neural networks" lecture: Conv(3→32, k5, s4, p2) → ReLU → Conv(32→64, k3, s1,
    p1) → ReLU → AvgPool(4) → Flatten → Linear(→ classes). On a 3x32x32 image the shapes are
    32x8x8 (2,432 parameters), 64x8x8 (18,496), 64x2x2 = 256 features. The lecture's dropout
    variant (Dropout2d 0.2 and 0.3) is ``dropout=(0.2, 0.3)``; the lecture does not say where the
    two layers sit, so here each follows one ReLU.

    Args:
        in_channels: image channels (3 for CIFAR).
        n_classes: the number of outputs (the lecture trains 3 classes).
        input_size: the image side (or (height, width)); at least 13 (the pool needs a 4x4 map).
        dropout: the two Dropout2d probabilities, or ``None`` for the plain net.
    """

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 3,
        input_size: Size = 32,
        dropout: tuple[float, float] | None = None,
    ) -> None:
        """Build the layers; the Linear's width comes from a dummy forward pass."""
        super().__init__()
        _check_positive("CourseCifarCNN", in_channels=in_channels, n_classes=n_classes)
        drop1, drop2 = dropout if dropout is not None else (0.0, 0.0)
        for p in (drop1, drop2):
            _check_dropout("CourseCifarCNN", p)
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, 32, kernel_size=5, stride=4, padding=2),
            nn.ReLU(),
        ]
        if dropout is not None:
            layers.append(nn.Dropout2d(drop1))
        layers += [nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1), nn.ReLU()]
        if dropout is not None:
            layers.append(nn.Dropout2d(drop2))
        layers += [nn.AvgPool2d(4), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        flat = _flat_features(
            self.features, in_channels, input_size, "CourseCifarCNN", "AvgPool(4) needs >= 13"
        )
        self.classifier = nn.Linear(flat, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` images to ``(B, n_classes)`` logits."""
        return self.classifier(self.features(x))


class AlexNetSmall(nn.Module):
    """An AlexNet-style net: 5 conv layers and 3 fully connected ones, ReLU, LRN, dropout.

    Krizhevsky, Sutskever & Hinton (2012), "ImageNet classification with deep convolutional
    neural networks"; the course's "Neural networks" lecture (AlexNet: 8 layers, 61M parameters).
    Kept: the 5+3 layout, ReLU, local response normalisation after conv 1 and 2, overlapping 3x3
    max-pools with stride 2 after conv 1, 2 and 5, dropout (0.5) before the first two linear layers.
    Scaled down for small images: conv 1 is 5x5 stride 1 (not 11x11 stride 4), and the channels
    are ``width x (1, 2, 3, 3, 2)`` (AlexNet's 96-256-384-384-256 is about ``96 x (1, 2.7, 4, 4,
    2.7)``). The convs start from He initialisation (the paper used N(0, 0.01) and bias 1).

    Args:
        in_channels: image channels.
        n_classes: the number of outputs (logits).
        width: the first conv's channels; the rest scale with it.
        hidden: the width of the two hidden linear layers (4096 in AlexNet).
        input_size: the image side (or (height, width)); at least 15 (three 3/2 max-pools).
        dropout: before each hidden linear layer (0.5 in the paper; 0 trains faster on a small
            set).
    """

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 10,
        width: int = 16,
        hidden: int = 256,
        input_size: Size = 32,
        dropout: float = 0.5,
    ) -> None:
        """Build the layers; the first linear layer's width comes from a dummy forward pass."""
        super().__init__()
        _check_dropout("AlexNetSmall", dropout)
        _check_positive(
            "AlexNetSmall", in_channels=in_channels, n_classes=n_classes, width=width, hidden=hidden
        )
        c1, c2, c3, c4, c5 = (width * m for m in (1, 2, 3, 3, 2))
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.LocalResponseNorm(5),
            nn.MaxPool2d(3, stride=2),  # overlapping pooling, as in the paper
            nn.Conv2d(c1, c2, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.LocalResponseNorm(5),
            nn.MaxPool2d(3, stride=2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=2),
        )
        flat = _flat_features(
            self.features,
            in_channels,
            input_size,
            "AlexNetSmall",
            "three 3x3/2 max-pools need >= 15",
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(flat, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )
        _he_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` images to ``(B, n_classes)`` logits."""
        return self.classifier(self.features(x))


class VGGSmall(nn.Module):
    """A VGG-style net: stages of 3x3 convs (stride 1, padding 1) + ReLU, each closed by a 2x2
    max-pool, then three linear layers with dropout.

    Simonyan & Zisserman (2015), "Very deep convolutional networks for large-scale image
    recognition"; the course's "Neural networks" lecture (named CNNs). VGG-16 is
    ``stages=(64, 128, 256, 512, 512)`` with ``(2, 2, 3, 3, 3)`` convs and ``hidden=4096``; the
    defaults here are three small stages, which take an 8x8 digit down to 1x1. The convs start
    from He initialisation, as in torchvision's VGG.

    Args:
        in_channels: image channels.
        n_classes: the number of outputs (logits).
        stages: the channels of each stage.
        convs_per_stage: the number of 3x3 convs in each stage (one int for all, or one each).
        hidden: the width of the two hidden linear layers.
        input_size: the image side (or (height, width)); at least ``2 ** len(stages)``.
        dropout: after each hidden linear layer (0.5 in the paper).
        batch_norm: batch norm after each conv, as torchvision's ``vgg*_bn`` (not in the paper;
            it trains in far fewer epochs).
    """

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 10,
        stages: Sequence[int] = (16, 32, 64),
        convs_per_stage: int | Sequence[int] = 2,
        hidden: int = 128,
        input_size: Size = 32,
        dropout: float = 0.5,
        batch_norm: bool = False,
    ) -> None:
        """Build the layers; the first linear layer's width comes from a dummy forward pass."""
        super().__init__()
        _check_dropout("VGGSmall", dropout)
        _check_positive("VGGSmall", in_channels=in_channels, n_classes=n_classes, hidden=hidden)
        if len(stages) == 0:
            raise ConfigError("VGGSmall: stages must name at least one stage's channels")
        counts = (
            [convs_per_stage] * len(stages)
            if isinstance(convs_per_stage, int)
            else list(convs_per_stage)
        )
        if len(counts) != len(stages):
            raise ConfigError(
                f"VGGSmall: convs_per_stage has {len(counts)} entries for {len(stages)} stages"
            )
        layers: list[nn.Module] = []
        channels = in_channels
        for i, (out_channels, count) in enumerate(zip(stages, counts, strict=True)):
            _check_positive("VGGSmall", **{f"stages[{i}]": out_channels, f"convs[{i}]": count})
            for _ in range(count):
                layers.append(nn.Conv2d(channels, out_channels, 3, padding=1))
                if batch_norm:  # torchvision's vgg*_bn variants, after Ioffe & Szegedy (2015)
                    layers.append(nn.BatchNorm2d(out_channels))
                layers.append(nn.ReLU())
                channels = out_channels
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        flat = _flat_features(
            self.features,
            in_channels,
            input_size,
            "VGGSmall",
            f"{len(stages)} 2x2 max-pools need >= {2 ** len(stages)}",
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )
        _he_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` images to ``(B, n_classes)`` logits."""
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 conv + batch-norm layers around an identity shortcut.

    He, Zhang, Ren & Sun (2016), "Deep residual learning for image recognition". ``out =
    ReLU(F(x) + shortcut(x))``; the shortcut is a 1x1 conv + batch norm (the paper's option B)
    where the block changes the stride or the channels, the identity otherwise.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        stride: the first conv's stride (2 halves the map at the start of a stage).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        """Build the two convs and, where shapes change, the projection shortcut."""
        super().__init__()
        # No conv biases: the batch norm that follows each conv has its own shift.
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` to ``(B, out_channels, H / stride, W / stride)``."""
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


def _stem(in_channels: int, channels: int, small_input: bool) -> nn.Sequential:
    """ImageNet stem (7x7/2 conv, 3x3/2 max-pool) or, for small images, one 3x3/1 conv."""
    if small_input:
        return nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
        )
    return nn.Sequential(
        nn.Conv2d(in_channels, channels, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
    )


class ResNet(nn.Module):
    """A ResNet of basic blocks; the defaults are ResNet-18's layout, ``layers=(2, 2, 2, 2)``.

    He, Zhang, Ren & Sun (2016), "Deep residual learning for image recognition"; the course's
    "Neural networks" lecture (named CNNs). Stages of ``width x (1, 2, 4, 8)`` channels, the first
    at stride 1 and the others at stride 2, then global average pooling and one linear layer.
    With ``width=64, small_input=False, in_channels=3, n_classes=1000`` this is exactly ResNet-18
    (11,689,512 parameters). ``small_input=True`` swaps the ImageNet stem for one 3x3 conv (the
    paper's CIFAR stem), so an 8x8 digit keeps its resolution into the first stage.

    Any input size works (global pooling; padded stride-2 convs never shrink a map below 1x1).

    Args:
        in_channels: image channels.
        n_classes: the number of outputs (logits).
        layers: basic blocks per stage.
        width: the first stage's channels (64 in the paper).
        small_input: use the 3x3 stem instead of the 7x7/2 conv and max-pool.
    """

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 10,
        layers: Sequence[int] = (2, 2, 2, 2),
        width: int = 64,
        small_input: bool = True,
    ) -> None:
        """Build the stem, the stages and the head."""
        super().__init__()
        _check_positive("ResNet", in_channels=in_channels, n_classes=n_classes, width=width)
        if len(layers) == 0 or min(layers) < 1:
            raise ConfigError(f"ResNet: layers must be >= 1 blocks per stage, got {list(layers)}")
        self.stem = _stem(in_channels, width, small_input)
        blocks: list[nn.Module] = []
        channels = width
        for stage, n_blocks in enumerate(layers):
            out_channels = width * 2**stage
            for i in range(n_blocks):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(channels, out_channels, stride))
                channels = out_channels
        self.stages = nn.Sequential(*blocks)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` images to ``(B, n_classes)`` logits."""
        return self.fc(self.pool(self.stages(self.stem(x))))


def resnet18(in_channels: int = 3, n_classes: int = 1000, width: int = 64) -> ResNet:
    """ResNet-18 as in He et al. (2016), ImageNet stem (11,689,512 parameters at the defaults)."""
    return ResNet(in_channels, n_classes, (2, 2, 2, 2), width, small_input=False)


class DenseLayer(nn.Module):
    """One layer of a dense block: BN-ReLU-Conv1x1 (bottleneck, 4k maps) then BN-ReLU-Conv3x3 (k).

    Huang, Liu, van der Maaten & Weinberger (2017), "Densely connected convolutional networks"
    (the DenseNet-B layer; ``bottleneck=False`` gives the plain BN-ReLU-Conv3x3 layer).

    Args:
        in_channels: the channels of everything concatenated so far.
        growth_rate: k, the new maps this layer adds.
        bottleneck: put the 1x1 conv to ``4 * growth_rate`` maps first.
    """

    def __init__(self, in_channels: int, growth_rate: int, bottleneck: bool = True) -> None:
        """Build the (pre-activation) layer."""
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        if bottleneck:
            layers += [
                nn.BatchNorm2d(channels),
                nn.ReLU(),
                nn.Conv2d(channels, 4 * growth_rate, 1, bias=False),
            ]
            channels = 4 * growth_rate
        layers += [
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` to the ``(B, growth_rate, H, W)`` new maps."""
        return self.net(x)


class DenseBlock(nn.Module):
    """A dense block: each layer reads the concatenation of the block's input and all earlier
    layers' outputs, and the block returns all of them concatenated.

    Huang, Liu, van der Maaten & Weinberger (2017), "Densely connected convolutional networks";
    the course's "Neural networks" lecture (DenseNet: 201 layers, 20M parameters).

    Args:
        in_channels: the block's input channels.
        growth_rate: k, the maps each layer adds.
        n_layers: the number of layers; the block outputs ``in_channels + n_layers * k`` maps.
        bottleneck: use the 1x1 bottleneck in each layer (DenseNet-B).
    """

    def __init__(
        self, in_channels: int, growth_rate: int, n_layers: int, bottleneck: bool = True
    ) -> None:
        """Build the layers, each wider in its input than the one before."""
        super().__init__()
        _check_positive(
            "DenseBlock", in_channels=in_channels, growth_rate=growth_rate, n_layers=n_layers
        )
        self.layers = nn.ModuleList(
            DenseLayer(in_channels + i * growth_rate, growth_rate, bottleneck)
            for i in range(n_layers)
        )
        self.out_channels = in_channels + n_layers * growth_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` to ``(B, out_channels, H, W)``."""
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return torch.cat(features, dim=1)


class DenseNet(nn.Module):
    """A DenseNet-BC: a stem, dense blocks joined by transitions, global pooling, one linear layer.

    Huang, Liu, van der Maaten & Weinberger (2017), "Densely connected convolutional networks".
    A transition is BN-ReLU-Conv1x1 (keeping ``compression`` of the maps) and a 2x2 average pool.
    With ``growth_rate=32, block_layers=(6, 12, 24, 16), small_input=False`` (3 channels, 1000
    classes) this is DenseNet-121 (7,978,856 parameters); ``(6, 12, 48, 32)`` is DenseNet-201
    (20,013,928: the lecture's "20M"). The defaults are a tiny three-block net for small images.

    Args:
        in_channels: image channels.
        n_classes: the number of outputs (logits).
        growth_rate: k, the maps each dense layer adds.
        block_layers: the number of layers in each dense block.
        compression: the share of maps a transition keeps (0.5 in DenseNet-BC).
        small_input: one 3x3 conv stem instead of the 7x7/2 conv and max-pool.
        bottleneck: 1x1 bottlenecks inside the dense layers.
    """

    def __init__(
        self,
        in_channels: int = 3,
        n_classes: int = 10,
        growth_rate: int = 12,
        block_layers: Sequence[int] = (4, 4, 4),
        compression: float = 0.5,
        small_input: bool = True,
        bottleneck: bool = True,
    ) -> None:
        """Build the stem (``2 * growth_rate`` maps), blocks, transitions and head."""
        super().__init__()
        _check_positive(
            "DenseNet", in_channels=in_channels, n_classes=n_classes, growth_rate=growth_rate
        )
        if len(block_layers) == 0:
            raise ConfigError("DenseNet: block_layers must name at least one dense block")
        if not 0.0 < compression <= 1.0:
            raise ConfigError(f"DenseNet: compression must be in (0, 1], got {compression}")
        channels = 2 * growth_rate
        modules: list[nn.Module] = [_stem(in_channels, channels, small_input)]
        for i, n_layers in enumerate(block_layers):
            block = DenseBlock(channels, growth_rate, n_layers, bottleneck)
            modules.append(block)
            channels = block.out_channels
            if i < len(block_layers) - 1:
                out_channels = int(channels * compression)
                modules += [
                    nn.BatchNorm2d(channels),
                    nn.ReLU(),
                    nn.Conv2d(channels, out_channels, 1, bias=False),
                    nn.AvgPool2d(2),
                ]
                channels = out_channels
        # The layers are pre-activation, so the last block's output still needs its BN-ReLU.
        modules += [nn.BatchNorm2d(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*modules)
        self.classifier = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W)`` images to ``(B, n_classes)`` logits; H, W >= 2^(blocks-1)."""
        return self.classifier(self.features(x))


def _example(
    model: nn.Module, shape: tuple[int, ...]
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return model, (torch.randn(*shape),)


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "lenet5": lambda: _example(LeNet5(1, 10, 32), (2, 1, 32, 32)),
    "course_cifar_cnn": lambda: _example(CourseCifarCNN(3, 3, 32), (2, 3, 32, 32)),
    "course_cifar_cnn_dropout": lambda: _example(
        CourseCifarCNN(3, 3, 32, dropout=(0.2, 0.3)), (2, 3, 32, 32)
    ),
    "alexnet_small": lambda: _example(AlexNetSmall(1, 10, width=8, input_size=16), (2, 1, 16, 16)),
    "vgg_small": lambda: _example(VGGSmall(1, 10, (8, 16), 1, 32, input_size=8), (2, 1, 8, 8)),
    "resnet_small": lambda: _example(ResNet(1, 10, (1, 1), width=8), (2, 1, 8, 8)),
    "dense_block": lambda: _example(DenseBlock(4, 4, 3), (2, 4, 8, 8)),
    "densenet_small": lambda: _example(DenseNet(1, 10, 4, (2, 2)), (2, 1, 8, 8)),
}
