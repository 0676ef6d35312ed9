"""rlkit.export: ONNX files that onnxruntime runs exactly as the PyTorch agent acts."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from gymnasium import spaces

import rlkit
from rlkit.export import export_onnx, export_onnx_report, main


def tiny_run(root: Path, agent: str, env: str, steps: int, **fields: object) -> Path:
    run = rlkit.train(
        agent=agent,
        env=env,
        total_steps=steps,
        run_dir=root / f"{agent}-{env}",
        progress=False,
        eval_episodes=1,
        device="cpu",
        vector_mode="sync",
        **fields,
    )
    return run.dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny training runs (a second or two each): the weights only need to be non-trivial."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "dqn": tiny_run(root, "dqn", "cartpole", 300, agent__learning_starts=100),
        "ddpg": tiny_run(root, "ddpg", "pendulum", 300, agent__learning_starts=100),
        "td3": tiny_run(
            root,
            "td3",
            "pendulum",
            300,
            agent__learning_starts=100,
            agent__actor_hidden_sizes=[32],
            agent__critic_hidden_sizes=[32],
        ),
        "sac": tiny_run(
            root,
            "sac",
            "pendulum",
            300,
            agent__learning_starts=100,
            agent__actor_hidden_sizes=[32],
            agent__critic_hidden_sizes=[32],
        ),
        "cliff": tiny_run(root, "dqn", "cliff", 300),
        "pong": tiny_run(
            root, "dqn", "pong", 300, agent__learning_starts=100, env__obs_type="classic"
        ),
        "qlearning": tiny_run(root, "qlearning", "cliff", 200),
    }


def session(path: Path) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def observations(space: spaces.Space, n: int, seed: int = 1) -> np.ndarray:
    space.seed(seed)
    return np.stack([space.sample() for _ in range(n)]).astype(space.dtype)


def test_dqn_onnx_argmax_is_predict(runs: dict[str, Path], tmp_path: Path) -> None:
    path = export_onnx(runs["dqn"], tmp_path / "dqn.onnx")
    agent = rlkit.load(runs["dqn"])
    obs = observations(spaces.Box(-3.0, 3.0, (4,), np.float32), 1000)
    q = session(path).run(["output"], {"input": obs})[0]
    assert q.shape == (1000, 2)
    assert np.array_equal(q.argmax(axis=1), agent.predict(obs, deterministic=True)[0])
    assert (
        len(set(agent.predict(obs, deterministic=True)[0].tolist())) == 2
    )  # both actions occur: a real comparison


@pytest.mark.parametrize("name", ["ddpg", "td3", "sac"])  # SAC's: the squashed mean tanh(m(s))
def test_continuous_onnx_is_predict_in_env_units(
    runs: dict[str, Path], tmp_path: Path, name: str
) -> None:
    report = export_onnx_report(runs[name], tmp_path / f"{name}.onnx")
    agent = rlkit.load(runs[name])
    obs = observations(spaces.Box(-1.0, 1.0, (3,), np.float32), 1000) * [1, 1, 8]
    obs = obs.astype(np.float32)
    actions = session(report.path).run(["output"], {"input": obs})[0]
    expected = agent.predict(obs, deterministic=True)[0]
    assert actions.shape == expected.shape == (1000, 1)
    np.testing.assert_allclose(actions, expected, rtol=1e-5, atol=1e-5)
    assert actions.min() >= -2.0 and actions.max() <= 2.0
    assert report.max_abs_diff < 1e-5


def test_names_dynamic_batch_and_metadata(runs: dict[str, Path], tmp_path: Path) -> None:
    path = export_onnx(runs["dqn"], tmp_path / "nested" / "dir" / "p.onnx")
    sess = session(path)
    (inp,), (out,) = sess.get_inputs(), sess.get_outputs()
    assert (inp.name, out.name, inp.type) == ("input", "output", "tensor(float)")
    assert isinstance(inp.shape[0], str) and inp.shape[1:] == [4]
    for batch in (1, 3, 257):
        obs = np.zeros((batch, 4), np.float32)
        assert sess.run(None, {"input": obs})[0].shape == (batch, 2)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert meta["rlkit.agent"] == "dqn" and "argmax" in meta["rlkit.output"]
    assert [p.name for p in tmp_path.joinpath("nested", "dir").iterdir()] == ["p.onnx"]


def test_discrete_observations_take_int64(runs: dict[str, Path]) -> None:
    path = export_onnx(runs["cliff"])  # default: <run>/policy.onnx
    assert path == runs["cliff"] / "policy.onnx"
    sess = session(path)
    assert sess.get_inputs()[0].type == "tensor(int64)"
    states = np.arange(48, dtype=np.int64)
    q = sess.run(None, {"input": states})[0]
    assert np.array_equal(
        q.argmax(axis=1), rlkit.load(runs["cliff"]).predict(states, deterministic=True)[0]
    )


def test_pong_classic_for_the_department_bot(runs: dict[str, Path], tmp_path: Path) -> None:
    """The bot's view: [ball_x, ball_y, paddle_y] / 705 in, three action scores out."""
    path = export_onnx(runs["pong"], tmp_path / "pong.onnx")
    sess = session(path)
    assert (sess.get_inputs()[0].type, sess.get_inputs()[0].shape[1:]) == ("tensor(float)", [3])
    obs = observations(spaces.Box(0.0, 1.0, (3,), np.float32), 1000)
    scores = sess.run(["output"], {"input": obs})[0]
    assert scores.shape == (1000, 3)
    assert np.array_equal(
        scores.argmax(axis=1), rlkit.load(runs["pong"]).predict(obs, deterministic=True)[0]
    )


def test_torchscript_exporter_path_gives_the_same_policy(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without onnxscript (or on torch 2.3-2.4) export uses the TorchScript exporter instead."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "onnxscript" else real_find_spec(name, *a),
    )
    path = export_onnx(runs["dqn"], tmp_path / "p.onnx")
    obs = observations(spaces.Box(-1.0, 1.0, (4,), np.float32), 1000)
    scores = session(path).run(["output"], {"input": obs})[0]
    assert np.array_equal(
        scores.argmax(axis=1), rlkit.load(runs["dqn"]).predict(obs, deterministic=True)[0]
    )


def export_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rlkit.export", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_writes_and_describes(
    runs: dict[str, Path], in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([f"run={runs['ddpg']}", "out=bot.onnx"])  # in-process: a subprocess costs 10 s here
    out = capsys.readouterr().out
    assert out.startswith("wrote bot.onnx") and "max |diff|" in out
    assert [p.name for p in in_tmp.iterdir()] == ["bot.onnx"]


@pytest.fixture
def corrupt_run(runs: dict[str, Path], tmp_path: Path) -> Path:
    run = tmp_path / "corrupt"
    shutil.copytree(runs["dqn"], run)
    data = (run / "policy.npz").read_bytes()  # what export reads
    (run / "policy.npz").write_bytes(data[: len(data) // 2])
    return run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the run to export"),
        (["run=nowhere"], "run directory nowhere does not exist"),
        (["run={corrupt}"], "truncated, corrupt or not an rlkit checkpoint"),
        (["run={dqn}", "out=policy.pt"], "out=policy.pt must end in .onnx"),
        (["run={qlearning}"], "agents that can be exported: dqn, ddpg"),
        (["run={dqn}", "opset=17"], "unknown key 'opset'; valid keys: run, out"),
        (["{dqn}"], "give key=value arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    runs: dict[str, Path], corrupt_run: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    filled = [a.format(corrupt=corrupt_run, **runs) for a in args]
    result = export_cli(*filled, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob("*.pt"))


# The manual's ONNX page (docs/export.md) shows the snippet between these markers.
EXPORT_PAGE = Path(__file__).resolve().parents[2] / "docs" / "export.md"


@pytest.mark.parametrize("name", ["cliff", "dqn", "ddpg"])
def test_the_manuals_onnx_snippet_runs_as_written(
    runs: dict[str, Path], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXPORT_PAGE.read_text()
    block = text.split("<!-- onnx-snippet:begin -->")[1].split("<!-- onnx-snippet:end -->")[0]
    code = block.split("```python\n")[1].split("```")[0]
    export_onnx(runs[name], overwrite=True)  # the default place: <run>/policy.onnx
    placeholder = 'run = "runs/dqn-cliff/2026-12-03_07-30-00_seed0"'
    assert placeholder in code
    exec(code.replace(placeholder, f"run = {str(runs[name])!r}"), {})
    printed = capsys.readouterr().out
    agent = rlkit.load(runs[name])
    obs, _ = rlkit.make_env(runs[name]).reset(seed=0)
    if name == "ddpg":
        assert "the action in the env's units" in printed
    else:
        assert printed.strip().endswith(f"-> {agent.predict(obs, deterministic=True)[0]}")
