"""Replay buffer: circular storage, dtypes, episode boundaries, n-step sums, seeding, resume."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.parts.nstep import gamma_powers
from rlkit.parts.replay import ReplayBatch, ReplayBuffer
from rlkit.storage.checkpoint import load_checkpoint, save_checkpoint

BOX4 = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
SCALAR = gym.spaces.Box(-1e6, 1e6, (), np.float64)

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason="no CUDA GPU on this machine"
        ),
    ),
]


def one(value: float) -> np.ndarray:
    return np.array([value])


FALSE = np.array([False])


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """Each test that takes it runs on the CPU, and on a GPU where there is one."""
    return request.param


def add_step(
    buf: ReplayBuffer,
    obs: float,
    next_obs: float,
    reward: float = 0.0,
    terminated: bool = False,
    truncated: bool = False,
) -> None:
    """One single-env step with scalar observations and action 0."""
    buf.add(one(obs), np.array([0]), one(reward), one(next_obs), one(terminated), one(truncated))


def test_wraps_around_and_overwrites_the_oldest(device: str) -> None:
    buf = ReplayBuffer(5, SCALAR, gym.spaces.Discrete(2), device=device)
    for step in range(8):
        add_step(buf, step, step + 1)
    assert len(buf) == 5
    data = buf.state_dict()["data"]
    # Steps 5, 6, 7 overwrote slots 0, 1, 2; steps 3 and 4 are still in slots 3 and 4.
    np.testing.assert_array_equal(data["obs"], [5, 6, 7, 3, 4])
    np.testing.assert_array_equal(data["next_obs"], [6, 7, 8, 4, 5])
    assert buf.state_dict()["pos"] == 3


def test_multi_env_writes_are_flat_and_wrap(device: str) -> None:
    buf = ReplayBuffer(5, SCALAR, gym.spaces.Discrete(2), num_envs=2, device=device)
    for step in range(3):
        obs = np.array([10 * step, 10 * step + 1], dtype=np.float64)
        buf.add(obs, np.array([0, 1]), obs, obs + 100, np.zeros(2, bool), np.zeros(2, bool))
    assert len(buf) == 5
    data = buf.state_dict()["data"]
    # Six transitions through five slots: the last one (step 2, env 1) wrapped to slot 0.
    np.testing.assert_array_equal(data["obs"], [21, 1, 10, 11, 20])
    np.testing.assert_array_equal(data["actions"], [1, 1, 0, 1, 0])
    np.testing.assert_array_equal(data["rewards"], [21, 1, 10, 11, 20])


def test_more_envs_than_capacity_keeps_the_last_ones(device: str) -> None:
    buf = ReplayBuffer(2, SCALAR, gym.spaces.Discrete(2), num_envs=3, device=device)
    obs = np.array([1.0, 2.0, 3.0])
    buf.add(obs, np.zeros(3, np.int64), obs, obs, np.zeros(3, bool), np.zeros(3, bool))
    assert len(buf) == 2
    state = buf.state_dict()
    assert sorted(state["data"]["obs"].tolist()) == [2.0, 3.0]
    assert state["pos"] == 1  # where writing all three from slot 0 would have left it


def test_multi_env_add_stores_every_env(device: str) -> None:
    buf = ReplayBuffer(100, BOX4, gym.spaces.Discrete(3), num_envs=3, device=device)
    for step in range(2):
        obs = np.arange(12, dtype=np.float32).reshape(3, 4) + 100 * step
        buf.add(
            obs,
            np.array([0, 1, 2]),
            np.array([1.0, 2.0, 3.0]),
            obs + 1,
            np.zeros(3, bool),
            np.zeros(3, bool),
        )
    assert len(buf) == 6
    data = buf.state_dict()["data"]
    expected = np.concatenate([np.arange(12).reshape(3, 4), np.arange(12).reshape(3, 4) + 100])
    np.testing.assert_array_equal(data["obs"], expected)
    np.testing.assert_array_equal(data["next_obs"], expected + 1)
    np.testing.assert_array_equal(data["actions"], [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(data["rewards"], [1, 2, 3, 1, 2, 3])


def test_dtypes_follow_the_spaces(device: str) -> None:
    frames = gym.spaces.Box(0, 255, (2, 3), np.uint8)
    box_actions = gym.spaces.Box(-1.0, 1.0, (2,), np.float64)
    buf = ReplayBuffer(10, frames, box_actions, device=device)
    frame = np.full((1, 2, 3), 200, dtype=np.uint8)
    for _ in range(4):
        buf.add(frame, np.array([[0.5, -0.5]]), one(1.0), frame, FALSE, FALSE)
    batch = buf.sample(4)
    assert batch.obs.dtype == torch.uint8 and batch.next_obs.dtype == torch.uint8
    assert batch.obs.shape == (4, 2, 3) and int(batch.obs.max()) == 200
    assert batch.actions.dtype == torch.float32 and batch.actions.shape == (4, 2)
    for field in (batch.rewards, batch.terminated):
        assert field.dtype == torch.float32 and field.shape == (4,)
    assert batch.steps.dtype == torch.int64 and batch.steps.tolist() == [1, 1, 1, 1]

    buf = ReplayBuffer(10, gym.spaces.Discrete(16), gym.spaces.Discrete(4), device=device)
    for _ in range(2):
        buf.add(np.array([3]), np.array([2]), one(1.0), np.array([7]), FALSE, FALSE)
    batch = buf.sample(2)
    assert batch.obs.dtype == torch.int64 and batch.obs.shape == (2,)
    assert batch.actions.dtype == torch.int64 and batch.actions.shape == (2,)
    assert batch.obs.tolist() == [3, 3] and batch.next_obs.tolist() == [7, 7]


def test_terminated_and_truncated_stay_apart(device: str) -> None:
    buf = ReplayBuffer(10, SCALAR, gym.spaces.Discrete(2), gamma=0.9, device=device)
    add_step(buf, 0, 1, reward=1.0, terminated=True)
    add_step(buf, 10, 11, reward=2.0, truncated=True)
    add_step(buf, 20, 21, reward=3.0)
    data = buf.state_dict()["data"]
    np.testing.assert_array_equal(data["terminated"], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(data["steps"], [1, 1, 1])
    np.testing.assert_array_equal(data["rewards"], [1.0, 2.0, 3.0])


def episode_steps(lengths: list[list[int]], steps: int) -> Iterator[tuple[np.ndarray, ...]]:
    """``add`` arguments of a vector env with ``SAME_STEP`` autoreset, as the training loop passes.

    Env ``i`` plays episodes of lengths ``lengths[i]`` (cycled); its observation is
    ``1000 * episode + step``. Odd episodes end in a truncation, even ones in a termination.
    """
    num_envs = len(lengths)
    episode = np.zeros(num_envs, dtype=np.int64)
    t = np.zeros(num_envs, dtype=np.int64)
    for _ in range(steps):
        obs = (1000 * episode + t).astype(np.float64)
        t = t + 1
        next_obs = (1000 * episode + t).astype(np.float64)  # the true next obs, final included
        ends = np.array([t[i] == lengths[i][episode[i] % len(lengths[i])] for i in range(num_envs)])
        terminated = ends & (episode % 2 == 0)
        truncated = ends & (episode % 2 == 1)
        yield obs, np.zeros(num_envs, np.int64), np.ones(num_envs), next_obs, terminated, truncated
        episode = np.where(ends, episode + 1, episode)
        t = np.where(ends, 0, t)


def run_episodes(buf: ReplayBuffer, lengths: list[list[int]], steps: int) -> None:
    for args in episode_steps(lengths, steps):
        buf.add(*args)


@pytest.mark.parametrize("n_step", [1, 3])
def test_no_transition_crosses_an_autoreset(n_step: int, device: str) -> None:
    gamma = 0.9
    buf = ReplayBuffer(
        10_000,
        SCALAR,
        gym.spaces.Discrete(2),
        num_envs=2,
        n_step=n_step,
        gamma=gamma,
        device=device,
    )
    run_episodes(buf, [[4, 1, 6], [2, 5]], steps=60)
    data = buf.state_dict()["data"]
    obs, next_obs = data["obs"].astype(np.int64), data["next_obs"].astype(np.int64)
    assert len(buf) > 0
    np.testing.assert_array_equal(obs // 1000, next_obs // 1000)  # same episode
    steps = data["steps"]
    assert steps.dtype == np.int64
    np.testing.assert_array_equal(next_obs - obs, steps)  # next_obs is k steps on
    assert (steps >= 1).all() and (steps <= n_step).all()
    # A terminated flag only on transitions that reach the end of an even (terminating) episode.
    ended = data["terminated"] == 1.0
    assert ended.any()
    assert ((obs[ended] // 1000) % 2 == 0).all()
    # k-step sums of unit rewards.
    np.testing.assert_allclose(data["rewards"], (1 - gamma**steps) / (1 - gamma), rtol=1e-6)


def five_step_episode(buf: ReplayBuffer, *, terminated: bool) -> None:
    """Obs 0..4, rewards 1..5; the 5th step ends the episode (terminated or truncated)."""
    for t in range(5):
        last = t == 4
        add_step(
            buf,
            t,
            t + 1,
            reward=t + 1.0,
            terminated=last and terminated,
            truncated=last and not terminated,
        )


def test_n_step_sums_and_the_flush_at_termination(device: str) -> None:
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=3, gamma=0.5, device=device)
    for t in range(2):
        add_step(buf, t, t + 1, reward=t + 1.0)
    assert len(buf) == 0  # the first window is not full yet
    assert len(buf.state_dict()["pending"][0]["rewards"]) == 2
    add_step(buf, 2, 3, reward=3.0)
    assert len(buf) == 1
    add_step(buf, 3, 4, reward=4.0)
    add_step(buf, 4, 5, reward=5.0, terminated=True)
    assert len(buf) == 5
    state = buf.state_dict()
    data = state["data"]
    np.testing.assert_array_equal(data["obs"], [0, 1, 2, 3, 4])
    np.testing.assert_allclose(
        data["rewards"],
        [
            1 + 0.5 * 2 + 0.25 * 3,  # 2.75
            2 + 0.5 * 3 + 0.25 * 4,  # 4.5
            3 + 0.5 * 4 + 0.25 * 5,  # flushed: 6.25
            4 + 0.5 * 5,  # flushed: 6.5
            5,  # flushed
        ],
    )
    np.testing.assert_array_equal(data["next_obs"], [3, 4, 5, 5, 5])
    np.testing.assert_array_equal(data["steps"], [3, 3, 3, 2, 1])
    np.testing.assert_array_equal(data["terminated"], [0, 0, 1, 1, 1])
    assert len(state["pending"][0]["rewards"]) == 0


def test_n_step_truncation_flushes_and_bootstraps(device: str) -> None:
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=3, gamma=0.5, device=device)
    five_step_episode(buf, terminated=False)
    data = buf.state_dict()["data"]
    np.testing.assert_allclose(data["rewards"], [2.75, 4.5, 6.25, 6.5, 5.0])
    np.testing.assert_array_equal(data["next_obs"], [3, 4, 5, 5, 5])
    np.testing.assert_array_equal(data["steps"], [3, 3, 3, 2, 1])
    np.testing.assert_array_equal(data["terminated"], [0, 0, 0, 0, 0])


def test_n_step_episode_shorter_than_n(device: str) -> None:
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=5, gamma=0.5, device=device)
    add_step(buf, 0, 1, reward=1.0)
    add_step(buf, 1, 2, reward=1.0, terminated=True)
    add_step(buf, 100, 101, reward=7.0)  # next episode: stays pending
    data = buf.state_dict()["data"]
    np.testing.assert_allclose(data["rewards"], [1.5, 1.0])
    np.testing.assert_array_equal(data["next_obs"], [2, 2])
    np.testing.assert_array_equal(data["steps"], [2, 1])
    assert buf.state_dict()["pending"][0]["obs"].tolist() == [100]


@pytest.mark.parametrize("terminated", [True, False], ids=["terminated", "truncated"])
def test_batches_carry_the_number_of_rewards_summed(device: str, terminated: bool) -> None:
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=3, gamma=0.5, device=device)
    for _ in range(13):
        five_step_episode(buf, terminated=terminated)
    batch = buf.sample(64)
    assert batch.steps.dtype == torch.int64
    obs = batch.obs.cpu().long()
    assert set(obs.tolist()) == {0, 1, 2, 3, 4}
    # Obs 0-2 start full windows of 3 rewards; from obs 3 and 4 the episode ended 2 and 1 on.
    expected = torch.tensor([3, 3, 3, 2, 1])[obs]
    assert torch.equal(batch.steps.cpu(), expected)
    assert torch.equal(batch.next_obs.cpu().long() - obs, expected)
    # Only the windows that reach a termination are terminal; a truncation bootstraps them all.
    torch.testing.assert_close(batch.terminated.cpu(), ((obs >= 2) & terminated).float())
    # The factor a target bootstraps with: γ^k, 0.125 for a full window.
    torch.testing.assert_close(gamma_powers(0.5, 3)[batch.steps.cpu()], 0.5 ** expected.float())


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.98, 0.99, 0.997, 1.0])
@pytest.mark.parametrize("n", [0, 1, 5])
def test_gamma_powers_are_the_float32_of_each_python_power(gamma: float, n: int) -> None:
    powers = gamma_powers(gamma, n, "cpu")
    assert powers.dtype == torch.float32 and powers.shape == (n + 1,)
    expected = [np.float32(gamma**i) for i in range(n + 1)]
    assert powers.tolist() == [float(p) for p in expected]


def test_gamma_powers_live_on_the_given_device(device: str) -> None:
    powers = gamma_powers(0.9, 3, device)
    assert powers.device.type == torch.device(device).type
    assert torch.equal(powers.cpu(), gamma_powers(0.9, 3, "cpu"))


def old_format(state: dict, gamma: float) -> dict:
    """``state`` as rlkit saved it before ``steps``: a float32 ``discounts`` column of γ^k."""
    data = dict(state["data"])
    steps = data.pop("steps")
    data["discounts"] = np.array([gamma ** int(k) for k in steps], dtype=np.float32)
    return dict(state, data=data)


@pytest.mark.parametrize("n_step", [1, 3])
def test_a_state_with_discounts_loads_with_its_step_counts(device: str, n_step: int) -> None:
    original = filled(6, device, n_step=n_step)
    state = original.state_dict()
    assert set(state["data"]["steps"].tolist()) == set(range(1, n_step + 1))
    restored = ReplayBuffer(
        1000, SCALAR, gym.spaces.Discrete(2), num_envs=2, seed=9, device=device, n_step=n_step
    )
    restored.load_state_dict(old_format(state, 0.99))
    for key, value in state["data"].items():
        np.testing.assert_array_equal(restored.state_dict()["data"][key], value, err_msg=key)
    for _ in range(3):
        assert batches_equal(original.sample(64), restored.sample(64))


def buffer_with_gamma(gamma: float, n_step: int) -> ReplayBuffer:
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=n_step, gamma=gamma)
    five_step_episode(buf, terminated=False)
    return buf


@pytest.mark.parametrize("gamma", [0.0, 1.0])
def test_discounts_that_cannot_tell_the_steps_apart(gamma: float) -> None:
    # One-step transitions: each one summed 1 reward, whatever its discount says.
    state = old_format(buffer_with_gamma(gamma, 1).state_dict(), gamma)
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=1, gamma=gamma)
    buf.load_state_dict(state)
    np.testing.assert_array_equal(buf.state_dict()["data"]["steps"], [1] * 5)
    # n-step transitions: γ^k is the same for every k, so k is not made up but refused.
    state = old_format(buffer_with_gamma(gamma, 3).state_dict(), gamma)
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=3, gamma=gamma)
    with pytest.raises(ValueError, match=f"with gamma {gamma} and n_step 3 do not tell"):
        buf.load_state_dict(state)
    # Without transitions there is nothing to tell apart.
    buf.load_state_dict(old_format(buffer_with_gamma(gamma, 3).state_dict(False), gamma))
    assert len(buf) == 0


def test_bad_step_columns_are_refused() -> None:
    state = buffer_with_gamma(0.5, 3).state_dict()
    buf = ReplayBuffer(100, SCALAR, gym.spaces.Discrete(2), n_step=3, gamma=0.5)
    broken = old_format(state, 0.5)
    broken["data"]["discounts"] = broken["data"]["discounts"] * 0.9
    with pytest.raises(ValueError, match=r"discounts that are not γ\^k"):
        buf.load_state_dict(broken)
    short = old_format(state, 0.5)
    short["data"]["discounts"] = short["data"]["discounts"][:-1]
    with pytest.raises(ValueError, match="discounts of shape"):
        buf.load_state_dict(short)
    for bad in (0, 4):
        steps = state["data"]["steps"].copy()
        steps[1] = bad
        with pytest.raises(ValueError, match=r"steps outside 1\.\.3"):
            buf.load_state_dict(dict(state, data=dict(state["data"], steps=steps)))


def test_sample_shapes_and_device(device: str) -> None:
    buf = ReplayBuffer(50, BOX4, gym.spaces.Box(-1, 1, (2,), np.float32), num_envs=2, device=device)
    for _ in range(16):
        obs = np.random.default_rng(0).normal(size=(2, 4)).astype(np.float32)
        buf.add(
            obs, np.zeros((2, 2), np.float32), np.ones(2), obs, np.zeros(2, bool), np.zeros(2, bool)
        )
    batch = buf.sample(32)
    assert isinstance(batch, ReplayBatch)
    expected = {"obs": (32, 4), "actions": (32, 2), "next_obs": (32, 4)}
    for name, value in batch._asdict().items():
        assert value.device.type == torch.device(device).type
        assert value.shape == expected.get(name, (32,))


def test_samples_are_copies(device: str) -> None:
    buf = ReplayBuffer(10, SCALAR, gym.spaces.Discrete(2), device=device)
    add_step(buf, 1, 2, reward=3.0)
    buf.sample(1).rewards.fill_(-1.0)
    assert buf.sample(1).rewards.item() == 3.0


def filled(seed: int, device: str = "cpu", n_step: int = 1) -> ReplayBuffer:
    buf = ReplayBuffer(
        1000, SCALAR, gym.spaces.Discrete(2), num_envs=2, seed=seed, device=device, n_step=n_step
    )
    # 202 steps: both envs are in mid-episode, with n-step items pending.
    run_episodes(buf, [[7, 3], [5]], steps=202)
    return buf


def batches_equal(a: ReplayBatch, b: ReplayBatch) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_seed_decides_the_samples(device: str) -> None:
    a, b, c = filled(1, device), filled(1, device), filled(2, device)
    for _ in range(3):
        batch_a, batch_b, batch_c = a.sample(64), b.sample(64), c.sample(64)
        assert batches_equal(batch_a, batch_b)
        assert not batches_equal(batch_a, batch_c)


def test_state_dict_round_trip_resumes_exactly(device: str, tmp_path: Path) -> None:
    original = filled(3, device, n_step=3)
    original.sample(16)  # the generator has moved on; the state must carry that
    state = original.state_dict()
    assert any(len(q["rewards"]) for q in state["pending"])  # pending items to carry over
    # Plain data: it goes through an rlkit checkpoint, which refuses anything else.
    save_checkpoint(tmp_path / "c.npz", {"buffer": state})
    restored = ReplayBuffer(
        1000, SCALAR, gym.spaces.Discrete(2), num_envs=2, seed=99, device=device, n_step=3
    )
    restored.load_state_dict(load_checkpoint(tmp_path / "c.npz")["buffer"])
    assert len(restored) == len(original)
    for saved, loaded in zip(state["pending"], restored.state_dict()["pending"], strict=True):
        for key in ("obs", "actions", "rewards"):
            np.testing.assert_array_equal(saved[key], loaded[key])
    for _ in range(3):
        assert batches_equal(original.sample(64), restored.sample(64))
    # Both finish the pending windows and keep writing alike.
    for buf in (original, restored):
        buf.add(
            np.array([5.0, 6.0]),
            np.array([1, 1]),
            np.array([2.0, 2.0]),
            np.array([7.0, 8.0]),
            np.array([True, True]),
            np.array([False, False]),
        )
    for key, value in original.state_dict()["data"].items():
        np.testing.assert_array_equal(value, restored.state_dict()["data"][key], err_msg=key)
    assert batches_equal(original.sample(64), restored.sample(64))


def test_state_dict_does_not_change_after_more_adds(device: str) -> None:
    buf = filled(0, device)
    state = buf.state_dict()
    before = state["data"]["obs"].copy()
    run_episodes(buf, [[3], [4]], steps=20)
    np.testing.assert_array_equal(state["data"]["obs"], before)


def test_state_without_data_loads_as_an_empty_buffer_with_the_same_generator(device: str) -> None:
    original = filled(4, device, n_step=3)
    state = original.state_dict(include_data=False)
    assert state["size"] == 0 and len(state["data"]["obs"]) == 0
    restored = ReplayBuffer(
        1000, SCALAR, gym.spaces.Discrete(2), num_envs=2, seed=123, device=device, n_step=3
    )
    run_episodes(restored, [[2], [2]], steps=5)
    restored.load_state_dict(state)
    assert len(restored) == 0
    assert all(len(q["rewards"]) == 0 for q in restored.state_dict()["pending"])
    with pytest.raises(ValueError, match=r"batch of 1 .* holding 0"):
        restored.sample(1)
    # Refilled with the same transitions, it draws what the original would have drawn.
    run_episodes(restored, [[7, 3], [5]], steps=202)
    assert batches_equal(original.sample(64), restored.sample(64))
    # Without data, the capacity and n-step settings are free to change on resume.
    bigger = ReplayBuffer(5000, SCALAR, gym.spaces.Discrete(2), num_envs=4, device=device)
    bigger.load_state_dict(state)
    assert len(bigger) == 0


def test_state_from_another_device_loads_with_a_warning() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")
    state = filled(5, "cpu").state_dict()
    on_gpu = ReplayBuffer(1000, SCALAR, gym.spaces.Discrete(2), num_envs=2, device="cuda")
    with pytest.warns(RuntimeWarning, match="saved on cpu, not cuda"):
        on_gpu.load_state_dict(state)
    for key, value in on_gpu.state_dict()["data"].items():
        np.testing.assert_array_equal(value, state["data"][key], err_msg=key)


def test_load_rejects_a_state_that_does_not_fit() -> None:
    state = filled(0).state_dict()
    smaller = ReplayBuffer(500, SCALAR, gym.spaces.Discrete(2), num_envs=2)
    with pytest.raises(ValueError, match="capacity 1000, this buffer has 500"):
        smaller.load_state_dict(state)
    other_obs = ReplayBuffer(1000, BOX4, gym.spaces.Discrete(2), num_envs=2)
    with pytest.raises(ValueError, match="obs_shape"):
        other_obs.load_state_dict(state)
    other_n = ReplayBuffer(1000, SCALAR, gym.spaces.Discrete(2), num_envs=2, n_step=3)
    with pytest.raises(ValueError, match="n_step"):
        other_n.load_state_dict(state)
    broken = dict(state, data=dict(state["data"], rewards=state["data"]["rewards"][:-1]))
    with pytest.raises(ValueError, match="rewards of shape"):
        ReplayBuffer(1000, SCALAR, gym.spaces.Discrete(2), num_envs=2).load_state_dict(broken)
    with pytest.raises(ValueError, match="lacks generator"):
        ReplayBuffer(1000, SCALAR, gym.spaces.Discrete(2), num_envs=2).load_state_dict(
            {k: v for k, v in state.items() if k != "generator"}
        )


@pytest.mark.parametrize("n_step", [1, 3])
@pytest.mark.parametrize("num_envs", [3, 300])  # 300: more rows in one add than are staged
def test_gpu_storage_holds_what_cpu_storage_holds(n_step: int, num_envs: int) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")
    lengths = [[4 + i % 5, 9] for i in range(num_envs)]
    bufs = [
        ReplayBuffer(500, SCALAR, gym.spaces.Discrete(2), num_envs, device=d, n_step=n_step)
        for d in ("cpu", "cuda")
    ]
    for buf in bufs:
        for step, args in enumerate(episode_steps(lengths, 280)):
            buf.add(*args)
            if step % 7 == 6 and len(buf) >= 8:
                buf.sample(8)  # flushes the staged rows, now and then in the middle of a wrap
    cpu_state, gpu_state = (buf.state_dict() for buf in bufs)
    assert (cpu_state["size"], cpu_state["pos"]) == (gpu_state["size"], gpu_state["pos"])
    for key, value in cpu_state["data"].items():
        np.testing.assert_array_equal(value, gpu_state["data"][key], err_msg=key)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capacity": 0}, "capacity must be >= 1, got 0"),
        ({"n_step": 0}, "n_step must be >= 1, got 0"),
        ({"num_envs": 0}, "num_envs must be >= 1, got 0"),
        ({"gamma": 1.5}, r"gamma must be in \[0, 1\], got 1.5"),
        ({"gamma": -0.1}, r"gamma must be in \[0, 1\], got -0.1"),
        ({"observation_space": gym.spaces.MultiDiscrete([2, 3])}, "not MultiDiscrete"),
        (
            {"action_space": gym.spaces.Dict({"a": gym.spaces.Discrete(2)})},
            "action spaces, not Dict",
        ),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, message: str) -> None:
    args = {"capacity": 10, "observation_space": BOX4, "action_space": gym.spaces.Discrete(2)}
    with pytest.raises(ValueError, match=message):
        ReplayBuffer(**{**args, **kwargs})


def test_bad_sample_and_add_calls_are_refused() -> None:
    buf = ReplayBuffer(10, SCALAR, gym.spaces.Discrete(2), num_envs=2)
    with pytest.raises(ValueError, match="batch of 32 from a replay buffer holding 0"):
        buf.sample(32)
    buf.add(
        np.zeros(2),
        np.zeros(2, np.int64),
        np.zeros(2),
        np.ones(2),
        np.zeros(2, bool),
        np.zeros(2, bool),
    )
    with pytest.raises(ValueError, match="batch of 3 from a replay buffer holding 2"):
        buf.sample(3)
    with pytest.raises(ValueError, match="batch of 0"):
        buf.sample(0)
    with pytest.raises(ValueError, match="expects 2 env rows per add, got 1"):
        buf.add(np.zeros(1), np.zeros(1, np.int64), np.zeros(1), np.ones(1), FALSE, FALSE)
