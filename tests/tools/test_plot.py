"""``python -m rlkit.plot``: learning curves of runs, a multirun and a compare directory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from rlkit.tools.learning_curves import band, curves_from_runs, smoothed


def fake_run(run_dir: Path, seed: int, lr: float = 1e-3, offset: float = 0.0) -> None:
    """A finished run as rlkit.train writes it: overrides, summary (with evaluations), metrics."""
    (run_dir / ".hydra").mkdir(parents=True)
    overrides = ["agent=dqn", "env=cliff", f"seed={seed}", f"agent.lr={lr}"]
    (run_dir / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    evaluations = [
        {"step": s, "returns": [offset + s / 100 + seed, offset + s / 100 - seed]}
        for s in (100, 200, 300)
    ]
    summary = {"agent": "dqn", "env": "cliff", "seed": seed, "total_steps": 300,
               "eval_episodes": 2, "eval_return_mean": offset + 3.0, "eval_return_std": 0.5,
               "wall_time_s": 1.5 + seed, "env_steps_per_s": 1000.0 + seed,
               "evaluations": evaluations}  # fmt: skip
    (run_dir / "summary.json").write_text(json.dumps(summary))
    rows = ["step,episode,episode_return,episode_length,eval_return_mean,loss"]
    rows += [f"{10 * i},{i},{offset + i + seed},10,," for i in range(1, 31)]
    rows += ["100,,,,,0.5", "100,,,,4.0,"]  # a log row and an evaluation row: not episodes
    (run_dir / "metrics.csv").write_text("\n".join(rows) + "\n")


@pytest.fixture
def multirun(tmp_path: Path) -> Path:
    """Three seeds at lr 1e-3 and two at lr 1e-2."""
    sweep = tmp_path / "runs" / "dqn-cliff" / "multirun_x"
    for i, seed in enumerate((0, 1, 2)):
        fake_run(sweep / f"{i}_seed{seed}", seed)
    for i, seed in enumerate((0, 1), start=3):
        fake_run(sweep / f"{i}_seed{seed}", seed, lr=1e-2, offset=10.0)
    return sweep


def test_runs_are_grouped_by_config_and_drawn_as_mean_and_band(multirun: Path) -> None:
    curves = curves_from_runs([multirun], window=5)
    assert [g.label for g in curves.groups] == ["agent.lr=0.001", "agent.lr=0.01"]
    assert curves.title == "dqn on cliff: mean and 95% band over 2-3 seeds"
    assert [len(g.runs) for g in curves.groups] == [3, 2]
    curve = band(curves.groups[0].eval_jobs)
    assert curve is not None and curve["steps"] == [100, 200, 300]
    # Each seed's evaluation mean is s/100 (the seeds' offsets cancel): the mean over seeds too.
    assert np.allclose(curve["mean"], [1.0, 2.0, 3.0])
    episodes = band(curves.groups[1].episode_jobs)
    assert episodes is not None
    # Seeds 0 and 1 differ by 1 everywhere: the band lies within them, around their mean.
    for low, mean, high in zip(episodes["low"], episodes["mean"], episodes["high"], strict=True):
        assert low <= mean <= high
    assert episodes["mean"][-1] == pytest.approx(10 + 28 + 0.5)  # mean of the last 5 of 26..30


def test_smoothing_is_a_trailing_mean() -> None:
    assert smoothed(np.array([1.0, 2.0, 3.0, 4.0]), 2).tolist() == [1.0, 1.5, 2.5, 3.5]


def test_multirun_gets_a_png_and_a_table(multirun: Path) -> None:
    result = run_cli(str(multirun), cwd=multirun, module="rlkit.plot")
    assert result.returncode == 0, result.stderr
    png, table = multirun / "learning_curves.png", multirun / "learning_curves.md"
    assert png.read_bytes()[:4] == b"\x89PNG" and table.is_file()
    assert result.stdout.strip().splitlines()[-1] == f"wrote {png}, {table}"
    text = table.read_text()
    assert text.count("| multirun_x/") == 5 and "| 2 | 3.00 ± 0.50 | 3.50 | 1,002 |" in text
    assert "agent.lr=0.01: mean 13.00 [13.00, 13.00], IQM 13.00" in text

    # Again: the files exist, so it stops in one line; overwrite=true replaces them.
    again = run_cli(str(multirun), cwd=multirun, module="rlkit.plot")
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "learning_curves.png exists" in again.stderr and "overwrite=true" in again.stderr
    assert (
        run_cli(str(multirun), "overwrite=true", cwd=multirun, module="rlkit.plot").returncode == 0
    )


def test_run_dirs_and_out_file(multirun: Path, tmp_path: Path) -> None:
    runs = [str(multirun / "0_seed0"), str(multirun / "1_seed1")]
    out = tmp_path / "figs" / "cliff.png"
    result = run_cli(*runs, f"out={out}", "metric=eval", cwd=tmp_path, module="rlkit.plot")
    assert result.returncode == 0, result.stderr
    assert out.is_file() and not out.with_suffix(".md").exists()  # run dirs: no table
    assert result.stdout.strip().splitlines()[-1] == f"wrote {out}"


def fake_compare(out: Path) -> None:
    def job(lib: str, seed: int, shift: float) -> dict:
        evaluations = [{"step": s, "returns": [s / 10 + shift + seed]} for s in (10, 20, 30)]
        return {"library": lib, "seed": seed, "evaluations": evaluations}

    libraries = {lib: {"jobs": [job(lib, s, shift) for s in (0, 1)]}
                 for lib, shift in (("rlkit", 0.0), ("sb3", 5.0))}  # fmt: skip
    setup = {"agent": "dqn", "env": "cartpole", "seeds": [0, 1], "eval_episodes": 3}
    out.mkdir(parents=True)
    (out / "results.json").write_text(json.dumps({"setup": setup, "libraries": libraries}))


def test_compare_dir_redraws_both_libraries(tmp_path: Path) -> None:
    from rlkit.tools.learning_curves import curves_from_compare

    fake_compare(tmp_path / "cmp")
    curves = curves_from_compare(tmp_path / "cmp")
    assert [g.label for g in curves.groups] == ["rlkit", "Stable-Baselines3"]
    sb3 = band(curves.groups[1].eval_jobs)
    assert sb3 is not None and np.allclose(sb3["mean"], [6.5, 7.5, 8.5])
    result = run_cli(str(tmp_path / "cmp"), cwd=tmp_path, module="rlkit.plot")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cmp" / "learning_curves.png").is_file()
    refused = run_cli(str(tmp_path / "cmp"), "metric=episode", cwd=tmp_path, module="rlkit.plot")
    assert refused.returncode == 2 and "holds evaluations only" in refused.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nowhere"], "nowhere does not exist"),
        (["empty"], "empty holds no runs"),
        (["empty", "colour=red"], "unknown key 'colour'; valid keys: out, metric, smooth"),
        (["run", "metric=loss"], "metric=loss; valid choices: both, eval, episode"),
        (["run", "out=fig.txt"], "out=fig.txt: give a .png file or a directory"),
        (["run", "smooth=0"], "smooth=0 must be >= 1"),
        ([], "give run directories, a multirun directory or a compare directory"),
    ],
)
def test_bad_input_is_one_line(args: list[str], expected: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    fake_run(tmp_path / "run", seed=0)
    result = run_cli(*args, cwd=tmp_path, module="rlkit.plot")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert not list(tmp_path.rglob("*.png"))


def test_plots_a_real_multirun(in_tmp: Path) -> None:
    trained = run_cli("-m", "seed=0,1", "total_steps=600", "eval_interval=200", "progress=false",
                      cwd=in_tmp)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    sweep = Path(trained.stdout.strip().splitlines()[-1])
    result = run_cli(str(sweep), cwd=in_tmp, module="rlkit.plot")
    assert result.returncode == 0, result.stderr
    assert (sweep / "learning_curves.png").is_file()
    assert "qlearning on cliff: mean" in (sweep / "learning_curves.md").read_text()
