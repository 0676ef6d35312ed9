"""rlkit.play: watching runs, videos read back, a scripted 'person' at the keyboard, bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import imageio.v2 as imageio
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image, ImageSequence

import rlkit
import rlkit.api
from rlkit.errors import ConfigError
from rlkit.play import DOWN, STAY, UP, keys_to_action, main, play, play_human, pygame_keys


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny runs (a second or two each): play only needs an agent that loads and acts."""
    root = tmp_path_factory.mktemp("runs")
    # vector_mode=sync: how training stepped its envs does not matter to play, and Gymnasium's
    # own vector envs keep these fixtures off the env-specific batched fast paths.
    fast = {"progress": False, "eval_episodes": 1, "device": "cpu", "vector_mode": "sync"}
    return {
        "cartpole": rlkit.train(
            agent="dqn", env="cartpole", total_steps=300, run_dir=root / "cartpole",
            agent__learning_starts=100, **fast,
        ).dir,
        "pong": rlkit.train(
            agent="dqn", env="pong", total_steps=300, run_dir=root / "pong",
            agent__learning_starts=100, env__points_to_win=1, env__frame_skip=4, **fast,
        ).dir,
    }  # fmt: skip


def lines_of(calls: list[str]) -> str:
    return "\n".join(calls)


def test_play_prints_each_return_and_the_mean(runs: dict[str, Path]) -> None:
    out: list[str] = []
    episodes = play(runs["cartpole"], episodes=2, seed=3, log=out.append)
    assert len(episodes) == 2 and len(out) == 3
    for episode, line in zip(episodes, out, strict=False):
        assert episode.episode_return == episode.length  # CartPole: +1 a step
        assert f"return {episode.episode_return:.1f}" in line
    assert out[-1].startswith("mean return ") and "over 2 episodes" in out[-1]
    again = play(runs["cartpole"], episodes=2, seed=3, log=lambda _: None)
    assert again == episodes  # same seed, greedy agent: the same episodes


def test_render_human_opens_a_window(runs: dict[str, Path]) -> None:
    """(SDL's dummy video driver in the tests: the window exists, nobody sees it.)"""
    (episode,) = play(runs["cartpole"], episodes=1, render="human", log=lambda _: None)
    assert episode.length >= 1


def test_mp4_and_gif_read_back(runs: dict[str, Path], tmp_path: Path) -> None:
    episodes = play(runs["cartpole"], episodes=2, video=tmp_path / "v.mp4", log=lambda _: None)
    steps = sum(e.length + 1 for e in episodes)  # a frame after each reset and each step
    reader = imageio.get_reader(tmp_path / "v.mp4")
    frames = np.stack(list(iter(reader)))
    assert frames.shape == (steps, 400, 600, 3)
    assert reader.get_meta_data()["fps"] == 50  # CartPole's render_fps
    assert frames.std() > 0  # not blank

    play(runs["cartpole"], episodes=2, video=tmp_path / "v.gif", log=lambda _: None)
    gif = iio.imread(tmp_path / "v.gif")
    # 50 fps is thinned to every 2nd frame (25 fps, 40 ms) and shrunk to fit 400 px: 300x200.
    # Pillow merges identical neighbouring frames into one that lasts longer, so the count may
    # be lower, but the total time is that of every frame kept.
    kept = (steps + 1) // 2
    assert gif.shape[1:] == (200, 300, 3) and len(gif) <= kept
    with Image.open(tmp_path / "v.gif") as image:
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(image)]
    assert len(durations) == len(gif) and sum(durations) == kept * 40
    with Image.open(tmp_path / "v.gif") as image:
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(image)]
    assert sum(durations) == 40 * ((steps + 1) // 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.gif", "v.mp4"]  # no temporary files


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_video_cut_at_its_length_limit_says_so(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    from rlkit.tools import video

    monkeypatch.setitem(video.MAX_VIDEO_FRAMES, suffix, 2)
    out: list[str] = []
    play(runs["cartpole"], episodes=1, video=tmp_path / f"v{suffix}", log=out.append)
    assert "2 frames" in lines_of(out) and "(cut at 2 frames)" in lines_of(out)
    out.clear()
    monkeypatch.setitem(video.MAX_VIDEO_FRAMES, suffix, 1000)
    play(runs["cartpole"], episodes=1, video=tmp_path / f"w{suffix}", log=out.append)
    assert "cut at" not in lines_of(out)


def test_pong_video_and_score(runs: dict[str, Path], tmp_path: Path) -> None:
    out: list[str] = []
    episodes = play(runs["pong"], episodes=1, video=tmp_path / "p.mp4", log=out.append)
    (episode,) = episodes
    assert episode.score is not None and max(episode.score) == 1  # points_to_win=1
    assert episode.episode_return == episode.score[0] - episode.score[1]
    assert f"score {episode.score[0]}-{episode.score[1]}" in out[0]
    frames = np.stack(list(iter(imageio.get_reader(tmp_path / "p.mp4"))))
    assert frames.shape == (episode.length + 1, 586, 750, 3)  # 585 rows padded to even
    assert "at 15 fps" in lines_of(out)  # 60 fps over frame_skip=4: real time


def test_keys_to_action() -> None:
    assert keys_to_action(up=False, down=False) == STAY
    assert keys_to_action(up=True, down=False) == UP == 2
    assert keys_to_action(up=False, down=True) == DOWN == 1
    assert keys_to_action(up=True, down=True) == STAY


def test_pygame_keys_reads_the_window() -> None:
    import pygame

    pygame.display.init()
    pygame.display.set_mode((40, 30))
    try:
        assert pygame_keys() == (False, False)  # nothing held
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a))
        assert pygame_keys() == (False, False)  # other keys are ignored
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
        assert pygame_keys() is None
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        assert pygame_keys() is None
    finally:
        pygame.display.quit()


def scripted_keys(n: int, interrupt: bool = False) -> Iterator[tuple[bool, bool] | None]:
    """Hold down, then up, then nothing, in turn; then quit (or Ctrl-C)."""
    for t in range(n):
        yield ((t // 10) % 3 == 1, (t // 10) % 3 == 0)
    if interrupt:
        raise KeyboardInterrupt
    yield None


def test_person_plays_and_the_recording_holds_their_play(tmp_path: Path) -> None:
    keys = scripted_keys(90)
    record = tmp_path / "play.npz"
    play_human(
        record=record,
        env_settings={"points_to_win": 5},
        key_source=lambda: next(keys),
        steps_per_second=1000,
        log=lambda _: None,
    )
    data = np.load(record)
    assert set(data.files) == {"observations", "actions", "obs_type"}
    assert data["observations"].shape == (90, 6) and data["observations"].dtype == np.float32
    assert data["actions"].dtype == np.int64 and str(data["obs_type"]) == "vector"
    expected = [keys_to_action(*k) for k in list(scripted_keys(90))[:-1]]  # type: ignore[misc]
    assert data["actions"].tolist() == expected
    env = gym.make("rlkit/PingPong-v0", points_to_win=5)
    obs, _ = env.reset(seed=0)
    for t in range(90):  # the recording is what the right paddle saw, step by step
        assert np.array_equal(data["observations"][t], obs)
        obs, *_ = env.step(expected[t])


def test_ctrl_c_keeps_the_play_and_sessions_add_up(tmp_path: Path) -> None:
    record = tmp_path / "play.npz"
    for n in (30, 20):
        keys = scripted_keys(n, interrupt=True)
        played = play_human(
            record=record,
            env_settings={"mode": "squash", "obs_type": "classic"},
            key_source=lambda keys=keys: next(keys),
            steps_per_second=1000,
            log=lambda _: None,
        )
        assert played == []  # the game was stopped before it ended
    data = np.load(record)
    assert data["observations"].shape == (50, 3) and str(data["obs_type"]) == "classic"
    assert not [p for p in tmp_path.iterdir() if p.name != "play.npz"]  # no temporary files
    with pytest.raises(ConfigError, match="holds obs_type=classic"):
        play_human(record=record, key_source=lambda: None, log=lambda _: None)


def test_person_against_the_agent_which_sees_the_mirrored_view(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rlkit.envs.ping_pong import mirror_observation

    seen: list[np.ndarray] = []
    real_load = rlkit.api.load

    def spying_load(run_dir: Path, device: str = "cpu") -> object:
        agent = real_load(run_dir, device)
        predict = agent.predict

        def spy(obs: np.ndarray, deterministic: bool = False, **kwargs: object) -> object:
            seen.append(np.array(obs))
            return predict(obs, deterministic=deterministic, **kwargs)

        agent.predict = spy  # type: ignore[method-assign]
        return agent

    monkeypatch.setattr(rlkit.api, "load", spying_load)
    keys = scripted_keys(40)
    play_human(
        run_dir=runs["pong"],
        record=tmp_path / "vs.npz",
        key_source=lambda: next(keys),
        steps_per_second=1000,
        log=lambda _: None,
    )
    right_view = np.load(tmp_path / "vs.npz")["observations"]
    assert len(seen) == len(right_view) == 40
    np.testing.assert_array_equal(np.stack(seen), mirror_observation(right_view, "vector"))


@pytest.fixture(scope="module")
def corrupt_run(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("corrupt") / "run"
    shutil.copytree(runs["cartpole"], run)
    (run / "policy.npz").write_bytes(b"not a checkpoint")  # what play reads
    return run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give run=<run_dir> to watch an agent"),
        (["run=nowhere"], "run directory nowhere does not exist"),
        (["run={corrupt}"], "truncated, corrupt or not an rlkit checkpoint"),
        (["run={cartpole}", "video=out.avi"], "unsupported format; valid: mp4, gif"),
        (["run={cartpole}", "episodes=0"], "episodes=0 must be >= 1"),
        (["run={cartpole}", "episodes=two"], "episodes=two must be an integer"),
        (["run={cartpole}", "speed=2"], "unknown key 'speed'; valid keys: run, episodes, video"),
        (["run={cartpole}", "render=window"], "the only choice is human"),
        (["run={cartpole}", "deterministic=maybe"], "must be true or false"),
        (["run={cartpole}", "points_to_win=3"], "env=cartpole is not pong"),
        (["run={cartpole}", "video=a.mp4", "render=human"], "cannot be combined"),
        (["env=pong", "opponent=scripted"], "the only choice is human"),
        (["run={cartpole}", "record=play.npz"], "record= saves a person's play"),
        (["env=cartpole", "opponent=human"], "opponent=human plays pong"),
        (["opponent=human", "run={cartpole}"], "the run {cartpole} is on env=cartpole"),
        (["opponent=human", "video=a.mp4"], "video= is for watching a run"),
        (["opponent=human", "deterministic=false"], "deterministic= is for watching a run"),
        (["opponent=human", "run={pong}", "mode=squash"], "mode=squash has no left paddle"),
        (["opponent=human", "record=play.txt"], "record=play.txt must end in .npz"),
        (["opponent=human", "obs_type=rgb"], "obs_type"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    runs: dict[str, Path],
    corrupt_run: Path,
    capsys: pytest.CaptureFixture[str],
    in_tmp: Path,
    args: list[str],
    message: str,
) -> None:
    filled = [a.format(corrupt=corrupt_run, **runs) for a in args]
    with pytest.raises(SystemExit) as exit_info:
        main(filled)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message.format(**runs) in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert not list(in_tmp.iterdir())  # nothing written


def test_cli_in_a_subprocess(runs: dict[str, Path], tmp_path: Path) -> None:
    """The real command line: a played episode, and a mistake as one line without a traceback."""
    command = [sys.executable, "-m", "rlkit.play", f"run={runs['cartpole']}"]
    good = subprocess.run(
        [*command, "episodes=1"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert good.returncode == 0, good.stderr
    assert "episode 1: return" in good.stdout and "mean return" in good.stdout
    bad = subprocess.run(
        [*command, "video=x.webm"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: video=x.webm")
    assert "Traceback" not in bad.stderr
