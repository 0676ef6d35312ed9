"""Pixel observations in the agents: the CNN encoders, frame stacking (single and batched), pixel
pong and Atari configs, and DQN keeping frames as uint8."""

from __future__ import annotations

import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit
from rlkit.config.compose import load_env_config
from rlkit.envkit.make import make_env, make_vec_env
from rlkit.envkit.vector import FrameStackVectorEnv
from rlkit.errors import ConfigError
from rlkit.nets import NatureCNN, ResNetEncoder, observation_encoder
from rlkit.nets import encoders as encoders_module
from rlkit.parts.frame_replay import FrameReplayBuffer
from tests.helpers import run_cli

FRAMES = gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)


@pytest.mark.parametrize(
    ("name", "cls", "width"), [("auto", NatureCNN, 512), ("nature_cnn", NatureCNN, 512)]
)
def test_auto_picks_the_nature_cnn_for_frames(name: str, cls: type, width: int) -> None:
    encoder, features = observation_encoder(FRAMES, name)
    assert isinstance(encoder, cls) and features == width
    out = encoder(torch.zeros(3, 4, 84, 84, dtype=torch.uint8))
    assert out.shape == (3, width)


def test_uint8_frames_are_scaled_on_the_device() -> None:
    torch.manual_seed(0)
    encoder = NatureCNN((4, 84, 84))
    frames = torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8)
    torch.testing.assert_close(encoder(frames), encoder(frames.float() / 255.0))


def test_resnet_encoder_and_single_grey_frames() -> None:
    encoder, features = observation_encoder(FRAMES, "resnet")
    assert isinstance(encoder, ResNetEncoder) and features == 256
    grey, features = observation_encoder(gym.spaces.Box(0, 255, (84, 84), np.uint8))
    assert grey(torch.zeros(2, 84, 84, dtype=torch.uint8)).shape == (2, features)


def test_flatten_sizes_come_from_a_dummy_pass() -> None:
    # 64x64 frames: 3136 would be wrong here (that is 84x84's size).
    encoder = NatureCNN((1, 64, 64), features=32)
    assert encoder.linear[0].in_features == 64 * 4 * 4


def test_bad_encoder_requests_are_one_line() -> None:
    with pytest.raises(ConfigError, match="choose one of: auto, nature_cnn, resnet, mlp"):
        observation_encoder(FRAMES, "vit")
    with pytest.raises(ConfigError, match="reads image observations"):
        observation_encoder(gym.spaces.Box(-1, 1, (4,), np.float32), "nature_cnn")
    with pytest.raises(ConfigError, match="at least 36x36"):
        NatureCNN((4, 20, 20))
    with pytest.raises(ConfigError, match="too small"):
        ResNetEncoder((1, 4, 4))


def test_mlp_on_images_is_allowed_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoders_module, "_warned_mlp_on_images", False)
    with pytest.warns(UserWarning, match="flattens"):
        _, features = observation_encoder(FRAMES, "mlp")
    assert features == 4 * 84 * 84
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        observation_encoder(FRAMES, "mlp")  # the second time stays quiet


def test_batched_frame_stack_equals_single_env_frame_stack() -> None:
    """FrameStackVectorEnv over batched pong gives Gymnasium's FrameStackObservation of single envs,
    across episode ends (short squash episodes end often under random actions)."""
    cfg = load_env_config("pong_pixels")
    cfg.mode, cfg.frame_skip = "squash", 4
    envs = make_vec_env(cfg, 3)
    assert isinstance(envs, FrameStackVectorEnv)
    singles = [make_env(cfg) for _ in range(3)]
    obs, _ = envs.reset(seed=5)
    for i, env in enumerate(singles):
        np.testing.assert_array_equal(obs[i], env.reset(seed=5 + i)[0])
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(400):
        actions = rng.integers(3, size=3)
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        for i, env in enumerate(singles):
            single_obs, reward, term, trunc, _ = env.step(int(actions[i]))
            assert (reward, term, trunc) == (rewards[i], terminated[i], truncated[i])
            if term or trunc:
                ended += 1
                np.testing.assert_array_equal(infos["final_obs"][i], single_obs)
                single_obs, _ = env.reset()
            np.testing.assert_array_equal(obs[i], single_obs)
    assert ended >= 3


def test_atari_config_gives_the_papers_frames() -> None:
    env = make_env(load_env_config("atari"))
    obs, _ = env.reset(seed=0)
    assert env.observation_space.shape == (4, 84, 84) and obs.dtype == np.uint8
    rewards = [env.step(env.action_space.sample())[1] for _ in range(50)]
    assert set(rewards) <= {-1.0, 0.0, 1.0}
    env.close()


def test_dqn_on_pixel_pong_keeps_uint8_frames(tmp_path: Path) -> None:
    """A smoke run (a CNN update costs ~0.3 s on one slow CPU core; pixel learning is a GPU
    benchmark): the buffer holds uint8 stacks and the agent acts and saves."""
    run = rlkit.train(
        "dqn",
        "pong_pixels",
        total_steps=300,
        num_envs=2,
        agent__learning_starts=200,
        agent__train_freq=50,
        agent__batch_size=8,
        agent__buffer_size=400,
        eval_episodes=0,
        env__mode="squash",
        progress=False,
        run_dir=tmp_path / "run",
    )
    agent = rlkit.load(run.dir)
    # Each 84x84 frame is kept once, as bytes; the stacks are rebuilt when sampled.
    assert isinstance(agent.buffer, FrameReplayBuffer) and agent.buffer.k == 4
    frames = agent.buffer._pool.tensor
    assert frames.dtype == torch.uint8 and frames.shape[1:] == (84, 84)
    assert isinstance(agent.q_net.encoder, NatureCNN)
    frame = np.zeros((4, 84, 84), np.uint8)
    assert agent.predict(frame, deterministic=True)[0] in (0, 1, 2)


def test_unknown_encoder_on_the_command_line(in_tmp: Path) -> None:
    out = run_cli("agent=dqn", "env=pong_pixels", "agent.encoder=vit", cwd=in_tmp)
    assert out.returncode == 2
    assert "agent.encoder='vit' is not valid; choose one of: auto, nature_cnn, resnet, mlp" in (
        out.stderr
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_one_line(in_tmp: Path) -> None:
    out = run_cli("agent=dqn", "env=cartpole", "device=cuda", cwd=in_tmp)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "no CUDA GPU is available; use device=auto (it picks the CPU here)" in out.stderr
