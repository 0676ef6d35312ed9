"""rlkit.nets.course.recurrent: the written-out cells equal PyTorch's, and each one learns
something."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from torch import nn

from rlkit.errors import ConfigError
from rlkit.nets.course.recurrent import (
    GRU,
    LSTM,
    ElmanCell,
    ElmanRNN,
    GRUCell,
    LSTMCell,
    SequenceRegressor,
)

IN, HID, B, T = 3, 5, 4, 7


# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_elman_equals_nn_rnn(activation: str) -> None:
    torch.manual_seed(0)
    ref = nn.RNN(IN, HID, nonlinearity=activation, batch_first=True)
    ours = ElmanRNN(IN, HID, activation)
    with torch.no_grad():
        ours.cell.W.weight.copy_(ref.weight_ih_l0)
        ours.cell.U.weight.copy_(ref.weight_hh_l0)
        # nn.RNN has two biases that only ever appear summed; the formula has one b
        ours.cell.W.bias.copy_(ref.bias_ih_l0 + ref.bias_hh_l0)
    x, h0 = torch.randn(B, T, IN), torch.randn(B, HID)
    out, h = ours(x, h0)
    ref_out, ref_h = ref(x, h0.unsqueeze(0))
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h, ref_h[0])


def test_elman_sigmoid_is_the_formula() -> None:
    # nn.RNN has no logistic units, so check Elman's sigmoid cell against the formula itself
    torch.manual_seed(0)
    cell = ElmanCell(IN, HID, "sigmoid")
    x, h = torch.randn(B, IN), torch.randn(B, HID)
    expected = torch.sigmoid(x @ cell.W.weight.T + h @ cell.U.weight.T + cell.W.bias)
    torch.testing.assert_close(cell(x, h), expected)


def test_lstm_equals_nn_lstm() -> None:
    torch.manual_seed(0)
    ref = nn.LSTM(IN, HID, batch_first=True)
    ours = LSTM(IN, HID)
    with torch.no_grad():  # same gate order (i, f, g, o) in both
        ours.cell.W.weight.copy_(ref.weight_ih_l0)
        ours.cell.U.weight.copy_(ref.weight_hh_l0)
        ours.cell.W.bias.copy_(ref.bias_ih_l0 + ref.bias_hh_l0)
    x, h0, c0 = torch.randn(B, T, IN), torch.randn(B, HID), torch.randn(B, HID)
    out, (h, c) = ours(x, (h0, c0))
    ref_out, (ref_h, ref_c) = ref(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h, ref_h[0])
    torch.testing.assert_close(c, ref_c[0])


def test_lstm_cell_is_the_formula() -> None:
    torch.manual_seed(0)
    cell = LSTMCell(IN, HID)
    x, h, c = torch.randn(B, IN), torch.randn(B, HID), torch.randn(B, HID)
    pre = x @ cell.W.weight.T + cell.W.bias + h @ cell.U.weight.T
    i, f, g, o = (pre[:, k * HID : (k + 1) * HID] for k in range(4))
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_next = torch.sigmoid(o) * torch.tanh(c_next)
    got_h, got_c = cell(x, (h, c))
    torch.testing.assert_close(got_h, h_next)
    torch.testing.assert_close(got_c, c_next)


def test_peephole_lstm_is_the_formula() -> None:
    """Gers & Schmidhuber's peepholes: i and f see c_{t−1}, o sees c_t (element-wise weights)."""
    torch.manual_seed(0)
    cell = LSTMCell(IN, HID, peephole=True)
    assert cell.peephole is not None
    with torch.no_grad():
        cell.peephole.normal_()
    p_i, p_f, p_o = cell.peephole
    x, h, c = torch.randn(B, IN), torch.randn(B, HID), torch.randn(B, HID)
    pre = x @ cell.W.weight.T + cell.W.bias + h @ cell.U.weight.T
    i, f, g, o = (pre[:, k * HID : (k + 1) * HID] for k in range(4))
    c_next = torch.sigmoid(f + p_f * c) * c + torch.sigmoid(i + p_i * c) * torch.tanh(g)
    h_next = torch.sigmoid(o + p_o * c_next) * torch.tanh(c_next)
    got_h, got_c = cell(x, (h, c))
    torch.testing.assert_close(got_h, h_next)
    torch.testing.assert_close(got_c, c_next)


def test_gru_reset_after_equals_nn_gru_with_the_update_gate_negated() -> None:
    """nn.GRU: h = (1 − z')∘n + z'∘h_prev. Ours: h = (1 − z)∘h_prev + z∘h̃. So z = 1 − z'.

    Since 1 − σ(a) = σ(−a), copying nn.GRU's update-gate weights and biases *negated* makes our
    z equal to its 1 − z', and the two outputs equal. nn.GRU applies the reset gate after the
    recurrent product (reset_after=True); everything else is copied unchanged.
    """
    torch.manual_seed(0)
    ref = nn.GRU(IN, HID, batch_first=True)
    ours = GRU(IN, HID, reset_after=True)
    update_rows = slice(HID, 2 * HID)  # row blocks in both: r, z, candidate
    with torch.no_grad():
        for dst, src in [
            (ours.cell.W.weight, ref.weight_ih_l0),
            (ours.cell.U.weight, ref.weight_hh_l0),
            (ours.cell.W.bias, ref.bias_ih_l0),
            (ours.cell.U.bias, ref.bias_hh_l0),
        ]:
            dst.copy_(src)
            dst[update_rows] = -src[update_rows]
    x, h0 = torch.randn(B, T, IN), torch.randn(B, HID)
    out, h = ours(x, h0)
    ref_out, ref_h = ref(x, h0.unsqueeze(0))
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h, ref_h[0])
    # and without the negation they differ: the conventions really are flipped
    with torch.no_grad():
        ours.cell.W.weight[update_rows] *= -1
        ours.cell.U.weight[update_rows] *= -1
        ours.cell.W.bias[update_rows] *= -1
        ours.cell.U.bias[update_rows] *= -1
    assert not torch.allclose(ours(x, h0)[0], ref_out, atol=1e-3)


def test_gru_cell_is_the_course_formula() -> None:
    """Cho et al.'s candidate tanh(W_h x + U_h (r∘h) + b) and h = (1 − z)∘h + z∘h̃."""
    torch.manual_seed(0)
    cell = GRUCell(IN, HID)
    x, h = torch.randn(B, IN), torch.randn(B, HID)
    W, U, bw, bu = cell.W.weight, cell.U.weight, cell.W.bias, cell.U.bias
    blk = [slice(k * HID, (k + 1) * HID) for k in range(3)]
    r = torch.sigmoid(x @ W[blk[0]].T + bw[blk[0]] + h @ U[blk[0]].T + bu[blk[0]])
    z = torch.sigmoid(x @ W[blk[1]].T + bw[blk[1]] + h @ U[blk[1]].T + bu[blk[1]])
    h_tilde = torch.tanh(x @ W[blk[2]].T + bw[blk[2]] + (r * h) @ U[blk[2]].T + bu[blk[2]])
    torch.testing.assert_close(cell(x, h), (1 - z) * h + z * h_tilde)
    # z = 0 keeps the old state: the course's convention, z is the share of the new candidate
    with torch.no_grad():
        cell.W.bias[blk[1]] = -1e4
    torch.testing.assert_close(cell(x, h), h)


class _Classifier(nn.Module):
    """A recurrent layer and a linear read-out of its last hidden state."""

    def __init__(self, rnn: nn.Module, hidden: int) -> None:
        super().__init__()
        self.rnn, self.out = rnn, nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.rnn(x)
        return self.out(outputs[:, -1]).squeeze(-1)


Task = Callable[[int, int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def _recall_first_bit(
    n: int, length: int, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random bits; the label is the first bit, to be recalled after ``length - 1`` more steps."""
    bits = torch.randint(0, 2, (n, length, 1), generator=gen).float()
    return bits, bits[:, 0, 0]


def _parity(n: int, length: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random bits; the label is their XOR (needs every bit: no single input says anything)."""
    bits = torch.randint(0, 2, (n, length, 1), generator=gen).float()
    return bits, bits.sum(dim=(1, 2)) % 2


def _train_classifier(rnn: nn.Module, hidden: int, task: Task, length: int, steps: int) -> float:
    gen = torch.Generator().manual_seed(1)
    model = _Classifier(rnn, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x, y = task(64, length, gen)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # the course's remedy for exploding BPTT
        opt.step()
    x, y = task(1000, length, gen)
    with torch.no_grad():
        return ((model(x) > 0).float() == y).float().mean().item()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("elman", lambda: ElmanRNN(1, 16)),
        ("lstm", lambda: LSTM(1, 16)),
        ("lstm-peephole", lambda: LSTM(1, 16, peephole=True)),
        ("gru", lambda: GRU(1, 16)),
    ],
)
def test_cells_recall_the_first_bit(name: str, make: Callable[[], nn.Module]) -> None:
    """Chance is 50%; each cell must carry the first bit through 9 more random bits."""
    torch.manual_seed(0)
    acc = _train_classifier(make(), 16, _recall_first_bit, length=10, steps=300)
    print(f"{name} first-bit recall over 10 steps: {acc:.3f}")
    assert acc >= 0.95


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_elman_recall_other_seeds(seed: int) -> None:
    """The plain RNN is the touchy one: at 150 steps 2 seeds of 6 were still at chance."""
    torch.manual_seed(seed)
    acc = _train_classifier(ElmanRNN(1, 16), 16, _recall_first_bit, length=10, steps=300)
    print(f"elman first-bit recall, seed {seed}: {acc:.3f}")
    assert acc >= 0.95


@pytest.mark.parametrize(
    ("name", "make"),
    [("elman", lambda: ElmanRNN(1, 32)), ("gru", lambda: GRU(1, 32))],
)
def test_elman_and_gru_learn_parity(name: str, make: Callable[[], nn.Module]) -> None:
    """XOR of 4 bits: chance is 50%, and a linear read-out of the inputs gets no more."""
    torch.manual_seed(0)
    acc = _train_classifier(make(), 32, _parity, length=4, steps=600)
    print(f"{name} 4-bit parity: {acc:.3f}")
    assert acc >= 0.9


def _sine_windows(window: int) -> tuple[torch.Tensor, ...]:
    """Windows of a noisy sine series and the next value; the last 20% of the series is the test."""
    gen = torch.Generator().manual_seed(0)
    t = torch.arange(1200, dtype=torch.float32)
    series = torch.sin(2 * math.pi * t / 50) + 0.02 * torch.randn(1200, generator=gen)
    x = series.unfold(0, window, 1)[:-1].unsqueeze(-1)  # (N, window, 1)
    y = series[window:].unsqueeze(-1)  # the value after each window
    split = int(0.8 * len(x))
    return x[:split], y[:split], x[split + window :], y[split + window :]  # no overlap


def test_sequence_regressor_predicts_the_next_sine_value() -> None:
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = _sine_windows(window=20)
    model = SequenceRegressor()  # the course's sizes: 1 -> 16 x 2 layers, bidirectional, 32 -> 1
    assert model.head.in_features == 32
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    for _ in range(150):
        idx = torch.randint(0, len(x_train), (64,), generator=gen)
        loss = nn.functional.mse_loss(model(x_train[idx]), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(x_test)
    mse = nn.functional.mse_loss(pred, y_test).item()
    mae = (pred - y_test).abs().mean().item()
    print(f"sine next value: test MSE {mse:.5f}, MAE {mae:.4f} (series variance 0.5)")
    assert mse < 0.01


@pytest.mark.parametrize(
    "make",
    [
        lambda: ElmanCell(0, 4),
        lambda: ElmanCell(3, 0),
        lambda: ElmanCell(3, 4, activation="softsign"),
        lambda: LSTMCell(3, 0),
        lambda: GRUCell(0, 4),
        lambda: SequenceRegressor(num_layers=0),
        lambda: SequenceRegressor(dropout=1.0),
    ],
)
def test_bad_sizes_raise_config_error(make: Callable[[], object]) -> None:
    with pytest.raises(ConfigError):
        make()


def test_layers_want_batch_time_features() -> None:
    with pytest.raises(ValueError, match="batch, time, features"):
        LSTM(3, 4)(torch.randn(2, 3))


def test_sequence_regressor_reads_each_direction_where_it_ends() -> None:
    # The backward LSTM ends at t = 0; reading it at t = -1 would see one value of the window.
    torch.manual_seed(0)
    model = SequenceRegressor().eval()
    x = torch.randn(4, 7, 1)
    _, (h_n, _) = model.lstm(x)
    with torch.no_grad():
        expected = model.head(torch.cat([h_n[-2], h_n[-1]], dim=1))
        torch.testing.assert_close(model(x), expected)
