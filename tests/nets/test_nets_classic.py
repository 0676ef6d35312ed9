"""The course's first networks: the perceptron's rule, the MLP worked example, the digits."""

from __future__ import annotations

import time

import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from rlkit.errors import ConfigError
from rlkit.nets.course.classic import ACTIVATIONS, CourseMLP, Perceptron

# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def digits_split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """sklearn's 8x8 digits scaled to [0, 1]: a fixed stratified 75/25 split (1,347 / 450)."""
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    as_x = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.as_tensor(a, dtype=torch.long)  # noqa: E731
    return as_x(x_tr), as_y(y_tr), as_x(x_te), as_y(y_te)


# --- Perceptron ------------------------------------------------------------------------------

BOOLEAN_INPUTS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize(
    ("name", "targets"), [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("NAND", [1, 1, 1, 0])]
)
def test_perceptron_learns_boolean_functions(name: str, targets: list[int]) -> None:
    perceptron = Perceptron(2)
    target = torch.tensor(targets, dtype=torch.float32)
    epochs = perceptron.fit(BOOLEAN_INPUTS, target, max_epochs=20)
    assert torch.equal(perceptron(BOOLEAN_INPUTS), target), name
    assert epochs < 20  # converged: the last pass made no mistake


def test_perceptron_rule_by_hand() -> None:
    """One wrong 1 lowers the weights of the active inputs; one wrong 0 raises them."""
    perceptron = Perceptron(3)
    # w = 0, b = 0: H(0) = 1, so a target 0 is a wrong 1 -> w -= x (only active inputs move).
    assert perceptron.train_step(torch.tensor([[1.0, 0.0, 1.0]]), torch.tensor([0.0])) == 1
    assert perceptron.weight.tolist() == [-1.0, 0.0, -1.0]
    assert perceptron.bias.item() == -1.0
    # Now [0, 1, 0] gives H(-1) = 0; a target 1 is a wrong 0 -> w += x.
    assert perceptron.train_step(torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([1.0])) == 1
    assert perceptron.weight.tolist() == [-1.0, 1.0, -1.0]
    assert perceptron.bias.item() == 0.0
    # A right answer changes nothing.
    assert perceptron.train_step(torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([1.0])) == 0
    assert perceptron.weight.tolist() == [-1.0, 1.0, -1.0]


def test_perceptron_separates_digits_zero_and_one() -> None:
    x_tr, y_tr, x_te, y_te = digits_split()
    train, test = (y_tr <= 1), (y_te <= 1)
    perceptron = Perceptron(64)
    epochs = perceptron.fit(x_tr[train], y_tr[train].float(), max_epochs=50)
    train_acc = (perceptron(x_tr[train]) == y_tr[train]).float().mean().item()
    test_acc = (perceptron(x_te[test]) == y_te[test]).float().mean().item()
    print(f"perceptron 0 vs 1: {epochs} epochs, train {train_acc:.3f}, test {test_acc:.3f}")
    assert train_acc == 1.0 and epochs < 50
    assert test_acc >= 0.97


def test_perceptron_cannot_learn_xor() -> None:
    """Minsky & Papert: XOR is not linearly separable, so the rule never stops making mistakes."""
    perceptron = Perceptron(2)
    target = torch.tensor([0.0, 1.0, 1.0, 0.0])
    assert perceptron.fit(BOOLEAN_INPUTS, target, max_epochs=50) == 50
    assert not torch.equal(perceptron(BOOLEAN_INPUTS), target)


def test_perceptron_state_dict_round_trip() -> None:
    perceptron = Perceptron(2)
    perceptron.fit(BOOLEAN_INPUTS, torch.tensor([0.0, 0.0, 0.0, 1.0]))
    copy = Perceptron(2)
    copy.load_state_dict(perceptron.state_dict())
    assert torch.equal(copy(BOOLEAN_INPUTS), perceptron(BOOLEAN_INPUTS))


# --- The lecture's MLP worked example ---------------------------------------------------------


def worked_example() -> CourseMLP:
    mlp = CourseMLP(3, [3], 2, activation="sigmoid", output_activation="sigmoid", bias=False)
    hidden, output = mlp.linears
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[1.0, -2.0, 2.0], [2.0, 1.0, -4.0], [1.0, -1.0, 0.0]]))
        output.weight.copy_(torch.tensor([[-3.0, 1.0, -3.0], [0.0, 1.0, 2.0]]))
    return mlp


def test_mlp_worked_example_forward() -> None:
    mlp = worked_example()
    hidden, output = mlp.hidden_outputs(torch.tensor([[0.5, 0.9, -0.3]]))
    assert hidden[0].tolist() == pytest.approx([0.13, 0.96, 0.40], abs=0.005)
    assert output[0].tolist() == pytest.approx([0.35, 0.85], abs=0.005)


def test_mlp_worked_example_backprop_matches_autograd() -> None:
    """dE/dw = h·(o − t)·o·(1 − o) for the weight from hidden unit 1 to output 1, E = ½Σ(o − t)²."""
    mlp = worked_example()
    hidden, output = mlp.hidden_outputs(torch.tensor([[0.5, 0.9, -0.3]]))
    h, o, t = hidden[0, 0].item(), output[0, 0].item(), 0.9
    by_hand = h * (o - t) * o * (1 - o)
    assert by_hand == pytest.approx(-0.0163, abs=5e-4)  # the lecture's rounded value
    # With the lecture's rounded numbers 0.13·(0.35 − 0.9)·0.35·0.65 = -0.01627.
    assert 0.13 * (0.35 - 0.9) * 0.35 * 0.65 == pytest.approx(-0.0163, abs=5e-5)

    targets = torch.tensor([[0.9, output[0, 1].item()]])  # output 2 on target: no error there
    loss = 0.5 * ((mlp(torch.tensor([[0.5, 0.9, -0.3]])) - targets) ** 2).sum()
    loss.backward()
    assert mlp.linears[1].weight.grad[0, 0].item() == pytest.approx(by_hand, rel=1e-5)


def test_pong_mlp_has_the_departments_parameter_count() -> None:
    mlp = CourseMLP(3, [256, 64], 3, activation="relu")
    assert sum(p.numel() for p in mlp.parameters()) == 17_667


def test_mlp_bias_switch_and_activations() -> None:
    assert sum(p.numel() for p in CourseMLP(3, [3], 2, bias=False).parameters()) == 15
    x = torch.randn(5, 4)
    for name in ACTIVATIONS:
        assert CourseMLP(4, [6], 2, activation=name)(x).shape == (5, 2)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"in_features": 0, "hidden_sizes": [4], "out_features": 2}, "layer 0 width"),
        ({"in_features": 3, "hidden_sizes": [0], "out_features": 2}, "layer 1 width"),
        ({"in_features": 3, "hidden_sizes": [4], "out_features": 2, "activation": "gelu"}, "gelu"),
    ],
)
def test_mlp_bad_config(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        CourseMLP(**kwargs)


def test_perceptron_bad_config() -> None:
    with pytest.raises(ConfigError, match="in_features"):
        Perceptron(0)


# --- Learning on the digits ------------------------------------------------------------------


def test_mlp_learns_digits() -> None:
    """64 -> 64 (ReLU) -> 10 with Adam, full-batch-ish mini-batches: >= 95% on the held-out 25%."""
    torch.manual_seed(0)
    x_tr, y_tr, x_te, y_te = digits_split()
    mlp = CourseMLP(64, [64], 10, activation="relu")
    optimizer = torch.optim.Adam(mlp.parameters(), lr=3e-3)
    start = time.perf_counter()
    for _ in range(40):
        for idx in torch.randperm(len(x_tr)).split(64):
            loss = torch.nn.functional.cross_entropy(mlp(x_tr[idx]), y_tr[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (mlp(x_te).argmax(1) == y_te).float().mean().item()
    print(f"CourseMLP digits: test accuracy {accuracy:.4f} in {seconds:.1f} s")
    assert accuracy >= 0.95
    assert seconds < 60
