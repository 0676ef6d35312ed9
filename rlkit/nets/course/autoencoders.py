"""The course's autoencoders: dense, convolutional, denoising (1-D), stacked, and variational.

Every model here maps an input to a code and back; they differ in what the code is made to be
(a bottleneck, a clean signal under noise, a layer-wise stack, or a distribution).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from rlkit.errors import ConfigError


def _check_positive(name: str, values: Sequence[int], layers: Sequence[int] | None = None) -> None:
    """Raise a one-line ``ConfigError`` unless every size is positive (and ``layers`` non-empty)."""
    if layers is not None and len(layers) == 0:
        raise ConfigError(f"{name}: at least one layer is needed, got {list(layers)}")
    if any(int(v) < 1 for v in values):
        raise ConfigError(f"{name} must be positive sizes, got {list(values)}")


def r2_score(reconstruction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """R² = 1 − Σ(x − x̂)² / Σ(x − x̄)², the course's score for an autoencoder.

    x̄ is each input feature's mean over the batch, and the sums run over every value, so features
    weigh by their variance, as scikit-learn's ``r2_score(..., multioutput="variance_weighted")``
    and no constant pixel (the digits' blank border) divides by zero. Unlike scikit-learn, errors
    on a constant feature still count against the score.
    """
    target = target.flatten(1)
    residual = (target - reconstruction.flatten(1)).pow(2).sum()
    total = (target - target.mean(0)).pow(2).sum()
    return 1 - residual / total


class Autoencoder(nn.Module):
    """The course's dense autoencoder: ``3072 -> 512 -> 256 -> 64`` and the mirror image back.

    Lecture "Autoencoders" (Neural networks): ELU after each hidden layer and Tanh on the code
    (a bounded code in [-1, 1], which the course then projects to 2-D by PCA), a mirrored decoder
    with ELU, and an MSE loss with R² (``r2_score``) as the score. The default sizes are the
    course's (32x32x3 images); a test passes ``in_features=64`` for the 8x8 digits.
    """

    def __init__(
        self,
        in_features: int = 3072,
        hidden_sizes: Sequence[int] = (512, 256),
        code_size: int = 64,
    ) -> None:
        """Build ``in_features -> *hidden_sizes -> code_size`` and back (no output activation).

        Raises:
            ConfigError: a size that is not a positive integer.
        """
        super().__init__()
        _check_positive("Autoencoder sizes", [in_features, *hidden_sizes, code_size])
        widths = [in_features, *hidden_sizes, code_size]
        encoder: list[nn.Module] = []
        for a, b in itertools.pairwise(widths):
            encoder += [nn.Linear(a, b), nn.ELU()]
        encoder[-1] = nn.Tanh()  # the code is bounded in [-1, 1]
        decoder: list[nn.Module] = []
        for a, b in itertools.pairwise(widths[::-1]):
            decoder += [nn.Linear(a, b), nn.ELU()]
        # The output is a regression of the pixel values (MSE), so no squashing at the end.
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder[:-1])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_features)`` (or any ``(B, ...)`` that flattens to it) to ``(B, code_size)``."""
        return self.encoder(x.flatten(1))

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """``(B, code_size)`` to ``(B, in_features)``."""
        return self.decoder(code)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction, ``(B, in_features)``."""
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
    """A convolutional autoencoder: stride-2 convolutions down, transposed convolutions back up.

    Lecture "Autoencoders" with the convolution lecture's arithmetic r = (q − k + 2p)/s + 1:
    each ``Conv2d(k3, s2, p1)`` halves the side, each ``ConvTranspose2d(k4, s2, p1)`` doubles
    it, so the reconstruction has the input's size exactly when the side divides by
    ``2 ** len(channels)``. The code is the last feature map (its size is found by a dummy
    forward pass, never hard-coded).
    """

    def __init__(
        self,
        in_channels: int = 1,
        image_size: int = 8,
        channels: Sequence[int] = (16, 32),
    ) -> None:
        """Build the encoder ``in_channels -> *channels`` and the mirrored decoder.

        Raises:
            ConfigError: a non-positive size, or an ``image_size`` that the stride-2 stack
                cannot halve ``len(channels)`` times.
        """
        super().__init__()
        _check_positive("ConvAutoencoder sizes", [in_channels, image_size, *channels], channels)
        factor = 2 ** len(channels)
        if image_size % factor:
            raise ConfigError(
                f"ConvAutoencoder image_size {image_size} must divide by 2**len(channels) = "
                f"{factor} so the decoder gives back the same size"
            )
        widths = [in_channels, *channels]
        encoder: list[nn.Module] = []
        for a, b in itertools.pairwise(widths):
            encoder += [nn.Conv2d(a, b, kernel_size=3, stride=2, padding=1), nn.ReLU()]
        decoder: list[nn.Module] = []
        for a, b in itertools.pairwise(widths[::-1]):
            decoder += [nn.ConvTranspose2d(a, b, kernel_size=4, stride=2, padding=1), nn.ReLU()]
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder[:-1])  # a linear output for the MSE regression
        self.image_shape = (in_channels, image_size, image_size)
        with torch.no_grad():
            self.code_shape = tuple(self.encoder(torch.zeros(1, *self.image_shape)).shape[1:])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` to the code ``(B, *code_shape)``."""
        return self.encoder(x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """``(B, *code_shape)`` to ``(B, C, H, W)``."""
        return self.decoder(code)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction, the input's shape."""
        return self.decode(self.encode(x))


class DenoisingAutoencoder1d(nn.Module):
    """The course's denoising audio autoencoder on ``(B, channels, length)`` signals.

    Lecture "Autoencoders" (denoising audio): ``Conv1d 2 -> 256 -> 512 -> 1024`` with kernel 3,
    stride 2, padding 1 and Mish, then ``ConvTranspose1d`` back to the input's channels. Trained
    on (noisy input, clean target) pairs (Vincent et al. 2008, "Extracting and Composing Robust
    Features with Denoising Autoencoders"). Each transposed layer has ``output_padding=1`` so it
    exactly doubles the length: (L − 1)·2 − 2 + 3 + 1 = 2L. The widths are parameters so tests can
    be small.
    """

    def __init__(self, in_channels: int = 2, channels: Sequence[int] = (256, 512, 1024)) -> None:
        """Build ``in_channels -> *channels`` down and the mirror image up (linear output).

        Raises:
            ConfigError: a non-positive channel count.
        """
        super().__init__()
        _check_positive("DenoisingAutoencoder1d channels", [in_channels, *channels], channels)
        widths = [in_channels, *channels]
        encoder: list[nn.Module] = []
        for a, b in itertools.pairwise(widths):
            encoder += [nn.Conv1d(a, b, kernel_size=3, stride=2, padding=1), nn.Mish()]
        decoder: list[nn.Module] = []
        for a, b in itertools.pairwise(widths[::-1]):
            decoder += [
                nn.ConvTranspose1d(a, b, kernel_size=3, stride=2, padding=1, output_padding=1),
                nn.Mish(),
            ]
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder[:-1])  # the signal can be negative: no activation
        self.length_multiple = 2 ** len(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, L)`` to the denoised ``(B, in_channels, L)``.

        Raises:
            ConfigError: a length ``L`` that the stride-2 stack cannot halve and double back.
        """
        if x.shape[-1] % self.length_multiple:
            raise ConfigError(
                f"DenoisingAutoencoder1d signal length {x.shape[-1]} must divide by "
                f"{self.length_multiple} (2 per stride-2 layer) to come back the same length"
            )
        return self.decoder(self.encoder(x))


class StackedAutoencoder(nn.Module):
    """A stacked autoencoder, pretrained greedily one layer at a time.

    Lecture "Autoencoders" (stacked AEs), after Bengio et al. 2007, "Greedy Layer-Wise Training
    of Deep Networks": layer k is a one-hidden-layer autoencoder trained to reconstruct the codes
    of layer k − 1 (the earlier layers frozen); the trained encoders are then stacked, and the
    decoders stacked in reverse, giving a deep autoencoder that can be fine-tuned end to end.
    """

    def __init__(self, in_features: int, hidden_sizes: Sequence[int]) -> None:
        """One ``Linear + Sigmoid`` encoder and one ``Linear`` decoder per hidden size.

        Raises:
            ConfigError: a size that is not a positive integer.
        """
        super().__init__()
        _check_positive("StackedAutoencoder sizes", [in_features, *hidden_sizes], hidden_sizes)
        widths = [in_features, *hidden_sizes]
        # Sigmoid codes: each layer's input to the next is bounded, as in Bengio et al.
        self.encoders = nn.ModuleList(
            nn.Sequential(nn.Linear(a, b), nn.Sigmoid()) for a, b in itertools.pairwise(widths)
        )
        self.decoders = nn.ModuleList(nn.Linear(b, a) for a, b in itertools.pairwise(widths))

    def encode(self, x: torch.Tensor, n_layers: int | None = None) -> torch.Tensor:
        """The code after the first ``n_layers`` encoders (all of them by default)."""
        h = x.flatten(1)
        for encoder in self.encoders[:n_layers]:
            h = encoder(h)
        return h

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """The deepest code back to the input space, through the decoders in reverse."""
        h = code
        for i, decoder in enumerate(reversed(self.decoders)):
            h = decoder(h)
            if i < len(self.decoders) - 1:
                h = torch.sigmoid(h)  # the inner decoders rebuild sigmoid codes
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction through the whole stack, ``(B, in_features)``."""
        return self.decode(self.encode(x))

    def pretrain_layerwise(
        self,
        data: torch.Tensor,
        epochs: int = 20,
        lr: float = 1e-2,
        batch_size: int = 64,
        generator: torch.Generator | None = None,
    ) -> list[tuple[float, float]]:
        """Greedy layer-wise pretraining: train each layer's autoencoder on the codes below it.

        Args:
            data: ``(N, in_features)`` training inputs.
            epochs: passes over the data for each layer.
            lr: Adam's learning rate.
            batch_size: examples per step.
            generator: the random generator for shuffling (for reproducible runs).

        Returns:
            Per layer, its reconstruction MSE on ``data``'s codes before and after its training.
        """
        history = []
        for k, (encoder, decoder) in enumerate(zip(self.encoders, self.decoders, strict=True)):
            with torch.no_grad():
                inputs = self.encode(data, n_layers=k)  # the frozen layers below
            params = [*encoder.parameters(), *decoder.parameters()]
            optimiser = torch.optim.Adam(params, lr=lr)

            def layer_loss(x: torch.Tensor, enc: nn.Module = encoder, dec: nn.Module = decoder):
                return F.mse_loss(dec(enc(x)), x)

            with torch.no_grad():
                before = layer_loss(inputs).item()
            for _ in range(epochs):
                # Drawn where the generator lives, used where the data lives.
                device = generator.device if generator is not None else None
                order = torch.randperm(len(inputs), generator=generator, device=device)
                for batch in inputs[order.to(inputs.device)].split(batch_size):
                    optimiser.zero_grad()
                    layer_loss(batch).backward()
                    optimiser.step()
            with torch.no_grad():
                history.append((before, layer_loss(inputs).item()))
        return history


class VAE(nn.Module):
    """A variational autoencoder with a Bernoulli decoder.

    Kingma & Welling 2014, "Auto-Encoding Variational Bayes"; lecture "Autoencoders" (VAE: the
    encoder gives μ and σ; maximise the variational lower bound). The encoder outputs μ and
    log σ² (the log keeps σ positive without a constraint), a code is drawn by the
    reparameterisation z = μ + σ·ε with ε ~ N(0, I) so gradients flow through μ and σ, and the
    decoder gives Bernoulli logits per input value. The bound is
    ELBO(x) = E_q[ln p(x|z)] − KL(q(z|x) ‖ N(0, I)), with the KL in closed form.
    """

    def __init__(
        self, in_features: int = 784, hidden_sizes: Sequence[int] = (400,), latent_size: int = 20
    ) -> None:
        """Build an MLP encoder with μ and log σ² heads and a mirrored MLP decoder.

        Raises:
            ConfigError: a size that is not a positive integer.
        """
        super().__init__()
        _check_positive("VAE sizes", [in_features, *hidden_sizes, latent_size])
        widths = [in_features, *hidden_sizes]
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(widths):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.encoder = nn.Sequential(*layers)
        self.mu = nn.Linear(widths[-1], latent_size)
        self.log_var = nn.Linear(widths[-1], latent_size)
        back = [latent_size, *hidden_sizes[::-1]]
        layers = []
        for a, b in itertools.pairwise(back):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.decoder = nn.Sequential(*layers, nn.Linear(back[-1], in_features))
        self.latent_size = latent_size

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, in_features)`` to the posterior's ``(μ, log σ²)``, each ``(B, latent_size)``."""
        h = self.encoder(x.flatten(1))
        return self.mu(h), self.log_var(h)

    def reparameterise(self, mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        """z = μ + σ·ε, ε ~ N(0, I): a sample that is differentiable in μ and σ."""
        return mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``(B, latent_size)`` codes to Bernoulli logits ``(B, in_features)``."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction probabilities (one sampled code per input), ``(B, in_features)``."""
        mu, log_var = self.encode(x)
        return torch.sigmoid(self.decode(self.reparameterise(mu, log_var)))

    def elbo(self, x: torch.Tensor) -> torch.Tensor:
        """The evidence lower bound per example, ``(B,)``, in nats (one-sample estimate).

        The reconstruction term is the Bernoulli log-likelihood −BCE(logits, x), exact for 0/1
        data (for values in [0, 1] it is the cross-entropy, whose floor is the data's entropy).
        """
        x = x.flatten(1)
        mu, log_var = self.encode(x)
        logits = self.decode(self.reparameterise(mu, log_var))
        log_likelihood = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        # KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − ln σ² − 1), Kingma & Welling appendix B.
        kl = 0.5 * (mu.pow(2) + log_var.exp() - log_var - 1).sum(1)
        return log_likelihood - kl

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """The negative ELBO averaged over the batch: reconstruction + KL, to minimise."""
        return -self.elbo(x).mean()

    def sample(self, n: int) -> torch.Tensor:
        """``n`` new inputs' Bernoulli probabilities, decoded from codes drawn from the prior."""
        z = torch.randn(n, self.latent_size, device=self.mu.weight.device)
        return torch.sigmoid(self.decode(z))


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "Autoencoder": lambda: (Autoencoder(64, (32, 16), 8), (torch.rand(3, 64),)),
    "ConvAutoencoder": lambda: (ConvAutoencoder(1, 8, (8, 16)), (torch.rand(3, 1, 8, 8),)),
    "DenoisingAutoencoder1d": lambda: (
        DenoisingAutoencoder1d(2, (8, 16, 32)),
        (torch.randn(3, 2, 32),),
    ),
    "StackedAutoencoder": lambda: (StackedAutoencoder(64, (32, 16)), (torch.rand(3, 64),)),
    "VAE": lambda: (VAE(64, (32,), 4), (torch.rand(3, 64),)),
}
