"""The RBM's CD-1 rule is the course's, and it (and a DBN of RBMs) learns binarised digits."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from rlkit.errors import ConfigError
from rlkit.nets.course.rbm import DBN, RBM

pytest.importorskip("sklearn")


# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def binary_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """1,400 training and 397 held-out 8x8 digits, 64 pixels binarised at half intensity."""
    from sklearn.datasets import load_digits

    x, _ = load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0 > 0.5, dtype=torch.float32)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    return x[perm[:1400]], x[perm[1400:]]


def test_hidden_probability_is_the_sigmoid_of_the_weighted_sum() -> None:
    """P(h_i = 1) = σ(Σ_j w_ji v_j + c_i), worked by hand (not the slide's "= 0")."""
    rbm = RBM(3, 2)
    with torch.no_grad():
        rbm.W.copy_(torch.tensor([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]]))
        rbm.c.copy_(torch.tensor([0.25, -1.0]))
        rbm.b.copy_(torch.tensor([0.0, 1.0, -1.0]))
    v = torch.tensor([[1.0, 1.0, 0.0]])
    # h_0: 1 + 0.5 + 0.25 = 1.75; h_1: -2 + 0 - 1 = -3
    torch.testing.assert_close(rbm.hidden_probs(v), torch.sigmoid(torch.tensor([[1.75, -3.0]])))
    h = torch.tensor([[1.0, 0.0]])
    # v_j = σ(w_j0 + b_j): 1 + 0, 0.5 + 1, -1 - 1
    torch.testing.assert_close(
        rbm.visible_probs(h), torch.sigmoid(torch.tensor([[1.0, 1.5, -2.0]]))
    )


def test_cd1_step_is_the_courses_update() -> None:
    """ΔW = α(v·hᵀ − v'·h'ᵀ)/B, Δb = α·mean(v − v'), Δc = α·mean(h − h').

    Replays the step's Gibbs samples from the same generator seed and also checks the update
    is minus α times the gradient of the free-energy gap F(v) − F(v') (Hinton 2002).
    """
    torch.manual_seed(0)
    rbm = RBM(5, 3, init_std=0.5)
    v = torch.bernoulli(torch.full((4, 5), 0.5))
    W, b, c = (p.detach().clone() for p in (rbm.W, rbm.b, rbm.c))
    lr = 0.1
    rbm.cd1_step(v, lr, generator=torch.Generator().manual_seed(7))

    gen = torch.Generator().manual_seed(7)
    h = torch.sigmoid(v @ W + c)
    v_prime = torch.bernoulli(
        torch.sigmoid(torch.bernoulli(h, generator=gen) @ W.T + b), generator=gen
    )
    h_prime = torch.sigmoid(v_prime @ W + c)
    torch.testing.assert_close(rbm.W, W + lr * (v.T @ h - v_prime.T @ h_prime) / 4)
    torch.testing.assert_close(rbm.b, b + lr * (v - v_prime).mean(0))
    torch.testing.assert_close(rbm.c, c + lr * (h - h_prime).mean(0))

    reference = RBM(5, 3)
    with torch.no_grad():
        for p, value in zip((reference.W, reference.b, reference.c), (W, b, c), strict=True):
            p.copy_(value)
    gap = reference.free_energy(v).mean() - reference.free_energy(v_prime).mean()
    grads = torch.autograd.grad(gap, [reference.W, reference.b, reference.c])
    for p, before, grad in zip((rbm.W, rbm.b, rbm.c), (W, b, c), grads, strict=True):
        torch.testing.assert_close(p, before - lr * grad)


def test_rbm_learns_binarised_digits(binary_digits) -> None:
    """Held-out reconstruction MSE falls by more than half, and below the pixel-mean model's.

    The second bound matters: the visible biases alone learn the mean image (MSE 0.130 on the
    held-out digits), so only weights that model how pixels go together get below it.
    Measured: 0.249 at initialisation, 0.056 after 30 epochs of CD-1 (~1 s).
    """
    train, test = binary_digits
    torch.manual_seed(0)
    rbm = RBM(64, 64)
    before = rbm.reconstruction_error(test).item()
    errors = rbm.fit(train, epochs=30, lr=0.1, generator=torch.Generator().manual_seed(0))
    after = rbm.reconstruction_error(test).item()
    mean_image = F.mse_loss(train.mean(0).expand_as(test), test).item()
    print(
        f"RBM held-out reconstruction MSE {before:.4f} -> {after:.4f} (mean image {mean_image:.4f})"
    )
    assert len(errors) == 31 and errors[-1] < errors[0]
    assert after < 0.5 * before
    assert after < 0.6 * mean_image


def test_dbn_trains_layer_by_layer(binary_digits) -> None:
    """Greedy DBN training: each RBM's reconstruction error (of its own input) at least halves.

    Measured (64 -> 32 -> 16, 10 epochs each): layer 1 0.250 -> 0.088, layer 2 0.081 -> 0.026
    (~1 s).
    """
    train, test = binary_digits
    torch.manual_seed(0)
    dbn = DBN([64, 32, 16])
    history = dbn.pretrain_layerwise(
        train, epochs=10, lr=0.1, generator=torch.Generator().manual_seed(0)
    )
    print("DBN per-layer reconstruction errors:", [(h[0], h[-1]) for h in history])
    assert len(history) == 2
    for errors in history:
        assert errors[-1] < 0.5 * errors[0]
    assert dbn(test).shape == (len(test), 16)
    assert dbn.reconstruct(test).shape == test.shape


@pytest.mark.parametrize(
    ("build", "word"),
    [
        (lambda: RBM(0, 4), "n_visible"),
        (lambda: DBN([64]), "layer_sizes"),
        (lambda: DBN([64, 0]), "n_hidden"),
    ],
)
def test_bad_shapes_raise_one_line(build, word: str) -> None:
    with pytest.raises(ConfigError, match=word) as info:
        build()
    assert "\n" not in str(info.value)
