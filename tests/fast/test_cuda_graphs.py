"""CUDA graphs of DQN's and DDPG's updates and actions: the same maths as eager (losses, weights
and Adam's whole state, checked on a GPU), and one-line errors where they cannot work (checked
anywhere)."""

from __future__ import annotations

import copy
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.ddpg import DDPG
from rlkit.agents.dqn import DQN
from rlkit.config.schema import DDPGConfig, DQNConfig
from rlkit.errors import ConfigError
from rlkit.fast.cuda_graphs import GraphedPolicy
from rlkit.parts.transition import Transition
from tests.helpers import run_cli

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
FRAMES = gym.spaces.Box(0, 255, (4, 48, 48), np.uint8)
N_ENVS = 2


def pixel_agent(device: str, graphs: bool | None, **cfg: object) -> DQN:
    """A small NatureCNN DQN on 4 stacked 48x48 frames, 2 envs."""
    config = DQNConfig(
        batch_size=16,
        buffer_size=400,
        learning_starts=0,
        hidden_sizes=[64],
        train_freq=1,
        target_update_interval=5,
        epsilon_end=0.0,
        epsilon_decay_steps=1,
        loss="huber",
        double_q=True,
        max_grad_norm=10.0,
        cuda_graphs=graphs,
        **cfg,
    )
    return DQN(config, FRAMES, gym.spaces.Discrete(3), seed=0, device=device, num_envs=N_ENVS)


def fill(agent: DQN, steps: int, seed: int = 1) -> np.ndarray:
    """Store ``steps`` vector steps of random frames; return the last observations."""
    rng = np.random.default_rng(seed)
    obs = rng.integers(0, 256, (N_ENVS, *FRAMES.shape), dtype=np.uint8)
    for _ in range(steps):
        next_obs = rng.integers(0, 256, (N_ENVS, *FRAMES.shape), dtype=np.uint8)
        terminated = rng.random(N_ENVS) < 0.1
        agent.store(
            Transition(
                obs,
                rng.integers(3, size=N_ENVS),
                rng.normal(size=N_ENVS).astype(np.float32),
                next_obs,
                terminated,
                np.zeros(N_ENVS, dtype=bool),
            )
        )
        obs = next_obs
    return obs


def assert_optimizers_equal(ours: torch.optim.Optimizer, reference: torch.optim.Optimizer) -> None:
    """Adam's whole state, parameter by parameter: step, both moments, at the weights' tolerance."""
    ours_state, reference_state = ours.state_dict()["state"], reference.state_dict()["state"]
    assert ours_state.keys() == reference_state.keys()
    for index, entry in reference_state.items():
        assert ours_state[index].keys() == entry.keys()
        for key, value in entry.items():
            torch.testing.assert_close(
                torch.as_tensor(ours_state[index][key], dtype=torch.float64).cpu(),
                torch.as_tensor(value, dtype=torch.float64).cpu(),
                rtol=1e-5,
                atol=1e-6,
                msg=lambda m, i=index, k=key: f"optimizer state {i}.{k}: {m}",
            )


def parameters(agent: DQN) -> list[torch.Tensor]:
    return [p.detach().clone() for p in [*agent.q_net.parameters(), *agent.q_target.parameters()]]


@CUDA
def test_graphed_updates_and_actions_match_eager() -> None:
    eager, graphed = pixel_agent("cuda", False), pixel_agent("cuda", True)
    assert graphed.fast.backend == "cuda_graphs" and eager.fast.backend != "cuda_graphs"
    obs = fill(eager, 60)
    fill(graphed, 60)
    eager_losses, graphed_losses = [], []
    # Past the eager warm-up calls, so most of these are replays of the recorded graph.
    for step in range(12):
        eager_losses.append(eager.run_due_updates(step + 1)["loss"])
        graphed_losses.append(graphed.run_due_updates(step + 1)["loss"])
    assert graphed.fast.update._graph is not None  # recorded and replayed
    # Each call's metrics are its own (a replay does not overwrite the earlier ones).
    torch.testing.assert_close(torch.stack(graphed_losses), torch.stack(eager_losses))
    for a, b in zip(parameters(graphed), parameters(eager), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert_optimizers_equal(graphed.optimizer, eager.optimizer)
    step = 10_000  # ε is 0: every action is greedy
    np.testing.assert_array_equal(graphed.act(obs, step), eager.act(obs, step))
    # Evaluation's single observations get a graph of their own.
    np.testing.assert_array_equal(
        graphed.predict(obs[0], deterministic=True)[0], eager.predict(obs[0], deterministic=True)[0]
    )
    assert len(graphed.fast.policy._graphs) == 2


@CUDA
def test_policy_graphs_per_shape_then_eager() -> None:
    eager, graphed = pixel_agent("cuda", False), pixel_agent("cuda", True)
    frames = np.random.default_rng(3).integers(0, 256, (8, *FRAMES.shape), dtype=np.uint8)
    # One more batch shape than there are graphs: the last runs eagerly, with the same answer.
    for size in range(1, GraphedPolicy.MAX_SHAPES + 2):
        np.testing.assert_array_equal(
            graphed.predict(frames[:size], deterministic=True)[0],
            eager.predict(frames[:size], deterministic=True)[0],
        )
    assert len(graphed.fast.policy._graphs) == GraphedPolicy.MAX_SHAPES


@CUDA
def test_graphs_follow_loaded_state() -> None:
    source, target = pixel_agent("cuda", True), pixel_agent("cuda", True)
    fill(source, 60)
    fill(target, 60, seed=2)  # different data: its recorded graph and optimiser state differ
    for step in range(6):
        source.run_due_updates(step + 1)
        target.run_due_updates(step + 1)
    # A copy, as from a file: torch's load_state_dict may keep the very tensors it is given.
    target.load_state_dict(copy.deepcopy(source.state_dict()))
    for step in range(6, 12):
        source.run_due_updates(step + 1)
        target.run_due_updates(step + 1)
    for a, b in zip(parameters(target), parameters(source), strict=True):
        torch.testing.assert_close(a, b)
    assert_optimizers_equal(target.optimizer, source.optimizer)


def ddpg_agent(device: str, graphs: bool | None, **cfg: object) -> DDPG:
    """A small DDPG on 3-number observations and one action in [-2, 2] (Pendulum's spaces)."""
    config = DDPGConfig(
        batch_size=16,
        buffer_size=400,
        learning_starts=0,
        actor_hidden_sizes=[32, 32],
        critic_hidden_sizes=[32, 32],
        cuda_graphs=graphs,
        **cfg,
    )
    observations = gym.spaces.Box(-8.0, 8.0, (3,), np.float32)
    actions = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)
    return DDPG(config, observations, actions, seed=0, device=device, num_envs=N_ENVS)


def fill_ddpg(agent: DDPG, steps: int) -> np.ndarray:
    """Store ``steps`` vector steps of random transitions; return the last observations."""
    rng = np.random.default_rng(1)
    obs = rng.normal(size=(N_ENVS, 3)).astype(np.float32)
    for _ in range(steps):
        next_obs = rng.normal(size=(N_ENVS, 3)).astype(np.float32)
        agent.store(
            Transition(
                obs,
                rng.uniform(-2, 2, (N_ENVS, 1)).astype(np.float32),
                rng.normal(size=N_ENVS).astype(np.float32),
                next_obs,
                rng.random(N_ENVS) < 0.1,
                np.zeros(N_ENVS, dtype=bool),
            )
        )
        obs = next_obs
    return obs


def ddpg_parameters(agent: DDPG) -> list[torch.Tensor]:
    nets = (agent.actor, agent.critic, agent.actor_target, agent.critic_target)
    return [p.detach().clone() for net in nets for p in net.parameters()]


@CUDA
def test_graphed_ddpg_matches_eager() -> None:
    eager, graphed = ddpg_agent("cuda", False), ddpg_agent("cuda", True)
    obs = fill_ddpg(eager, 60)
    fill_ddpg(graphed, 60)
    eager_metrics = [eager.run_due_updates(step + 1) for step in range(10)]
    graphed_metrics = [graphed.run_due_updates(step + 1) for step in range(10)]
    assert graphed.fast.update._graph is not None
    for name in DDPG.metric_names:
        torch.testing.assert_close(
            torch.stack([m[name] for m in graphed_metrics]),
            torch.stack([m[name] for m in eager_metrics]),
        )
    for a, b in zip(ddpg_parameters(graphed), ddpg_parameters(eager), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert_optimizers_equal(graphed.actor_optimizer, eager.actor_optimizer)
    assert_optimizers_equal(graphed.critic_optimizer, eager.critic_optimizer)
    np.testing.assert_allclose(
        graphed.predict(obs, deterministic=True)[0],
        eager.predict(obs, deterministic=True)[0],
        rtol=1e-5,
        atol=1e-6,
    )
    assert len(graphed.fast.policy._graphs) == 1


def test_policy_graph_per_shape_and_dtype_bookkeeping_on_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The recording itself needs a GPU; which batches get a graph and which run eagerly does not.
    recorded: list[tuple[tuple[int, ...], str]] = []

    class StandIn:
        def __init__(self, policy, example: np.ndarray, device: torch.device) -> None:
            recorded.append((example.shape, example.dtype.str))
            self.policy = policy

        def __call__(self, obs: np.ndarray) -> np.ndarray:
            return self.policy(torch.as_tensor(obs)).numpy() + 1000  # marks a "replay"

    monkeypatch.setattr("rlkit.fast.cuda_graphs._RecordedPolicy", StandIn)
    graphed = GraphedPolicy(lambda x: x.float().sum(dim=1), torch.device("cpu"))
    rows = np.arange(12, dtype=np.float32).reshape(6, 2)
    for size in (2, 1, 2, 3, 1):
        np.testing.assert_array_equal(graphed(rows[:size]), rows[:size].sum(axis=1) + 1000)
    # A new dtype is a new graph (its copy-in would convert otherwise); the fourth shape fills up.
    np.testing.assert_array_equal(graphed(rows[:2].astype(np.int64)), [1001, 1005])
    assert recorded == [((2, 2), "<f4"), ((1, 2), "<f4"), ((3, 2), "<f4"), ((2, 2), "<i8")]
    # Past MAX_SHAPES: eager, same answer without the marker, nothing recorded.
    np.testing.assert_array_equal(graphed(rows[:5]), rows[:5].sum(axis=1))
    assert len(recorded) == GraphedPolicy.MAX_SHAPES
    # Non-contiguous input is made contiguous before it is copied into a recorded tensor.
    np.testing.assert_array_equal(graphed(rows[::2][:3]), rows[::2][:3].sum(axis=1) + 1000)


def test_auto_is_off_without_a_gpu_and_on_cpu_loads_gpu_optimiser_state() -> None:
    agent = pixel_agent("cpu", None)
    assert agent.fast.backend != "cuda_graphs"
    state = agent.state_dict()
    for group in state["optimizer"]["param_groups"]:
        group["capturable"] = True  # as saved by a graphed run on a GPU
    agent.load_state_dict(state)
    assert not agent.optimizer.param_groups[0]["capturable"]


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"compile": True}, "agent.cuda_graphs=true with agent.compile=true: choose one"),
        ({"lr_end": 1e-5}, "agent.cuda_graphs=true with agent.lr_end"),
    ],
)
def test_forced_graphs_that_cannot_work_are_config_errors(cfg: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DQNConfig(cuda_graphs=True, **cfg)
    with pytest.raises(ConfigError, match=r"agent.cuda_graphs=true with agent.lr_decay_steps"):
        DDPGConfig(cuda_graphs=True, lr_decay_steps=1000)
    with pytest.raises(ConfigError, match=r"agent.cuda_graphs=true with agent.compile=true"):
        DDPGConfig(cuda_graphs=True, compile=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_forced_graphs_without_a_gpu_are_one_line(in_tmp: Path) -> None:
    with pytest.raises(ConfigError, match=r"agent.cuda_graphs=true needs device=cuda, not cpu"):
        pixel_agent("cpu", True)
    with pytest.raises(ConfigError, match=r"agent.cuda_graphs=true needs device=cuda, not cpu"):
        ddpg_agent("cpu", True)
    assert ddpg_agent("cpu", None).fast.backend != "cuda_graphs"
    out = run_cli("agent=dqn", "env=cliff", "device=cpu", "agent.cuda_graphs=true", cwd=in_tmp)
    assert out.returncode != 0
    assert "agent.cuda_graphs=true needs device=cuda" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_optimizer_comparison_catches_a_changed_beta1() -> None:
    # The GPU tests above lean on this comparison; it runs here on the CPU.
    def adam_after_three_steps(beta1: float) -> torch.optim.Optimizer:
        torch.manual_seed(0)
        net = torch.nn.Linear(3, 2)
        adam = torch.optim.Adam(net.parameters(), betas=(beta1, 0.999))
        for _ in range(3):
            adam.zero_grad()
            net(torch.ones(4, 3)).square().sum().backward()
            adam.step()
        return adam

    assert_optimizers_equal(adam_after_three_steps(0.9), adam_after_three_steps(0.9))
    with pytest.raises(AssertionError, match="exp_avg"):
        assert_optimizers_equal(adam_after_three_steps(0.91), adam_after_three_steps(0.9))
