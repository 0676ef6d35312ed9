"""Exact resume: a run stopped at step k and resumed ends with the same metrics as one that never
stopped; bad resumes stop with one line and leave the old run directory as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli

import rlkit
from rlkit.agents.dqn import DQN
from rlkit.errors import CheckpointError
from rlkit.run.callbacks.stop_on_signal import TrainingStopped
from rlkit.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint

DQN_FAST = [
    "agent.learning_starts=200",
    "agent.target_update_interval=100",
    "agent.batch_size=16",
    "agent.epsilon_decay_steps=1000",
]
DDPG_FAST = [
    # The Pendulum preset takes every thread: on a busy 2-core machine two threads spin against
    # the other work (a 2,500-step run: 152 s against 24 s on one thread, under load).
    "torch_threads=1",
    "agent.learning_starts=200",
    "agent.batch_size=16",
    "agent.actor_hidden_sizes=[32]",
    "agent.critic_hidden_sizes=[32]",
    "torch_threads=1",  # tiny nets: extra threads only add overhead
]


def train(agent: str, env: str, steps: int, extra: list[str], **kwargs: object) -> rlkit.Run:
    return rlkit.train(
        agent=agent,
        env=env,
        seed=1,
        total_steps=steps,
        progress=False,
        log_interval=250,
        eval_episodes=2,
        device="cpu",  # the exactness promise is for the CPU
        overrides=extra,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("agent", "env", "num_envs", "extra"),
    [
        ("qlearning", "cliff", 1, []),
        ("qlearning", "cliff", 3, []),
        ("dqn", "cliff", 1, DQN_FAST),
        ("dqn", "cartpole", 2, DQN_FAST),
        ("dqn", "cartpole", 1, [*DQN_FAST, "agent.n_step=3", "agent.double_q=true"]),
        ("dqn", "cartpole", 1, [*DQN_FAST, "agent.update_backend=torch"]),  # auto is numpy
        # Batched pong keeps its games' state itself (PingPongVectorEnv.get_state).
        ("dqn", "pong", 4, [*DQN_FAST, "env.points_to_win=2"]),
        ("ddpg", "pendulum", 2, [*DDPG_FAST, "agent.noise=ornstein_uhlenbeck"]),
        ("ddpg", "pendulum", 1, [*DDPG_FAST, "agent.lr_decay_steps=2500"]),  # rates from the step
        # Trains at episode ends (200 steps); the stop at 1500 falls mid-episode.
        (
            "ddpg",
            "pendulum",
            1,
            [*DDPG_FAST, "agent.train_freq_unit=episode", "agent.gradient_steps=-1"],
        ),
        # The delayed actor's count and the presets' schedule; SAC's α and its optimiser.
        (
            "td3",
            "pendulum",
            1,
            [*DDPG_FAST, "agent.train_freq_unit=episode", "agent.gradient_steps=-1"],
        ),
        ("sac", "pendulum", 2, DDPG_FAST),
    ],
)
def test_stop_and_resume_gives_the_same_metrics(
    in_tmp: Path, agent: str, env: str, num_envs: int, extra: list[str]
) -> None:
    whole = train(agent, env, 3000, extra, num_envs=num_envs)
    first = train(agent, env, 1500, extra, num_envs=num_envs)
    resumed = rlkit.train(
        agent=agent,
        env=env,
        seed=1,
        total_steps=3000,
        resume=str(first.dir),
        progress=False,
        device="cpu",
    )
    assert resumed.dir != first.dir
    assert (resumed.dir / "metrics.csv").read_text() == (whole.dir / "metrics.csv").read_text()
    assert resumed.summary["total_steps"] == 3000
    assert resumed.summary["eval_return_mean"] == whole.summary["eval_return_mean"]


def test_a_resumed_summary_lists_the_evaluations_of_every_sitting(in_tmp: Path) -> None:
    whole = train("qlearning", "cliff", 2000, [], eval_interval=500)
    first = train("qlearning", "cliff", 1000, [], eval_interval=500)
    resumed = rlkit.train(resume=str(first.dir), total_steps=2000, progress=False)

    def scores(run: rlkit.Run) -> list[tuple[int, list[float]]]:
        return [(e["step"], e["returns"]) for e in run.summary["evaluations"]]

    assert [step for step, _ in scores(whole)] == [500, 1000, 1500, 2000]
    assert scores(resumed) == scores(whole)
    # Training time runs on across the sittings instead of starting again at 0.
    times = [e["train_time_s"] for e in resumed.summary["evaluations"]]
    assert times == sorted(times) and times[:2] == [
        e["train_time_s"] for e in first.summary["evaluations"]
    ]


def test_resume_alone_continues_the_old_run_with_its_config(in_tmp: Path) -> None:
    first = train("dqn", "cliff", 1000, DQN_FAST)
    resumed = rlkit.train(resume=str(first.dir), total_steps=1500, progress=False)
    assert resumed.config.agent.name == "dqn"
    assert resumed.config.agent.learning_starts == 200
    assert resumed.summary["total_steps"] == 1500


def snapshot(run_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file()
    }


def test_cli_run_never_shares_a_directory_with_an_earlier_run(in_tmp: Path) -> None:
    # Hydra's ${now:...} directory is the same for runs started in the same second; a resume
    # started right after its run wrote into the run it resumed. Occupy the next 60 seconds' names.
    from datetime import datetime, timedelta

    now = datetime.now()
    taken = [
        in_tmp
        / "runs"
        / "qlearning-cliff"
        / f"{(now + timedelta(seconds=s)):%Y-%m-%d_%H-%M-%S}_seed1"
        for s in range(60)
    ]
    for run_dir in taken:
        run_dir.mkdir(parents=True)
        (run_dir / "metrics.csv").write_text("kept\n")
    result = run_cli(
        "agent=qlearning", "env=cliff", "seed=1", "total_steps=500", "progress=false", cwd=in_tmp
    )
    assert result.returncode == 0, result.stderr
    new_dir = in_tmp / result.stdout.strip().splitlines()[-1]
    assert new_dir.name.endswith("_seed1-1") and (new_dir / "metrics.csv").is_file()
    assert all((d / "metrics.csv").read_text() == "kept\n" for d in taken)
    assert not any((d / ".hydra").exists() for d in taken)


def test_cli_resume(in_tmp: Path) -> None:
    first = train("qlearning", "cliff", 2000, [])
    result = run_cli(f"resume={first.dir}", "total_steps=4000", "progress=false", cwd=in_tmp)
    assert result.returncode == 0, result.stderr
    new_dir = in_tmp / result.stdout.strip().splitlines()[-1]
    assert new_dir != first.dir and (new_dir / "summary.json").is_file()


@pytest.mark.parametrize(
    "damage", ["missing_dir", "truncated", "corrupt", "other_agent", "no_ckpt"]
)
def test_bad_resume_is_one_line_and_loses_nothing(in_tmp: Path, damage: str) -> None:
    first = train("qlearning", "cliff", 1000, [])
    target = first.dir
    args = [f"resume={target}"]
    checkpoint = first.dir / CHECKPOINT_NAME
    if damage == "missing_dir":
        args = [f"resume={in_tmp / 'no_such_run'}"]
        expected = "no such run directory"
    elif damage == "truncated":
        checkpoint.write_bytes(checkpoint.read_bytes()[:200])
        expected = "truncated, corrupt"
    elif damage == "corrupt":
        data = bytearray(checkpoint.read_bytes())
        data[40:80] = b"\xff" * 40
        checkpoint.write_bytes(bytes(data))
        expected = "truncated, corrupt"
    elif damage == "other_agent":
        args.append("agent=dqn")
        expected = "this run is qlearning on cliff; resume takes its agent and env from the run"
    else:
        checkpoint.unlink()
        expected = "no checkpoint at"
    before = snapshot(first.dir)
    result = run_cli(*args, cwd=in_tmp)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(first.dir) == before
    assert sorted(p.name for p in first.dir.parent.iterdir()) == [first.dir.name]


def test_api_resume_errors(in_tmp: Path) -> None:
    first = train("qlearning", "cliff", 1000, [])
    state = load_checkpoint(first.dir / CHECKPOINT_NAME)
    state["meta"]["env"] = "cartpole"
    save_checkpoint(first.dir / CHECKPOINT_NAME, state)
    with pytest.raises(CheckpointError, match="from env 'cartpole'"):
        rlkit.train(resume=str(first.dir), progress=False)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_at_a_step_boundary_and_the_resume_is_exact(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    whole = train("dqn", "cartpole", 3000, DQN_FAST)
    learn = DQN.run_due_updates

    def learn_then_signal(self: DQN, global_step: int) -> object:
        metrics = learn(self, global_step)
        if global_step == 1500:  # in the middle of an env step: after learning, before logging
            signal.raise_signal(signum)
        return metrics

    handlers = [signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)]
    with monkeypatch.context() as patch, pytest.raises(TrainingStopped) as info:
        patch.setattr(DQN, "run_due_updates", learn_then_signal)
        train("dqn", "cartpole", 3000, DQN_FAST, run_dir=in_tmp / "stopped")
    assert info.value.signum == signum
    assert load_checkpoint(in_tmp / "stopped" / CHECKPOINT_NAME)["loop"]["global_step"] == 1500
    # The handlers are the caller's again after the run.
    assert [signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)] == handlers
    resumed = rlkit.train(resume=str(in_tmp / "stopped"), progress=False, device="cpu")
    assert (resumed.dir / "metrics.csv").read_text() == (whole.dir / "metrics.csv").read_text()


def test_cli_sigterm_keeps_a_checkpoint_and_says_how_to_continue(in_tmp: Path) -> None:
    command = [sys.executable, "-m", "rlkit.train", "agent=qlearning", "env=cliff",
               "total_steps=100000000", "progress=false"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, cwd=in_tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)  # fmt: skip
    deadline = time.monotonic() + 120
    while not list(in_tmp.glob("runs/*/*/metrics.csv")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # well into the loop
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in out + err
    line = next(x for x in out.splitlines() if x.startswith("stopped at step "))
    run_dir = Path(line.split("python -m rlkit.train resume=")[1].rstrip(")"))
    assert (run_dir / CHECKPOINT_NAME).is_file()


@pytest.mark.parametrize(
    ("agent", "env", "extra"),
    [("dqn", "cliff", DQN_FAST), ("dqn", "cartpole", DQN_FAST), ("ddpg", "pendulum", DDPG_FAST)],
)
def test_same_seed_gives_identical_metrics(
    in_tmp: Path, agent: str, env: str, extra: list[str]
) -> None:
    runs = [train(agent, env, 2000, extra) for _ in range(2)]
    other = rlkit.train(
        agent=agent,
        env=env,
        seed=2,
        total_steps=2000,
        progress=False,
        log_interval=250,
        eval_episodes=2,
        device="cpu",
        overrides=extra,
    )
    first, second = ((r.dir / "metrics.csv").read_text() for r in runs)
    assert first == second
    assert first != (other.dir / "metrics.csv").read_text()


def test_a_resume_stops_when_conf_changed_since_the_run_began(in_tmp: Path) -> None:
    first = train("qlearning", "cliff", 1000, [])
    # What an edited preset or default looks like from the run's side: its saved config differs
    # from what conf/ composes today.
    saved = first.dir / ".hydra" / "config.yaml"
    saved.write_text(saved.read_text().replace("gamma: 0.9", "gamma: 0.5"))
    assert "gamma: 0.5" in saved.read_text()
    before = snapshot(first.dir)
    result = run_cli(f"resume={first.dir}", "total_steps=1500", cwd=in_tmp)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "began with agent.gamma=0.5 but conf/ now gives 0.9" in lines[0]
    assert "add agent.gamma=0.5 to continue it as it began" in lines[0]
    assert snapshot(first.dir) == before
    # Naming the key settles it either way; total_steps, named too, may change freely.
    resumed = rlkit.train(resume=str(first.dir), total_steps=1500, agent__gamma=0.5, progress=False)
    assert resumed.config.agent.gamma == 0.5 and resumed.summary["total_steps"] == 1500


def test_a_pixel_run_resumes_exactly_with_its_frame_buffer(in_tmp: Path) -> None:
    """Pixel pong with the preset's save_buffer: the checkpoint keeps the frames (each once),
    and the resumed run's metrics equal an uninterrupted run's (the buffer has wrapped)."""
    extra = [
        "agent.learning_starts=100", "agent.buffer_size=150", "agent.batch_size=8",
        "agent.train_freq=4", "agent.gradient_steps=1", "torch_threads=1",
    ]  # fmt: skip
    extra += ["eval_episodes=0", "log_interval=40"]
    fields = {"num_envs": 2}
    whole = train("dqn", "pong_pixels", 400, extra, **fields)
    first = train("dqn", "pong_pixels", 200, extra, **fields)
    assert first.config.agent.save_buffer  # the pixel preset keeps its buffer again
    resumed = rlkit.train(resume=str(first.dir), total_steps=400, progress=False, device="cpu")
    assert (resumed.dir / "metrics.csv").read_bytes() == (whole.dir / "metrics.csv").read_bytes()
