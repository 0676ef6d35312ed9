"""DDPG on image observations: a CNN actor and critic (``agent.encoder``), uint8 frames in the
buffer, the mlp warning, the one-line error for an unknown encoder, and save/load.

The env is a tiny synthetic one (below): a dot on a 36x36 grey frame that the 2-d action moves,
so a run of a few hundred steps costs a second or two on one CPU core.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit
from rlkit.agents.ddpg import DDPG
from rlkit.nets import FloatFlatten, NatureCNN
from rlkit.nets import encoders as encoders_module
from tests.helpers import run_cli

ENV_ID = "rlkit_tests/PixelDot-v0"
SIZE = 36  # NatureCNN's smallest frame


class PixelDotEnv(gym.Env):
    """A 3x3 white dot on a black ``(1, SIZE, SIZE)`` uint8 frame (channels first, like pixel
    pong's stacks). The action, in [-1, 1]², moves the dot by up to 3 px a step; the reward is
    minus its distance to the centre (in frame widths). Episodes are cut at 20 steps."""

    observation_space = gym.spaces.Box(0, 255, (1, SIZE, SIZE), np.uint8)
    action_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)

    def __init__(self, render_mode: str | None = None) -> None:
        self.render_mode = render_mode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.pos = self.np_random.uniform(1, SIZE - 2, 2)
        return self._frame(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self.pos = np.clip(self.pos + 3.0 * np.asarray(action, np.float64), 1, SIZE - 2)
        reward = -float(np.linalg.norm(self.pos - (SIZE - 1) / 2)) / SIZE
        return self._frame(), reward, False, False, {}

    def _frame(self) -> np.ndarray:
        frame = np.zeros(self.observation_space.shape, np.uint8)
        row, col = np.rint(self.pos).astype(int)
        frame[0, row - 1 : row + 2, col - 1 : col + 2] = 255
        return frame


if ENV_ID not in gym.registry:
    gym.register(ENV_ID, entry_point=PixelDotEnv, max_episode_steps=20)


def train_pixel_dot(
    run_dir: Path, total_steps: int = 300, agent: str = "ddpg", **fields: object
) -> rlkit.Run:
    """DDPG (or ``agent``) on the dot through the public API (the env by its id, the agent's
    defaults), with small nets and batches."""
    return rlkit.train(
        agent,
        ENV_ID,
        seed=0,
        run_dir=run_dir,
        total_steps=total_steps,
        progress=False,
        device="cpu",
        torch_threads=1,
        log_interval=100,
        eval_episodes=1,
        agent__learning_starts=100,
        agent__train_freq=2,
        agent__batch_size=16,
        agent__buffer_size=1000,
        agent__actor_hidden_sizes=[32],
        agent__critic_hidden_sizes=[32],
        **fields,
    )


def frames(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 1, SIZE, SIZE), dtype=np.uint8)


def test_auto_builds_cnn_actor_and_critic_and_keeps_uint8_frames(
    in_tmp: Path, one_torch_thread: None
) -> None:
    run = train_pixel_dot(in_tmp / "run")
    (run.dir / "policy.npz").unlink()  # rlkit.load then reads the checkpoint, buffer included
    agent = rlkit.load(run.dir)
    assert isinstance(agent, DDPG)
    # Each network has its own CNN (and the targets their own copies).
    encoders = [
        net.encoder for net in (agent.actor, agent.critic, agent.actor_target, agent.critic_target)
    ]
    assert all(isinstance(e, NatureCNN) for e in encoders)
    assert len({id(p) for e in encoders for p in e.parameters()}) == 4 * len(
        list(encoders[0].parameters())
    )
    stored_obs = agent.buffer.sample(300).obs
    assert stored_obs.dtype == torch.uint8 and stored_obs.shape[1:] == (1, SIZE, SIZE)
    assert int(stored_obs.max()) == 255  # real frames were stored, as bytes
    # It trained: both encoders moved away from their initial weights, and losses were logged.
    fresh = DDPG(run.config.agent, PixelDotEnv.observation_space, PixelDotEnv.action_space, seed=0)
    for trained, initial in ((agent.actor, fresh.actor), (agent.critic, fresh.critic)):
        assert not torch.equal(trained.encoder.convs[0].weight, initial.encoder.convs[0].weight)
    header, *rows = (run.dir / "metrics.csv").read_text().splitlines()
    column = header.split(",").index("critic_loss")
    losses = [float(r.split(",")[column]) for r in rows if r.split(",")[column]]
    assert len(losses) == 3 and np.isfinite(losses).all()  # rows at steps 100, 200, 300
    assert run.summary["eval_return_mean"] is not None


def test_mlp_encoder_on_images_warns_once_and_runs(
    in_tmp: Path, one_torch_thread: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoders_module, "_warned_mlp_on_images", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = train_pixel_dot(in_tmp / "run", total_steps=150, agent__encoder="mlp")
    flatten_warnings = [w for w in caught if "flattens (1, 36, 36) image" in str(w.message)]
    assert len(flatten_warnings) == 1  # once, though actor and critic each built an encoder
    agent = rlkit.load(run.dir)
    assert isinstance(agent.actor.encoder, FloatFlatten)
    assert agent.actor.mlp.layers[0].in_features == SIZE * SIZE
    assert agent.critic.mlp.layers[0].in_features == SIZE * SIZE + 2
    assert agent.buffer._pool.tensor.dtype == torch.uint8  # frames stored as bytes


def test_unknown_encoder_on_the_command_line(in_tmp: Path) -> None:
    out = run_cli("agent=ddpg", "env=pendulum", "agent.encoder=vit", cwd=in_tmp)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "agent.encoder='vit' is not valid; choose one of: auto, nature_cnn, resnet, mlp" in (
        out.stderr
    )
    assert not (in_tmp / "runs").exists()


def test_save_and_load_give_the_same_predictions_on_frames(
    in_tmp: Path, one_torch_thread: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained: list[DDPG] = []
    write_report = DDPG.write_report

    def keep_agent(self: DDPG, run_dir: Path, env: gym.Env) -> str:
        trained.append(self)  # the agent as training left it, after its last checkpoint
        return write_report(self, run_dir, env)

    monkeypatch.setattr(DDPG, "write_report", keep_agent)
    run = train_pixel_dot(in_tmp / "run", total_steps=200, agent__encoder="nature_cnn")
    loaded = rlkit.load(run.dir)
    batch = frames(5)
    np.testing.assert_array_equal(
        loaded.predict(batch, deterministic=True)[0],
        trained[0].predict(batch, deterministic=True)[0],
    )
    single = loaded.predict(batch[0], deterministic=True)[0]
    assert single.shape == (2,) and np.all(np.abs(single) <= 1.0)
    np.testing.assert_array_equal(single, trained[0].predict(batch[0], deterministic=True)[0])
    # uint8 frames are scaled to [0, 1] inside the net: the same as feeding the scaled floats.
    policy = loaded.policy_module()
    with torch.no_grad():
        from_bytes = policy(torch.as_tensor(batch)).numpy()
        from_floats = policy(torch.as_tensor(batch).float() / 255.0).numpy()
    np.testing.assert_allclose(loaded.predict(batch, deterministic=True)[0], from_bytes, atol=1e-6)
    np.testing.assert_allclose(from_bytes, from_floats, atol=1e-6)
