"""rlkit.nets.course.word2vec: the corpus helpers, and words of one topic end up neighbours."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
import torch

from rlkit.errors import ConfigError
from rlkit.nets.course.word2vec import (
    CBOW,
    NegativeSampler,
    SkipGram,
    Vocabulary,
    cbow_examples,
    nearest_neighbours,
    skipgram_pairs,
)

# Tiny models run fastest on one thread (and the test machine's cores are shared).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_vocabulary_orders_by_count_and_encodes() -> None:
    vocab = Vocabulary([["b", "a", "b"], ["c", "b", "a", "z"]], min_count=2)
    assert vocab.id_to_word == ["b", "a"]  # z and c seen once
    assert vocab.counts.tolist() == [3.0, 2.0]
    assert vocab.encode(["a", "z", "b"]) == [1, 0]


def test_skipgram_pairs_and_cbow_examples() -> None:
    pairs = skipgram_pairs([[0, 1, 2], [3]], window=1)
    assert pairs.tolist() == [[0, 1], [1, 0], [1, 2], [2, 1]]
    context, mask, centers = cbow_examples([[0, 1, 2]], window=1)
    assert centers.tolist() == [0, 1, 2]
    assert context.tolist() == [[1, 0], [0, 2], [1, 0]]
    assert mask.tolist() == [[True, False], [True, True], [True, False]]


def test_negative_sampler_follows_unigram_to_the_three_quarters() -> None:
    counts = torch.tensor([81.0, 16.0, 1.0])  # ^0.75: 27, 8, 1
    a = NegativeSampler(counts, seed=3).sample(20_000, 5)
    b = NegativeSampler(counts, seed=3).sample(20_000, 5)
    assert torch.equal(a, b)  # seeded
    share = torch.bincount(a.flatten(), minlength=3).double() / a.numel()
    torch.testing.assert_close(share, torch.tensor([27, 8, 1]).double() / 36, atol=0.005, rtol=0)


def test_negative_sampling_loss_by_hand() -> None:
    model = SkipGram(3, 2)
    with torch.no_grad():
        model.center.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        model.context.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
    # center 0 (v = (1, 0)), context 0 (u·v = 2), negatives 1 and 2 (u·v = 0 and -1)
    loss = model(torch.tensor([0]), torch.tensor([0]), torch.tensor([[1, 2]]))
    sig = torch.sigmoid
    expected = -(
        sig(torch.tensor(2.0)).log() + sig(torch.tensor(0.0)).log() + sig(torch.tensor(1.0)).log()
    )
    torch.testing.assert_close(loss, expected.view(1))


TOPICS = {
    "animal": {
        "nouns": ["cat", "dog", "horse", "cow", "sheep", "pig"],
        "templates": [
            "the {} sleeps on the farm",
            "a {} eats grass in the field",
            "the {} and the {} run in the field",
            "my {} has soft fur and a tail",
            "the farmer feeds the {}",
        ],
    },
    "fruit": {
        "nouns": ["apple", "banana", "cherry", "grape", "pear", "plum"],
        "templates": [
            "the {} is sweet and ripe",
            "i peel a juicy {}",
            "a {} and a {} grow on the tree",
            "we buy a ripe {} at the market",
            "she eats a sweet {} for dessert",
        ],
    },
    "vehicle": {
        "nouns": ["car", "bus", "truck", "train", "bike", "plane"],
        "templates": [
            "the {} drives fast on the road",
            "a driver parks the {}",
            "the {} and the {} stop at the station",
            "my {} has a loud engine",
            "the {} needs new wheels",
        ],
    },
}


def _corpus(n_sentences: int, seed: int) -> list[list[str]]:
    """Sentences from the topics' templates, each slot filled with a random noun of that topic."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(n_sentences):
        topic = TOPICS[rng.choice(sorted(TOPICS))]
        template = rng.choice(topic["templates"])
        nouns = [rng.choice(topic["nouns"]) for _ in range(template.count("{}"))]
        sentences.append(template.format(*nouns).split())
    return sentences


def _topic_neighbour_share(model: torch.nn.Module, vocab: Vocabulary, k: int) -> dict[str, float]:
    """For each noun, the share of its ``k`` nearest nouns (cosine, among the 17 others) that
    are of its own topic. Each topic has 5 other nouns, so ``k = 5`` asks for a perfect cluster.
    """
    topic_of = {n: t for t, spec in TOPICS.items() for n in spec["nouns"]}
    ids = [vocab.word_to_id[n] for n in topic_of]
    shares = {}
    for noun in topic_of:
        near = nearest_neighbours(model.embeddings, vocab.word_to_id[noun], k, candidates=ids)
        shares[noun] = sum(topic_of[vocab.id_to_word[i]] == topic_of[noun] for i in near) / k
    return shares


def _train(kind: str, epochs: int, k: int) -> tuple[dict[str, float], float]:
    torch.manual_seed(0)
    sentences = _corpus(1500, seed=0)
    vocab = Vocabulary(sentences)
    ids = [vocab.encode(s) for s in sentences]
    sampler = NegativeSampler(vocab.counts, seed=0)
    gen = torch.Generator().manual_seed(0)
    model = SkipGram(len(vocab), 16) if kind == "skipgram" else CBOW(len(vocab), 16)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    if kind == "skipgram":
        pairs = skipgram_pairs(ids, window=2)
        n = len(pairs)
    else:
        context, mask, centers = cbow_examples(ids, window=2)
        n = len(centers)
    start = time.perf_counter()
    for _ in range(epochs):
        for idx in torch.randperm(n, generator=gen).split(256):
            negatives = sampler.sample(len(idx), 5)
            if kind == "skipgram":
                loss = model(pairs[idx, 0], pairs[idx, 1], negatives).mean()
            else:
                loss = model(context[idx], centers[idx], negatives, mask[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return _topic_neighbour_share(model, vocab, k), time.perf_counter() - start


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
def test_words_of_a_topic_are_neighbours(kind: str) -> None:
    """Criterion: for every one of the 18 nouns, at least 4 of its 5 nearest nouns (by cosine
    similarity, among the 17 other nouns, of which exactly 5 share its topic) are of its own
    topic, and over all nouns at least 90% of the 5 nearest are. Chance is 5/17 ≈ 29%.
    """
    shares, seconds = _train(kind, epochs=10, k=5)
    mean = sum(shares.values()) / len(shares)
    worst = min(shares.values())
    print(f"{kind}: own-topic share of the 5 nearest nouns {mean:.3f}, worst {worst:.1f}")
    print(f"  ({seconds:.1f} s)")
    assert worst >= 0.8
    assert mean >= 0.9


@pytest.mark.parametrize(
    "make",
    [
        lambda: SkipGram(1, 8),
        lambda: CBOW(10, 0),
        lambda: Vocabulary([["a"]], min_count=0),
        lambda: Vocabulary([["a"]], min_count=2),
        lambda: skipgram_pairs([[0, 1]], window=0),
        lambda: cbow_examples([[0, 1]], window=0),
    ],
)
def test_bad_arguments_raise_config_error(make: Callable[[], object]) -> None:
    with pytest.raises(ConfigError):
        make()
