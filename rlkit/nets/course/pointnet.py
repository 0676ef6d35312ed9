"""PointNet (Qi et al. 2017, "PointNet: Deep Learning on Point Sets for 3D Classification and
Segmentation"), the classification network, with widths as arguments so that tests can run small.

Point clouds are channels first, ``(batch, in_channels, n_points)``, the layout of ``nn.Conv1d``:
a 1x1 convolution over the points is the paper's "shared MLP", the same weights on every point.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import torch
from torch import nn

from rlkit.errors import ConfigError


def _check_widths(name: str, widths: Sequence[int]) -> None:
    if len(widths) == 0 or min(widths) < 1:
        raise ConfigError(f"{name} must be a non-empty list of widths >= 1, got {list(widths)}")


def shared_mlp(in_channels: int, widths: Sequence[int]) -> nn.Sequential:
    """The paper's shared MLP: ``Conv1d(k=1) -> BatchNorm1d -> ReLU`` per width, on each point."""
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise([in_channels, *widths]):
        layers += [nn.Conv1d(a, b, kernel_size=1), nn.BatchNorm1d(b), nn.ReLU()]
    return nn.Sequential(*layers)


def _fc_stack(in_features: int, widths: Sequence[int], dropout: float = 0.0) -> nn.Sequential:
    """``Linear -> BatchNorm1d -> ReLU (-> Dropout)`` per width."""
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise([in_features, *widths]):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class TNet(nn.Module):
    """The T-Net: a mini-PointNet that predicts a ``k x k`` alignment matrix for its input.

    Qi et al. (2017), section 4.2 and appendix C: shared MLP (64, 128, 1024), max-pool, FC (512,
    256), then ``k*k`` numbers added to the identity. The last layer starts at zero, so the
    transform starts as the identity and training moves it only where that helps.
    """

    def __init__(
        self,
        k: int,
        conv_widths: Sequence[int] = (64, 128, 1024),
        fc_widths: Sequence[int] = (512, 256),
    ) -> None:
        """Build a T-Net for ``k``-dimensional points or features.

        Raises:
            ConfigError: ``k`` below 1 or an empty or non-positive width list.
        """
        super().__init__()
        if k < 1:
            raise ConfigError(f"k must be >= 1 (the size of the k x k transform), got {k}")
        _check_widths("conv_widths", conv_widths)
        _check_widths("fc_widths", fc_widths)
        self.k = k
        self.features = shared_mlp(k, conv_widths)
        self.fc = _fc_stack(conv_widths[-1], fc_widths)
        self.out = nn.Linear(fc_widths[-1], k * k)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.register_buffer("identity", torch.eye(k).flatten())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, k, N)`` to ``(B, k, k)`` transforms (applied as ``xᵀ T`` per point)."""
        pooled = self.features(x).amax(dim=2)  # max over points: order does not matter
        return (self.out(self.fc(pooled)) + self.identity).view(-1, self.k, self.k)


def orthogonality_loss(transform: torch.Tensor) -> torch.Tensor:
    """``‖I − A Aᵀ‖²_F`` averaged over the batch: the paper's regulariser for the feature transform.

    Qi et al. (2017), eq. 2: keeping the 64x64 feature transform near orthogonal keeps it from
    losing information.
    """
    k = transform.shape[-1]
    eye = torch.eye(k, device=transform.device, dtype=transform.dtype)
    gram = transform @ transform.transpose(1, 2)
    return ((eye - gram) ** 2).sum(dim=(1, 2)).mean()


class PointNet(nn.Module):
    """PointNet classification network (Qi et al. 2017, figure 2; the course's detection lecture).

    input transform (T-Net, 3x3) -> shared MLP (64, 64) -> optional feature transform (T-Net,
    64x64) -> shared MLP (64, 128, 1024) -> max-pool over points -> FC (512, 256) with dropout ->
    class logits. The max-pool is a symmetric function, so the output does not depend on the order
    of the points.
    """

    def __init__(
        self,
        n_classes: int,
        in_channels: int = 3,
        mlp1: Sequence[int] = (64, 64),
        mlp2: Sequence[int] = (64, 128, 1024),
        head: Sequence[int] = (512, 256),
        input_transform: bool = True,
        feature_transform: bool = False,
        tnet_conv: Sequence[int] = (64, 128, 1024),
        tnet_fc: Sequence[int] = (512, 256),
        dropout: float = 0.3,
    ) -> None:
        """Build the network; the defaults are the paper's widths.

        Args:
            n_classes: number of shape classes.
            in_channels: values per point (3 for xyz).
            mlp1: the first shared MLP's widths (before the feature transform).
            mlp2: the second shared MLP's widths; the last is the global feature's size.
            head: hidden widths of the classifier.
            input_transform: align the input points with a ``in_channels x in_channels`` T-Net.
            feature_transform: align the ``mlp1[-1]``-wide point features with a second T-Net
                (add :func:`orthogonality_loss` of it to the training loss, as the paper does).
            tnet_conv: the T-Nets' shared-MLP widths.
            tnet_fc: the T-Nets' fully connected widths.
            dropout: dropout in the classifier (the paper keeps 70%: 0.3).

        Raises:
            ConfigError: fewer than 2 classes, ``in_channels`` below 1, an empty or non-positive
                width list, or a dropout outside ``[0, 1)``.
        """
        super().__init__()
        if n_classes < 2:
            raise ConfigError(f"n_classes must be >= 2 (a classifier), got {n_classes}")
        if in_channels < 1:
            raise ConfigError(f"in_channels must be >= 1 (values per point), got {in_channels}")
        for name, widths in [("mlp1", mlp1), ("mlp2", mlp2), ("head", head)]:
            _check_widths(name, widths)
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1) (a probability), got {dropout}")
        self.input_tnet = TNet(in_channels, tnet_conv, tnet_fc) if input_transform else None
        self.mlp1 = shared_mlp(in_channels, mlp1)
        self.feature_tnet = TNet(mlp1[-1], tnet_conv, tnet_fc) if feature_transform else None
        self.mlp2 = shared_mlp(mlp1[-1], mlp2)
        self.head = nn.Sequential(
            _fc_stack(mlp2[-1], head, dropout), nn.Linear(head[-1], n_classes)
        )

    def forward_with_transforms(
        self, points: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Logits ``(B, n_classes)`` and the input and feature transforms (``None`` when off)."""
        if points.dim() != 3:
            raise ValueError(f"expected (batch, channels, points), got shape {tuple(points.shape)}")
        x, input_T, feature_T = points, None, None
        if self.input_tnet is not None:
            input_T = self.input_tnet(x)
            x = torch.bmm(input_T.transpose(1, 2), x)  # each point p becomes p·T
        x = self.mlp1(x)
        if self.feature_tnet is not None:
            feature_T = self.feature_tnet(x)
            x = torch.bmm(feature_T.transpose(1, 2), x)
        global_feature = self.mlp2(x).amax(dim=2)  # the symmetric max-pool over points
        return self.head(global_feature), input_T, feature_T

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, N)`` point clouds to class logits ``(B, n_classes)``."""
        return self.forward_with_transforms(points)[0]


def _example(
    module: nn.Module, *inputs: torch.Tensor
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return module, inputs


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "TNet": lambda: _example(TNet(3, (8, 16), (8,)), torch.randn(2, 3, 64)),
    "PointNet": lambda: _example(
        PointNet(
            3,
            mlp1=(8, 8),
            mlp2=(8, 16, 32),
            head=(16,),
            feature_transform=True,
            tnet_conv=(8, 16),
            tnet_fc=(8,),
        ),
        torch.randn(2, 3, 64),
    ),
}
