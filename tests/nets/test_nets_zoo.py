"""One test over the whole zoo: every module of ``rlkit.nets`` lists small instances of its models
in ``ZOO_EXAMPLES``; each must give finite outputs with the input's batch size, pass a finite,
non-zero gradient back to every parameter (the exceptions are named below, each with its reason),
and survive a ``state_dict`` round trip into a fresh instance."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import nn

import rlkit.nets


def _examples() -> dict[str, Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]]:
    found = {}
    for info in pkgutil.walk_packages(rlkit.nets.__path__, "rlkit.nets."):
        module = importlib.import_module(info.name)
        for name, build in getattr(module, "ZOO_EXAMPLES", {}).items():
            found[f"{info.name.removeprefix('rlkit.nets.')}.{name}"] = build
    return found


EXAMPLES = _examples()

# Models with a layer that starts at zero, so the parameters before it get a zero gradient on the
# first step only: PointNet's T-Nets start as the identity (Qi et al. 2017, appendix C), and
# word2vec zeroes its output table (as Mikolov's C code does). After one SGD step every parameter
# must have a gradient.
ZERO_START = {
    "course.pointnet.PointNet",
    "course.pointnet.TNet",
    "course.word2vec.CBOW",
    "course.word2vec.SkipGram",
}
# Parameters that the forward pass does not use by design: an RBM's forward is P(h | v), which its
# visible bias does not enter; CD-1 learns that bias (tests/nets/test_nets_rbm.py), and it enters
# the reconstruction and the free energy.
NOT_IN_FORWARD = {
    "course.rbm.RBM": {"b"},
    "course.rbm.DBN": {"rbms.0.b", "rbms.1.b"},
}


def _tensors(out: Any) -> Iterator[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for item in out:
            yield from _tensors(item)
    elif isinstance(out, dict):
        for item in out.values():
            yield from _tensors(item)


def _parameters_without_gradient(
    model: nn.Module, inputs: tuple[torch.Tensor, ...], sgd_step_first: bool
) -> set[str]:
    """Names of trainable parameters whose gradient is missing or zero (a non-finite one fails)."""

    def backward() -> None:
        model.zero_grad(set_to_none=True)
        outputs = [t for t in _tensors(model(*inputs)) if t.is_floating_point()]
        sum(out.float().square().mean() for out in outputs).backward()

    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    backward()
    if sgd_step_first:
        with torch.no_grad():
            for p in params.values():
                if p.grad is not None:
                    p -= 0.1 * p.grad
        backward()
    for n, p in params.items():
        assert p.grad is None or torch.isfinite(p.grad).all(), f"non-finite gradient for {n}"
    return {n for n, p in params.items() if p.grad is None or not p.grad.abs().sum() > 0}


def test_the_zoo_is_not_empty() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_zoo_model_runs_learns_and_round_trips(name: str) -> None:
    torch.manual_seed(0)
    model, inputs = EXAMPLES[name]()
    batch = inputs[0].shape[0]
    outputs = [t for t in _tensors(model(*inputs)) if t.is_floating_point()]
    assert outputs, f"{name} returned no float tensor"
    for out in outputs:
        assert torch.isfinite(out).all()
    assert any(out.shape[0] == batch for out in outputs)

    no_grad = _parameters_without_gradient(model, inputs, sgd_step_first=name in ZERO_START)
    assert no_grad == NOT_IN_FORWARD.get(name, set()), f"{name}: no gradient reaches {no_grad}"

    torch.manual_seed(1)
    fresh, _ = EXAMPLES[name]()
    fresh.load_state_dict(model.state_dict())
    model.eval()
    fresh.eval()
    with torch.no_grad():
        # The same noise for both (a VAE samples its code even in eval mode).
        torch.manual_seed(2)
        ours_out = model(*inputs)
        torch.manual_seed(2)
        theirs_out = fresh(*inputs)
        for ours, theirs in zip(_tensors(ours_out), _tensors(theirs_out), strict=True):
            if ours.is_floating_point():
                torch.testing.assert_close(ours, theirs)


def test_every_public_name_resolves() -> None:
    for name in rlkit.nets.__all__:
        assert getattr(rlkit.nets, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'NoSuchNet'"):
        rlkit.nets.NoSuchNet  # noqa: B018
