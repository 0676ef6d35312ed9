"""The course's first networks: Rosenblatt's perceptron and a plain multi-layer perceptron.

``Perceptron`` learns by Rosenblatt's rule, not by autograd; ``CourseMLP`` has a configurable
activation and optional biases so the lecture's worked example (no biases, sigmoids) is one call.
The agents' ReLU network is :class:`rlkit.nets.mlp.MLP`; this one exists for the course.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import torch
from torch import nn

from rlkit.errors import ConfigError


class Perceptron(nn.Module):
    """A McCulloch-Pitts neuron, y = H(w·x + b) with the Heaviside step H, trained by Rosenblatt.

    Rosenblatt (1958), "The perceptron: a probabilistic model for information storage and
    organization in the brain"; the course's "Neural networks" lecture. The learning rule (course
    wording): on a wrong 0 raise the weights of the active inputs, on a wrong 1 lower them, i.e.
    ``w += lr * (t - y) * x`` and ``b += lr * (t - y)`` for each misclassified sample. With 0/1
    inputs only active inputs (x_i = 1) move; real-valued inputs move by their value.

    The weights are buffers, not parameters: nothing here is learned by gradient descent (the step
    has no useful gradient), and ``state_dict`` still saves and restores them.

    Args:
        in_features: the number of inputs.
        lr: the step of the rule (1.0 is Rosenblatt's; it only scales w when w starts at 0).
    """

    weight: torch.Tensor
    bias: torch.Tensor

    def __init__(self, in_features: int, lr: float = 1.0) -> None:
        """Start with w = 0 and b = 0 (every output 1, since H(0) = 1)."""
        super().__init__()
        if in_features < 1:
            raise ConfigError(f"Perceptron: in_features must be >= 1, got {in_features}")
        if lr <= 0:
            raise ConfigError(f"Perceptron: lr must be > 0, got {lr}")
        self.lr = lr
        self.register_buffer("weight", torch.zeros(in_features))
        self.register_buffer("bias", torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_features)`` to ``(B,)`` outputs in {0., 1.} (H(z) = 1 for z >= 0)."""
        return (x.float() @ self.weight + self.bias >= 0).float()

    @torch.no_grad()
    def train_step(self, x: torch.Tensor, target: torch.Tensor) -> int:
        """One pass of Rosenblatt's rule over the samples, one at a time, in the given order.

        Args:
            x: ``(B, in_features)`` inputs.
            target: ``(B,)`` labels in {0, 1}.

        Returns:
            How many samples were misclassified (and so corrected) during the pass.
        """
        mistakes = 0
        for x_i, t_i in zip(x.float(), target.float(), strict=True):
            y_i = float(x_i @ self.weight + self.bias >= 0)
            error = float(t_i) - y_i  # +1: a wrong 0 (raise), -1: a wrong 1 (lower), 0: right
            if error != 0.0:
                self.weight += self.lr * error * x_i
                self.bias += self.lr * error
                mistakes += 1
        return mistakes

    def fit(self, x: torch.Tensor, target: torch.Tensor, max_epochs: int = 100) -> int:
        """Repeat :meth:`train_step` until a pass makes no mistake (or ``max_epochs`` passes).

        The perceptron convergence theorem: on linearly separable data this stops after finitely
        many corrections.

        Returns:
            The number of passes made (the last one without mistakes if it converged).
        """
        for epoch in range(1, max_epochs + 1):
            if self.train_step(x, target) == 0:
                return epoch
        return max_epochs


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.1),  # the course's slope
    "elu": nn.ELU,
    "softplus": nn.Softplus,
    "mish": nn.Mish,
    "identity": nn.Identity,
}
"""The activations :class:`CourseMLP` knows, by name (those of the course's lecture)."""


def _activation(name: str, what: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ConfigError(f"CourseMLP: unknown {what} {name!r}; choose from {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


class CourseMLP(nn.Module):
    """A multi-layer perceptron ``in_features -> *hidden_sizes -> out_features`` as in the lecture.

    Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating errors"; the
    course's "Neural networks" lecture (worked example: 3 inputs, 3 sigmoid hidden units, 2 sigmoid
    outputs, no biases). The same class makes the department's pong network, 3 -> 256 -> 64 -> 3
    with ReLU and biases (17,667 parameters).

    Args:
        in_features: the number of inputs.
        hidden_sizes: the width of each hidden layer (may be empty: a linear model).
        out_features: the number of outputs.
        activation: the hidden activation, a key of :data:`ACTIVATIONS`.
        output_activation: applied to the outputs; ``"identity"`` gives logits (for a
            cross-entropy loss), ``"sigmoid"`` the lecture's example.
        bias: whether the linear layers have biases (the worked example has none).
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        out_features: int,
        activation: str = "relu",
        output_activation: str = "identity",
        bias: bool = True,
    ) -> None:
        """Build the layers; a non-positive width raises :class:`ConfigError`."""
        super().__init__()
        widths = [in_features, *hidden_sizes, out_features]
        for i, width in enumerate(widths):
            if width < 1:
                raise ConfigError(f"CourseMLP: layer {i} width must be >= 1, got {width}")
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(itertools.pairwise(widths)):
            layers.append(nn.Linear(a, b, bias=bias))
            last = i == len(widths) - 2
            layers.append(_activation(output_activation if last else activation, "activation"))
        self.net = nn.Sequential(*layers)

    @property
    def linears(self) -> list[nn.Linear]:
        """The linear layers, input side first (to set or read the weights of a worked example)."""
        return [m for m in self.net if isinstance(m, nn.Linear)]

    def hidden_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output of every layer after its activation, the last being :meth:`forward`'s."""
        outputs = []
        for module in self.net:
            x = module(x)
            if not isinstance(module, nn.Linear):
                outputs.append(x)
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_features)`` to ``(B, out_features)``."""
        return self.net(x.flatten(1).float())


def _worked_example_mlp() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return CourseMLP(3, [3], 2, activation="sigmoid", output_activation="sigmoid", bias=False), (
        torch.randn(4, 3),
    )


def _pong_mlp() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return CourseMLP(3, [256, 64], 3), (torch.randn(4, 3),)


def _digits_mlp() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return CourseMLP(64, [32], 10, activation="tanh"), (torch.randn(3, 64),)


# The Perceptron is not listed: it has no parameters to back-propagate into (Rosenblatt's rule
# trains it), so the zoo's backward-pass check does not apply; its own tests cover it.
ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "course_mlp_worked_example": _worked_example_mlp,
    "course_mlp_pong": _pong_mlp,
    "course_mlp_digits": _digits_mlp,
}
