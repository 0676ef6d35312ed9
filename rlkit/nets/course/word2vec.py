"""word2vec (Mikolov et al. 2013): CBOW and skip-gram with negative sampling, and a corpus helper.

Mikolov et al. (2013a), "Efficient Estimation of Word Representations in Vector Space" (CBOW,
skip-gram); Mikolov et al. (2013b), "Distributed Representations of Words and Phrases and their
Compositionality" (negative sampling, the unigram^0.75 noise distribution). The course's "Text"
lecture names both models.

Each model keeps two tables, as the paper does: input vectors ``v`` (the embeddings one uses
afterwards) and output vectors ``u`` (what a context or center word is scored against).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from rlkit.errors import ConfigError


class Vocabulary:
    """Words to ids and back, with each word's count (ids by falling count, then alphabetical)."""

    def __init__(self, sentences: Iterable[Sequence[str]], min_count: int = 1) -> None:
        """Count the words of tokenised ``sentences``; keep those seen ``min_count`` times or more.

        Raises:
            ConfigError: ``min_count`` below 1, or no word left.
        """
        if min_count < 1:
            raise ConfigError(
                f"min_count must be >= 1 (occurrences to keep a word), got {min_count}"
            )
        counts = Counter(word for sentence in sentences for word in sentence)
        kept = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        if not kept:
            raise ConfigError(
                f"no word occurs min_count={min_count} times: the vocabulary is empty"
            )
        self.id_to_word: list[str] = kept
        self.word_to_id: dict[str, int] = {w: i for i, w in enumerate(kept)}
        self.counts = torch.tensor([counts[w] for w in kept], dtype=torch.float64)

    def __len__(self) -> int:
        """The number of words kept."""
        return len(self.id_to_word)

    def encode(self, sentence: Sequence[str]) -> list[int]:
        """Word ids of ``sentence``; words not in the vocabulary are dropped."""
        return [self.word_to_id[w] for w in sentence if w in self.word_to_id]


def skipgram_pairs(sentences: Iterable[Sequence[int]], window: int) -> torch.Tensor:
    """Every ``(center, context)`` pair with the context at most ``window`` words away: ``(N, 2)``.

    Raises:
        ConfigError: ``window`` below 1.
    """
    if window < 1:
        raise ConfigError(f"window must be >= 1 (words each side of the center), got {window}")
    pairs = [
        (ids[i], ids[j])
        for ids in sentences
        for i in range(len(ids))
        for j in range(max(0, i - window), min(len(ids), i + window + 1))
        if j != i
    ]
    return torch.tensor(pairs, dtype=torch.long).view(-1, 2)


def cbow_examples(
    sentences: Iterable[Sequence[int]], window: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CBOW examples: contexts ``(N, 2*window)`` (padded with 0), their mask, and centers ``(N,)``.

    Near a sentence's ends a center has fewer context words; the mask marks the real ones
    (``True``), so the model averages only those.

    Raises:
        ConfigError: ``window`` below 1.
    """
    if window < 1:
        raise ConfigError(f"window must be >= 1 (words each side of the center), got {window}")
    contexts, centers = [], []
    for ids in sentences:
        for i in range(len(ids)):
            ctx = [*ids[max(0, i - window) : i], *ids[i + 1 : i + window + 1]]
            if ctx:
                contexts.append(list(ctx) + [-1] * (2 * window - len(ctx)))
                centers.append(ids[i])
    context = torch.tensor(contexts, dtype=torch.long).view(-1, 2 * window)
    mask = context >= 0
    return context.clamp(min=0), mask, torch.tensor(centers, dtype=torch.long)


class NegativeSampler:
    """Draw "noise" words from the unigram distribution raised to 0.75 (Mikolov et al. 2013b).

    The power flattens the distribution: frequent words are drawn less than their share and rare
    words more, which the paper found to work best.
    """

    def __init__(self, counts: torch.Tensor, power: float = 0.75, seed: int = 0) -> None:
        """Build the noise distribution from word ``counts``; draws come from a seeded generator."""
        weights = counts.double() ** power
        self.probs = weights / weights.sum()
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self, n: int, k: int) -> torch.Tensor:
        """``(n, k)`` word ids, ``k`` negatives for each of ``n`` examples (with replacement)."""
        draws = torch.multinomial(self.probs, n * k, replacement=True, generator=self.generator)
        return draws.view(n, k)


def _check(vocab_size: int, dim: int) -> None:
    if vocab_size < 2:
        raise ConfigError(f"vocab_size must be >= 2 (words to embed), got {vocab_size}")
    if dim < 1:
        raise ConfigError(f"dim must be >= 1 (the embedding size), got {dim}")


def _negative_sampling_loss(
    v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor
) -> torch.Tensor:
    """``−log σ(u_o·v) − Σ_k log σ(−u_k·v)`` per example (Mikolov et al. 2013b, eq. 4)."""
    positive = nn.functional.logsigmoid((u_pos * v).sum(-1))
    negative = nn.functional.logsigmoid(-(u_neg @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)
    return -(positive + negative)


class SkipGram(nn.Module):
    """Skip-gram with negative sampling: the center word predicts each context word.

    Mikolov et al. (2013a, 2013b); the course's "Text" lecture. Trained to tell a true
    ``(center, context)`` pair from ``k`` pairs with noise words.
    """

    def __init__(self, vocab_size: int, dim: int) -> None:
        """Input vectors ``v`` (``center``) and output vectors ``u`` (``context``).

        As in the reference C code, ``v`` starts uniform in ``±0.5/dim`` and ``u`` at zero.

        Raises:
            ConfigError: ``vocab_size`` below 2 or ``dim`` below 1.
        """
        super().__init__()
        _check(vocab_size, dim)
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    @property
    def embeddings(self) -> torch.Tensor:
        """The word vectors ``(vocab_size, dim)``: the input table ``v``."""
        return self.center.weight

    def forward(
        self, center: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """Loss per example ``(B,)``: centers ``(B,)``, true contexts ``(B,)``, noise ``(B, k)``."""
        return _negative_sampling_loss(
            self.center(center), self.context(context), self.context(negatives)
        )


class CBOW(nn.Module):
    """Continuous bag of words with negative sampling: the averaged context predicts the center.

    Mikolov et al. (2013a, 2013b); the course's "Text" lecture.
    """

    def __init__(self, vocab_size: int, dim: int) -> None:
        """Input vectors ``v`` (``context``) and output vectors ``u`` (``center``).

        Raises:
            ConfigError: ``vocab_size`` below 2 or ``dim`` below 1.
        """
        super().__init__()
        _check(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        self.center = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.context.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.center.weight)

    @property
    def embeddings(self) -> torch.Tensor:
        """The word vectors ``(vocab_size, dim)``: the input table ``v`` of context words."""
        return self.context.weight

    def forward(
        self,
        context: torch.Tensor,
        center: torch.Tensor,
        negatives: torch.Tensor,
        context_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Loss per example ``(B,)``: contexts ``(B, C)`` (``context_mask`` marks real words),
        true centers ``(B,)``, noise words ``(B, k)``."""
        vectors = self.context(context)
        if context_mask is None:
            h = vectors.mean(dim=1)
        else:
            m = context_mask.unsqueeze(-1).to(vectors.dtype)
            h = (vectors * m).sum(1) / m.sum(1).clamp(min=1)  # mean over the real words only
        return _negative_sampling_loss(h, self.center(center), self.center(negatives))


def nearest_neighbours(
    embeddings: torch.Tensor, word_id: int, k: int, candidates: Sequence[int] | None = None
) -> list[int]:
    """The ``k`` words most cosine-similar to ``word_id`` (itself excluded), best first.

    ``candidates`` restricts the search to those ids (default: the whole vocabulary).
    """
    pool = torch.tensor(
        [
            i
            for i in (candidates if candidates is not None else range(len(embeddings)))
            if i != word_id
        ]
    )
    unit = nn.functional.normalize(embeddings.detach(), dim=1)
    similarity = unit[pool] @ unit[word_id]
    return pool[similarity.topk(min(k, len(pool))).indices].tolist()


def _example(
    module: nn.Module, *inputs: torch.Tensor
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return module, inputs


ZOO_EXAMPLES: dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]] = {
    "SkipGram": lambda: _example(
        SkipGram(20, 8),
        torch.randint(0, 20, (3,)),
        torch.randint(0, 20, (3,)),
        torch.randint(0, 20, (3, 5)),
    ),
    "CBOW": lambda: _example(
        CBOW(20, 8),
        torch.randint(0, 20, (3, 4)),
        torch.randint(0, 20, (3,)),
        torch.randint(0, 20, (3, 5)),
    ),
}
