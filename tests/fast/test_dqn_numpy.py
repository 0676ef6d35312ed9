"""The NumPy DQN update (``agent.update_backend=numpy``) is the torch update, written out: the same
batches give the same losses, weights and Adam state; ``auto`` picks it only where it fits."""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.dqn import DQN
from rlkit.config.schema import DQNConfig
from rlkit.errors import ConfigError
from rlkit.fast.numpy_dqn import NumpyQUpdate
from rlkit.parts.replay import ReplayBatch

CARTPOLE_OBS = gym.spaces.Box(-5.0, 5.0, (4,), dtype=np.float32)


def random_batches(
    obs_space: gym.Space, n_actions: int, count: int, size: int = 32, n_step: int = 1
) -> list:
    rng = np.random.default_rng(0)

    def observations() -> torch.Tensor:
        if isinstance(obs_space, gym.spaces.Discrete):
            return torch.as_tensor(rng.integers(obs_space.n, size=size))
        return torch.as_tensor(rng.normal(size=(size, *obs_space.shape)).astype(np.float32))

    return [
        ReplayBatch(
            obs=observations(),
            actions=torch.as_tensor(rng.integers(n_actions, size=size)),
            rewards=torch.as_tensor(rng.normal(scale=3.0, size=size).astype(np.float32)),
            next_obs=observations(),
            terminated=torch.as_tensor((rng.random(size) < 0.2).astype(np.float32)),
            steps=torch.as_tensor(rng.integers(1, n_step + 1, size=size)),
        )
        for _ in range(count)
    ]


def agent_pair(obs_space: gym.Space, **cfg: object) -> tuple[DQN, DQN]:
    configs = [DQNConfig(update_backend=b, lr=3e-3, **cfg) for b in ("torch", "numpy")]
    agents = tuple(DQN(c, obs_space, gym.spaces.Discrete(3), seed=0) for c in configs)
    assert agents[0].fast.backend == "torch"
    assert isinstance(getattr(agents[1].fast.update, "__self__", None), NumpyQUpdate)
    return agents


@pytest.mark.parametrize(
    ("obs_space", "cfg"),
    [
        (CARTPOLE_OBS, {"loss": "mse"}),
        (CARTPOLE_OBS, {"loss": "huber", "double_q": True}),
        (CARTPOLE_OBS, {"loss": "mse", "max_grad_norm": 0.5, "hidden_sizes": [32, 16, 8]}),
        (gym.spaces.Discrete(48), {"loss": "mse"}),  # the cliff's one-hot states
        (CARTPOLE_OBS, {"loss": "mse", "n_step": 3}),  # steps of 1-3: γ^n from the table
    ],
    ids=["mse", "huber-double-q", "clipped-3-layers", "one-hot", "n-step"],
)
def test_numpy_update_equals_the_torch_update(obs_space: gym.Space, cfg: dict) -> None:
    torch_agent, numpy_agent = agent_pair(obs_space, **cfg)
    for step, b in enumerate(random_batches(obs_space, 3, 100, n_step=cfg.get("n_step", 1))):
        expected = torch_agent.fast.update(b)
        got = numpy_agent.fast.update(b)
        assert got["loss"] == pytest.approx(float(expected["loss"]), rel=1e-4, abs=1e-5), step
        assert got["q_mean"] == pytest.approx(float(expected["q_mean"]), rel=1e-4, abs=1e-5)
        if step % 25 == 24:  # the target net moves too, as in training
            for agent in (torch_agent, numpy_agent):
                agent.q_target.load_state_dict(agent.q_net.state_dict())
    for p_torch, p_numpy in zip(torch_agent.q_net.parameters(), numpy_agent.q_net.parameters(),
                                strict=True):  # fmt: skip
        torch.testing.assert_close(p_numpy, p_torch, rtol=1e-4, atol=1e-5)
        state_t = torch_agent.optimizer.state[p_torch]
        state_n = numpy_agent.optimizer.state[p_numpy]
        assert float(state_n["step"]) == float(state_t["step"]) == 100
        # Adam's state, both moments, at the parameters' tolerance: the DQN page says "Adam state".
        torch.testing.assert_close(state_n["exp_avg"], state_t["exp_avg"], rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(state_n["exp_avg_sq"], state_t["exp_avg_sq"], rtol=1e-4,
                                   atol=1e-10)  # fmt: skip


def test_numpy_update_survives_a_state_dict_load() -> None:
    """Loading a checkpoint copies into the same tensors, so the NumPy views stay live."""
    torch_agent, numpy_agent = agent_pair(CARTPOLE_OBS)
    batches = random_batches(CARTPOLE_OBS, 3, count=10)
    for b in batches[:5]:
        torch_agent.fast.update(b)
    # a deep copy, as from a checkpoint file: torch's optimiser would share state tensors otherwise
    numpy_agent.load_state_dict(copy.deepcopy(torch_agent.state_dict()))
    for b in batches[5:]:
        torch_agent.fast.update(b)
        numpy_agent.fast.update(b)
    for p_torch, p_numpy in zip(torch_agent.q_net.parameters(), numpy_agent.q_net.parameters(),
                                strict=True):  # fmt: skip
        torch.testing.assert_close(p_numpy, p_torch, rtol=1e-4, atol=1e-5)


def test_numpy_greedy_actions_are_the_torch_ones() -> None:
    _, agent = agent_pair(CARTPOLE_OBS, epsilon_end=0.0)
    obs = np.random.default_rng(1).normal(size=(256, 4)).astype(np.float32)
    with torch.no_grad():
        expected = agent.q_net(torch.as_tensor(obs)).argmax(dim=1).numpy()
    np.testing.assert_array_equal(agent.act(obs, global_step=10**9), expected)
    np.testing.assert_array_equal(agent.predict(obs, deterministic=True)[0], expected)


def test_auto_uses_numpy_only_where_it_fits() -> None:
    def backend(obs_space: gym.Space, **cfg: object) -> str:
        agent = DQN(DQNConfig(**cfg), obs_space, gym.spaces.Discrete(2), seed=0)
        return agent.fast.backend

    assert backend(CARTPOLE_OBS) == "numpy"
    assert backend(gym.spaces.Discrete(48)) == "numpy"
    assert backend(CARTPOLE_OBS, dueling=True) == "torch"
    assert backend(CARTPOLE_OBS, compile=True) == "compile"
    assert backend(CARTPOLE_OBS, update_backend="torch") == "torch"
    frames = gym.spaces.Box(0, 255, (4, 84, 84), dtype=np.uint8)
    assert backend(frames) == "torch"


def test_numpy_backend_where_it_cannot_run_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="update_backend=numpy needs an MLP q on the CPU"):
        DQN(DQNConfig(update_backend="numpy", dueling=True), CARTPOLE_OBS, gym.spaces.Discrete(2))
    with pytest.raises(ConfigError, match=r"numpy needs .* this run has compile=true"):
        DQN(DQNConfig(update_backend="numpy", compile=True), CARTPOLE_OBS, gym.spaces.Discrete(2))
    with pytest.raises(ConfigError, match="choose one of: auto, torch, numpy"):
        DQNConfig(update_backend="jax")
