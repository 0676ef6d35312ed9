"""One test over the whole zoo: every module of ``rlkit.nets`` lists small instances of its models
in ``ZOO_EXAMPLES``; each must give finite outputs with the input's batch size, pass gradients back
to its parameters, and survive a ``state_dict`` round trip into a fresh instance."""

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


def _tensors(out: Any) -> Iterator[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for item in out:
            yield from _tensors(item)
    elif isinstance(out, dict):
        for item in out.values():
            yield from _tensors(item)


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

    params = [p for p in model.parameters() if p.requires_grad]
    if params:
        sum(out.float().square().mean() for out in outputs).backward()
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in params)

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
