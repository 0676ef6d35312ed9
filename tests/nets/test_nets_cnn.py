"""The course's CNNs: worked convolution and pooling numbers, layer shapes, parameter counts, and
learning on sklearn's 8x8 digits."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn import functional as F

from rlkit.errors import ConfigError
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

# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- worked numbers of the lecture -------------------------------------------------------------


def test_convolution_worked_example() -> None:
    image = torch.tensor(
        [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
        dtype=torch.float32,
    )
    kernel = torch.tensor([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=torch.float32)
    out = F.conv2d(image[None, None], kernel[None, None])[0, 0]
    assert out.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    # Output size r = (q - k + 2p)/s + 1 = (5 - 3 + 0)/1 + 1 = 3.
    assert out.shape == (3, 3)


def test_pooling_worked_example() -> None:
    image = torch.tensor(
        [[2, 2, 7, 3], [9, 4, 6, 1], [8, 5, 2, 4], [3, 1, 2, 6]], dtype=torch.float32
    )[None, None]
    assert F.max_pool2d(image, 2)[0, 0].tolist() == [[9, 7], [8, 6]]
    assert F.avg_pool2d(image, 2)[0, 0].tolist() == [[4.25, 4.25], [4.25, 3.5]]


def test_course_cifar_cnn_shapes_and_parameter_counts() -> None:
    """3x32x32 -> 32x8x8 (2,432 params) -> 64x8x8 (18,496) -> 64x2x2 -> 256 -> classes."""
    net = CourseCifarCNN(in_channels=3, n_classes=3, input_size=32)
    x = torch.zeros(1, 3, 32, 32)
    shapes, counts = [], []
    for layer in net.features:
        x = layer(x)
        if isinstance(layer, nn.Conv2d | nn.AvgPool2d | nn.Flatten):
            shapes.append(tuple(x.shape[1:]))
            counts.append(n_params(layer))
    assert shapes == [(32, 8, 8), (64, 8, 8), (64, 2, 2), (256,)]
    assert counts == [2_432, 18_496, 0, 0]
    assert (net.classifier.in_features, net.classifier.out_features) == (256, 3)
    assert n_params(net) == 2_432 + 18_496 + 256 * 3 + 3


def test_course_cifar_cnn_dropout_variant() -> None:
    net = CourseCifarCNN(dropout=(0.2, 0.3))
    assert [m.p for m in net.modules() if isinstance(m, nn.Dropout2d)] == [0.2, 0.3]
    assert n_params(net) == n_params(CourseCifarCNN())
    net.eval()  # dropout off: the same input gives the same output
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(net(x), net(x))


def test_named_nets_parameter_counts() -> None:
    """At the papers' settings the counts are those of the reference ImageNet models."""
    assert n_params(resnet18()) == 11_689_512
    densenet = lambda layers: DenseNet(3, 1000, 32, layers, small_input=False)  # noqa: E731
    assert n_params(densenet((6, 12, 24, 16))) == 7_978_856  # DenseNet-121
    # DenseNet-201, the lecture's "201 layers, 20M parameters".
    assert n_params(densenet((6, 12, 48, 32))) == 20_013_928


def test_lenet5_layer_shapes() -> None:
    net = LeNet5(1, 10, 32)
    x = torch.zeros(1, 1, 32, 32)
    shapes = []
    for layer in net.features:
        x = layer(x)
        if not isinstance(layer, nn.Tanh):
            shapes.append(tuple(x.shape[1:]))
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]
    assert net.classifier[1].in_features == 400  # C5: 120 units on the 16x5x5 maps
    assert n_params(net) == 61_706  # LeNet-5 with full C3 connections and a linear output


def test_dense_block_concatenates() -> None:
    torch.manual_seed(0)
    block = DenseBlock(in_channels=5, growth_rate=3, n_layers=4).eval()
    x = torch.randn(2, 5, 6, 6)
    out = block(x)
    assert block.out_channels == 5 + 4 * 3
    assert out.shape == (2, 17, 6, 6)
    assert torch.equal(out[:, :5], x)  # the input itself is passed on to every later layer
    # Layer i reads the input and the i earlier layers' maps.
    assert [layer.net[2].in_channels for layer in block.layers] == [5, 8, 11, 14]


def test_basic_block_shortcuts() -> None:
    assert isinstance(BasicBlock(8, 8).shortcut, nn.Identity)
    block = BasicBlock(8, 16, stride=2)
    assert isinstance(block.shortcut, nn.Sequential)
    assert block(torch.randn(2, 8, 8, 8)).shape == (2, 16, 4, 4)


def test_resnet18_layout() -> None:
    net = ResNet(1, 10, width=4)
    blocks = [m for m in net.stages if isinstance(m, BasicBlock)]
    assert len(blocks) == 8  # [2, 2, 2, 2]; with the stem conv and the fc: 18 weighted layers
    assert [b.conv2.out_channels for b in blocks] == [4, 4, 8, 8, 16, 16, 32, 32]
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 10)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: LeNet5(1, 10, 12), "LeNet5: input_size 12x12 is too small"),
        (lambda: CourseCifarCNN(3, 3, 8), "CourseCifarCNN: input_size 8x8"),
        (lambda: AlexNetSmall(1, 10, input_size=8), "AlexNetSmall: input_size 8x8"),
        (lambda: VGGSmall(1, 10, (8, 8, 8), input_size=4), "3 2x2 max-pools need >= 8"),
        (lambda: VGGSmall(1, 10, (8, 8), (1, 1, 1)), "convs_per_stage has 3 entries"),
        (lambda: ResNet(1, 10, layers=()), "layers"),
        (lambda: ResNet(1, 10, width=0), "width"),
        (lambda: DenseNet(1, 10, compression=0.0), "compression"),
        (lambda: DenseBlock(4, 0, 2), "growth_rate"),
        (lambda: CourseCifarCNN(dropout=(0.2, 1.0)), "dropout"),
    ],
)
def test_bad_config(build: Callable[[], nn.Module], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build()


def test_other_input_sizes_through_the_dummy_pass() -> None:
    assert LeNet5(1, 10, 16)(torch.randn(2, 1, 16, 16)).shape == (2, 10)
    assert CourseCifarCNN(3, 5, (64, 48))(torch.randn(2, 3, 64, 48)).shape == (2, 5)
    assert AlexNetSmall(3, 4, width=4, input_size=15)(torch.randn(2, 3, 15, 15)).shape == (2, 4)


# --- learning on the digits --------------------------------------------------------------------


def digits_images() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """sklearn's 8x8 digits as (N, 1, 8, 8), standardised with the training set's mean and std;
    a fixed stratified 75/25 split (1,347 train / 450 test)."""
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, stratify=y, random_state=0)
    x_tr = torch.as_tensor(x_tr, dtype=torch.float32).view(-1, 1, 8, 8)
    x_te = torch.as_tensor(x_te, dtype=torch.float32).view(-1, 1, 8, 8)
    mean, std = x_tr.mean(), x_tr.std()
    return (
        (x_tr - mean) / std,
        torch.as_tensor(y_tr),
        (x_te - mean) / std,
        torch.as_tensor(y_te),
    )


def lenet_input(x: torch.Tensor) -> torch.Tensor:
    """8x8 to LeNet's 32x32 as in the paper's MNIST set-up: the digit scaled up (bilinear, 3x to
    24x24) and centred with a 4-pixel background margin, so strokes reach the kernels' centres."""
    up = F.interpolate(x, size=24, mode="bilinear", align_corners=False)
    return F.pad(up, (4, 4, 4, 4), value=float(x.min()))


def fit(
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    batch_size: int = 32,
) -> tuple[float, float]:
    """Mini-batch training with a cosine learning-rate decay; returns (test accuracy, seconds)."""
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x_train)).split(batch_size):
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return accuracy, seconds


def test_lenet5_learns_digits() -> None:
    torch.manual_seed(0)
    x_tr, y_tr, x_te, y_te = digits_images()
    net = LeNet5(1, 10, input_size=32)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    accuracy, seconds = fit(net, lenet_input(x_tr), y_tr, lenet_input(x_te), y_te, 12, optimizer)
    print(f"LeNet5 digits: test accuracy {accuracy:.4f} in {seconds:.1f} s")
    assert accuracy >= 0.97
    assert seconds < 60


def upsample(x: torch.Tensor, size: int) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


# name -> (builder, input side, epochs, Adam lr); small widths, a few epochs each.
FAST_CNNS: dict[str, tuple[Callable[[], nn.Module], int, int, float]] = {
    "alexnet": (
        lambda: AlexNetSmall(1, 10, width=8, hidden=128, input_size=16, dropout=0.0),
        16,
        8,
        2e-3,
    ),
    "vgg_bn": (
        lambda: VGGSmall(1, 10, (16, 32, 64), 1, 128, input_size=8, batch_norm=True),
        8,
        4,
        3e-3,
    ),
    "resnet": (lambda: ResNet(1, 10, (1, 1, 1), width=8), 8, 4, 3e-3),
    "densenet": (lambda: DenseNet(1, 10, growth_rate=6, block_layers=(2, 2)), 8, 5, 3e-3),
}


@pytest.mark.parametrize("name", sorted(FAST_CNNS))
def test_cnn_learns_digits_fast(name: str) -> None:
    """Each architecture, small and briefly trained, is far above chance (10%) on unseen digits."""
    torch.manual_seed(0)
    assert digits_accuracy(name, *FAST_CNNS[name]) >= 0.9


def digits_accuracy(
    name: str, build: Callable[[], nn.Module], size: int, epochs: int, lr: float
) -> float:
    """Train ``build()`` with Adam on the digits (upsampled to ``size``); its test accuracy."""
    x_tr, y_tr, x_te, y_te = digits_images()
    if size != 8:
        x_tr, x_te = upsample(x_tr, size), upsample(x_te, size)
    net = build()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    accuracy, seconds = fit(net, x_tr, y_tr, x_te, y_te, epochs, optimizer)
    print(f"{name} digits ({epochs} epochs): test accuracy {accuracy:.4f} in {seconds:.1f} s")
    return accuracy


# name -> (builder, input side, epochs, Adam lr): the papers' defaults (dropout 0.5, no batch norm
# in VGG, ResNet-18's [2, 2, 2, 2]) at a small width, trained longer.
SLOW_CNNS: dict[str, tuple[Callable[[], nn.Module], int, int, float]] = {
    "alexnet_dropout": (lambda: AlexNetSmall(1, 10, width=16, input_size=32), 32, 15, 1e-3),
    "vgg_plain": (lambda: VGGSmall(1, 10, (16, 32, 64), 2, 128, input_size=8), 8, 20, 1e-3),
    "resnet18_layout": (lambda: ResNet(1, 10, (2, 2, 2, 2), width=16), 8, 10, 3e-3),
    "densenet": (lambda: DenseNet(1, 10, growth_rate=12, block_layers=(4, 4, 4)), 8, 10, 3e-3),
}


@pytest.mark.slow(reason="the papers' layouts trained longer, 4-46 s each")
@pytest.mark.parametrize("name", sorted(SLOW_CNNS))
def test_cnn_learns_digits_thoroughly(name: str) -> None:
    torch.manual_seed(0)
    assert digits_accuracy(name, *SLOW_CNNS[name]) >= 0.95
