"""The transformer of Vaswani et al. (2017), "Attention Is All You Need", written out small.

Scaled dot-product attention, multi-head attention, the sinusoidal positional encoding, the
encoder and decoder blocks (post-norm "Add & Norm", as in the paper and the course) and a small
encoder-decoder model with token embeddings and an output projection. Sequences are batch first,
``(batch, time, d_model)``; token ids are ``(batch, time)`` integers.

Masks are boolean and say which keys a query may attend to (``True`` = attend), the convention of
``torch.nn.functional.scaled_dot_product_attention``; they broadcast to ``(B, heads, T_q, T_k)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from rlkit.errors import ConfigError


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(Q Kᵀ / √d_k) V`` (Vaswani et al. 2017, eq. 1; the course's "Transformer" lecture).

    Args:
        q: queries ``(..., T_q, d_k)``.
        k: keys ``(..., T_k, d_k)``.
        v: values ``(..., T_k, d_v)``.
        mask: boolean, broadcastable to ``(..., T_q, T_k)``; ``False`` hides a key from a query.

    Returns:
        The attended values ``(..., T_q, d_v)`` and the attention weights ``(..., T_q, T_k)``.
    """
    # dividing by √d_k keeps the logits' variance near 1, so the softmax does not saturate
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def causal_mask(length: int, device: torch.device | None = None) -> torch.Tensor:
    """``(length, length)`` boolean mask letting position ``t`` attend to positions ``<= t``."""
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


def padding_mask(tokens: torch.Tensor, pad_id: int) -> torch.Tensor:
    """``(B, T)`` token ids to a ``(B, 1, 1, T)`` key mask that hides the padding."""
    return (tokens != pad_id)[:, None, None, :]


class MultiHeadAttention(nn.Module):
    """Multi-head attention: ``Q = X W_Q``, ``K = X W_K``, ``V = X W_V``, heads joined, ``W_O``.

    Vaswani et al. (2017), section 3.2.2; the course's "Transformer" lecture. Each of the
    ``n_heads`` heads attends in its own ``d_model / n_heads`` subspace.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0) -> None:
        """Build ``W_Q``, ``W_K``, ``W_V`` and ``W_O`` (each ``d_model x d_model``, with biases).

        Raises:
            ConfigError: ``n_heads`` that does not divide ``d_model``, or a size below 1.
        """
        super().__init__()
        if d_model < 1 or n_heads < 1:
            raise ConfigError(f"d_model and n_heads must be >= 1, got {d_model} and {n_heads}")
        if d_model % n_heads:
            raise ConfigError(
                f"n_heads={n_heads} must divide d_model={d_model} (each head gets d_model/n_heads)"
            )
        _check_dropout(dropout)
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.W_Q = nn.Linear(d_model, d_model)
        self.W_K = nn.Linear(d_model, d_model)
        self.W_V = nn.Linear(d_model, d_model)
        self.W_O = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)
        self.last_weights: torch.Tensor | None = None
        """The attention weights ``(B, heads, T_q, T_k)`` of the last call, for inspection."""

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, d_model)`` to ``(B, heads, T, d_head)``."""
        return x.unflatten(-1, (self.n_heads, self.d_head)).transpose(1, 2)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Attend from ``query (B, T_q, d_model)`` to ``key``/``value (B, T_k, d_model)``.

        Self-attention passes the same tensor three times; cross-attention passes the decoder's
        states as ``query`` and the encoder's output as ``key`` and ``value``.
        """
        q, k, v = (
            self._split(self.W_Q(query)),
            self._split(self.W_K(key)),
            self._split(self.W_V(value)),
        )
        heads, weights = scaled_dot_product_attention(q, k, v, mask)
        self.last_weights = weights.detach()
        concat = self.dropout(heads).transpose(1, 2).flatten(2)  # heads side by side
        return self.W_O(concat)


def sinusoidal_positional_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """``PE[pos, 2i] = sin(pos / 10000^(2i/d_model))``, ``PE[pos, 2i+1] = cos(...)``.

    Vaswani et al. (2017), section 3.5. Returns ``(max_len, d_model)``.

    Raises:
        ConfigError: an odd ``d_model`` (sines and cosines come in pairs) or a size below 1.
    """
    if max_len < 1:
        raise ConfigError(f"max_len must be >= 1 (positions to encode), got {max_len}")
    if d_model < 2 or d_model % 2:
        raise ConfigError(f"d_model must be even (sin/cos pairs) and >= 2, got {d_model}")
    position = torch.arange(max_len, dtype=torch.float32)[:, None]
    inv_freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2) / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * inv_freq)
    pe[:, 1::2] = torch.cos(position * inv_freq)
    return pe


class PositionalEncoding(nn.Module):
    """Add the sinusoidal positional encoding to ``(B, T, d_model)`` inputs (Vaswani et al. 2017).

    Attention alone is blind to order; the encoding gives each position its own pattern, and
    relative offsets are linear maps of it.
    """

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0) -> None:
        """Precompute the table for ``max_len`` positions (a buffer: saved, not trained)."""
        super().__init__()
        _check_dropout(dropout)
        self.pe: torch.Tensor
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, d_model)`` plus the encoding of positions ``0 .. T-1``."""
        if x.shape[1] > self.pe.shape[0]:
            raise ValueError(f"sequence of {x.shape[1]} positions, max_len is {self.pe.shape[0]}")
        return self.dropout(x + self.pe[: x.shape[1]])


class FeedForward(nn.Module):
    """The position-wise feed-forward network ``max(0, x W_1 + b_1) W_2 + b_2`` (section 3.3)."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0) -> None:
        """``d_model -> d_ff -> d_model``, ReLU between.

        Raises:
            ConfigError: ``d_ff`` below 1.
        """
        super().__init__()
        if d_ff < 1:
            raise ConfigError(f"d_ff must be >= 1 (the feed-forward's hidden width), got {d_ff}")
        self.net = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, d_model)`` to ``(B, T, d_model)``, each position on its own."""
        return self.net(x)


class EncoderBlock(nn.Module):
    """Self-attention, Add & Norm, feed-forward, Add & Norm (Vaswani et al. 2017, section 3.1)."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0) -> None:
        """See :class:`MultiHeadAttention` and :class:`FeedForward`."""
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``(B, T, d_model)`` to ``(B, T, d_model)``; ``mask`` hides keys (e.g. padding)."""
        # "Add & Norm": LayerNorm(x + Sublayer(x)), the post-norm of the paper
        x = self.norm1(x + self.dropout(self.self_attn(x, x, x, mask)))
        return self.norm2(x + self.dropout(self.ff(x)))


class DecoderBlock(nn.Module):
    """Masked self-attention, cross-attention to the encoder, feed-forward; each Add & Norm.

    Vaswani et al. (2017), section 3.1: the causal mask keeps position ``t`` from seeing the
    targets it is to predict.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0) -> None:
        """See :class:`MultiHeadAttention` and :class:`FeedForward`."""
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        self_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Decoder states ``(B, T, d_model)`` and encoder output ``(B, S, d_model)`` to new states.

        ``self_mask`` defaults to the causal mask.
        """
        if self_mask is None:
            self_mask = causal_mask(x.shape[1], x.device)
        x = self.norm1(x + self.dropout(self.self_attn(x, x, x, self_mask)))
        x = self.norm2(x + self.dropout(self.cross_attn(x, memory, memory, memory_mask)))
        return self.norm3(x + self.dropout(self.ff(x)))


class Transformer(nn.Module):
    """A small encoder-decoder transformer (Vaswani et al. 2017) for sequence-to-sequence tasks.

    Token embeddings (scaled by √d_model, as in section 3.4) plus the sinusoidal positional
    encoding feed ``n_layers`` encoder blocks and ``n_layers`` decoder blocks; a linear output
    projection gives next-token logits. Train with teacher forcing (:meth:`forward` on the target
    shifted right); generate with :meth:`greedy_decode`. BERT keeps only the encoder, GPT only
    the decoder (the course's "Transformer" lecture).
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        d_ff: int = 128,
        dropout: float = 0.1,
        max_len: int = 256,
    ) -> None:
        """Build the embeddings, the two stacks and the output projection.

        Raises:
            ConfigError: a vocabulary below 2, ``n_layers`` below 1, or a bad shape of the parts
                (``n_heads`` not dividing ``d_model``, an odd ``d_model``, ...).
        """
        super().__init__()
        if src_vocab < 2 or tgt_vocab < 2:
            raise ConfigError(f"vocabularies must have >= 2 tokens, got {src_vocab}, {tgt_vocab}")
        if n_layers < 1:
            raise ConfigError(f"n_layers must be >= 1 (blocks per stack), got {n_layers}")
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab, d_model)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model)
        self.pos = PositionalEncoding(d_model, max_len, dropout)
        self.encoder = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)
        )
        self.decoder = nn.ModuleList(
            DecoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)
        )
        self.out = nn.Linear(d_model, tgt_vocab)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Source ids ``(B, S)`` to the encoder's output ``(B, S, d_model)``."""
        x = self.pos(self.src_embed(src) * math.sqrt(self.d_model))
        for block in self.encoder:
            x = block(x, src_mask)
        return x

    def decode(
        self, tgt_in: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Target ids so far ``(B, T)`` and the encoder output to logits ``(B, T, tgt_vocab)``."""
        x = self.pos(self.tgt_embed(tgt_in) * math.sqrt(self.d_model))
        self_mask = causal_mask(tgt_in.shape[1], tgt_in.device)
        for block in self.decoder:
            x = block(x, memory, self_mask, src_mask)
        return self.out(x)

    def forward(
        self, src: torch.Tensor, tgt_in: torch.Tensor, src_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Teacher forcing: logits ``(B, T, tgt_vocab)`` for the token after each of ``tgt_in``."""
        return self.decode(tgt_in, self.encode(src, src_mask), src_mask)

    @torch.no_grad()
    def greedy_decode(
        self, src: torch.Tensor, bos_id: int, length: int, src_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Generate ``length`` tokens after ``bos_id``, each the likeliest one: ``(B, length)``."""
        memory = self.encode(src, src_mask)
        out = torch.full((src.shape[0], 1), bos_id, dtype=torch.long, device=src.device)
        for _ in range(length):
            next_token = self.decode(out, memory, src_mask)[:, -1].argmax(-1, keepdim=True)
            out = torch.cat([out, next_token], dim=1)
        return out[:, 1:]


def _check_dropout(dropout: float) -> None:
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"dropout must be in [0, 1) (a probability), got {dropout}")


def _example(
    module: nn.Module, *inputs: torch.Tensor
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return module, inputs


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "MultiHeadAttention": lambda: _example(
        MultiHeadAttention(16, 4),
        torch.randn(2, 5, 16),
        torch.randn(2, 7, 16),
        torch.randn(2, 7, 16),
    ),
    "EncoderBlock": lambda: _example(EncoderBlock(16, 4, 32), torch.randn(2, 5, 16)),
    "DecoderBlock": lambda: _example(
        DecoderBlock(16, 4, 32), torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    ),
    "Transformer": lambda: _example(
        Transformer(11, 12, d_model=16, n_heads=2, n_layers=1, d_ff=32, dropout=0.0),
        torch.randint(0, 11, (2, 7)),
        torch.randint(0, 12, (2, 5)),
    ),
}
