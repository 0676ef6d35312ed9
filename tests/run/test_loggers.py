"""TensorBoard, W&B (offline) and videos during training: each logger writes the one metric
namespace at the env steps of metrics.csv, a resumed run continues its W&B run, video_interval
writes its videos at its steps, and a mistake is one line with nothing written."""

from __future__ import annotations

import csv
import json
import struct
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlkit
from rlkit.agents.bc import BC
from rlkit.agents.ddpg import DDPG
from rlkit.agents.dqn import DQN
from rlkit.agents.qlearning import QLearning
from rlkit.agents.sac import SAC
from rlkit.agents.td3 import TD3
from rlkit.errors import ConfigError
from rlkit.run.namespace import NAMES, logged_name
from tests.helpers import run_cli

# A short DQN run on CartPole that updates early, so every chart has points.
DQN_RUN: dict[str, Any] = dict(
    total_steps=600, log_interval=200, eval_interval=300, eval_episodes=2, progress=False,
    agent__learning_starts=100, agent__train_freq=4, agent__gradient_steps=1,
    agent__batch_size=32, agent__hidden_sizes=[32, 32],
)  # fmt: skip
EXPECTED = {
    "episode": {
        "episode_return": "charts/episode_return",
        "episode_length": "charts/episode_length",
    },
    "train": {"loss": "losses/td_loss", "q_mean": "losses/q_mean", "epsilon": "charts/epsilon"},
    "eval": {"eval_return_mean": "eval/return_mean", "eval_return_std": "eval/return_std"},
}


def _csv_points(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """metrics.csv's columns as (step, value) points under their logged names."""
    points: dict[str, list[tuple[int, float]]] = {}
    with open(run_dir / "metrics.csv", newline="") as f:
        for row in csv.DictReader(f):
            for kind in EXPECTED.values():
                for column, name in kind.items():
                    if row.get(column):
                        points.setdefault(name, []).append((int(row["step"]), float(row[column])))
    return points


def _tensorboard(run_dir: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir / "tb"), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return events


def _wandb_records(run_dir: Path) -> list[Any]:
    """The records of the offline W&B run in ``run_dir/wandb``, once W&B's background process has
    written its last one (``exit``): ``finish()`` may return before that on a busy machine."""
    deadline = time.monotonic() + 60
    while True:
        records = _read_wandb_file(run_dir)
        if any(r.WhichOneof("record_type") == "exit" for r in records):
            return records
        assert time.monotonic() < deadline, "the W&B run file never got its exit record"
        time.sleep(0.2)


def _read_wandb_file(run_dir: Path) -> list[Any]:
    """The .wandb file's records: a LevelDB-style log (a 7-byte file header, 32 KiB blocks of
    chunks with a 7-byte header each) of protobufs."""
    from wandb.proto import wandb_internal_pb2 as pb

    (path,) = (run_dir / "wandb").glob("offline-run-*/run-*.wandb")
    data, pos, chunks, records = path.read_bytes(), 7, b"", []
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:  # a block's tail too short for a header is padding
            pos += 32768 - pos % 32768
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunks, pos = chunks + data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind in (1, 4) and pos <= len(data):  # a whole record, or the last chunk of one
            record = pb.Record()
            record.ParseFromString(chunks)
            records.append(record)
            chunks = b""
    return records


def _wandb_history(run_dir: Path) -> list[dict[str, Any]]:
    """Each logged row as a dict (a logged object, e.g. a video, as a dict of its fields)."""
    rows = []
    for record in _wandb_records(run_dir):
        if record.WhichOneof("record_type") != "history":
            continue
        row: dict[str, Any] = {}
        for item in record.history.item:
            value = json.loads(item.value_json)
            name, *field = [item.key] if item.key else list(item.nested_key)
            if field:
                row.setdefault(name, {})["/".join(field)] = value
            else:
                row[name] = value
        rows.append(row)
    return rows


def _wandb_run_id(run_dir: Path) -> str:
    (run,) = [r.run for r in _wandb_records(run_dir) if r.WhichOneof("record_type") == "run"]
    return str(run.run_id)


def test_every_agents_metrics_have_a_name_in_the_namespace() -> None:
    for agent in (QLearning, DQN, DDPG, TD3, SAC, BC):
        for column in agent.metric_names:
            name = logged_name(column, agent.__name__.lower())
            assert name is not None and name.split("/")[0] in ("charts", "losses"), column
    assert logged_name("loss", "dqn") == logged_name("loss", "qlearning") == "losses/td_loss"
    assert logged_name("critic_loss", "ddpg") == "losses/critic_loss"
    assert logged_name("ent_coef", "sac") == "losses/alpha"
    assert logged_name("episode", "dqn") is None
    assert len(set(NAMES.values())) == len(NAMES)


def test_tensorboard_logs_the_namespaced_metrics_at_the_env_steps(in_tmp: Path) -> None:
    run = rlkit.train("dqn", "cartpole", logger__tensorboard=True, **DQN_RUN)
    assert not (run.dir / "wandb").exists()
    events = _tensorboard(run.dir)
    expected = _csv_points(run.dir)
    assert set(expected) == {n for kind in EXPECTED.values() for n in kind.values()}
    for name, points in expected.items():
        logged = [(e.step, e.value) for e in events.Scalars(name)]
        assert [s for s, _ in logged] == [s for s, _ in points], name
        np.testing.assert_allclose([v for _, v in logged], [v for _, v in points], rtol=1e-6)
    sps = [(e.step, e.value) for e in events.Scalars("charts/sps")]
    assert [s for s, _ in sps] == [200, 400, 600] and all(v > 0 for _, v in sps)


def test_wandb_offline_logs_the_namespaced_metrics_and_the_config(in_tmp: Path) -> None:
    run = rlkit.train(
        "dqn", "cartpole", logger__wandb=True, logger__wandb_group="g1",
        logger__wandb_tags=["a", "b"], **DQN_RUN,
    )  # fmt: skip
    assert not (run.dir / "tb").exists()
    history = _wandb_history(run.dir)
    for name, points in _csv_points(run.dir).items():
        logged = [(h["global_step"], h[name]) for h in history if name in h]
        assert [s for s, _ in logged] == [s for s, _ in points], name
        np.testing.assert_allclose([v for _, v in logged], [v for _, v in points], rtol=1e-6)
    assert [h["global_step"] for h in history if "charts/sps" in h] == [200, 400, 600]
    (record,) = [r.run for r in _wandb_records(run.dir) if r.WhichOneof("record_type") == "run"]
    assert (
        record.project == "rlkit" and record.run_group == "g1" and list(record.tags) == ["a", "b"]
    )
    config = {u.key: json.loads(u.value_json) for u in record.config.update}
    assert config["seed"] == 0 and config["agent"]["learning_starts"] == 100
    assert config["logger"]["wandb"] is True
    assert (run.dir / "wandb" / "run_id.txt").read_text().strip() == record.run_id


def test_a_resumed_run_continues_the_same_wandb_run(in_tmp: Path) -> None:
    first = rlkit.train("qlearning", "cliff", total_steps=300, progress=False, logger__wandb=True)
    resumed = rlkit.train(resume=str(first.dir), total_steps=600, progress=False)
    assert resumed.config.logger.wandb  # carried over from the resumed run's overrides
    run_id = _wandb_run_id(first.dir)
    assert _wandb_run_id(resumed.dir) == run_id
    assert (resumed.dir / "wandb" / "run_id.txt").read_text().strip() == run_id
    steps = [h["global_step"] for h in _wandb_history(resumed.dir)]
    assert steps and min(steps) > 300  # only this sitting's rows are logged again


def test_video_interval_writes_a_video_at_its_steps_and_to_the_loggers(in_tmp: Path) -> None:
    import imageio.v2 as imageio

    run = rlkit.train(
        "qlearning", "cliff", total_steps=500, video_interval=200, progress=False,
        logger__tensorboard=True, logger__wandb=True,
    )  # fmt: skip
    videos = sorted(p.name for p in (run.dir / "videos").iterdir())
    assert videos == ["step_200.mp4", "step_400.mp4"]
    reader = imageio.get_reader(run.dir / "videos" / "step_200.mp4")
    assert reader.get_data(0).shape[2] == 3 and reader.count_frames() >= 2
    reader.close()
    images = _tensorboard(run.dir).Images("videos/eval")
    assert [i.step for i in images] == [200, 400]
    assert all(i.encoded_image_string.startswith(b"GIF8") for i in images)
    logged = [h for h in _wandb_history(run.dir) if "videos/eval" in h]
    assert [h["global_step"] for h in logged] == [200, 400]
    assert all(h["videos/eval"]["_type"] == "video-file" for h in logged)


def test_video_steps_with_several_envs_are_the_first_steps_past_each_multiple(
    in_tmp: Path,
) -> None:
    run = rlkit.train(
        "qlearning", "cliff", total_steps=300, num_envs=3, video_interval=100, progress=False
    )
    assert sorted(p.name for p in (run.dir / "videos").iterdir()) == [
        "step_102.mp4", "step_201.mp4", "step_300.mp4",
    ]  # fmt: skip


def test_the_last_line_stays_the_run_directory_with_every_logger_on(in_tmp: Path) -> None:
    result = run_cli(
        "agent=qlearning", "env=cliff", "total_steps=200", "progress=false", "video_interval=100",
        "logger.tensorboard=true", "logger.wandb=true", "eval_episodes=1", cwd=in_tmp,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    assert (run_dir / "tb").is_dir() and (run_dir / "wandb" / "run_id.txt").is_file()
    assert "wandb" not in result.stdout.lower() and "wandb" not in result.stderr.lower()


def _refused_by_cli(cwd: Path, *args: str) -> str:
    result = run_cli("agent=qlearning", "env=cliff", "total_steps=100", *args, cwd=cwd)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert not (cwd / "runs").exists()
    return result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["logger.wandb_mode=bogus"], "choose one of: offline, online, disabled"),
        (["video_interval=0"], "video_interval=0 must be > 0"),
        (["video_interval=-5"], "video_interval=-5 must be > 0"),
        (["logger.tensorbord=true"], "valid keys of logger"),
    ],
)
def test_bad_logger_or_video_input_is_one_line(
    args: list[str], expected: str, in_tmp: Path
) -> None:
    assert expected in _refused_by_cli(in_tmp, *args)


def test_wandb_that_does_not_import_is_one_line(in_tmp: Path) -> None:
    # python -m puts the working directory first on sys.path: this wandb shadows the real one.
    (in_tmp / "wandb.py").write_text("raise ImportError('wandb is broken here')\n")
    err = _refused_by_cli(in_tmp, "logger.wandb=true")
    assert "wandb does not import" in err and "logger.wandb=false" in err


def test_online_wandb_without_a_key_is_one_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(in_tmp / "no-netrc"))
    err = _refused_by_cli(in_tmp, "logger.wandb=true", "logger.wandb_mode=online")
    assert "WANDB_API_KEY" in err and "logger.wandb_mode=offline" in err
    assert "logger.wandb=false" in err


class _AnsiOnly(gym.Env[int, int]):
    metadata = {"render_modes": ["ansi"]}  # noqa: RUF012

    def __init__(self, render_mode: str | None = None) -> None:
        self.observation_space = gym.spaces.Discrete(2)
        self.action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[int, dict[str, Any]]:
        super().reset(seed=seed)
        return 0, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        return 0, 0.0, True, False, {}


def test_video_interval_for_an_env_without_rgb_frames_is_one_line(in_tmp: Path) -> None:
    if "rlkit_test/AnsiOnly-v0" not in gym.registry:
        gym.register("rlkit_test/AnsiOnly-v0", entry_point=_AnsiOnly, max_episode_steps=5)
    with pytest.raises(ConfigError, match="renders only ansi; set video_interval=null") as info:
        rlkit.train("qlearning", "rlkit_test/AnsiOnly-v0", total_steps=50, video_interval=10)
    assert "\n" not in str(info.value)
    assert not (in_tmp / "runs").exists()
    rlkit.train("qlearning", "rlkit_test/AnsiOnly-v0", total_steps=50, progress=False)


def test_behaviour_cloning_logs_its_epochs_under_its_own_loss_name(in_tmp: Path) -> None:
    from tests.agents.test_bc import cartpole_play

    play = cartpole_play(in_tmp / "play.npz", steps=500)
    run = rlkit.train(
        "bc", "cartpole", dataset=str(play), agent__epochs=3, eval_episodes=1, progress=False,
        logger__tensorboard=True,
    )  # fmt: skip
    events = _tensorboard(run.dir)
    assert [e.step for e in events.Scalars("losses/cross_entropy")] == [1, 2, 3]
    assert [e.step for e in events.Scalars("charts/val_accuracy")] == [1, 2, 3]
    assert "charts/sps" not in events.Tags()["scalars"]  # its steps are epochs
    assert "losses/td_loss" not in events.Tags()["scalars"]


def test_video_interval_with_an_offline_agent_is_one_line(in_tmp: Path) -> None:
    from tests.agents.test_bc import cartpole_play

    play = cartpole_play(in_tmp / "play.npz", steps=100)
    with pytest.raises(ConfigError, match="counts env steps; agent=bc") as info:
        rlkit.train("bc", "cartpole", dataset=str(play), video_interval=10)
    assert "\n" not in str(info.value) and not (in_tmp / "runs").exists()


def test_records_before_wandb_is_up_are_logged_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """W&B starts in a thread while training goes on; nothing logged meanwhile is lost or
    reordered, and the run is finished at the end."""
    from types import SimpleNamespace

    from rlkit.run.callbacks import wandb_logger
    from rlkit.run.callbacks.base import Record

    logged: list[dict[str, Any]] = []
    finished: list[int] = []
    fake_run = SimpleNamespace(
        log=logged.append, finish=lambda exit_code: finished.append(exit_code)
    )

    def slow_start(*args: Any) -> Any:
        time.sleep(0.3)
        return fake_run

    monkeypatch.setattr(wandb_logger, "start_wandb_run", slow_start)
    run = SimpleNamespace(
        cfg=SimpleNamespace(agent=SimpleNamespace(name="dqn")), run_dir=Path("."),
        state=SimpleNamespace(global_step=0), envs=None, stopped_by=None,
    )  # fmt: skip
    logger = wandb_logger.WandbLogger()
    logger.on_training_start(run)  # type: ignore[arg-type]
    for step in (1, 2, 3):
        logger.on_record(run, Record("episode", step, {"episode_return": float(step)}))  # type: ignore[arg-type]
    assert logged == []  # still starting: kept, training not held up
    logger.on_training_end(run)  # type: ignore[arg-type]
    assert [entry[wandb_logger.STEP] for entry in logged] == [1, 2, 3]
    assert [entry["charts/episode_return"] for entry in logged] == [1.0, 2.0, 3.0]
    assert finished == [0]
