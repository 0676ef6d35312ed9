"""``rlkit.compare``: both libraries on the same env, seeds and evaluations; its report and its
refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import rlkit
from rlkit.compare.command import CompareSettings, check_comparison, parse_command_line
from rlkit.compare.stats import mean_curve, score_statistics
from rlkit.errors import ConfigError
from tests.helpers import run_cli

# A CartPole DQN small enough for the default suite: learning starts at once, ε decays in the
# budget, the target network is copied often.
TINY = [
    "total_steps=600",
    "agent.learning_starts=100",
    "agent.epsilon_decay_steps=300",
    "agent.target_update_interval=100",
    "agent.buffer_size=1000",
    "agent.lr_end=null",
    "agent.n_step=1",
    "agent.double_q=false",
]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> rlkit.compare.command.Comparison:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    return rlkit.compare(
        "dqn", "cartpole", seeds=2, seed=5, eval_interval=200, eval_episodes=2, jobs=2,
        out=out, overrides=TINY, quiet=True,
    )  # fmt: skip


def test_writes_the_table_the_curves_and_every_number(
    comparison: rlkit.compare.command.Comparison,
) -> None:
    out = comparison.dir
    results = json.loads((out / "results.json").read_text())
    assert results == json.loads(json.dumps(comparison.results))
    assert results["setup"]["seeds"] == [5, 6]
    table = (out / "table.md").read_text()
    assert "| rlkit |" in table and "| Stable-Baselines3 |" in table and "IQM [95% CI]" in table
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for library in ("rlkit", "sb3"):
        r = results["libraries"][library]
        assert len(r["final_returns"]) == 2
        assert r["iqm_ci95"][0] <= r["iqm"] <= r["iqm_ci95"][1]
        assert r["env_steps_per_s"] > 0


def test_both_libraries_are_evaluated_at_the_same_steps_with_the_same_episodes(
    comparison: rlkit.compare.command.Comparison,
) -> None:
    libraries = comparison.results["libraries"]
    for library in ("rlkit", "sb3"):
        for job in libraries[library]["jobs"]:
            assert job["env_steps"] == 600
            assert [e["step"] for e in job["evaluations"]] == [200, 400, 600]
            assert all(len(e["returns"]) == 2 for e in job["evaluations"])
    assert libraries["rlkit"]["curve"]["steps"] == libraries["sb3"]["curve"]["steps"]


def test_a_compare_directory_is_never_written_over(
    comparison: rlkit.compare.command.Comparison,
) -> None:
    before = (comparison.dir / "results.json").read_bytes()
    with pytest.raises(ConfigError, match="already holds"):
        rlkit.compare("dqn", "cartpole", seeds=1, out=comparison.dir, overrides=TINY, quiet=True)
    assert (comparison.dir / "results.json").read_bytes() == before


def test_the_statistics_are_rliables_iqm_and_mean_with_intervals() -> None:
    stats = score_statistics([1, 2, 3, 4, 5, 6, 7, 8])
    assert stats["iqm"] == pytest.approx(4.5)  # the mean of the middle half: 3, 4, 5, 6
    assert stats["mean"] == pytest.approx(4.5) and stats["median"] == pytest.approx(4.5)
    assert stats["iqm_ci95"][0] < 4.5 < stats["iqm_ci95"][1]
    assert score_statistics([1, 2, 3, 4, 5, 6, 7, 8]) == stats  # the same resamples each time
    skewed = score_statistics([0, 0, 0, 0, 0, 0, 0, 100])
    assert skewed["iqm"] == 0 and skewed["mean"] == pytest.approx(12.5)


def test_the_curve_is_the_mean_over_seeds_with_a_bootstrap_band_around_it() -> None:
    jobs = [
        {"evaluations": [{"step": 10, "returns": [r, r]}, {"step": 20, "returns": [r + 1]}]}
        for r in (0.0, 2.0, 4.0, 6.0, 8.0)
    ] + [{"evaluations": [{"step": 20, "returns": [9.0]}]}]  # a seed not evaluated at 10
    curve = mean_curve(jobs)
    assert curve["steps"] == [20]  # only the steps every seed was evaluated at
    assert curve["mean"] == pytest.approx([(1 + 3 + 5 + 7 + 9 + 9) / 6])
    jobs = jobs[:5]
    curve = mean_curve(jobs)
    assert curve["steps"] == [10, 20] and curve["mean"] == pytest.approx([4.0, 5.0])
    for lo, m, hi, least in zip(curve["low"], curve["mean"], curve["high"], (0, 1), strict=True):
        assert least < lo < m < hi < least + 8  # inside the seeds' range, not a t-interval's
    assert mean_curve(jobs) == curve  # the same resamples each time


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["agent=dqn", "env=cartpole", "seeds=0"], "seeds=0 must be >= 1"),
        (["agent=dqn", "env=cartpole", "jobs=0"], "jobs=0 must be >= 1"),
        (["agent=qlearning", "env=cliff"], "agent=qlearning has no Stable-Baselines3 counterpart"),
        (["agent=dqn", "env=cartpole", "agent.dueling=true", "agent.double_q=false"], "dueling"),
        (["agent=dqn", "env=cartpole"], "add agent.double_q=false"),
        (["agent=dqn", "env=cartpole", "agent.n_step=3", "agent.double_q=true"], "double_q"),
        (["agent=dqn", "env=cartpole", "env.id=NoSuchEnv-v0"], "NoSuchEnv-v0"),
        (["agent=dqn", "env=cartpole", "agent.no_such_field=1"], "no_such_field"),
        (["agent=dqn", "env=cartpole", "seed5=1"], "compare's own: seeds, seed, eval_interval"),
    ],
)
def test_bad_input_is_one_line(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        settings, overrides = parse_command_line(argv)
        check_comparison(overrides, settings)


def test_the_command_line_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "results.json").write_text("{}")
    for argv in (["agent=dqn", "env=cartpole", "seeds=0"], ["agent=dqn", "--seeds", "3"],
                 ["agent=dqn", "env=cartpole", "out=taken", *TINY]):  # fmt: skip
        result = run_cli(*argv, cwd=tmp_path, module="rlkit.compare")
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert (tmp_path / "taken" / "results.json").read_text() == "{}"
    assert not (tmp_path / "runs").exists()


def test_settings_default_to_five_seeds_from_zero() -> None:
    settings, overrides = parse_command_line(["agent=dqn", "env=cartpole", "agent.lr=0.001"])
    assert settings == CompareSettings() and settings.seeds == 5 and settings.seed == 0
    assert overrides == ["agent=dqn", "env=cartpole", "agent.lr=0.001"]


@pytest.mark.parametrize(("agent", "env"), [("qlearning", "cliff"), ("dqn", "cartpole")])
def test_sb3s_evaluate_policy_takes_an_rlkit_agent_and_plays_rlkits_episodes(
    tmp_path: Path, agent: str, env: str
) -> None:
    from stable_baselines3.common.evaluation import evaluate_policy

    from rlkit.compare.jobs import sb3_evaluate
    from rlkit.run.evaluate import evaluate

    run = rlkit.train(agent, env, total_steps=2000, run_dir=tmp_path / "run", progress=False)
    trained = rlkit.load(run.dir)
    env_cfg = run.config.env
    ours = evaluate(trained, env_cfg, 4, seed=123).tolist()
    assert sb3_evaluate(trained, env_cfg, 4, seed=123) == ours
    mean, _ = evaluate_policy(trained, rlkit.make_env(env), n_eval_episodes=2, warn=False)
    assert isinstance(mean, float)


def test_sb3_is_stopped_at_the_budget_unless_its_rollout_ends_there() -> None:
    from stable_baselines3.common.type_aliases import TrainFreq, TrainFrequencyUnit

    from rlkit.compare.jobs import _rollout_ends

    steps = TrainFreq(256, TrainFrequencyUnit.STEP)
    assert _rollout_ends({"train_freq": steps, "num_collected_steps": 256})
    assert not _rollout_ends({"train_freq": steps, "num_collected_steps": 88})
    episodes = TrainFreq(2, TrainFrequencyUnit.EPISODE)
    ends = {"train_freq": episodes, "num_collected_episodes": 1, "dones": np.array([True])}
    assert _rollout_ends(ends)
    assert not _rollout_ends({**ends, "dones": np.array([False])})


def test_compares_on_any_gymnasium_id_into_a_directory_named_from_it(tmp_path: Path) -> None:
    result = run_cli(
        "agent=dqn", "env=Acrobot-v1", "seeds=1", "total_steps=300", "eval_episodes=1",
        "eval_interval=300", "agent.loss=huber", "agent.learning_starts=100",
        "agent.epsilon_decay_steps=200", "env.max_episode_steps=100",
        cwd=tmp_path, module="rlkit.compare",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = Path(result.stdout.strip().splitlines()[-1])
    assert out.parent == (tmp_path / "runs" / "compare" / "dqn-Acrobot-v1").resolve()
    results = json.loads((out / "results.json").read_text())
    assert results["setup"]["env_id"] == "Acrobot-v1"
    assert [len(r["final_returns"]) for r in results["libraries"].values()] == [1, 1]


def test_sb3_env_is_the_env_sb3_model_trains_on() -> None:
    from rlkit.compare.sb3_model import sb3_env, sb3_model
    from rlkit.config.compose import compose_config

    _, one = compose_config(["agent=dqn", "env=cartpole", *TINY])
    env = sb3_env(one)
    model = sb3_model(one)
    assert env.num_envs == 1 and env.observation_space == model.get_env().observation_space
    env.close()
    model.get_env().close()
    # pong's batched games: rlkit's vector env behind SB3's VecEnv, one env per game.
    _, batched = compose_config(["agent=dqn", "env=pong", "num_envs=8"])
    envs = sb3_env(batched)
    assert envs.num_envs == 8 and envs.reset().shape == (8, *envs.observation_space.shape)
    envs.close()
