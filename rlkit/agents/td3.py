"""TD3 (Fujimoto et al. 2018, "Addressing Function Approximation Error in Actor-Critic Methods"):
DDPG with the three fixes for its overestimation and brittleness.

    initialise critics Q1, Q2 and the actor μ at random; targets Q1', Q2', μ' as copies; buffer R
    repeat for each step:
        a = μ(s) + ε, ε ~ N(0, σ); take a, observe r and s'; store (s, a, r, s') in R
        sample a minibatch of N transitions from R
        ã = μ'(s') + clip(ε', −c, c),  ε' ~ N(0, σ̃)          (target-policy smoothing)
        y = r + γ · min(Q1'(s', ã), Q2'(s', ã))             (clipped double Q; y = r if terminal)
        update both critics by minimising Σ_i (1/N) · Σ (y − Qi(s, a))²
        every d critic steps (delayed policy updates):
            update the actor by the deterministic policy gradient: maximise Q1(s, μ(s))
            θi' ← τ·θi + (1 − τ)·θi'   and   φ' ← τ·φ + (1 − τ)·φ'

Actions live in the actor's [-1, 1] (its tanh) in the buffer and in every formula; they are
rescaled to the env's bounds only on the way out, as DDPG's. Observations reach each network
through its own encoder from ``rlkit.nets`` (``agent.encoder``). The config (``d``, σ̃, ``c``, the
learning rates, τ) is ``rlkit.config.schema.TD3Config``.
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

from rlkit.config.schema import TD3Config
from rlkit.fast.paths import fused_adam, reference_paths
from rlkit.nets import observation_encoder
from rlkit.nets.actor_critic import Actor, Critic, TwinCritic
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
"""What a checkpoint keeps of TD3 beside the buffer, the noise, the RNGs and the counters."""


class TD3:
    """Twin delayed DDPG for Box observations (vectors or image frames) and Box actions."""

    metric_names = ("critic_loss", "actor_loss", "q_mean")

    def __init__(
        self,
        cfg: TD3Config,
        observation_space: spaces.Box,
        action_space: spaces.Box,
        seed: int = 0,
        device: str | torch.device = "cpu",
        num_envs: int = 1,
    ) -> None:
        """Build μ, Q1 and Q2, their targets (copies), two optimisers, the buffer and the noise."""
        self.cfg = cfg
        self.device = torch.device(device)
        self.gamma_powers = gamma_powers(cfg.gamma, 1, self.device)
        self.observation_space, self.action_space = observation_space, action_space
        self.action_dim = int(np.prod(action_space.shape))
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self._build_networks(observation_space)
        self.actor_optimizer = fused_adam(self.actor.parameters(), cfg.actor_lr, "torch")
        # One optimiser for both critics: their losses are summed, as in the paper's code.
        self.critic_optimizer = fused_adam(self.critic.parameters(), cfg.critic_lr, "torch")
        self.experience = ContinuousExperience(
            cfg, observation_space, action_space, self.rng, seed, self.device, num_envs
        )
        self.buffer, self.scaler = self.experience.buffer, self.experience.scaler
        self.noise = make_noise(
            cfg.noise, num_envs, self.action_dim, cfg.noise_sigma, cfg.noise_theta, self.rng
        )
        self.critic_updates = 0
        """Critic steps taken; the actor and the targets step when it is a multiple of d."""
        self.fast = reference_paths(
            "TD3", self.update, lambda obs: actor_actions(self.actor, obs, self.device)
        )
        """The code that runs ``update`` and μ(s): the reference (no faster path yet)."""
        self.update_backend = self.fast.backend
        self._metrics: dict[str, torch.Tensor] = {}

    def _build_networks(self, observation_space: spaces.Box) -> None:
        """μ, the twin critics (each network with its own encoder, as DDPG's), and the targets."""
        cfg = self.cfg
        encoder, features = observation_encoder(observation_space, cfg.encoder)
        self.actor = Actor(encoder, features, self.action_dim, cfg.actor_hidden_sizes)
        self.actor = self.actor.to(self.device)
        critics = []
        for _ in range(2):
            encoder, features = observation_encoder(observation_space, cfg.encoder)
            critics.append(Critic(encoder, features, self.action_dim, cfg.critic_hidden_sizes))
        self.critic = TwinCritic(*critics).to(self.device)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self._actor_params = list(self.actor.parameters())

    def describe_update(self) -> str:
        """Which code computes the update."""
        return self.fast.description

    def _explore(self, obs: np.ndarray) -> np.ndarray:
        """a = μ(s) + ε, clipped to [-1, 1]."""
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
        """μ(obs) in the env's units, for one observation or a batch (Gaussian noise of
        ``noise_sigma`` unless ``deterministic``).

        SB3's signature and ``(action, None)`` return (``agents/protocol.py: Agent.predict``)."""
        actions = self.experience.predict_noisy(
            observation, self.fast.policy, deterministic, self.cfg.noise_sigma
        )
        return actions, None

    def save(self, path: str | Path) -> Path:
        """Write the policy file that ``rlkit.load(path)`` reads (SB3's ``model.save``)."""
        from rlkit.agents.policy_file import save_policy

        return save_policy(path, self)

    def policy_module(self) -> nn.Module:
        """A CPU copy of μ in eval mode with the rescaling to the env's bounds inside, as
        ``predict(obs, deterministic=True)`` gives (for ONNX export)."""
        from rlkit.nets.policy import ScaledActor

        actor = copy.deepcopy(self.actor).cpu().requires_grad_(False)
        return ScaledActor(actor, self.scaler.low, self.scaler.high, self.scaler.low.shape).eval()

    @torch.no_grad()
    def td_target(self, batch: ReplayBatch) -> torch.Tensor:
        """y = r + γ · (1 − terminated) · min_i Qi'(s', ã), with the smoothed target action
        ã = clip(μ'(s') + clip(ε', −c, c), −1, 1), ε' ~ N(0, σ̃). A time-out bootstraps."""
        cfg = self.cfg
        noise = torch.empty_like(batch.actions).normal_(0.0, cfg.target_policy_noise)
        noise = noise.clamp(-cfg.target_noise_clip, cfg.target_noise_clip)
        next_actions = (self.actor_target(batch.next_obs) + noise).clamp(-1.0, 1.0)
        next_q = torch.minimum(*self.critic_target(batch.next_obs, next_actions))
        gamma_n = self.gamma_powers[batch.steps]  # γ^1 for every one-step transition
        return batch.rewards + gamma_n * (1.0 - batch.terminated) * next_q

    def update(self, batch: ReplayBatch) -> dict[str, torch.Tensor]:
        """One step of both critics; every ``policy_delay``-th time also one actor step and the
        soft updates of all targets (no host sync here)."""
        td_target = self.td_target(batch)
        q1, q2 = self.critic(batch.obs, batch.actions)
        critic_loss = nn.functional.mse_loss(q1, td_target) + nn.functional.mse_loss(q2, td_target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()
        self.critic_updates += 1
        metrics = {"critic_loss": critic_loss.detach(), "q_mean": q1.detach().mean()}

        if self.critic_updates % self.cfg.policy_delay == 0:
            # The deterministic policy gradient through Q1 alone, as the paper's.
            actor_loss = -self.critic.q1(batch.obs, self.actor(batch.obs)).mean()
            self.actor_optimizer.zero_grad(set_to_none=True)
            actor_loss.backward(inputs=self._actor_params)  # μ's gradients only, as DDPG's
            self.actor_optimizer.step()

            polyak_update(self.critic_target, self.critic, self.cfg.tau)
            polyak_update(self.actor_target, self.actor, self.cfg.tau)
            metrics["actor_loss"] = actor_loss.detach()
        return metrics

    def store(self, transition: Transition) -> None:
        """Store the step with [-1, 1] actions; restart the noise of envs whose episode ended."""
        self.noise.reset(self.experience.store(transition))

    def run_due_updates(self, global_step: int) -> dict[str, Any] | None:
        """Run the gradient steps that fall due by ``global_step``; the metrics keep the last
        actor loss between the delayed actor steps."""
        cfg = self.cfg
        gradient_steps = self.experience.gradient_steps_due(
            global_step,
            [(self.actor_optimizer, cfg.actor_lr), (self.critic_optimizer, cfg.critic_lr)],
        )
        for _ in range(gradient_steps):
            self._metrics.update(self.fast.update(self.buffer.sample(cfg.batch_size)))
        return dict(self._metrics) if gradient_steps else None

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Networks, targets, optimisers, the critic-step count, buffer (unless ``save_buffer``
        is off or ``include_buffer`` false), noise, RNGs."""
        return {
            **module_states(self, NETS_AND_OPTIMIZERS),
            **self.experience.state_dict(include_buffer),
            "noise": self.noise.state_dict(),
            "critic_updates": self.critic_updates,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict``."""
        load_module_states(self, NETS_AND_OPTIMIZERS, state)
        self.experience.load_state_dict(state)
        self.noise.load_state_dict(state["noise"])
        self.critic_updates = int(state["critic_updates"])

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """TD3 writes no extra artefacts."""
        return ""
