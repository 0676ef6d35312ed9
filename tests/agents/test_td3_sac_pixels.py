"""TD3 and SAC on image observations, as DDPG takes them: each network (the actor and both
critics, and the critics' targets) reads frames through its own CNN from ``agent.encoder``,
frames stay uint8 in the buffer, and a loaded agent predicts as the trained one did."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit
from rlkit.agents.sac import SAC
from rlkit.agents.td3 import TD3
from rlkit.nets import NatureCNN
from tests.agents.test_ddpg_pixels import SIZE, frames, train_pixel_dot


@pytest.mark.parametrize("cls", [TD3, SAC])
def test_cnn_encoders_uint8_frames_and_save_load(
    in_tmp: Path, one_torch_thread: None, monkeypatch: pytest.MonkeyPatch, cls: type
) -> None:
    trained: list[TD3 | SAC] = []
    write_report = cls.write_report

    def keep_agent(self: TD3 | SAC, run_dir: Path, env: gym.Env) -> str:
        trained.append(self)  # the agent as training left it
        return write_report(self, run_dir, env)

    monkeypatch.setattr(cls, "write_report", keep_agent)
    run = train_pixel_dot(in_tmp / "run", total_steps=200, agent=cls.__name__.lower())
    agent = trained[0]
    nets = [agent.actor, agent.critic.q1, agent.critic.q2, agent.critic_target.q1]
    assert all(isinstance(net.encoder, NatureCNN) for net in nets)
    assert len({id(net.encoder.convs[0].weight) for net in nets}) == 4  # each its own
    stored_obs = agent.buffer.sample(100).obs
    assert stored_obs.dtype == torch.uint8 and stored_obs.shape[1:] == (1, SIZE, SIZE)
    assert int(stored_obs.max()) == 255  # real frames were stored, as bytes
    loaded = rlkit.load(run.dir)
    batch = frames(5)
    np.testing.assert_array_equal(
        loaded.predict(batch, deterministic=True)[0], agent.predict(batch, deterministic=True)[0]
    )
    header, *rows = (run.dir / "metrics.csv").read_text().splitlines()
    column = header.split(",").index("critic_loss")
    assert any(r.split(",")[column] for r in rows)  # it trained
