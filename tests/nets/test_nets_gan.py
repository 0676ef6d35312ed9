"""DCGAN's shapes, the GAN step's roles, and generated digits that move toward the real ones."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rlkit.errors import ConfigError
from rlkit.nets.course.gan import DCGANDiscriminator, DCGANGenerator, train_step

pytest.importorskip("sklearn")


# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    """All 1,797 8x8 digits as ``(N, 1, 8, 8)`` images scaled to [-1, 1] (G's Tanh range)."""
    from sklearn.datasets import load_digits

    x, _ = load_digits(return_X_y=True)
    return torch.tensor(x / 8.0 - 1.0, dtype=torch.float32).view(-1, 1, 8, 8)


def _sqrtm_psd(s: torch.Tensor) -> torch.Tensor:
    """The square root of a symmetric positive semi-definite matrix, by its eigendecomposition."""
    w, v = torch.linalg.eigh(s)
    return v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T


def pixel_frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two image sets, in raw pixel space.

    ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2(Σ_a^½ Σ_b Σ_a^½)^½): FID's formula (Heusel et al. 2017)
    on the 64 pixels themselves, with no Inception network, so it needs nothing downloaded.
    It is 0 for equal means and covariances; two disjoint halves of the digits score 0.31.
    """
    a, b = a.flatten(1).double(), b.flatten(1).double()
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    root_a = _sqrtm_psd(cov_a)
    cross = _sqrtm_psd(root_a @ cov_b @ root_a)
    return ((a.mean(0) - b.mean(0)) ** 2).sum().item() + torch.trace(
        cov_a + cov_b - 2 * cross
    ).item()


def train_gan(digits: torch.Tensor, steps: int, seed: int = 0) -> tuple[float, float]:
    """Train a small DCGAN on the digits; the pixel Fréchet distance before and after."""
    torch.manual_seed(seed)
    generator = DCGANGenerator(latent_size=16, out_channels=1, image_size=8, base_channels=32)
    discriminator = DCGANDiscriminator(in_channels=1, image_size=8, base_channels=32)
    # Adam with β1 = 0.5 as Radford et al.; lr 1e-3 rather than their 2e-4 for a short run.
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))

    def distance() -> float:
        generator.eval()  # BatchNorm's running statistics, as at sampling time
        with torch.no_grad():
            samples = generator.sample(1000, torch.Generator().manual_seed(1))
        generator.train()
        return pixel_frechet_distance(samples, digits)

    before = distance()
    batches = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        real = digits[torch.randint(0, len(digits), (64,), generator=batches)]
        train_step(generator, discriminator, real, g_opt, d_opt)
    return before, distance()


def test_gan_samples_move_toward_the_digits(digits) -> None:
    """The statistic: the pixel-space Fréchet distance between 1,000 samples and the digits.

    It must fall to under a third of its value at initialisation after 200 steps of batch 64.
    Measured on seeds 0, 1, 2: 48.0 -> 9.2, 46.5 -> 10.4, 60.0 -> 8.7 (~5 s each). (The
    distance between two halves of the real digits is 0.31: these samples are digit-like
    blurs, not yet digits.)
    """
    before, after = train_gan(digits, steps=200)
    print(f"pixel Fréchet distance to the digits: {before:.2f} -> {after:.2f}")
    assert after < before / 3


def test_gan_longer_training_gets_closer(digits) -> None:
    """1,000 steps: the distance falls under a fifth of the start (measured 48.0 -> 6.2, 4-5 s
    on 2 cores)."""
    before, after = train_gan(digits, steps=1000)
    print(f"pixel Fréchet distance to the digits: {before:.2f} -> {after:.2f}")
    assert after < before / 5


def test_frechet_distance_is_zero_for_the_same_set_and_large_for_noise(digits) -> None:
    assert abs(pixel_frechet_distance(digits, digits)) < 1e-6
    noise = torch.rand(1000, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert pixel_frechet_distance(noise, digits) > 20


@pytest.mark.parametrize("image_size", [8, 16, 64])
def test_shapes_for_each_image_size(image_size: int) -> None:
    """G makes ``image_size`` images in [-1, 1]; D gives one logit per image."""
    torch.manual_seed(0)
    g = DCGANGenerator(latent_size=10, out_channels=3, image_size=image_size, base_channels=4)
    d = DCGANDiscriminator(in_channels=3, image_size=image_size, base_channels=4)
    images = g(torch.randn(2, 10))
    assert images.shape == (2, 3, image_size, image_size)
    assert images.abs().max() <= 1
    assert d(images).shape == (2,)


def test_layers_follow_dcgan() -> None:
    """G: transposed convs + BatchNorm + ReLU, Tanh out. D: strided convs + LeakyReLU(0.2),
    no BatchNorm on its first layer, no pooling anywhere."""
    g = DCGANGenerator(latent_size=100, out_channels=3, image_size=64, base_channels=64)
    d = DCGANDiscriminator(in_channels=3, image_size=64, base_channels=64)
    g_convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [m.out_channels for m in g_convs] == [512, 256, 128, 64, 3]
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g.modules()) == 4
    assert isinstance(g.net[-1], nn.Tanh)
    d_convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in d_convs] == [64, 128, 256, 512, 1]
    assert all(m.stride == (2, 2) for m in d_convs[:-1])
    assert isinstance(d.net[1], nn.LeakyReLU) and d.net[1].negative_slope == 0.2
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d.modules()) == 3
    pools = (nn.MaxPool2d, nn.AvgPool2d)
    assert not any(isinstance(m, pools) for m in [*g.modules(), *d.modules()])


def test_train_step_updates_each_player_with_its_own_optimiser() -> None:
    """With G's learning rate 0 only D moves, and the other way round; metrics are detached."""
    torch.manual_seed(0)
    g = DCGANGenerator(latent_size=4, out_channels=1, image_size=8, base_channels=4)
    d = DCGANDiscriminator(in_channels=1, image_size=8, base_channels=4)
    real = torch.rand(8, 1, 8, 8) * 2 - 1
    for g_lr, d_lr in [(0.0, 0.1), (0.1, 0.0)]:
        g_before = [p.clone() for p in g.parameters()]
        d_before = [p.clone() for p in d.parameters()]
        out = train_step(
            g, d, real, torch.optim.SGD(g.parameters(), g_lr), torch.optim.SGD(d.parameters(), d_lr)
        )
        g_moved = any(not torch.equal(a, b) for a, b in zip(g_before, g.parameters(), strict=True))
        d_moved = any(not torch.equal(a, b) for a, b in zip(d_before, d.parameters(), strict=True))
        assert (g_moved, d_moved) == (g_lr > 0, d_lr > 0)
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(not v.requires_grad and torch.isfinite(v) for v in out.values())


@pytest.mark.parametrize(
    "build",
    [
        lambda: DCGANGenerator(image_size=12),
        lambda: DCGANGenerator(image_size=4),
        lambda: DCGANDiscriminator(image_size=28),
    ],
)
def test_bad_image_size_raises_one_line(build) -> None:
    with pytest.raises(ConfigError, match="image_size") as info:
        build()
    assert "\n" not in str(info.value)
