"""Env state as plain data: a restored env must continue exactly as the original did."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlkit  # noqa: F401  (registers rlkit/CliffWalk-v0)
from rlkit.envkit.state import (
    EnvStateError,
    get_env_state,
    get_vector_env_state,
    set_env_state,
    set_vector_env_state,
)
from rlkit.envkit.vector import FastSyncVectorEnv
from rlkit.envs.cliff_walk import UP
from rlkit.storage.checkpoint import load_checkpoint, save_checkpoint

ENV_IDS = ["rlkit/CliffWalk-v0", "CartPole-v1", "Pendulum-v1", "MountainCarContinuous-v0"]
SAME_STEP = gym.vector.AutoresetMode.SAME_STEP


def round_trip(state: Any, tmp_path: Path) -> Any:
    """``state`` after being saved in and loaded from a checkpoint."""
    path = tmp_path / "env_state.npz"
    save_checkpoint(path, {"env": state})
    return load_checkpoint(path)["env"]


def actions_for(env: gym.Env, n: int, seed: int = 11) -> list[Any]:
    """``n`` actions drawn from a copy of the env's action space, seeded independently of it."""
    space = gym.make(env.spec.id).action_space
    space.seed(seed)
    return [space.sample() for _ in range(n)]


def play(env: gym.Env, actions: list[Any]) -> list[tuple[Any, ...]]:
    """Step ``env`` through ``actions``, resetting without a seed (so from ``np_random``) whenever
    an episode ends; then reset once more. Returns everything the env gave back."""
    out: list[tuple[Any, ...]] = []
    for action in actions:
        obs, reward, terminated, truncated, _ = env.step(action)
        out.append(("step", np.array(obs), reward, terminated, truncated))
        if terminated or truncated:
            out.append(("reset", np.array(env.reset()[0])))
    out.append(("reset", np.array(env.reset()[0])))
    return out


def same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """Exact equality of two ``play`` results (arrays bit for bit, scalars with ``==``)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if len(x) != len(y) or x[0] != y[0] or not np.array_equal(x[1], y[1]):
            return False
        if x[2:] != y[2:] or [type(v) for v in x[2:]] != [type(v) for v in y[2:]]:
            return False
    return True


def one_line(error: pytest.ExceptionInfo[BaseException]) -> str:
    """The error's message, checked to be one non-empty line."""
    message = str(error.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_restored_env_continues_identically(env_id: str, tmp_path: Path) -> None:
    env_a = gym.make(env_id)
    env_a.reset(seed=3)
    # With this seed the cliff walker is mid-episode on the top row after 37 steps, not at the
    # start, so that an env that was not restored shows a different trajectory.
    env_a.action_space.seed(1)
    for _ in range(37):
        _, _, terminated, truncated, _ = env_a.step(env_a.action_space.sample())
        if terminated or truncated:
            env_a.reset()
    snapshot = get_env_state(env_a)
    loaded = round_trip(snapshot, tmp_path)
    actions = actions_for(env_a, 200)
    expected = play(env_a, actions)

    env_b = gym.make(env_id)
    env_b.reset(seed=999)
    set_env_state(env_b, loaded)
    assert same(play(env_b, actions), expected)

    # The in-memory snapshot is unchanged by env A running on, and can restore a second env.
    env_c = gym.make(env_id)
    set_env_state(env_c, snapshot)
    assert same(play(env_c, actions), expected)

    # And the comparison can fail: an env that was not restored goes another way.
    env_d = gym.make(env_id)
    env_d.reset(seed=999)
    assert not same(play(env_d, actions), expected)


def test_random_stream_is_restored(tmp_path: Path) -> None:
    """Only ``np_random`` differs between the two envs; the resets must still agree."""
    env_a = gym.make("CartPole-v1")
    env_a.reset(seed=3)
    loaded = round_trip(get_env_state(env_a), tmp_path)
    starts_a = [env_a.reset()[0] for _ in range(5)]
    env_b = gym.make("CartPole-v1")
    env_b.reset(seed=3)
    env_b.reset()  # moves B's generator on
    set_env_state(env_b, loaded)
    assert all(np.array_equal(a, env_b.reset()[0]) for a in starts_a)
    assert env_b.unwrapped.np_random_seed == 3


def test_time_limit_elapsed_steps_are_restored(tmp_path: Path) -> None:
    env_a = gym.make("rlkit/CliffWalk-v0")  # max_episode_steps=100
    env_a.reset(seed=3)
    for _ in range(60):  # up into the top border, where the agent stays
        assert env_a.step(UP)[2:4] == (False, False)
    loaded = round_trip(get_env_state(env_a), tmp_path)

    env_b = gym.make("rlkit/CliffWalk-v0")
    env_b.reset(seed=999)
    for _ in range(5):
        env_b.step(UP)
    set_env_state(env_b, loaded)
    assert env_b.get_wrapper_attr("_elapsed_steps") == 60
    for step in range(1, 41):
        obs_a, _, terminated_a, truncated_a, _ = env_a.step(UP)
        obs_b, _, terminated_b, truncated_b, _ = env_b.step(UP)
        assert (obs_b, terminated_b, truncated_b) == (obs_a, terminated_a, truncated_a)
        assert truncated_b == (step == 40), f"truncated={truncated_b} at step {60 + step}"


def test_order_enforcing_flag_is_restored(tmp_path: Path) -> None:
    """A never-reset env may step once it holds the state of one that was reset."""
    env_a = gym.make("CartPole-v1")
    env_a.reset(seed=3)
    loaded = round_trip(get_env_state(env_a), tmp_path)
    env_b = gym.make("CartPole-v1")
    with pytest.raises(gym.error.ResetNeeded):
        env_b.step(0)
    set_env_state(env_b, loaded)
    assert np.array_equal(env_b.step(0)[0], env_a.step(0)[0])


def test_state_of_a_never_reset_env_removes_later_attributes() -> None:
    """Pendulum sets ``state`` only in ``reset``: restoring a never-reset env's state drops it."""
    fresh = get_env_state(gym.make("Pendulum-v1"))
    assert "state" not in fresh["layers"][-1] and fresh["np_random"] is None
    env = gym.make("Pendulum-v1")
    env.reset(seed=3)
    set_env_state(env, fresh)
    assert "state" not in vars(env.unwrapped)
    assert env.unwrapped._np_random is None
    with pytest.raises(gym.error.ResetNeeded):
        env.step(np.zeros(1, dtype=np.float32))


def test_types_survive_a_checkpoint(tmp_path: Path) -> None:
    """Tuples stay tuples, numpy scalars keep their dtype, sets and dicts come back as such."""

    class Extra(gym.Wrapper):
        """A wrapper with state of every kind the walk records."""

        def __init__(self, env: gym.Env) -> None:
            super().__init__(env)
            self.counts = {0: 1, "a": (2, 3), (4, 5): [np.int64(6)]}
            self.seen = {1, 2}
            self.queue = deque([1.5, 2.5], maxlen=3)
            self.scale = np.float32(0.1)
            self.flag = np.bool_(True)
            self.rng = np.random.default_rng(5)

    env_a = Extra(gym.make("Pendulum-v1"))
    env_a.reset(seed=3)
    env_a.step(np.array([1.0], dtype=np.float32))
    env_a.rng.random()
    loaded = round_trip(get_env_state(env_a), tmp_path)
    env_b = Extra(gym.make("Pendulum-v1"))
    set_env_state(env_b, loaded)
    for name in ("counts", "seen", "queue", "scale", "flag"):
        a, b = getattr(env_a, name), getattr(env_b, name)
        assert b == a and type(b) is type(a), name
    assert type(env_b.counts["a"]) is tuple and type(env_b.counts[(4, 5)][0]) is np.int64
    assert env_b.queue.maxlen == 3
    assert env_b.rng.random() == env_a.rng.random()
    assert type(env_b.unwrapped.last_u) is np.float32
    assert env_b.unwrapped.last_u == env_a.unwrapped.last_u
    assert np.array_equal(env_b.unwrapped.state, env_a.unwrapped.state)
    cliff = gym.make("rlkit/CliffWalk-v0")
    cliff.reset(seed=1)
    cliff.step(UP)
    restored = gym.make("rlkit/CliffWalk-v0")
    set_env_state(restored, round_trip(get_env_state(cliff), tmp_path))
    assert restored.unwrapped._position == (2, 0)
    assert type(restored.unwrapped._position) is tuple
    assert type(restored.unwrapped._cliff) is frozenset


@pytest.mark.parametrize("kind", ["fast", "sync"])
def test_vector_env_round_trip(kind: str, tmp_path: Path) -> None:
    def make() -> gym.vector.VectorEnv:
        fns = [lambda: gym.make("CartPole-v1") for _ in range(3)]
        if kind == "fast":
            return FastSyncVectorEnv(fns)
        return gym.vector.SyncVectorEnv(fns, autoreset_mode=SAME_STEP)

    def play_vec(envs: gym.vector.VectorEnv, actions: list[np.ndarray]) -> list[Any]:
        out = []
        for action in actions:
            obs, rewards, terminated, truncated, infos = envs.step(action)
            final = infos.get("final_obs")
            finals = None if final is None else [None if f is None else f.tolist() for f in final]
            out.append((obs.tolist(), rewards.tolist(), terminated.tolist(), truncated.tolist()))
            out.append(finals)
        return out

    envs_a = make()
    obs, _ = envs_a.reset(seed=5)
    envs_a.action_space.seed(5)
    for _ in range(30):
        obs, *_ = envs_a.step(envs_a.action_space.sample())
    # The loop keeps the current observation; the checkpoint must hold it beside the env states.
    loaded = round_trip({"envs": get_vector_env_state(envs_a), "obs": obs}, tmp_path)
    space = make().action_space
    space.seed(17)
    actions = [space.sample() for _ in range(200)]
    expected = play_vec(envs_a, actions)
    assert any(f is not None for f in expected[1::2])  # episodes end, so resets use np_random

    envs_b = make()
    envs_b.reset(seed=999)
    set_vector_env_state(envs_b, loaded["envs"])
    assert np.array_equal(loaded["obs"], obs)
    assert play_vec(envs_b, actions) == expected


def test_mismatched_wrapper_chain_is_refused() -> None:
    state = get_env_state(gym.make("CartPole-v1"))
    unchecked = gym.make("CartPole-v1", disable_env_checker=True)
    with pytest.raises(EnvStateError) as error:
        set_env_state(unchecked, state)
    message = one_line(error)
    assert "TimeLimit > OrderEnforcing > PassiveEnvChecker > CartPoleEnv" in message
    assert "TimeLimit > OrderEnforcing > CartPoleEnv" in message
    with pytest.raises(EnvStateError) as error:
        set_env_state(gym.make("Pendulum-v1"), state)
    assert "PendulumEnv" in one_line(error)


def test_malformed_state_is_refused_and_changes_nothing() -> None:
    env = gym.make("CartPole-v1")
    env.reset(seed=3)
    state = get_env_state(env)
    other = gym.make("CartPole-v1")
    other.reset(seed=4)
    before = other.unwrapped.state.copy()
    bad = {**state, "np_random": {**state["np_random"], "bit_generator": "os.system"}}
    with pytest.raises(EnvStateError, match="unknown bit generator"):
        set_env_state(other, bad)
    assert np.array_equal(other.unwrapped.state, before)
    with pytest.raises(EnvStateError, match="not an rlkit env state"):
        set_env_state(other, {"chain": state["chain"]})


def test_unknown_objects_are_refused() -> None:
    class Holder(gym.Wrapper):
        """A wrapper that keeps an object rlkit knows nothing about."""

        def __init__(self, env: gym.Env) -> None:
            super().__init__(env)
            self.handle = object()

    with pytest.raises(EnvStateError) as error:
        get_env_state(Holder(gym.make("CartPole-v1")))
    assert "handle" in one_line(error) and "Holder" in str(error.value)


def test_box2d_env_is_refused() -> None:
    pytest.importorskip("Box2D", reason="Box2D is not installed")
    env = gym.make("LunarLanderContinuous-v3")
    env.reset(seed=3)
    with pytest.raises(EnvStateError) as error:
        get_env_state(env)
    message = one_line(error)
    assert "LunarLanderContinuous-v3" in message and "Box2D world" in message


def test_async_vector_env_is_refused() -> None:
    fns = [lambda: gym.make("CartPole-v1") for _ in range(2)]
    envs = gym.vector.AsyncVectorEnv(fns, autoreset_mode=SAME_STEP)
    try:
        with pytest.raises(EnvStateError) as error:
            get_vector_env_state(envs)
        assert "vector_mode=fast or sync" in one_line(error)
        with pytest.raises(EnvStateError):
            set_vector_env_state(envs, [])
    finally:
        envs.close()


def test_vector_env_misfits_are_refused() -> None:
    fns = [lambda: gym.make("CartPole-v1") for _ in range(2)]
    next_step = gym.vector.SyncVectorEnv(fns, autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    with pytest.raises(EnvStateError) as error:
        get_vector_env_state(next_step)
    assert "SAME_STEP" in one_line(error)

    envs = FastSyncVectorEnv(fns)
    envs.reset(seed=1)
    states = get_vector_env_state(envs)
    with pytest.raises(EnvStateError) as error:
        set_vector_env_state(FastSyncVectorEnv([*fns, fns[0]]), states)
    assert "2 envs" in one_line(error)

    # A misfit in the second sub-env leaves the first one untouched too.
    target = FastSyncVectorEnv(fns)
    target.reset(seed=7)
    before = target.envs[0].unwrapped.state.copy()
    with pytest.raises(EnvStateError):
        set_vector_env_state(target, [states[0], get_env_state(gym.make("Pendulum-v1"))])
    assert np.array_equal(target.envs[0].unwrapped.state, before)
