"""rlkit/PingPong-v0: env checks, physics invariants, seeding, the batched env against N single
envs, rendering, the bounce rules, the modes' episode ends, the scripted opponent, bad input."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode
from hypothesis import given, settings
from hypothesis import strategies as st

import rlkit  # noqa: F401  (registers the envs)
from rlkit.envs.ping_pong import (
    DOWN,
    MAX_SLOPE,
    MIN_SLOPE,
    STAY,
    UP,
    PingPongEnv,
    PingPongVectorEnv,
    PongCore,
    mirror_observation,
)
from rlkit.errors import ConfigError, InvalidActionError

ENV_ID = "rlkit/PingPong-v0"
MODES = ["versus", "squash"]
OBS_TYPES = ["vector", "classic", "pixels"]


def place_ball(core: PongCore, x: float, y: float, vx: float, vy: float, i: int = 0) -> None:
    """Put game ``i``'s ball somewhere, for the tests of single bounces."""
    core.ball_x[i], core.ball_y[i], core.ball_vx[i], core.ball_vy[i] = x, y, vx, vy


# --- env checkers ------------------------------------------------------------------------------


@pytest.mark.parametrize("obs_type", OBS_TYPES)
@pytest.mark.parametrize("mode", MODES)
def test_gymnasium_check_env(mode: str, obs_type: str) -> None:
    env = gym.make(ENV_ID, mode=mode, obs_type=obs_type, render_mode="rgb_array")
    check_env(env.unwrapped, skip_render_check=False)


@pytest.mark.parametrize("obs_type", OBS_TYPES)
@pytest.mark.parametrize("mode", MODES)
def test_sb3_check_env(mode: str, obs_type: str) -> None:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    sb3_check_env(gym.make(ENV_ID, mode=mode, obs_type=obs_type), warn=False)


def test_spaces() -> None:
    spaces_of = {t: gym.make(ENV_ID, obs_type=t).observation_space for t in OBS_TYPES}
    assert spaces_of["vector"].shape == (6,) and spaces_of["vector"].dtype == np.float32
    assert spaces_of["classic"].shape == (3,) and spaces_of["classic"].dtype == np.float32
    assert spaces_of["pixels"].shape == (84, 84) and spaces_of["pixels"].dtype == np.uint8
    assert gym.make(ENV_ID).action_space == gym.spaces.Discrete(3)
    assert gym.make(ENV_ID).spec.max_episode_steps == 50_000


def test_start_state_and_classic_view() -> None:
    env = gym.make(ENV_ID, obs_type="classic")
    obs, info = env.reset(seed=0)
    # Ball in the centre, the agent's paddle centred, all top-left corners / 705.
    np.testing.assert_allclose(obs, np.array([367.5, 285, 255]) / 705, rtol=1e-6)
    assert info["score"].tolist() == [0, 0] and info["returns"] == 0
    vec, _ = gym.make(ENV_ID).reset(seed=0)
    np.testing.assert_allclose(vec[[0, 1, 4, 5]], [367.5 / 750, 285 / 585, 255 / 585, 255 / 585])
    assert abs(vec[2]) == abs(vec[3]) == pytest.approx(2 / 7)  # 45°, speed 2 of 7 per axis


# --- invariants under random play --------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    mode=st.sampled_from(MODES),
    obs_type=st.sampled_from(OBS_TYPES),
    frame_skip=st.integers(1, 4),
    paddle_height=st.integers(5, 200),
    ball_speedup=st.floats(0, 2),
    points_to_win=st.integers(1, 5),
)
def test_invariants_under_random_actions(
    seed: int,
    mode: str,
    obs_type: str,
    frame_skip: int,
    paddle_height: int,
    ball_speedup: float,
    points_to_win: int,
) -> None:
    n = 16
    envs = PingPongVectorEnv(
        n,
        mode=mode,
        obs_type=obs_type,
        frame_skip=frame_skip,
        paddle_height=paddle_height,
        ball_speedup=ball_speedup,
        points_to_win=points_to_win,
        autoreset_mode=AutoresetMode.SAME_STEP,
    )
    core, r = envs.core, envs.rules
    obs, _ = envs.reset(seed=seed)
    actions = np.random.default_rng(seed).integers(0, 3, size=(400, n))
    space = envs.single_observation_space
    for step_actions in actions:
        score_before = core.score.copy()
        obs, rewards, terminated, truncated, infos = envs.step(step_actions)
        assert all(space.contains(o) for o in obs)
        # The ball in the field, the paddles between the walls.
        assert np.all((core.ball_x >= 0) & (core.ball_x <= r.width - r.ball_size))
        assert np.all((core.ball_y >= r.wall) & (core.ball_y <= r.height - r.wall - r.ball_size))
        for paddle in (core.paddle_y, core.opponent_y) if mode == "versus" else (core.paddle_y,):
            assert np.all((paddle >= r.wall) & (paddle <= r.height - r.wall - r.paddle_height))
        assert np.all(np.abs(core.ball_vx) <= r.ball_speed_max)
        assert np.all(np.abs(core.ball_vy) <= r.ball_speed_max)
        # At most one point a step, and the reward is that point.
        ended = terminated | truncated
        score = np.where(ended[:, None], infos.get("final_info", {}).get("score", 0), core.score)
        change = score - score_before
        assert np.all(change >= 0) and np.all(change.sum(axis=1) <= 1)
        if mode == "versus":
            np.testing.assert_array_equal(rewards, change[:, 0] - change[:, 1])
            assert np.all(score.max(axis=1)[terminated] == points_to_win)
            assert np.all(score.max(axis=1)[~terminated] < points_to_win)
        else:
            assert np.all(rewards >= 0)
            np.testing.assert_array_equal(terminated, change[:, 1] == 1)
        if ended.any():
            assert all(space.contains(o) for o in infos["final_obs"][ended])


# --- seeding and the batched env ---------------------------------------------------------------


def test_seeded_determinism() -> None:
    def rollout(seed: int) -> list:
        env = gym.make(ENV_ID, points_to_win=2)
        obs, _ = env.reset(seed=seed)
        out = [obs.tolist()]
        for action in np.random.default_rng(0).integers(0, 3, 3000):
            obs, reward, terminated, truncated, info = env.step(int(action))
            out.append((obs.tolist(), reward, terminated, info["score"].tolist()))
            if terminated or truncated:
                out.append(env.reset()[0].tolist())
        return out

    assert rollout(3) == rollout(3)
    assert rollout(3) != rollout(4)


def same(a: Any, b: Any) -> bool:
    """Deep equality of step results: arrays by value, dtype and shape; dicts key by key."""
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) and a.dtype == object:
        return a.shape == b.shape and all(
            (x is None and y is None) or (x is not None and y is not None and same(x, y))
            for x, y in zip(a, b, strict=True)
        )
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize(
    ("autoreset", "obs_type", "mode", "frame_skip"),
    [
        ("NEXT_STEP", "vector", "versus", 1),
        ("SAME_STEP", "vector", "versus", 3),
        ("SAME_STEP", "pixels", "squash", 1),
        ("NEXT_STEP", "classic", "squash", 2),
        ("SAME_STEP", "classic", "versus", 1),
    ],
)
def test_batched_env_equals_single_envs(
    autoreset: str, obs_type: str, mode: str, frame_skip: int
) -> None:
    """Same seeds and actions: the batched env gives exactly what Gymnasium's SyncVectorEnv over
    single envs (gymnasium.make, TimeLimit included) gives, resets and infos included."""
    n, mode_enum = 4, AutoresetMode[autoreset]
    kwargs = dict(obs_type=obs_type, mode=mode, frame_skip=frame_skip, points_to_win=2)
    kwargs["max_episode_steps"] = 700  # some games are truncated, others end
    singles = gym.vector.SyncVectorEnv(
        [lambda: gym.make(ENV_ID, **kwargs) for _ in range(n)], autoreset_mode=mode_enum
    )
    batched = gym.make_vec(ENV_ID, num_envs=n, autoreset_mode=mode_enum, **kwargs)
    assert isinstance(batched, PingPongVectorEnv)
    assert batched.observation_space == singles.observation_space
    assert batched.metadata["autoreset_mode"] == mode_enum
    assert same(batched.reset(seed=11), singles.reset(seed=11))
    ends = 0
    for actions in np.random.default_rng(1).integers(0, 3, size=(2500, n)):
        ours, theirs = batched.step(actions), singles.step(actions)
        assert same(ours, theirs)
        ends += int(np.sum(ours[2] | ours[3]))
    assert ends >= 2 * n  # the comparison went through several resets


def test_reset_mask_and_seed_lists() -> None:
    envs = PingPongVectorEnv(3)
    first, _ = envs.reset(seed=[5, 6, 7])
    single, _ = gym.make(ENV_ID).reset(seed=6)
    np.testing.assert_array_equal(first[1], single)
    for _ in range(50):
        envs.step(np.zeros(3, np.int64))
    moved = envs.core.ball_x.copy()
    envs.reset(options={"reset_mask": np.array([False, True, False])})
    assert envs.core.ball_x[1] == 367.5 and envs.core.ball_x[0] == moved[0]


# --- make_vec ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [None, "vector_entry_point"])
def test_make_vec_uses_the_batched_env_and_passes_kwargs(mode: str | None) -> None:
    extra = {} if mode is None else {"vectorization_mode": mode}
    envs = gym.make_vec(ENV_ID, num_envs=5, obs_type="pixels", frame_skip=2, **extra)
    assert isinstance(envs, PingPongVectorEnv)
    assert envs.observation_space.shape == (5, 84, 84)
    assert envs.rules.frame_skip == 2
    assert envs.max_episode_steps == 50_000  # the registration's time limit
    assert gym.make_vec(ENV_ID, num_envs=2, max_episode_steps=9).max_episode_steps == 9
    sync = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="sync", obs_type="classic")
    assert isinstance(sync, gym.vector.SyncVectorEnv)
    assert sync.single_observation_space.shape == (3,)


def test_vector_env_truncates_at_the_time_limit() -> None:
    envs = gym.make_vec(ENV_ID, num_envs=2, max_episode_steps=5)
    envs.reset(seed=0)
    flags = [envs.step(np.zeros(2, np.int64))[3].tolist() for _ in range(6)]
    assert flags[:4] == [[False, False]] * 4 and flags[4] == [True, True]
    assert flags[5] == [False, False]  # NEXT_STEP: the reset step


# --- rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_rgb_array_render(mode: str) -> None:
    env = gym.make(ENV_ID, mode=mode, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (585, 750, 3) and frame.dtype == np.uint8
    assert frame[:15].mean() > 100  # the top wall
    assert frame[300, 705:720].min() == 255  # the agent's paddle (y 255 to 330)
    assert frame[290, 370].min() == 255  # the ball in the centre
    vec = PingPongVectorEnv(2, mode=mode, render_mode="rgb_array")
    vec.reset(seed=0)
    np.testing.assert_array_equal(vec.render(), frame)


def test_human_render_and_human_opponent_headless() -> None:
    env = gym.make(ENV_ID, render_mode="human", opponent="human", points_to_win=1)
    env.reset(seed=0)
    for _ in range(3):
        env.step(STAY)  # no key held: the left paddle stays
    assert env.unwrapped.core.opponent_y[0] == (585 - 75) / 2
    env.close()


def test_pixels_show_walls_paddles_and_ball() -> None:
    env = gym.make(ENV_ID, obs_type="pixels")
    frame, _ = env.reset(seed=0)
    assert np.all(frame[:2] == 96) and np.all(frame[-2:] == 96)
    assert (frame == 192).sum() == 2 * 2 * 11  # two paddles of 2x11 px
    assert (frame == 255).sum() == 4  # a 2x2 ball
    paddle_cols = np.flatnonzero((frame == 192).any(axis=0))
    assert paddle_cols.tolist() == [3, 4, 79, 80]
    squash, _ = gym.make(ENV_ID, obs_type="pixels", mode="squash").reset(seed=0)
    assert np.all(squash[:, :2] == 96) and (squash == 192).sum() == 22


# --- bounces, speed-up, the modes' ends --------------------------------------------------------


def bounce(offset_px: float, speed: float = 3.0) -> tuple[float, float]:
    """The ball's velocity after a hit ``offset_px`` below the agent's paddle centre."""
    env = PingPongEnv(mode="squash")
    env.reset(seed=0)
    core = env.core
    core.paddle_y[0] = 200.0
    centre = 200 + 75 / 2 + offset_px
    place_ball(core, 705 - 15 - 1, centre - 7.5 - speed, speed, speed)
    _, reward, *_ = env.step(STAY)
    assert reward == 1.0  # a return in squash
    return core.ball_vx[0], core.ball_vy[0]


def test_return_speeds_up_and_edge_hits_leave_steeper() -> None:
    vx, vy = bounce(0.0)
    assert vx == -3.5  # 3 + ball_speedup, sent back left
    assert vy == pytest.approx(3.5 * MIN_SLOPE)  # a dead-centre hit keeps the ball's direction
    vx_edge, vy_edge = bounce(40.0)  # the bottom edge: down and steep
    assert vx_edge == -3.5 and vy_edge > 0
    assert abs(vy_edge / vx_edge) > 2.5 * abs(vy / vx)
    assert abs(vy_edge / vx_edge) <= MAX_SLOPE
    _, vy_top = bounce(-40.0)  # the top edge: up
    assert vy_top == pytest.approx(-vy_edge)
    vx_fast, vy_fast = bounce(40.0, speed=6.8)
    assert vx_fast == -7.0 and abs(vy_fast) == 7.0  # both capped at ball_speed_max


def test_squash_miss_ends_the_episode() -> None:
    env = gym.make(ENV_ID, mode="squash")
    env.reset(seed=0)
    core = env.unwrapped.core
    place_ball(core, 600, 500, 4, 0.5)
    core.paddle_y[0] = 15.0
    terminated, steps = False, 0
    while not terminated:
        obs, reward, terminated, truncated, info = env.step(UP)
        assert reward == 0.0 and not truncated
        steps += 1
    assert steps < 40
    assert info["score"].tolist() == [0, 1] and info["returns"] == 0  # [returns, misses]
    assert env.observation_space.contains(obs)


def test_frame_skip_freezes_a_game_at_its_end() -> None:
    """With frame_skip=4 a miss in the step's second frame is the step's last observation: the
    paddle moved for two frames, not four, and the ball stays where it left the field."""
    env = PingPongEnv(mode="squash", frame_skip=4)
    env.reset(seed=0)
    core = env.core
    place_ball(core, 730, 500, 4, 0.5)  # reaches the right edge (x = 735) in the second frame
    core.paddle_y[0] = 100.0
    obs, reward, terminated, *_ = env.step(DOWN)
    assert terminated and reward == 0.0
    assert core.paddle_y[0] == 100.0 + 2 * 6
    assert core.ball_x[0] == 735 and core.ball_y[0] == 501
    np.testing.assert_allclose(obs[[0, 1, 4]], [735 / 750, 501 / 585, 112 / 585], rtol=1e-6)


def test_squash_wall_returns_without_speed_up() -> None:
    env = PingPongEnv(mode="squash")
    env.reset(seed=0)
    place_ball(env.core, 17, 300, -3, 2)
    env.step(STAY)
    assert env.core.ball_vx[0] == 3 and env.core.ball_x[0] == 16  # reflected at x = 15


def test_versus_ends_at_points_to_win() -> None:
    env = gym.make(ENV_ID, points_to_win=3)
    env.reset(seed=0)
    total, terminated = 0.0, False
    rng = np.random.default_rng(0)
    while not terminated:
        _, reward, terminated, truncated, info = env.step(int(rng.integers(3)))
        total += reward
        assert not truncated
    assert max(info["score"]) == 3 and total == info["score"][0] - info["score"][1]


def test_scripted_opponent_beats_random_and_returns_slow_balls() -> None:
    n = 64
    envs = PingPongVectorEnv(n, autoreset_mode="same_step")
    envs.reset(seed=0)
    core, won, lost = envs.core, 0, 0
    slow_misses = 0
    for actions in np.random.default_rng(0).integers(0, 3, size=(6000, n)):
        incoming = np.abs(core.ball_vx) * (core.ball_vx < 0)
        _, rewards, *_ = envs.step(actions)
        won += int((rewards > 0).sum())
        lost += int((rewards < 0).sum())
        slow_misses += int(((rewards > 0) & (incoming <= 3)).sum())
    assert lost > 300 and won <= 0.05 * lost
    assert slow_misses == 0


def test_opponent_paddle_lags_by_its_reaction_time() -> None:
    env = PingPongEnv(opponent_reaction=5, opponent_speed=100.0)
    env.reset(seed=0)
    core, ys = env.core, []
    for _ in range(12):
        ys.append(core.ball_y[0] + 7.5)
        env.step(STAY)
    # With unlimited speed the paddle centre sits where the ball was 5 frames earlier.
    assert core.opponent_y[0] + 37.5 == pytest.approx(ys[-6])


# --- the opponent's view -----------------------------------------------------------------------


def test_mirror_observation_matches_the_left_players_view() -> None:
    envs = PingPongVectorEnv(32, autoreset_mode="same_step")
    pixels = PingPongVectorEnv(32, obs_type="pixels")
    envs.reset(seed=0)
    pixels.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(300):
        actions = rng.integers(0, 3, 32)
        envs.step(actions)
        pixels.step(actions)
    # Mirror the state by hand: x flips, vx flips, paddles swap.
    for env, obs_type in ((envs, "vector"), (pixels, "pixels")):
        core = env.core
        obs = core.observe()
        core.ball_x[:] = 750 - 15 - core.ball_x
        core.ball_vx[:] = -core.ball_vx
        core.paddle_y[:], core.opponent_y[:] = core.opponent_y.copy(), core.paddle_y.copy()
        np.testing.assert_allclose(mirror_observation(obs, obs_type), core.observe(), atol=1e-6)
        np.testing.assert_allclose(
            mirror_observation(obs[0], obs_type), core.observe()[0], atol=1e-6
        )
    with pytest.raises(ConfigError, match="classic"):
        mirror_observation(np.zeros(3, np.float32), "classic")


def test_policy_opponent_gets_the_mirrored_view() -> None:
    seen: list[np.ndarray] = []

    def follow_the_ball(obs: np.ndarray) -> Any:
        seen.append(obs)
        # The left player's own paddle is obs[..., 4], as it is the agent's on the right.
        return np.where(obs[..., 1] > obs[..., 4] + 0.05, DOWN, UP)

    env = PingPongEnv(opponent=follow_the_ball)
    obs, _ = env.reset(seed=0)
    env.step(STAY)
    np.testing.assert_array_equal(seen[0], mirror_observation(obs, "vector"))
    assert seen[0].shape == (6,)

    envs = PingPongVectorEnv(3, opponent=follow_the_ball)
    obs, _ = envs.reset(seed=0)
    envs.step(np.zeros(3, np.int64))
    assert seen[-1].shape == (3, 6)
    np.testing.assert_array_equal(seen[-1], mirror_observation(obs, "vector"))

    obs, _ = envs.reset(seed=0)
    singles = [PingPongEnv(opponent=follow_the_ball) for _ in range(3)]
    single_obs = [e.reset(seed=i)[0] for i, e in enumerate(singles)]
    np.testing.assert_array_equal(np.stack(single_obs), obs)
    for actions in np.random.default_rng(0).integers(0, 3, (300, 3)):
        batch = envs.step(actions)[0]
        single = [e.step(int(a))[0] for e, a in zip(singles, actions, strict=True)]
        np.testing.assert_array_equal(np.stack(single), batch)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"obs_type": "rgb"}, "valid choices: 'vector', 'classic', 'pixels'"),
        ({"mode": "tennis"}, "valid choices: 'versus', 'squash'"),
        ({"opponent": "robot"}, "valid choices: 'scripted', 'human' or a callable"),
        ({"opponent": "human"}, "render_mode='human'"),
        ({"mode": "squash", "opponent": "human", "render_mode": "human"}, "squash"),
        ({"points_to_win": 0}, "points_to_win=0 must be a whole number >= 1"),
        ({"points_to_win": 2.5}, "points_to_win=2.5"),
        ({"paddle_height": 600}, "taller than the field"),
        ({"frame_skip": 0}, "frame_skip"),
        ({"opponent_reaction": -1}, "opponent_reaction"),
        ({"opponent_speed": "fast"}, "opponent_speed"),
        ({"ball_speed_start": 9}, "ball_speed_start=9 must be > 0 and <= ball_speed_max=7"),
        ({"ball_speed_max": 20}, "paddle_width"),
        ({"paddle_x": 740}, "paddle_x=740"),
        ({"render_mode": "ansi"}, "valid choices: 'human', 'rgb_array' or None"),
        ({"speed": 3}, "unknown PingPong argument 'speed'"),
    ],
)
def test_bad_arguments_give_one_line_config_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as error:
        PingPongEnv(**kwargs)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_envs": 0}, "num_envs=0"),
        ({"num_envs": 2, "autoreset_mode": "sometimes"}, "valid choices: AutoresetMode.NEXT_STEP"),
        ({"num_envs": 2, "autoreset_mode": AutoresetMode.DISABLED}, "SAME_STEP"),
        ({"num_envs": 2, "opponent": "human"}, "single env"),
        ({"num_envs": 2, "render_mode": "human"}, "valid choices: 'rgb_array' or None"),
        ({"num_envs": 2, "max_episode_steps": 0}, "max_episode_steps=0"),
        ({"num_envs": 2, "obs_type": "rgb"}, "valid choices"),
    ],
)
def test_bad_vector_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as error:
        PingPongVectorEnv(**kwargs)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("action", [3, -1, 1.0, "up", None, np.array([1, 2])])
def test_bad_actions(action: Any) -> None:
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=r"valid actions: 0 \(stay\), 1 \(down\)"):
        env.unwrapped.step(action)


@pytest.mark.parametrize("actions", [[0, 1], [0, 1, 3], [0.0, 1.0, 2.0], [[0, 1, 2]]])
def test_bad_vector_actions(actions: Any) -> None:
    envs = PingPongVectorEnv(3)
    envs.reset(seed=0)
    with pytest.raises(InvalidActionError, match="valid actions") as error:
        envs.step(actions)
    assert "\n" not in str(error.value)


def test_policy_opponent_with_bad_actions() -> None:
    env = PingPongEnv(opponent=lambda obs: 7)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="action 7"):
        env.step(STAY)
