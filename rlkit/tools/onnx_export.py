"""A run's policy as one ONNX file, checked with onnxruntime (``python -m rlkit.export``).
The graph has one input, ``input``: a batch of observations in the env's own dtype (float32 for
Box observations, uint8 for pixels, int64 for Discrete ones such as the cliff, which the network
one-hot encodes itself), and one output, ``output``: for discrete actions one score per action
(DQN's Q-values, behaviour cloning's logits; the action is the argmax), for continuous actions
the action in the env's units. The batch axis is dynamic. What the output means is also written
into the file's metadata (``rlkit.output``), for the department's browser bot and for people.

Every file is checked with onnxruntime against the PyTorch policy before it replaces ``out``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import logging
import os
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from rlkit.errors import ConfigError
from rlkit.run.run_dir import read_run_config
from rlkit.storage.paths import check_writable

INPUT_NAME = "input"
OUTPUT_NAME = "output"
_CHECK_BATCH = 256
"""Observations drawn from the observation space to compare onnxruntime with PyTorch."""


@dataclass(frozen=True)
class ExportReport:
    """What ``export_onnx`` wrote and how well the file matches the PyTorch policy."""

    path: Path
    agent: str
    env: str
    input_dtype: str
    input_shape: tuple[int | str, ...]
    output_shape: tuple[int | str, ...]
    output_meaning: str
    max_abs_diff: float
    """Largest |onnxruntime - PyTorch| over the check batch."""
    seconds: float
    """Wall time of the export and its check."""


def exportable_agents() -> list[str]:
    """The agents whose runs have a policy network to export (every torch agent)."""
    from rlkit.agents.registry import AGENTS

    return [name for name, spec in AGENTS.items() if spec.uses_torch]


def export_onnx(
    run_dir: str | Path, out: str | Path | None = None, overwrite: bool = False
) -> Path:
    """Write the policy of ``run_dir`` as ONNX to ``out`` (default ``<run_dir>/policy.onnx``);
    an existing file is replaced only with ``overwrite``.

    Returns:
        The path written.

    Raises:
        ConfigError: ``out`` does not end in ``.onnx`` or exists (without ``overwrite``), or the
            run's agent has no policy network (tabular Q-learning).
        CheckpointError: the run directory, its config or its checkpoint is missing or corrupt.
    """
    return export_onnx_report(run_dir, out, overwrite).path


def export_onnx_report(
    run_dir: str | Path, out: str | Path | None = None, overwrite: bool = False
) -> ExportReport:
    """``export_onnx``, returning what was written and the measured onnxruntime/PyTorch gap."""
    started = time.perf_counter()
    run_dir = Path(run_dir)
    out = run_dir / "policy.onnx" if out is None else Path(out)
    if out.suffix != ".onnx":
        raise ConfigError(f"out={out} must end in .onnx")
    if out.exists() and not overwrite:
        raise ConfigError(f"out={out} exists; give another name, or overwrite=true to replace it")
    check_writable(out, "out", directory=False)
    config = read_run_config(run_dir)
    if config.agent.name not in exportable_agents():
        raise ConfigError(
            f"agent={config.agent.name} has no policy network to export (a table, not a network); "
            f"agents that can be exported: {', '.join(exportable_agents())}"
        )

    from rlkit.api import load
    from rlkit.envkit.make import make_env

    agent = load(run_dir, device="cpu")
    policy = agent.policy_module()
    if policy is None:  # exportable_agents() said it has one: an agent that broke its promise
        raise RuntimeError(f"agent {config.agent.name} returned no policy module")
    env = make_env(config.env)
    observation_space, action_space = env.observation_space, env.action_space
    env.close()
    observations = _sample_observations(observation_space, _CHECK_BATCH)

    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename only once onnxruntime agrees: a failed export never
    # leaves a half-written or wrong policy.onnx where the bot would load it.
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.onnx")
    try:
        _write_onnx(policy, observations, tmp)
        meaning = _output_meaning(action_space)
        _add_metadata(tmp, config.agent.name, config.env.name, observation_space, meaning)
        max_diff, input_shape, output_shape = _check_with_onnxruntime(tmp, observations, policy)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportReport(
        path=out,
        agent=config.agent.name,
        env=config.env.name,
        input_dtype=str(observations.dtype),
        input_shape=input_shape,
        output_shape=output_shape,
        output_meaning=meaning,
        max_abs_diff=max_diff,
        seconds=time.perf_counter() - started,
    )


def _write_onnx(policy: Any, observations: np.ndarray, path: Path) -> None:
    """Export ``policy`` to ``path`` with a dynamic batch axis."""
    import torch

    example = (torch.as_tensor(observations[:2]),)
    with _quiet_exporter():
        # dynamo=True (torch.export + onnxscript), not the TorchScript exporter (dynamo=False).
        # Measured with torch 2.13 on a CartPole DQN: TorchScript exports in 0.04-0.12 s and
        # needs no onnxscript; dynamo takes 1.1 s warm, 2.8 s cold (importing torch.export and
        # onnxscript), of a command that spends ~4.5 s importing torch and loading the run
        # anyway. Both write the same opset-20 graph, equal to PyTorch within 1e-6. But the
        # TorchScript exporter is deprecated since torch 2.9 and announced for removal, and
        # rlkit's torch pin has no upper bound: a fresh install would one day lose
        # `rlkit.export`. A second per export is the cheaper price.
        if _use_dynamo():
            torch.onnx.export(
                policy,
                example,
                str(path),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_shapes=({0: torch.export.Dim("batch")},),
                dynamo=True,
                external_data=False,  # one self-contained file for the browser
                verbose=False,
            )
        else:  # torch 2.3-2.4 (rlkit's floor): the TorchScript exporter, same graph
            torch.onnx.export(
                policy,
                example,
                str(path),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            )


def _use_dynamo() -> bool:
    """Whether to use the dynamo exporter: torch >= 2.5 with onnxscript (a dependency of rlkit);
    older torch, which rlkit still supports (>= 2.3), has only the TorchScript one."""
    import torch

    version = tuple(int(part) for part in re.findall(r"\d+", torch.__version__)[:2])
    return version >= (2, 5) and importlib.util.find_spec("onnxscript") is not None


def _sample_observations(space: spaces.Space, n: int) -> np.ndarray:
    """``n`` observations of ``space`` in its dtype (a fixed seed: the check is repeatable)."""
    space = copy.deepcopy(space)  # seeding the env's own space would change its samples
    space.seed(0)
    batch = np.stack([np.asarray(space.sample()) for _ in range(n)])
    return batch.astype(space.dtype if space.dtype is not None else np.float32)


def _output_meaning(action_space: spaces.Space) -> str:
    if isinstance(action_space, spaces.Discrete):
        return f"one score per action ({action_space.n}); the action is the argmax"
    assert isinstance(action_space, spaces.Box)
    low, high = action_space.low.tolist(), action_space.high.tolist()
    return f"the action in the env's units, between {low} and {high}"


def _add_metadata(
    path: Path, agent: str, env: str, observation_space: spaces.Space, meaning: str
) -> None:
    import onnx

    model = onnx.load(str(path))
    fields = {
        "rlkit.agent": agent,
        "rlkit.env": env,
        "rlkit.observation_space": str(observation_space),
        "rlkit.output": meaning,
    }
    for key, value in fields.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))


def _check_with_onnxruntime(
    path: Path, observations: np.ndarray, policy: Any
) -> tuple[float, tuple[int | str, ...], tuple[int | str, ...]]:
    """Run the file and ``policy`` on ``observations``; return the max |difference| and the
    graph's input and output shapes.

    Raises:
        RuntimeError: the graph's names or outputs differ from the PyTorch policy's (an rlkit
            bug, not a user mistake, so it keeps its traceback).
    """
    import onnxruntime
    import torch

    with torch.inference_mode():
        expected = policy(torch.as_tensor(observations)).numpy()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs, outputs = session.get_inputs(), session.get_outputs()
    names = ([i.name for i in inputs], [o.name for o in outputs])
    if names != ([INPUT_NAME], [OUTPUT_NAME]):
        raise RuntimeError(f"the exported graph has inputs/outputs {names}")
    got = session.run([OUTPUT_NAME], {INPUT_NAME: observations})[0]
    if got.shape != expected.shape:
        raise RuntimeError(f"onnxruntime gives shape {got.shape}, PyTorch {expected.shape}")
    max_diff = float(np.max(np.abs(got.astype(np.float64) - expected))) if got.size else 0.0
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        raise RuntimeError(f"onnxruntime differs from PyTorch by up to {max_diff:g}")
    return max_diff, tuple(inputs[0].shape), tuple(outputs[0].shape)


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Hide the exporter's chatter (deprecation notes, 'torchvision is not installed')."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
