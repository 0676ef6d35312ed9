"""Recurrent networks of the course, written out cell by cell: Elman RNN, LSTM, GRU.

The cells are explicit (one line per gate) so that a reader can match them to the lecture's
formulas; ``tests/nets/test_nets_recurrent.py`` checks each against PyTorch's fused ``nn.RNN``,
``nn.LSTM`` and ``nn.GRU`` with copied weights. :class:`SequenceRegressor` is the course's sequence
lab (a bidirectional ``nn.LSTM`` on a sine series) and uses PyTorch's fused LSTM, as the lab does.

All sequence tensors are batch first: ``(batch, time, features)``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from rlkit.errors import ConfigError

_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}


def _check_sizes(input_size: int, hidden_size: int) -> None:
    if input_size < 1:
        raise ConfigError(f"input_size must be >= 1 (features per time step), got {input_size}")
    if hidden_size < 1:
        raise ConfigError(
            f"hidden_size must be >= 1 (units in the hidden state), got {hidden_size}"
        )


class ElmanCell(nn.Module):
    """One step of Elman's simple recurrent network: ``h_t = σ(W x_t + U h_{t−1} + b)``.

    Elman (1990), "Finding Structure in Time"; the course's "Recurrent" lecture. ``σ`` is the
    ``activation``: ``"tanh"`` (the default, as in ``nn.RNN``), ``"relu"`` (also in ``nn.RNN``) or
    ``"sigmoid"`` (Elman's logistic units, which ``nn.RNN`` does not offer).

    Attributes:
        W: input-to-hidden weights and the bias ``b``.
        U: hidden-to-hidden weights (no bias of its own: the formula has one ``b``).
    """

    def __init__(self, input_size: int, hidden_size: int, activation: str = "tanh") -> None:
        """Build ``W`` (with ``b``) and ``U``.

        Raises:
            ConfigError: a size below 1 or an unknown activation.
        """
        super().__init__()
        _check_sizes(input_size, hidden_size)
        if activation not in _ACTIVATIONS:
            raise ConfigError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.hidden_size = hidden_size
        self.activation = activation
        self.W = nn.Linear(input_size, hidden_size)
        self.U = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, x_t: torch.Tensor, h_prev: torch.Tensor) -> torch.Tensor:
        """``(B, input_size)`` and ``(B, hidden_size)`` to the next hidden state ``(B, hidden)``."""
        return _ACTIVATIONS[self.activation](self.W(x_t) + self.U(h_prev))


class LSTMCell(nn.Module):
    """One step of a long short-term memory cell, gates written out (no peepholes).

    Hochreiter & Schmidhuber (1997), with the forget gate of Gers et al. (2000); the course's
    "Recurrent" lecture::

        i_t = σ(W_i x_t + U_i h_{t−1} + b_i)      input gate
        f_t = σ(W_f x_t + U_f h_{t−1} + b_f)      forget gate
        g_t = tanh(W_g x_t + U_g h_{t−1} + b_g)   candidate cell
        o_t = σ(W_o x_t + U_o h_{t−1} + b_o)      output gate
        c_t = f_t ∘ c_{t−1} + i_t ∘ g_t
        h_t = o_t ∘ tanh(c_t)

    The four ``W_*`` are stacked in one ``nn.Linear`` (rows in PyTorch's order i, f, g, o), and so
    are the four ``U_*``: one matrix product per step instead of four, same maths.

    With ``peephole=True`` the gates also look at the cell (Gers & Schmidhuber 2000, "Recurrent
    Nets that Time and Count"): ``i_t`` and ``f_t`` add ``p_i ∘ c_{t−1}`` and ``p_f ∘ c_{t−1}``,
    ``o_t`` adds ``p_o ∘ c_t``, with diagonal (element-wise) peephole weights ``p``. ``nn.LSTM``
    has no peepholes.
    """

    def __init__(self, input_size: int, hidden_size: int, peephole: bool = False) -> None:
        """Build the stacked input (``W``, with the biases) and recurrent (``U``) weights.

        Raises:
            ConfigError: a size below 1.
        """
        super().__init__()
        _check_sizes(input_size, hidden_size)
        self.hidden_size = hidden_size
        self.W = nn.Linear(input_size, 4 * hidden_size)
        self.U = nn.Linear(hidden_size, 4 * hidden_size, bias=False)
        # rows p_i, p_f, p_o; zeros make a peephole LSTM start as the plain one
        self.peephole = nn.Parameter(torch.zeros(3, hidden_size)) if peephole else None

    def forward(
        self, x_t: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x_t (B, input_size)`` and ``(h, c)`` (each ``(B, hidden)``) to the next ``(h, c)``."""
        h_prev, c_prev = state
        i, f, g, o = (self.W(x_t) + self.U(h_prev)).chunk(4, dim=-1)
        if self.peephole is not None:
            i = i + self.peephole[0] * c_prev
            f = f + self.peephole[1] * c_prev
        i, f, g = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g)
        c = f * c_prev + i * g  # the forget gate keeps old memory, the input gate writes new
        if self.peephole is not None:
            o = o + self.peephole[2] * c  # the output gate peeks at the new cell
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class GRUCell(nn.Module):
    """One step of a gated recurrent unit, in the course's convention.

    Cho et al. (2014), "Learning Phrase Representations using RNN Encoder-Decoder"; the course's
    "Recurrent" lecture::

        r_t = σ(W_r x_t + U_r h_{t−1} + b_r)                 reset gate
        z_t = σ(W_z x_t + U_z h_{t−1} + b_z)                 update gate
        h̃_t = tanh(W_h x_t + U_h (r_t ∘ h_{t−1}) + b_h)      candidate
        h_t = (1 − z_t) ∘ h_{t−1} + z_t ∘ h̃_t

    ``z_t`` is the share of the *new* candidate. One slide of the course flips this
    (``h_t = z_t ∘ h_{t−1} + (1 − z_t) ∘ h̃_t``), and so does PyTorch's ``nn.GRU``; the two are the
    same model with the update gate's weights and bias negated, since ``1 − σ(a) = σ(−a)``.

    With ``reset_after=True`` the reset gate multiplies ``U_h h_{t−1} + b_hh`` after the product,
    ``h̃_t = tanh(W_h x_t + b_h + r_t ∘ (U_h h_{t−1} + b_hh))``: the cuDNN variant that ``nn.GRU``
    computes (Keras calls the flag ``reset_after`` too). The default is Cho's original.
    """

    def __init__(self, input_size: int, hidden_size: int, reset_after: bool = False) -> None:
        """Build the stacked input (``W``) and recurrent (``U``) weights, rows ordered r, z, h.

        ``U`` has a bias of its own (added to ``W``'s for the gates) because ``reset_after`` needs
        the recurrent bias of the candidate inside the reset gate.

        Raises:
            ConfigError: a size below 1.
        """
        super().__init__()
        _check_sizes(input_size, hidden_size)
        self.hidden_size = hidden_size
        self.reset_after = reset_after
        self.W = nn.Linear(input_size, 3 * hidden_size)
        self.U = nn.Linear(hidden_size, 3 * hidden_size)

    def forward(self, x_t: torch.Tensor, h_prev: torch.Tensor) -> torch.Tensor:
        """``(B, input_size)`` and ``(B, hidden_size)`` to the next hidden state ``(B, hidden)``."""
        H = self.hidden_size
        wx_r, wx_z, wx_h = self.W(x_t).chunk(3, dim=-1)
        U_r, U_z, U_h = self.U.weight.split(H)
        b_r, b_z, b_h = self.U.bias.split(H)
        r = torch.sigmoid(wx_r + h_prev @ U_r.T + b_r)
        z = torch.sigmoid(wx_z + h_prev @ U_z.T + b_z)
        if self.reset_after:
            h_tilde = torch.tanh(wx_h + r * (h_prev @ U_h.T + b_h))
        else:
            h_tilde = torch.tanh(wx_h + (r * h_prev) @ U_h.T + b_h)
        return (1 - z) * h_prev + z * h_tilde


_State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # h, or an LSTM's (h, c)


def _unroll(cell: nn.Module, x: torch.Tensor, state: _State) -> tuple[torch.Tensor, _State]:
    """Run ``cell`` over the time axis of ``x (B, T, F)``: every ``h_t`` and the last state."""
    if x.dim() != 3:
        raise ValueError(f"expected (batch, time, features), got shape {tuple(x.shape)}")
    outputs = []
    for t in range(x.shape[1]):
        state = cell(x[:, t], state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=1), state


class ElmanRNN(nn.Module):
    """An Elman RNN layer: :class:`ElmanCell` unrolled over time (Elman 1990)."""

    def __init__(self, input_size: int, hidden_size: int, activation: str = "tanh") -> None:
        """See :class:`ElmanCell` for the arguments."""
        super().__init__()
        self.cell = ElmanCell(input_size, hidden_size, activation)

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (B, T, input_size)`` to all hidden states ``(B, T, hidden)`` and the last ``(B, H)``.

        ``h0`` defaults to zeros.
        """
        if h0 is None:
            h0 = x.new_zeros(x.shape[0], self.cell.hidden_size)
        outputs, h = _unroll(self.cell, x, h0)
        assert isinstance(h, torch.Tensor)
        return outputs, h


class LSTM(nn.Module):
    """An LSTM layer: :class:`LSTMCell` unrolled over time (Hochreiter & Schmidhuber 1997)."""

    def __init__(self, input_size: int, hidden_size: int, peephole: bool = False) -> None:
        """See :class:`LSTMCell` for the arguments."""
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size, peephole)

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``x (B, T, input_size)`` to every ``h_t`` ``(B, T, hidden)`` and the last ``(h, c)``.

        ``state`` defaults to zeros.
        """
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.cell.hidden_size)
            state = (zeros, zeros)
        outputs, last = _unroll(self.cell, x, state)
        assert isinstance(last, tuple)
        return outputs, last


class GRU(nn.Module):
    """A GRU layer: :class:`GRUCell` unrolled over time (Cho et al. 2014; course convention)."""

    def __init__(self, input_size: int, hidden_size: int, reset_after: bool = False) -> None:
        """See :class:`GRUCell` for the arguments."""
        super().__init__()
        self.cell = GRUCell(input_size, hidden_size, reset_after)

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (B, T, input_size)`` to all hidden states ``(B, T, hidden)`` and the last ``(B, H)``.

        ``h0`` defaults to zeros.
        """
        if h0 is None:
            h0 = x.new_zeros(x.shape[0], self.cell.hidden_size)
        outputs, h = _unroll(self.cell, x, h0)
        assert isinstance(h, torch.Tensor)
        return outputs, h


class SequenceRegressor(nn.Module):
    """The course's sequence lab: a bidirectional LSTM reads a window, a linear head predicts.

    Course "Recurrent" lecture, sequence lab (synthetic sine): ``nn.LSTM(input 1, hidden 16,
    2 layers, dropout 0.2, bidirectional)`` and ``Linear(32 → 1)`` on the top layer's final states
    of both directions concatenated (what Keras's ``Bidirectional(LSTM(...))`` returns). Each
    direction has then read the whole window. Bidirectional LSTMs: Schuster & Paliwal (1997).
    """

    def __init__(
        self,
        input_size: int = 1,
        hidden_size: int = 16,
        num_layers: int = 2,
        dropout: float = 0.2,
        bidirectional: bool = True,
        out_features: int = 1,
    ) -> None:
        """Build the LSTM stack and the head (``2 * hidden_size`` wide when bidirectional).

        ``dropout`` acts between LSTM layers, so it needs ``num_layers >= 2`` to do anything.

        Raises:
            ConfigError: a size below 1 or a dropout outside ``[0, 1)``.
        """
        super().__init__()
        _check_sizes(input_size, hidden_size)
        if num_layers < 1:
            raise ConfigError(f"num_layers must be >= 1 (stacked LSTM layers), got {num_layers}")
        if out_features < 1:
            raise ConfigError(f"out_features must be >= 1 (values predicted), got {out_features}")
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1) (a probability), got {dropout}")
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            # nn.LSTM warns when asked for dropout with one layer: it has no layer to act between
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, input_size)`` windows to ``(B, out_features)`` predictions of the next value."""
        outputs, _ = self.lstm(x)
        if not self.lstm.bidirectional:
            return self.head(outputs[:, -1])
        # The backward direction ends at t = 0: at t = -1 it has read only the last value (and its
        # recurrent weights would never get a gradient), so take each direction at its own end.
        h = self.lstm.hidden_size
        return self.head(torch.cat([outputs[:, -1, :h], outputs[:, 0, h:]], dim=1))


def _example(
    module: nn.Module, *inputs: torch.Tensor
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return module, inputs


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "ElmanRNN": lambda: _example(ElmanRNN(3, 8), torch.randn(2, 5, 3)),
    "LSTM": lambda: _example(LSTM(3, 8), torch.randn(2, 5, 3)),
    "GRU": lambda: _example(GRU(3, 8), torch.randn(2, 5, 3)),
    "SequenceRegressor": lambda: _example(SequenceRegressor(), torch.randn(3, 10, 1)),
}
