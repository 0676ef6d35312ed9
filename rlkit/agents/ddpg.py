"""DDPG (Lillicrap et al. 2016): an actor, a critic, their targets and a replay buffer.

    initialise the critic Q(s, a|θQ) and the actor μ(s|θμ) at random
    initialise the targets Q' and μ' as copies; an empty replay buffer R
    repeat for each step:
        a = μ(s) + N (exploration noise); take a, observe r and s'; store (s, a, r, s') in R
        sample a random minibatch of N transitions from R
        y = r + γ · Q'(s', μ'(s'))          (y = r on a terminal transition)
        update the critic by minimising (1/N) · Σ (y − Q(s, a))²
        update the actor by the sampled policy gradient: maximise Q(s, μ(s))
        θQ' ← τ·θQ + (1 − τ)·θQ'   and   θμ' ← τ·θμ + (1 − τ)·θμ'

The actor's tanh output lives in [-1, 1]; actions are rescaled to the env's bounds only on the way
out, and the buffer keeps the [-1, 1] actions the critic sees. Observations reach both networks
through an encoder from ``rlkit.nets`` (``agent.encoder``): a flatten for vectors, a CNN for uint8
frames, which stay uint8 in the buffer and are scaled to [0, 1] on the device. The config
(learning rates, τ, the noise) is ``rlkit.config.schema.DDPGConfig``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from rlkit.config.schema import DDPGConfig
from rlkit.fast.paths import actor_critic_backend, actor_critic_paths, fused_adam
from rlkit.nets import observation_encoder
from rlkit.nets.actor_critic import Actor, Critic
from rlkit.parts.continuous import (
    ContinuousExperience,
    actor_actions,
    load_module_states,
    module_states,
)
from rlkit.parts.noise import make_noise
from rlkit.parts.nstep import gamma_powers
from rlkit.parts.replay import ReplayBatch
from rlkit.parts.targets import polyak_update
from rlkit.parts.transition import Transition

NETS_AND_OPTIMIZERS = (
    "actor",
    "critic",
    "actor_target",
    "critic_target",
    "actor_optimizer",
    "critic_optimizer",
)
"""What a checkpoint keeps of DDPG beside the buffer, the noise, the RNGs and the counters."""


class DDPG:
    """Deep deterministic policy gradient for Box observations (vectors or image frames) and
    Box actions."""

    metric_names = ("critic_loss", "actor_loss", "q_mean")

    def __init__(
        self,
        cfg: DDPGConfig,
        observation_space: spaces.Box,
        action_space: spaces.Box,
        seed: int = 0,
        device: str | torch.device = "cpu",
        num_envs: int = 1,
    ) -> None:
        """Build μ, Q, their targets (copies), two optimisers, the buffer and the noise."""
        self.cfg = cfg
        self.device = torch.device(device)
        self.gamma_powers = gamma_powers(cfg.gamma, 1, self.device)
        self.observation_space, self.action_space = observation_space, action_space
        self.obs_shape = observation_space.shape
        self.action_dim = int(np.prod(action_space.shape))
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self._build_networks(observation_space)
        self.update_backend = actor_critic_backend(cfg, self.device, "ddpg_graphs")
        """Which code computes the update: ``torch`` (``DDPG.update``), ``compile`` or
        ``cuda_graphs``."""
        self.actor_optimizer = fused_adam(self._actor_params, cfg.actor_lr, self.update_backend)
        self.critic_optimizer = fused_adam(
            self.critic.parameters(), cfg.critic_lr, self.update_backend
        )
        # The buffer of [-1, 1] actions, their scaling, random actions first, when to train.
        self.experience = ContinuousExperience(
            cfg, observation_space, action_space, self.rng, seed, self.device, num_envs
        )
        self.buffer, self.scaler = self.experience.buffer, self.experience.scaler
        self.noise = make_noise(
            cfg.noise, num_envs, self.action_dim, cfg.noise_sigma, cfg.noise_theta, self.rng
        )
        self.fast = actor_critic_paths(
            "DDPG",
            self.update_backend,
            self.update,
            self.actor,
            lambda obs: actor_actions(self.actor, obs, self.device),
            [self.actor_optimizer, self.critic_optimizer],
        )
        """The code that runs ``update`` and μ(s) (``rlkit/fast/paths.py``)."""

    def _build_networks(self, observation_space: spaces.Box) -> None:
        """μ and Q, and their targets as copies.

        Actor and critic each get their own encoder, as the two separate networks of the DDPG
        paper's pixel experiments: each is trained by its own loss only, and nothing has to
        decide which loss a shared encoder follows. For vectors the encoder is a flatten without
        parameters, so those nets are exactly their MLPs.
        """
        cfg = self.cfg
        encoder, features = observation_encoder(observation_space, cfg.encoder)
        self.actor = Actor(encoder, features, self.action_dim, cfg.actor_hidden_sizes)
        self.actor = self.actor.to(self.device)
        encoder, features = observation_encoder(observation_space, cfg.encoder)
        self.critic = Critic(encoder, features, self.action_dim, cfg.critic_hidden_sizes)
        self.critic = self.critic.to(self.device)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self._actor_params = list(self.actor.parameters())

    def describe_update(self) -> str:
        """Which code computes the update, and how to run another."""
        return self.fast.description

    def _explore(self, obs: np.ndarray) -> np.ndarray:
        """a = μ(s) + N, clipped to [-1, 1]."""
        return np.clip(self.fast.policy(obs) + self.noise.sample(), -1.0, 1.0)

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """μ(s) + noise, clipped to [-1, 1] and rescaled; uniform random before learning starts."""
        return self.experience.act(obs, global_step, self._explore)

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, None]:
        """μ(obs) in the env's units, for one observation or a batch (noise unless
        ``deterministic``).

        SB3's signature and ``(action, None)`` return (``agents/protocol.py: Agent.predict``)."""
        actions = self.experience.predict_noisy(
            observation, self.fast.policy, deterministic, self.cfg.noise_sigma
        )
        return actions, None

    def save(self, path: str | Path) -> Path:
        """Write the policy file that ``rlkit.load(path)`` reads: the config, the spaces and the
        weights, without the replay buffer (SB3's ``model.save``)."""
        from rlkit.agents.policy_file import save_policy

        return save_policy(path, self)

    def policy_module(self) -> nn.Module:
        """A CPU copy of μ in eval mode with the rescaling to the env's bounds inside:
        ``(B, *obs_shape)`` observations in the env's dtype (float32, or uint8 for frames) to
        ``(B, *action_shape)`` deterministic actions in the env's units, as
        ``predict(obs, deterministic=True)`` gives (for ONNX export)."""
        from rlkit.nets.policy import ScaledActor

        actor = copy.deepcopy(self.actor).cpu().requires_grad_(False)
        return ScaledActor(actor, self.scaler.low, self.scaler.high, self.scaler.low.shape).eval()

    @torch.no_grad()
    def td_target(self, batch: ReplayBatch) -> torch.Tensor:
        """y = r + γ^n · (1 − terminated) · Q'(s', μ'(s')), with n = 1: the buffer stores one-step
        transitions. A time-out is not terminal and bootstraps."""
        next_q = self.critic_target(batch.next_obs, self.actor_target(batch.next_obs))
        gamma_n = self.gamma_powers[batch.steps]  # γ^1 for every one-step transition
        return batch.rewards + gamma_n * (1.0 - batch.terminated) * next_q

    def update(self, batch: ReplayBatch) -> dict[str, torch.Tensor]:
        """One critic step, one actor step, then both targets (no host sync here)."""
        td_target = self.td_target(batch)
        q = self.critic(batch.obs, batch.actions)
        critic_loss = nn.functional.mse_loss(q, td_target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()

        # The sampled policy gradient: ascend Q(s, μ(s)) through the critic into the actor.
        actor_loss = -self.critic(batch.obs, self.actor(batch.obs)).mean()
        self.actor_optimizer.zero_grad(set_to_none=True)
        # Only μ's gradients: naming them lets autograd skip the critic's weight gradients, which
        # this step would throw away (about a tenth of an update's arithmetic at 400x300).
        actor_loss.backward(inputs=self._actor_params)
        self.actor_optimizer.step()

        polyak_update(self.critic_target, self.critic, self.cfg.tau)
        polyak_update(self.actor_target, self.actor, self.cfg.tau)
        return {
            "critic_loss": critic_loss.detach(),
            "actor_loss": actor_loss.detach(),
            "q_mean": q.detach().mean(),
        }

    def store(self, transition: Transition) -> None:
        """Store the step with [-1, 1] actions; restart the noise of envs whose episode ended and
        count those episodes (for ``train_freq_unit=episode``)."""
        self.noise.reset(self.experience.store(transition))

    def lr_fraction_at(self, global_step: int) -> float:
        """The share of ``actor_lr`` and ``critic_lr`` in use at an env step: 1, or annealed
        linearly to 0 over ``lr_decay_steps``."""
        return self.experience.lr_fraction_at(global_step)

    def run_due_updates(self, global_step: int) -> dict[str, Any] | None:
        """Run the gradient steps that fall due by ``global_step``."""
        cfg = self.cfg
        gradient_steps = self.experience.gradient_steps_due(
            global_step,
            [(self.actor_optimizer, cfg.actor_lr), (self.critic_optimizer, cfg.critic_lr)],
        )
        metrics = None
        for _ in range(gradient_steps):
            metrics = self.fast.update(self.buffer.sample(cfg.batch_size))
        return metrics

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Networks, targets, optimisers, buffer (unless ``save_buffer`` is off or
        ``include_buffer`` false), noise, RNGs."""
        return {
            **module_states(self, NETS_AND_OPTIMIZERS),
            **self.experience.state_dict(include_buffer),
            "noise": self.noise.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict``."""
        load_module_states(self, NETS_AND_OPTIMIZERS, state)
        self.fast.after_load()
        self.experience.load_state_dict(state)
        self.noise.load_state_dict(state["noise"])

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """DDPG writes no extra artefacts."""
        return ""
