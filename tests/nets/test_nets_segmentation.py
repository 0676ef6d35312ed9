"""U-Net and SegNet: shapes, the pooling indices, and learning to segment noisy synthetic shapes."""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from rlkit.errors import ConfigError
from rlkit.nets.course.segmentation import SegNet, UNet

# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make_shapes(n: int, size: int = 32, noise: float = 0.5, seed: int = 0):
    """``n`` images of 1-3 random squares (side 6-12) and disks (radius 3-6) on Gaussian noise.

    Shapes have intensity 1 and the background 0, both plus N(0, noise²) per pixel; the mask is 1
    on the shapes. At noise 0.5 a per-pixel threshold at 0.5 only reaches Dice ≈ 0.6, so a Dice
    of 0.9 needs the spatial context a segmentation net brings.

    Returns:
        ``(n, 1, size, size)`` float images and ``(n, size, size)`` long masks.
    """
    g = torch.Generator().manual_seed(seed)
    rows, cols = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    masks = torch.zeros(n, size, size, dtype=torch.long)
    for i in range(n):
        for _ in range(int(torch.randint(1, 4, (1,), generator=g))):
            if torch.rand(1, generator=g) < 0.5:
                side = int(torch.randint(6, 13, (1,), generator=g))
                r, c = (int(v) for v in torch.randint(0, size - side, (2,), generator=g))
                masks[i, r : r + side, c : c + side] = 1
            else:
                radius = int(torch.randint(3, 7, (1,), generator=g))
                cy, cx = (int(v) for v in torch.randint(radius, size - radius, (2,), generator=g))
                masks[i][(rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2] = 1
    images = masks.float() + noise * torch.randn(n, size, size, generator=g)
    return images.unsqueeze(1), masks


def dice(pred: torch.Tensor, masks: torch.Tensor) -> float:
    """Dice = 2TP / (2TP + FP + FN) of the foreground class, over all pixels of all images."""
    tp = ((pred == 1) & (masks == 1)).sum().item()
    fp = ((pred == 1) & (masks == 0)).sum().item()
    fn = ((pred == 0) & (masks == 1)).sum().item()
    return 2 * tp / (2 * tp + fp + fn)


def train_and_score(model: nn.Module, epochs: int, n_train: int = 256) -> tuple[float, float]:
    """Adam (lr 3e-3, batch 16, cross-entropy) on ``n_train`` images; Dice on 64 held-out ones."""
    x_train, y_train = make_shapes(n_train, seed=0)
    x_test, y_test = make_shapes(64, seed=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(n_train).split(16):
            loss = nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        return dice(model(x_test).argmax(1), y_test), seconds


def test_threshold_baseline_is_far_below_the_bar() -> None:
    """The task is not trivial: thresholding each pixel alone gives Dice ≈ 0.6."""
    x_test, y_test = make_shapes(64, seed=1)
    baseline = dice((x_test[:, 0] > 0.5).long(), y_test)
    print(f"per-pixel threshold Dice {baseline:.3f}")
    assert baseline < 0.7


# --- learning (fast) ---------------------------------------------------------------------------


def test_unet_segments_noisy_shapes() -> None:
    torch.manual_seed(0)
    score, seconds = train_and_score(UNet(1, 2, depth=2, width=8, batch_norm=True), epochs=4)
    print(f"UNet(depth 2, width 8, batch norm): held-out Dice {score:.4f} in {seconds:.1f} s")
    assert score >= 0.9


def test_segnet_segments_noisy_shapes() -> None:
    torch.manual_seed(0)
    score, seconds = train_and_score(SegNet(1, 2, (16, 32), 2), epochs=4)
    print(f"SegNet((16, 32), 2 convs): held-out Dice {score:.4f} in {seconds:.1f} s")
    assert score >= 0.9


# --- learning (slow: the paper-like configurations) -------------------------------------------


@pytest.mark.slow(reason="a U-Net without batch norm trained to a score, about 30 s")
def test_plain_unet_segments_noisy_shapes() -> None:
    """The paper's U-Net has no batch norm; it starts slower (all background for a few epochs)."""
    torch.manual_seed(0)
    score, seconds = train_and_score(UNet(1, 2, depth=3, width=16), epochs=12, n_train=512)
    print(f"UNet(depth 3, width 16, no batch norm): held-out Dice {score:.4f} in {seconds:.1f} s")
    assert score >= 0.93


@pytest.mark.slow(reason="a deeper SegNet trained to a score, about 17 s")
def test_deeper_segnet_segments_noisy_shapes() -> None:
    torch.manual_seed(0)
    score, seconds = train_and_score(SegNet(1, 2, (16, 32, 64), (2, 2, 3)), 10, n_train=512)
    print(f"SegNet((16, 32, 64), (2, 2, 3)): held-out Dice {score:.4f} in {seconds:.1f} s")
    assert score >= 0.93


# --- structure -------------------------------------------------------------------------------


def test_unet_paper_layout() -> None:
    """depth 4, width 64: 64 -> 1024 channels, 4 skips by concatenation, final 1x1 conv from 64."""
    unet = UNet(1, 2, depth=4, width=64)
    assert len(unet.down) == len(unet.up) == len(unet.up_convs) == 4
    assert unet.bottom[-2].out_channels == 1024
    assert [u.in_channels for u in unet.up] == [1024, 512, 256, 128]
    # Each expanding level's first conv reads the skip and the up-convolution, concatenated.
    assert [c[0].in_channels for c in unet.up_convs] == [1024, 512, 256, 128]
    assert (unet.head.in_channels, unet.head.out_channels, unet.head.kernel_size) == (64, 2, (1, 1))
    with torch.no_grad():
        assert unet(torch.randn(1, 1, 32, 48)).shape == (1, 2, 32, 48)


def test_segnet_decoder_reuses_the_pooling_indices() -> None:
    """Each unpooled map has at most one non-zero per 2x2 window, where the encoder's max was."""
    torch.manual_seed(0)
    segnet = SegNet(1, 3, (4, 8), 1).eval()
    seen: list[tuple[torch.Tensor, torch.Tensor]] = []
    segnet.unpool.register_forward_hook(lambda _m, args, out: seen.append((args[1], out)))
    pooled_indices: list[torch.Tensor] = []
    segnet.pool.register_forward_hook(lambda _m, _args, out: pooled_indices.append(out[1]))
    with torch.no_grad():
        assert segnet(torch.randn(2, 1, 16, 20)).shape == (2, 3, 16, 20)
    assert len(seen) == 2
    for (indices, unpooled), encoder_indices in zip(seen, reversed(pooled_indices), strict=True):
        assert indices is encoder_indices
        flat = unpooled.flatten(2)
        nonzero = flat != 0
        # Every non-zero sits at one of the remembered argmax positions.
        at_indices = torch.zeros_like(nonzero).scatter_(2, indices.flatten(2), True)
        assert not (nonzero & ~at_indices).any()
        windows = nn.functional.avg_pool2d((unpooled != 0).float(), 2) * 4
        assert windows.max() <= 1


def test_segnet_odd_sizes_round_trip() -> None:
    segnet = SegNet(1, 2, (4, 8), 1).eval()
    with torch.no_grad():
        assert segnet(torch.randn(1, 1, 13, 11)).shape == (1, 2, 13, 11)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: UNet(1, 2, depth=0), "depth"),
        (lambda: UNet(1, 2, width=0), "width"),
        (lambda: SegNet(1, 2, (), 1), "stages"),
        (lambda: SegNet(1, 2, (4, 8), (1, 1, 1)), "convs_per_stage has 3"),
        (lambda: SegNet(1, 0, (4, 8), 1), "n_classes"),
    ],
)
def test_bad_config(build, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build()


def test_bad_input_sizes() -> None:
    with pytest.raises(ConfigError, match="multiple of 2\\*\\*depth = 4"):
        UNet(1, 2, depth=2, width=4)(torch.randn(1, 1, 30, 32))
    with pytest.raises(ConfigError, match="smaller than 2\\*\\*stages = 4"):
        SegNet(1, 2, (4, 8), 1)(torch.randn(1, 1, 3, 16))
