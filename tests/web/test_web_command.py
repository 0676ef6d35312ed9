"""``python -m rlkit.web``: the page folder it writes and serves, its checks, and the page's
observation pipeline against the run's own env."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from web_helpers import ROOT, node_modules_or_skip, node_or_skip

import rlkit
from rlkit.web.command import main
from rlkit.web.site import MARKER, ORT_FILES


def _fail_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


@pytest.fixture(scope="module")
def site(web_runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vector run's page, written with out=."""
    node_modules_or_skip("onnxruntime-web")
    out = tmp_path_factory.mktemp("site") / "page"
    main([f"run={web_runs['pong']}", f"out={out}"])
    return out


def test_out_writes_a_static_site(site: Path, web_runs: dict[str, Path]) -> None:
    names = {p.name for p in site.iterdir()}
    page = {"index.html", "app.mjs", "pong.mjs", "rng.mjs", "observations.mjs", "policy.mjs"}
    assert page | {"match.mjs", "policy.onnx", "config.json", "ort", MARKER} <= names
    assert {p.name for p in (site / "ort").iterdir()} == set(ORT_FILES)
    config = json.loads((site / "config.json").read_text())
    env = rlkit.make_env(web_runs["pong"])
    rules = env.unwrapped.rules  # type: ignore[attr-defined]
    assert config["rules"] == {k: v for k, v in vars(rules).items() if k != "opponent"}
    assert config["rules"]["points_to_win"] == 5 and config["rules"]["frame_skip"] == 4
    assert config["input_dtype"] == "float32" and config["input_shape"] == [None, 6]
    session = onnxruntime.InferenceSession(str(site / "policy.onnx"))
    assert session.run(None, {"input": np.zeros((2, 6), np.float32)})[0].shape == (2, 3)


def test_out_replaces_only_its_own_page(
    site: Path, web_runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([f"run={web_runs['pong']}", f"out={site}"])  # an earlier page: rewritten
    assert "wrote the page" in capsys.readouterr().out
    other = tmp_path / "notes"
    other.mkdir()
    (other / "thesis.tex").write_text("mine")
    err = _fail_line([f"run={web_runs['pong']}", f"out={other}"], capsys)
    assert "never overwritten" in err
    assert [p.name for p in other.iterdir()] == ["thesis.tex"]


def test_bad_input_is_one_line_before_any_work(
    web_runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node_modules_or_skip("onnxruntime-web")
    out = tmp_path / "page"
    cartpole = _fail_line([f"run={web_runs['cartpole']}", f"out={out}"], capsys)
    assert "not pong" in cartpole and "env=pong" in cartpole
    table = _fail_line([f"run={web_runs['qlearning']}", f"out={out}"], capsys)
    assert "agent=qlearning" in table and "no policy network" in table
    assert "no policy network" in _fail_line([f"run={web_runs['qlearning']}"], capsys)
    assert not out.exists()  # refused before anything was written
    assert "does not exist" in _fail_line([f"run={tmp_path / 'nope'}"], capsys)
    assert "unknown key" in _fail_line([f"run={web_runs['pong']}", "prot=80"], capsys)
    assert "integer" in _fail_line([f"run={web_runs['pong']}", "port=http"], capsys)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = _fail_line([f"run={web_runs['pong']}", f"port={port}"], capsys)
    assert f"port={port} is taken" in err
    assert not list(web_runs["pong"].glob("*.onnx"))  # no export happened


def test_missing_onnxruntime_web_is_one_line(
    web_runs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RLKIT_WEB_NODE_MODULES", str(tmp_path))
    err = _fail_line([f"run={web_runs['pong']}", f"out={tmp_path / 'page'}"], capsys)
    assert "onnxruntime-web is not installed" in err and "install.sh web" in err


def test_serves_the_page_on_localhost(web_runs: dict[str, Path]) -> None:
    """The command itself, as a person runs it: one line to open, the page and its types."""
    node_modules_or_skip("onnxruntime-web")
    command = [sys.executable, "-m", "rlkit.web", f"run={web_runs['pong']}", "port=0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline(), server.stdout.readline()]
        match = re.search(r"play at (http://127\.0\.0\.1:\d+/)", lines[1])
        assert match, lines
        url = match.group(1)
        types = {}
        for path in ("", "app.mjs", "config.json", "policy.onnx", "ort/ort.wasm.min.mjs"):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                types[path] = response.headers["Content-Type"]
        types["wasm"] = urllib.request.urlopen(
            url + "ort/ort-wasm-simd-threaded.wasm", timeout=10
        ).headers["Content-Type"]
    finally:
        server.terminate()
        server.wait(timeout=10)
    exported = re.search(r"exported (\S+) in", lines[0])
    assert exported and not Path(exported.group(1)).parent.exists()  # the temporary page is gone
    assert types[""].startswith("text/html")
    assert types["app.mjs"].startswith("text/javascript")
    assert types["ort/ort.wasm.min.mjs"].startswith("text/javascript")
    assert types["wasm"] == "application/wasm"


@pytest.mark.parametrize("kind", ["pong", "classic", "pixels"])
def test_page_inputs_equal_the_runs_env(
    kind: str, web_runs: dict[str, Path], tmp_path: Path
) -> None:
    """What the page feeds its policy (match.mjs under Node: the run's rules, obs_type, frame
    stacking, dtype) equals what rlkit.make_env(run) gives the agent in Python, step by step."""
    node = node_or_skip()
    node_modules_or_skip("onnxruntime-web")
    out = tmp_path / "page"
    main([f"run={web_runs[kind]}", f"out={out}"])
    env = rlkit.make_env(web_runs[kind])
    actions = np.random.default_rng(0).integers(0, 3, size=400).tolist()
    obs, _ = env.reset(seed=11)
    expected = [np.asarray(obs)]
    for action in actions:
        obs, _, terminated, truncated, _ = env.step(action)
        expected.append(np.asarray(obs))
        if terminated or truncated:
            break
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"seed": 11, "actions": actions}))
    script = ROOT / "tests" / "web" / "match_trace.mjs"
    done = subprocess.run(
        [node, str(script), str(out), str(spec), str(tmp_path / "inputs.bin")],
        capture_output=True,
        text=True,
        check=True,
    )
    shape = json.loads(done.stdout)["shape"]
    python = np.stack(expected)
    assert shape[1:] == list(python.shape[1:])  # [1, 4, 84, 84] for pixels, [1, 6] for vector
    got = np.frombuffer((tmp_path / "inputs.bin").read_bytes(), dtype=python.dtype)
    assert got.size == python.size - python[-1].size  # the last obs ends the game: no decision
    assert np.array_equal(got.reshape(-1, *python.shape[1:]), python[:-1])
