"""The benchmark scripts' own logic (not their measurements): resumable learning runs, the
DDPG update profile."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

import pytest

from rlkit.storage.checkpoint import CHECKPOINT_NAME

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def script_module(name: str, monkeypatch: pytest.MonkeyPatch):
    """Import ``scripts/<name>.py`` afresh; forget it afterwards (tests patch its constants)."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    yield importlib.import_module(name)
    sys.modules.pop(name, None)


@pytest.fixture
def bench_ddpg(monkeypatch: pytest.MonkeyPatch):
    yield from script_module("bench_ddpg", monkeypatch)


@pytest.fixture
def benchlib(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))
    yield importlib.import_module("benchlib")


def fake_runner(calls: list[list[str]]):
    """Stands in for ``run_rlkit``: records the overrides, writes a summary into hydra.run.dir."""

    def run(overrides, workdir, log=None):
        calls.append(list(overrides))
        where = next(o for o in overrides if o.startswith("hydra.run.dir="))
        run_dir = Path(where.removeprefix("hydra.run.dir="))
        run_dir.mkdir(parents=True)
        summary = {"eval_return_mean": 1.0, "total_steps": 10}
        (run_dir / "summary.json").write_text(json.dumps(summary))
        return {**summary, "run_dir": str(run_dir)}, 12.5

    return run


def test_resumable_run_starts_resumes_and_reads_back(benchlib, tmp_path, monkeypatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(benchlib, "run_rlkit", fake_runner(calls))
    seed_dir = tmp_path / "ddpg-pendulum-seed0"
    seed_dir.mkdir()

    # Nothing there: a fresh run into part0, checkpointed.
    summary, wall = benchlib.resumable_run(["seed=0"], seed_dir, 500, None)
    assert wall == 12.5 and calls[-1][:2] == ["seed=0", "checkpoint_interval=500"]
    assert calls[-1][-1] == f"hydra.run.dir={(seed_dir / 'part0').resolve()}"

    # Finished: read back, nothing run.
    assert benchlib.resumable_run(["seed=0"], seed_dir, 500, None)[0] == summary
    assert len(calls) == 1

    # Interrupted after a checkpoint (part1), and again before one (part2): part2 is dropped and
    # part1 resumes into part2; the time of a run over several sittings is not known.
    (seed_dir / "part0" / "summary.json").unlink()
    (seed_dir / "part1").mkdir()
    (seed_dir / "part1" / CHECKPOINT_NAME).write_bytes(b"")
    (seed_dir / "part2").mkdir()
    _, wall = benchlib.resumable_run(["seed=0"], seed_dir, 500, None)
    assert wall is None
    assert calls[-1] == [
        f"resume={(seed_dir / 'part1').resolve()}",
        f"hydra.run.dir={(seed_dir / 'part2').resolve()}",
    ]
    assert (seed_dir / "part2" / "summary.json").is_file()


def test_update_profile_counts_the_zoo_nets_matrix_products(bench_ddpg) -> None:
    # Pendulum (obs 3, action 1), 400x300 nets, batch 256, the critic's weight gradients skipped
    # in the actor step: 1,214,600 multiply-adds a sample (tests/test_ddpg.py counts a small net).
    update = bench_ddpg.profile_update(threads=1, updates=4)
    assert update["flops"] == 2 * 256 * 1_214_600
    assert update["seconds"] > 0
    assert 0 < update["matmul_share"] <= 1


def test_a_kept_run_trained_otherwise_is_not_read_back(benchlib, tmp_path, monkeypatch) -> None:
    from omegaconf import OmegaConf

    from rlkit.config.compose import compose_config

    calls: list[list[str]] = []
    monkeypatch.setattr(benchlib, "run_rlkit", fake_runner(calls))
    seed_dir = tmp_path / "ddpg-pendulum-seed0"
    part = seed_dir / "part0"
    (part / ".hydra").mkdir(parents=True)
    asked = ["agent=ddpg", "env=pendulum", "seed=0"]
    OmegaConf.save(compose_config(asked)[0], part / ".hydra" / "config.yaml")
    (part / "summary.json").write_text(json.dumps({"eval_return_mean": -150.0}))

    # What only watches or paces a run may differ; the run is read back.
    kept = ["eval_interval=5000", "torch_threads=2"]
    assert (
        benchlib.resumable_run([*asked, *kept], seed_dir, 500, None)[0]["eval_return_mean"] == -150
    )
    # What it learns from may not: another config's number would land in the table.
    with pytest.raises(
        SystemExit, match=r"part0 was trained with agent.gamma=0.98, this call asks"
    ):
        benchlib.resumable_run([*asked, "agent.gamma=0.5"], seed_dir, 500, None)
    with pytest.raises(SystemExit, match=r"trained with seed=0, this call asks for 1"):
        benchlib.resumable_run(["agent=ddpg", "env=pendulum", "seed=1"], seed_dir, 500, None)
    assert calls == []


def test_pixel_learning_table_from_kept_runs(benchlib, tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    bench_pixels = importlib.import_module("bench_pixels")
    calls: list[list[str]] = []

    def run(overrides, workdir, log=None):
        calls.append(list(overrides))
        run_dir = Path(next(o for o in overrides if o.startswith("hydra.run.dir="))[14:])
        run_dir.mkdir(parents=True)
        evaluations = [
            {"step": 25_000, "train_time_s": 60.0, "returns": [-5.0, 2.0, -3.0]},
            {"step": 50_000, "train_time_s": 132.0, "returns": [3.0, 4.0, -1.0]},
        ]
        summary = {
            "eval_return_mean": 2.5,
            "total_steps": 50_000,
            "evaluations": evaluations,
            "wall_time_s": 190.0,  # its own timing, without the interpreter's start
        }
        (run_dir / "summary.json").write_text(json.dumps(summary))
        return summary, 200.0

    monkeypatch.setattr(benchlib, "run_rlkit", run)
    table = bench_pixels.learn([0, 1], "cpu", 50_000, "no GPU", [], runs=tmp_path, jobs=2)
    assert len(calls) == 2 and all("torch_threads=1" in c for c in calls)
    # Seed 0 first wins more than half of its games at 50k, after 2.2 min of training.
    assert "| 0 | 50,000 | 2.2 min | 67% | +2.5 | 3.3 min |" in table
    assert "evaluated every 25,000 steps" in table
    # A second call reads the kept runs back: nothing is trained again.
    again = bench_pixels.learn([0, 1], "cpu", 50_000, "no GPU", [], runs=tmp_path, jobs=2)
    assert "| 0 | 50,000 | 2.2 min | 67% | +2.5 | 3.2 min |" in again
    assert len(calls) == 2
    # A run that took several sittings (its summary in part1): no command wall time to report.
    seed_dir = tmp_path / "dqn-pong_pixels-seed1"
    (seed_dir / "part0").rename(seed_dir / "part1")
    resumed = bench_pixels.learn([1], "cpu", 50_000, "no GPU", [], runs=tmp_path)
    assert "| 1 | 50,000 | 2.2 min | 67% | +2.5 | - |" in resumed
    sys.modules.pop("bench_pixels", None)


def test_best_agents_are_scored_again_on_new_episodes(bench_ddpg, in_tmp, monkeypatch) -> None:
    import rlkit
    from rlkit.play import play

    run = rlkit.train(
        agent="ddpg",
        env="pendulum",
        total_steps=600,
        progress=False,
        eval_interval=300,
        eval_episodes=1,
        save_best=True,
        agent__learning_starts=100,
        agent__batch_size=16,
        agent__actor_hidden_sizes=[16],
        agent__critic_hidden_sizes=[16],
    )
    summary = {**run.summary, "run_dir": str(run.dir)}
    monkeypatch.setattr(bench_ddpg, "FRESH_EPISODES", 2)
    lines = bench_ddpg.best_agents("pendulum", [summary])
    chosen = max(run.summary["evaluations"], key=lambda e: e["return_mean"])
    fresh = play(run.dir / "best", 2, seed=bench_ddpg.FRESH_SEED_OFFSET, log=lambda line: None)
    mean = sum(e.episode_return for e in fresh) / 2
    assert "| seed | final agent (1 episode) | best evaluation: step, mean of 1 |" in lines[3]
    row = next(line for line in lines if line.startswith("| 0 |"))
    assert row.startswith(
        f"| 0 | {run.summary['eval_return_mean']:.1f} | "
        f"{chosen['step']}: {chosen['return_mean']:.1f} | {mean:.1f} ± "
    )
    assert "best agents on new episodes" in lines[-1]
    # Runs without a kept best agent add nothing.
    shutil.rmtree(run.dir / "best")
    assert bench_ddpg.best_agents("pendulum", [summary]) == []


@pytest.fixture
def bench_sb3(monkeypatch: pytest.MonkeyPatch):
    yield from script_module("bench_ddpg_sb3", monkeypatch)


class ClippedObservationPolicy:
    """A deterministic policy with both libraries' interfaces: the first two observations,
    clipped to the engines' range."""

    def __call__(self, obs):
        import numpy as np

        return np.clip(np.asarray(obs, dtype=np.float32)[:2], -1.0, 1.0)

    def predict(self, obs, deterministic: bool = True):  # rlkit's and SB3's (a tuple) at once
        return self(obs), None


def test_sb3_reference_plays_the_episodes_rlkit_evaluates_on(bench_sb3) -> None:
    from rlkit.config.compose import compose_config
    from rlkit.run.evaluate import EVAL_SEED_OFFSET, evaluate

    assert bench_sb3.EVAL_SEED_OFFSET == EVAL_SEED_OFFSET
    policy = ClippedObservationPolicy()

    class RlkitAgent:
        def predict(self, obs, deterministic=False):
            return policy(obs), None

    _, config = compose_config(["agent=ddpg", "env=lunarlander"])
    assert config.env.id == bench_sb3.ENV_ID
    ours = evaluate(RlkitAgent(), config.env, 3, seed=7)
    theirs = bench_sb3.greedy_returns(policy, 3, seed=7)
    assert list(ours) == pytest.approx(theirs)
    assert len(set(theirs)) == 3  # three different episodes, not one replayed


def test_sb3_reference_resumes_an_interrupted_run(bench_sb3, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bench_sb3, "TOTAL_STEPS", 3000)
    monkeypatch.setattr(bench_sb3, "EVAL_INTERVAL", 1000)
    monkeypatch.setattr(bench_sb3, "EVAL_EPISODES", 1)
    monkeypatch.setattr(bench_sb3, "FRESH_EPISODES", 2)
    scores = iter([-5.0, 3.0, 9.0])  # the step-3000 evaluation is lost in the interruption

    def interrupted(model, episodes, seed):
        value = next(scores)
        if value == 9.0:
            raise KeyboardInterrupt
        return [value] * episodes

    monkeypatch.setattr(bench_sb3, "greedy_returns", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bench_sb3.train_one(0, tmp_path / "run", "episode", checkpoint_every=2000)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert [e["step"] for e in state["evaluations"]] == [1000, 2000]
    assert not (tmp_path / "run" / "summary.json").exists()

    resumed_scores = iter([1.0, 4.0, 4.0])  # step 3000, then the kept agent's 2 new episodes
    monkeypatch.setattr(
        bench_sb3, "greedy_returns", lambda model, episodes, seed: [next(resumed_scores)] * episodes
    )
    summary = bench_sb3.train_one(0, tmp_path / "run", "episode", checkpoint_every=2000)
    assert summary["resumes"] == 1
    assert [e["step"] for e in summary["evaluations"]] == [1000, 2000, 3000]
    assert summary["best"] == {"step": 2000, "return_mean": 3.0}
    assert summary["final"] == 1.0
    assert summary["fresh_mean"] == 4.0
    assert sorted(p.name for p in (tmp_path / "run").glob("best-*.zip")) == ["best-2000.zip"]
    # A finished seed is read back, not trained again.
    assert bench_sb3.train_one(0, tmp_path / "run", "episode", 2000) == summary
    lines = bench_sb3.table([summary], "episode", partial=True)
    assert "| 0 | 1.0 | 2,000: 3.0 | 4.0 ± 0.0 |" in lines
    assert "best agents on new episodes 1 of 1" not in lines  # 4.0 is not 200
    assert "best agents on new episodes 0 of 1" in lines


@pytest.fixture
def late_returns(monkeypatch: pytest.MonkeyPatch):
    yield from script_module("late_returns", monkeypatch)


def write_summary(path: Path, seed: int, returns: dict[int, float], **extra) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    evaluations = [{"step": step, "return_mean": r} for step, r in returns.items()]
    path.write_text(json.dumps({"seed": seed, "evaluations": evaluations, **extra}))


def test_late_returns_average_the_last_evaluations_of_both_layouts(late_returns, tmp_path):
    # rlkit: the last part (by number, part10 after part2) holds every evaluation; earlier parts
    # must not count.
    rlkit = tmp_path / "rlkit"
    write_summary(rlkit / "ddpg-lunarlander-seed0/part0/summary.json", 0, {10: 999.0})
    write_summary(rlkit / "ddpg-lunarlander-seed0/part2/summary.json", 0, {10: 999.0, 20: 999})
    write_summary(
        rlkit / "ddpg-lunarlander-seed0/part10/summary.json",
        0,
        {10: 0, 20: 100, 30: 200},
        eval_episodes=50,
    )
    write_summary(rlkit / "ddpg-lunarlander-seed1/part0/summary.json", 1, {10: 0, 20: 50, 30: 90})
    (rlkit / "ddpg-lunarlander-seed2/part0").mkdir(parents=True)  # unfinished: no summary
    sb3 = tmp_path / "sb3"
    write_summary(sb3 / "sb3-episode-seed0/summary.json", 0, {10: 0, 20: 120, 30: 220})
    write_summary(sb3 / "sb3-episode-seed1/summary.json", 1, {10: 0, 20: 40, 30: 80})
    variants = {"sb3": late_returns.run_summaries(sb3), "rlkit": late_returns.run_summaries(rlkit)}
    assert sorted(variants["rlkit"]) == [0, 1]

    text = late_returns.table(variants, from_step=20)
    assert "`sb3` 2 evaluations of 10 episodes; `rlkit` 2 evaluations of 50 episodes" in text
    assert "| sb3 | 170.0 | 60.0 | 115.0 ± 77.8 |" in text
    assert "| rlkit | 150.0 | 70.0 | 110.0 ± 56.6 |" in text
    # Paired over seeds: (150 - 170, 70 - 60) = (-20, +10); standard error 15 / sqrt(2).
    assert "`rlkit` − `sb3`: -5.0 (standard error 15.0, 2 seeds: -20.0, +10.0)" in text


def test_late_returns_without_runs_or_late_evaluations_stop_in_one_line(late_returns, tmp_path):
    with pytest.raises(SystemExit, match="no finished run"):
        late_returns.run_summaries(tmp_path)
    with pytest.raises(SystemExit, match="no evaluation at step 300,000"):
        late_returns.late_mean([{"step": 10, "return_mean": 1.0}], 300_000)


@pytest.fixture
def bench_td3_sac(monkeypatch: pytest.MonkeyPatch):
    yield from script_module("bench_td3_sac", monkeypatch)


def test_td3_sac_report_reads_finished_comparisons_and_names_the_rest(
    bench_td3_sac, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = {"iqm": -150.0, "iqm_ci95": [-170.0, -140.0], "final_returns": [-150.0, -151.5],
               "env_steps_per_s": 120.0}  # fmt: skip
    results = {
        "setup": {"seeds": [5, 6], "overrides": ["agent=td3", "env=pendulum"],
                  "total_steps": 20000, "rlkit_version": "0", "sb3_version": "0"},
        "libraries": {"rlkit": library, "sb3": {**library, "env_steps_per_s": 100.0}},
    }  # fmt: skip
    (tmp_path / "td3-pendulum").mkdir()
    (tmp_path / "td3-pendulum" / "results.json").write_text(json.dumps(results))
    bench_td3_sac.main(["--runs", str(tmp_path), "--only-existing", "--no-write"])
    out = capsys.readouterr().out
    assert "seeds=2 seed=5 total_steps=<the preset's> jobs=2" in out and "| 1.20x |" in out
    assert "| td3-pendulum | IQM >= -160 (zoo: -152, one run) | -150.0, -151.5 |" in out
    assert "Not measured yet: sac-pendulum, td3-lunarlander" in out


def test_td3_sac_scores_an_unfinished_comparison_on_its_finished_seeds(
    bench_td3_sac, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = tmp_path / "sac-pendulum" / "jobs"
    for library, seed, final in [("rlkit", 5, -150.0), ("sb3", 5, -160.0), ("rlkit", 6, -140.0)]:
        (jobs / f"{library}_seed{seed}").mkdir(parents=True)
        evaluations = [{"step": 20000, "returns": [final], "return_mean": final}]
        result = {
            "library": library,
            "seed": seed,
            "env_steps": 20000,
            "env_steps_per_s": 30.0,
            "evaluations": evaluations,
            "final_return": final,
            "wall_time_s": 1.0,
        }
        (jobs / f"{library}_seed{seed}" / "result.json").write_text(json.dumps(result))  # fmt: skip
    bench_td3_sac.main(["--runs", str(tmp_path), "--only-existing", "--partial", "--no-write"])
    out = capsys.readouterr().out
    assert "(unfinished: seeds 5 only)" in out  # seed 6 has no SB3 job yet
    assert "| sac-pendulum | IQM >= -160 (zoo: -157, one run) | -150.0 | -160.0 |" in out


# ---------------------------------------------------------------------------------------------
# SB3 in the scripts: built from the rlkit config by rlkit.compare, run by benchlib alone.

SB3_ALGORITHMS = ("DQN", "DDPG", "TD3", "SAC", "PPO", "A2C")


def test_no_script_constructs_an_sb3_model_itself() -> None:
    """Every SB3 model of the scripts comes from ``rlkit.compare.sb3_model`` (in benchlib's
    runner or bench_ddpg_sb3's resumable run), from the rlkit config the rlkit side runs; no
    script writes SB3's constructor arguments by hand (nor in an embedded script)."""
    import re

    constructor = re.compile(rf"\b({'|'.join(SB3_ALGORITHMS)})\(\s*[\"'](Mlp|Cnn|MultiInput)Policy")
    by_name = re.compile(r"getattr\(\s*stable_baselines3\b")
    found = [
        f"{path.name}:{text[: m.start()].count(chr(10)) + 1} {m.group(0)}"
        for path in sorted(SCRIPTS.glob("*.py"))
        for text in [path.read_text()]
        for pattern in (constructor, by_name)
        for m in pattern.finditer(text)
    ]
    assert not found, found
    timing = [p.name for p in SCRIPTS.glob("*.py") if "_on_training_start" in p.read_text()]
    assert timing == ["benchlib.py"], "one SB3 timing callback, benchlib.sb3_span"


def sb3_kwargs(overrides: list[str]) -> dict:
    """What ``sb3_setup`` makes of the config of ``overrides`` (as ``sb3_model`` builds it)."""
    from rlkit.compare.sb3_mapping import sb3_setup
    from rlkit.config.compose import compose_config
    from rlkit.envkit.make import make_env

    _, config = compose_config(overrides)
    env = make_env(config.env)
    setup = sb3_setup(config.agent, env.observation_space, env.action_space,
                      config.total_steps, config.num_envs)  # fmt: skip
    env.close()
    return {"policy": setup.policy, **setup.kwargs}


def test_sb3_lunarlander_reference_is_the_zoos_ddpg(bench_sb3) -> None:
    # rl-baselines3-zoo's hyperparams/ddpg.yml, LunarLanderContinuous-v3: the values the script
    # gave SB3 by hand before its model came from rlkit's preset through the mapping.
    zoo = {"learning_rate": 1e-3, "buffer_size": 200_000, "learning_starts": 10_000,
           "batch_size": 256, "tau": 0.005, "gamma": 0.98, "train_freq": (1, "episode"),
           "gradient_steps": -1}  # fmt: skip
    config = bench_sb3.sb3_config(0, "episode", bench_sb3.TOTAL_STEPS)
    assert (config.total_steps, config.torch_threads, config.device) == (300_000, 1, "cpu")
    kwargs = sb3_kwargs(["agent=ddpg", "env=lunarlander", "total_steps=300000",
                         *bench_sb3.SCHEDULES["episode"]])  # fmt: skip
    assert {k: kwargs[k] for k in zoo} == zoo
    assert kwargs["policy_kwargs"]["net_arch"] == {"pi": [400, 300], "qf": [400, 300]}
    noise = kwargs["action_noise"]
    assert list(noise._sigma) == [0.1, 0.1] and type(noise).__name__ == "NormalActionNoise"
    step = sb3_kwargs(["agent=ddpg", "env=lunarlander", *bench_sb3.SCHEDULES["step"]])
    assert (step["train_freq"], step["gradient_steps"]) == ((1, "step"), 1)


def test_pixel_speed_config_is_one_sb3_can_run_as_rlkit_does(monkeypatch) -> None:
    bench_pixels = next(script_module("bench_pixels", monkeypatch))
    kwargs = sb3_kwargs(bench_pixels.speed_config(50_000, "cpu", []))
    hyper = bench_pixels.PIXEL_HYPER
    assert kwargs["policy"] == "CnnPolicy"
    assert (kwargs["learning_rate"], kwargs["batch_size"], kwargs["train_freq"]) == (
        hyper["lr"], hyper["batch_size"], (hyper["train_freq"], "step"))  # fmt: skip
    assert kwargs["exploration_fraction"] == hyper["epsilon_decay_steps"] / 50_000
    # rlkit's head: the NatureCNN's 512 features, a 512 layer, the actions (CnnPolicy's default
    # net_arch is [], which the hand-written SB3 side had); rlkit clips no gradient norm.
    assert kwargs["policy_kwargs"]["net_arch"] == [512]
    assert kwargs["max_grad_norm"] == float("inf") and kwargs["n_steps"] == 1


DQN_DEFAULTS_MAPPED = (
    "learning_rate",
    "buffer_size",
    "learning_starts",
    "batch_size",
    "tau",
    "gamma",
    "target_update_interval",
    "exploration_fraction",
    "exploration_initial_eps",
    "exploration_final_eps",
    "max_grad_norm",
)


def test_dqn_bench_gives_both_libraries_sb3s_defaults(monkeypatch) -> None:
    import inspect

    import stable_baselines3

    bench_dqn = next(script_module("bench_dqn", monkeypatch))
    for env in ("cartpole", "cliff"):
        kwargs = sb3_kwargs(bench_dqn.sb3_defaults(env, 20_000))
        signature = inspect.signature(stable_baselines3.DQN.__init__).parameters
        for name in DQN_DEFAULTS_MAPPED:
            assert kwargs[name] == signature[name].default, (env, name)


def test_sb3_run_trains_times_and_evaluates_the_config(benchlib) -> None:
    overrides = ["agent=dqn", "env=cartpole", "total_steps=300", "eval_episodes=2", "device=cpu",
                 "torch_threads=1", *benchlib.as_overrides(benchlib.SB3_DEFAULTS),
                 "agent.learning_starts=100", "agent.epsilon_decay_steps=30"]  # fmt: skip
    result = benchlib.sb3_run(overrides)
    # train_freq 4 from step 100: an update every 4 env steps after the first 100.
    assert result["steps"] == 300 and result["updates"] == 50
    assert result["seconds"] > 0 and result["steps_per_s"] == 300 / result["seconds"]
    assert result["eval_return"] >= 8  # CartPole's shortest episodes last 8 steps


def test_run_sb3_refuses_what_sb3_cannot_express_in_one_line(benchlib) -> None:
    with pytest.raises(SystemExit) as stop:
        benchlib.run_sb3(["agent=dqn", "env=cartpole", "agent.double_q=true"])
    message = str(stop.value)
    assert "agent.double_q=True: Stable-Baselines3 cannot express it" in message
    assert "Traceback" not in message


def test_seeds_run_side_by_side_one_way() -> None:
    """Only benchlib.side_by_side (joblib's Parallel, as rlkit.compare's jobs=) runs work side by
    side: no script has a pool of its own."""
    import ast

    pools = ("multiprocessing", "concurrent", "joblib", "threading")
    found = []
    for path in sorted(SCRIPTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            found += [(path.name, n) for n in names if n.split(".")[0] in pools]
    assert found == [("benchlib.py", "joblib")], found
