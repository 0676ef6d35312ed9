"""A pong run's browser page as a folder: the page's files, the run's policy as ONNX, the rules.

:func:`check_web_run` checks what ``python -m rlkit.web`` is given before any work (a pong run,
an exportable policy, onnxruntime-web installed, an ``out=`` folder that holds nothing else), and
:func:`write_site` writes the folder that ``rlkit.web`` serves and ``out=`` keeps:

    index.html app.mjs pong.mjs rng.mjs observations.mjs policy.mjs   the page (``static/``)
    policy.onnx                                                       rlkit.export's file
    config.json                                                       the run's rules and input
    ort/                                                              onnxruntime-web's files
    .rlkit-web                                                        marks the folder as ours
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlkit.errors import ConfigError
from rlkit.run.run_dir import read_run_config
from rlkit.storage.paths import check_writable
from rlkit.tools.onnx_export import (
    INPUT_NAME,
    OUTPUT_NAME,
    ExportReport,
    export_onnx_report,
    exportable_agents,
)

STATIC = Path(__file__).resolve().parent / "static"
PONG_ID = "rlkit/PingPong-v0"
MARKER = ".rlkit-web"
"""A file in every folder rlkit.web writes: only such a folder is ever replaced by ``out=``."""
ORT_FILES = (
    # The WASM build the page loads by default and its runtime...
    "ort.wasm.min.mjs",
    "ort-wasm-simd-threaded.mjs",
    "ort-wasm-simd-threaded.wasm",
    # ... and the WebGPU build (with its WASM fallback), for a browser that offers WebGPU.
    "ort.webgpu.min.mjs",
    "ort-wasm-simd-threaded.asyncify.mjs",
    "ort-wasm-simd-threaded.asyncify.wasm",
)
INSTALL_HINT = (
    "run bash scripts/install.sh web (npm ci in web/), or set RLKIT_WEB_NODE_MODULES to a "
    "node_modules folder that holds onnxruntime-web"
)


@dataclass(frozen=True)
class WebRun:
    """A checked pong run: its directory, agent and env config, and where onnxruntime-web is."""

    run_dir: Path
    agent: str
    env_config: Any
    ort_dist: Path


def onnxruntime_web_dist() -> Path:
    """onnxruntime-web's ``dist/`` folder: ``$RLKIT_WEB_NODE_MODULES`` or the checkout's
    ``web/node_modules`` (what ``scripts/install.sh web`` fills).

    Raises:
        ConfigError: it is not installed there.
    """
    default = Path(__file__).resolve().parents[2] / "web" / "node_modules"
    node_modules = Path(os.environ.get("RLKIT_WEB_NODE_MODULES") or default)
    dist = node_modules / "onnxruntime-web" / "dist"
    missing = [name for name in ORT_FILES if not (dist / name).is_file()]
    if missing:
        raise ConfigError(
            f"onnxruntime-web is not installed in {node_modules} (no {missing[0]}); {INSTALL_HINT}"
        )
    return dist


def check_web_run(run_dir: str | Path) -> WebRun:
    """Check that ``run_dir`` is a pong run with a policy network to export, and find
    onnxruntime-web.

    Raises:
        ConfigError: not a pong run, a tabular agent, or onnxruntime-web missing.
        CheckpointError: the run directory or its config is missing or corrupt.
    """
    config = read_run_config(run_dir)
    # The agent first: a tabular run is never pong, and "no network" is what the person needs.
    if config.agent.name not in exportable_agents():
        raise ConfigError(
            f"run={run_dir} is a run of agent={config.agent.name}, which has no policy network "
            f"to run in the browser (a table); agents that can: {', '.join(exportable_agents())}"
        )
    if config.env.id != PONG_ID:
        raise ConfigError(
            f"run={run_dir} is a run of env={config.env.name} ({config.env.id}), not pong; "
            f"rlkit.web plays runs of env=pong or env=pong_pixels ({PONG_ID})"
        )
    return WebRun(Path(run_dir), config.agent.name, config.env, onnxruntime_web_dist())


def check_out_dir(out: str | Path) -> None:
    """Refuse an ``out=`` that holds anything but an earlier rlkit.web page (never overwritten),
    or that cannot be written.

    Raises:
        ConfigError: in one line, naming the folder and what to do.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"out={out} is a file, not a directory; give a new or empty folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ConfigError(
            f"out={out} holds other files and is not a page rlkit.web wrote; it is never "
            "overwritten: give a new or empty folder"
        )
    check_writable(out, "out", directory=True)


def page_config(web_run: WebRun, report: ExportReport) -> dict[str, Any]:
    """What the page needs besides the ONNX file: the env's rules and the graph's input."""
    from rlkit.envkit.make import make_env

    env = make_env(web_run.env_config)
    rules = dataclasses.asdict(env.unwrapped.rules)  # type: ignore[attr-defined]
    max_steps = env.spec.max_episode_steps if env.spec is not None else None
    env.close()
    rules.pop("opponent")  # in the page the opponent is a person, or the scripted player
    return {
        "run": web_run.run_dir.resolve().name,
        "agent": report.agent,
        "env": report.env,
        "rules": rules,
        "frame_stack": web_run.env_config.frame_stack,
        "max_episode_steps": max_steps,
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "input_dtype": report.input_dtype,
        "input_shape": [d if isinstance(d, int) else None for d in report.input_shape],
        "output_meaning": report.output_meaning,
        # DQN's outputs are Q-values; behaviour cloning's are logits, shown as probabilities.
        "output_kind": "logits" if report.agent == "bc" else "q_values",
    }


def write_site(web_run: WebRun, out: str | Path) -> ExportReport:
    """Write the page of ``web_run`` into ``out`` (checked by :func:`check_out_dir`): export
    the policy there, copy the page and onnxruntime-web's files, write ``config.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by python -m rlkit.web; out= may replace this folder\n")
    report = export_onnx_report(web_run.run_dir, out / "policy.onnx", overwrite=True)
    for source in sorted(STATIC.iterdir()):
        if source.suffix in (".mjs", ".html"):
            shutil.copyfile(source, out / source.name)
    (out / "ort").mkdir(exist_ok=True)
    for name in ORT_FILES:
        shutil.copyfile(web_run.ort_dist / name, out / "ort" / name)
    config = page_config(web_run, report)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return report
