"""DCGAN's generator and discriminator, and one step of the GAN game between them.

The game is the course's (Goodfellow et al. 2014): min_G max_D E[ln D(x)] + E[ln(1 − D(G(z)))].
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from rlkit.errors import ConfigError


def _n_doublings(image_size: int, who: str) -> int:
    """How many stride-2 layers lie between a 4x4 map and ``image_size`` (a power of two ≥ 8)."""
    if image_size < 8 or image_size & (image_size - 1):
        raise ConfigError(
            f"{who} image_size must be a power of two >= 8 (4x4 doubled by stride-2 layers), "
            f"got {image_size}"
        )
    return image_size.bit_length() - 3  # 8 -> 1, 16 -> 2, 32 -> 3, 64 -> 4


def _init_dcgan(module: nn.Module) -> None:
    """Radford et al.'s initialisation: conv weights N(0, 0.02²), BatchNorm scales N(1, 0.02²)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class DCGANGenerator(nn.Module):
    """G(z): a latent vector to an image by transposed convolutions, BatchNorm and ReLU.

    Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep Convolutional
    Generative Adversarial Networks": no pooling or dense hidden layers; a ``k4, s1, p0``
    transposed conv makes a 4x4 map from z, each ``k4, s2, p1`` one doubles it, BatchNorm + ReLU
    after each but the last, and Tanh on the output, so images are in [-1, 1]. The channels halve
    at each doubling, ending at ``base_channels`` before the output layer.
    """

    def __init__(
        self,
        latent_size: int = 100,
        out_channels: int = 3,
        image_size: int = 64,
        base_channels: int = 64,
    ) -> None:
        """Build the stack for ``image_size`` x ``image_size`` images (a power of two ≥ 8).

        Raises:
            ConfigError: an image size that is not a power of two ≥ 8, or a non-positive size.
        """
        super().__init__()
        n = _n_doublings(image_size, "DCGANGenerator")
        if min(latent_size, out_channels, base_channels) < 1:
            raise ConfigError(
                f"DCGANGenerator sizes must be positive, got latent_size={latent_size}, "
                f"out_channels={out_channels}, base_channels={base_channels}"
            )
        width = base_channels * 2 ** (n - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_size, width, 4, 1, 0, bias=False),  # 1x1 -> 4x4
            nn.BatchNorm2d(width),
            nn.ReLU(),
        ]
        for _ in range(n - 1):
            layers += [
                nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width // 2),
                nn.ReLU(),
            ]
            width //= 2
        layers += [nn.ConvTranspose2d(width, out_channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.latent_size = latent_size
        _init_dcgan(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(B, latent_size)`` to ``(B, out_channels, image_size, image_size)`` in [-1, 1]."""
        return self.net(z.view(len(z), -1, 1, 1))

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images from z ~ N(0, I); z is drawn on ``generator``'s device, then moved."""
        device = next(self.parameters()).device
        z_device = generator.device if generator is not None else device
        z = torch.randn(n, self.latent_size, generator=generator, device=z_device)
        return self(z.to(device))


class DCGANDiscriminator(nn.Module):
    """D(x): an image to the logit of "real" by strided convolutions, BatchNorm and LeakyReLU.

    Radford et al. 2016: stride-2 ``k4, p1`` convolutions instead of pooling, LeakyReLU(0.2),
    BatchNorm on every layer but the first, and a final ``k4`` conv from 4x4 to one value.
    It returns the logit; D(x) = σ(logit), kept apart so the losses use the stable
    ``binary_cross_entropy_with_logits``.
    """

    def __init__(self, in_channels: int = 3, image_size: int = 64, base_channels: int = 64) -> None:
        """Build the stack for ``image_size`` x ``image_size`` images (a power of two ≥ 8).

        Raises:
            ConfigError: an image size that is not a power of two ≥ 8, or a non-positive size.
        """
        super().__init__()
        n = _n_doublings(image_size, "DCGANDiscriminator")
        if min(in_channels, base_channels) < 1:
            raise ConfigError(
                f"DCGANDiscriminator sizes must be positive, got in_channels={in_channels}, "
                f"base_channels={base_channels}"
            )
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, base_channels, 4, 2, 1),
            nn.LeakyReLU(0.2),  # no BatchNorm on the input layer (Radford et al. §3)
        ]
        width = base_channels
        for _ in range(n - 1):
            layers += [
                nn.Conv2d(width, width * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width * 2),
                nn.LeakyReLU(0.2),
            ]
            width *= 2
        layers.append(nn.Conv2d(width, 1, 4, 1, 0))  # 4x4 -> 1x1
        self.net = nn.Sequential(*layers)
        self.image_shape = (in_channels, image_size, image_size)
        _init_dcgan(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` images to ``(B,)`` logits of D(x)."""
        return self.net(x).view(len(x))


def train_step(
    generator: DCGANGenerator,
    discriminator: DCGANDiscriminator,
    real: torch.Tensor,
    g_optimiser: torch.optim.Optimizer,
    d_optimiser: torch.optim.Optimizer,
) -> dict[str, torch.Tensor]:
    """One round of the game min_G max_D E[ln D(x)] + E[ln(1 − D(G(z)))]: a D step, then a G step.

    The discriminator ascends E[ln D(x)] + E[ln(1 − D(G(z)))] (it descends the binary
    cross-entropy with "real" = 1, "fake" = 0). The generator uses the **non-saturating** loss
    −E[ln D(G(z))] rather than descending E[ln(1 − D(G(z)))]: the same fixed point, but strong
    gradients early on, when D rejects the fakes easily and ln(1 − D) is flat (Goodfellow et al.
    2014, §3).

    Args:
        generator: G, in training mode.
        discriminator: D, in training mode.
        real: a batch of real images scaled to [-1, 1] (G's Tanh range).
        g_optimiser: the optimiser of G's parameters.
        d_optimiser: the optimiser of D's parameters.

    Returns:
        The detached ``d_loss``, ``g_loss``, ``d_real`` (mean D(x)) and ``d_fake`` (mean D(G(z))).
    """
    ones = torch.ones(len(real), device=real.device)
    zeros = torch.zeros(len(real), device=real.device)
    z = torch.randn(len(real), generator.latent_size, device=real.device)
    fake = generator(z)

    # D step: the fakes are detached, so this step does not change G.
    real_logits = discriminator(real)
    fake_logits = discriminator(fake.detach())
    d_loss = F.binary_cross_entropy_with_logits(
        real_logits, ones
    ) + F.binary_cross_entropy_with_logits(fake_logits, zeros)
    d_optimiser.zero_grad()
    d_loss.backward()
    d_optimiser.step()

    # G step, against the discriminator just updated: −ln D(G(z)) is BCE with "real" labels.
    g_loss = F.binary_cross_entropy_with_logits(discriminator(fake), ones)
    g_optimiser.zero_grad()
    g_loss.backward()
    g_optimiser.step()
    return {
        "d_loss": d_loss.detach(),
        "g_loss": g_loss.detach(),
        "d_real": torch.sigmoid(real_logits).mean().detach(),
        "d_fake": torch.sigmoid(fake_logits).mean().detach(),
    }


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "DCGANGenerator": lambda: (
        DCGANGenerator(latent_size=8, out_channels=1, image_size=16, base_channels=8),
        (torch.randn(3, 8),),
    ),
    "DCGANDiscriminator": lambda: (
        DCGANDiscriminator(in_channels=1, image_size=16, base_channels=8),
        (torch.randn(3, 1, 16, 16),),
    ),
}
