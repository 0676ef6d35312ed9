"""SAC (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications"): a stochastic actor
that maximises return plus entropy, with twin critics and a learned temperature α.

    initialise critics Q1, Q2 and the actor π at random; targets Q1', Q2' as copies; buffer R
    repeat for each step:
        a ~ π(·|s); take a, observe r and s'; store (s, a, r, s') in R
        sample a minibatch of N transitions from R
        ã ~ π(·|s)  (reparameterised: ã = tanh(m(s) + σ(s)·ε), with log π(ã|s))
        α ← α − λ·∇ −α·(log π(ã|s) + H̄)                     (toward the target entropy H̄)
        a' ~ π(·|s');  y = r + γ · (min_i Qi'(s', a') − α·log π(a'|s'))   (y = r if terminal)
        update both critics by minimising ½ Σ_i (1/N) · Σ (y − Qi(s, a))²
        update the actor by minimising (1/N) · Σ (α·log π(ã|s) − min_i Qi(s, ã))
        θi' ← τ·θi + (1 − τ)·θi'

The paper adjusts α after the actor; here, as in Stable-Baselines3, α takes its step first, from
the same ã, and the critic and actor use the α of before that step: the two orders differ only in
which of two neighbouring α values a step sees, and this one lets a test hold the update equal to
SB3's. With a fixed ``ent_coef`` the α line is skipped. Actions are tanh-squashed into [-1, 1] and
rescaled to the env's bounds on the way out; the deterministic policy is tanh(m(s)). The config
is ``rlkit.config.schema.SACConfig``.
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

from rlkit.config.schema import SACConfig, parse_ent_coef
from rlkit.fast.paths import fused_adam, reference_paths
from rlkit.nets import observation_encoder
from rlkit.nets.actor_critic import Critic, SquashedGaussianActor, TwinCritic
from rlkit.parts.continuous import ContinuousExperience, load_module_states, module_states
from rlkit.parts.nstep import gamma_powers
from rlkit.parts.replay import ReplayBatch
from rlkit.parts.targets import polyak_update
from rlkit.parts.transition import Transition

NETS_AND_OPTIMIZERS = ("actor", "critic", "critic_target", "actor_optimizer", "critic_optimizer")
"""What a checkpoint keeps of SAC beside log α (and its optimiser), the buffer, RNGs, counters."""


class SAC:
    """Soft actor-critic for Box observations (vectors or image frames) and Box actions."""

    metric_names = ("critic_loss", "actor_loss", "q_mean", "ent_coef", "ent_coef_loss")

    def __init__(
        self,
        cfg: SACConfig,
        observation_space: spaces.Box,
        action_space: spaces.Box,
        seed: int = 0,
        device: str | torch.device = "cpu",
        num_envs: int = 1,
    ) -> None:
        """Build π, Q1 and Q2, the critics' targets, log α, the optimisers and the buffer."""
        self.cfg = cfg
        self.device = torch.device(device)
        self.gamma_powers = gamma_powers(cfg.gamma, 1, self.device)
        self.observation_space, self.action_space = observation_space, action_space
        self.action_dim = int(np.prod(action_space.shape))
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self._build_networks(observation_space)
        self.actor_optimizer = fused_adam(self.actor.parameters(), cfg.actor_lr, "torch")
        # One optimiser for both critics: their losses are summed.
        self.critic_optimizer = fused_adam(self.critic.parameters(), cfg.critic_lr, "torch")
        self.learn_alpha, alpha = parse_ent_coef(cfg.ent_coef)
        # α is learned as log α, which keeps it positive (SB3 and the authors' code alike).
        self.log_alpha = torch.tensor([alpha], device=self.device).log()
        self.alpha_optimizer: torch.optim.Optimizer | None = None
        if self.learn_alpha:
            self.log_alpha.requires_grad_(True)
            self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=cfg.ent_coef_lr)
        self.target_entropy = (
            -float(self.action_dim) if cfg.target_entropy is None else float(cfg.target_entropy)
        )
        """H̄, which the learned α steers the policy's entropy toward (−dim(A) by default)."""
        self.experience = ContinuousExperience(
            cfg, observation_space, action_space, self.rng, seed, self.device, num_envs
        )
        self.buffer, self.scaler = self.experience.buffer, self.experience.scaler
        self.fast = reference_paths("SAC", self.update, lambda obs: self._actions(obs, True))
        """The code that runs ``update`` and tanh(m(s)): the reference (no faster path yet)."""
        self.update_backend = self.fast.backend
        """Which code computes the update: ``torch`` (``SAC.update``)."""

    def _build_networks(self, observation_space: spaces.Box) -> None:
        """π and the twin critics, each with its own encoder, and the critics' targets (SAC
        has no target actor: a' is drawn from the current π)."""
        cfg = self.cfg
        encoder, features = observation_encoder(observation_space, cfg.encoder)
        actor = SquashedGaussianActor(encoder, features, self.action_dim, cfg.actor_hidden_sizes)
        self.actor = actor.to(self.device)
        critics = []
        for _ in range(2):
            encoder, features = observation_encoder(observation_space, cfg.encoder)
            critics.append(Critic(encoder, features, self.action_dim, cfg.critic_hidden_sizes))
        self.critic = TwinCritic(*critics).to(self.device)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self._actor_params = list(self.actor.parameters())

    def describe_update(self) -> str:
        """Which code computes the update."""
        return self.fast.description

    def _actions(self, obs: np.ndarray, deterministic: bool) -> np.ndarray:
        """tanh(m(s)), or a draw a ~ π(·|s), in [-1, 1]."""
        with torch.inference_mode():
            batch = torch.as_tensor(obs, device=self.device)
            unit = self.actor(batch) if deterministic else self.actor.sample(batch)[0]
            result: np.ndarray = unit.cpu().numpy()
        return result

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """a ~ π(·|s), rescaled to the env's bounds; uniform random before learning starts."""
        return self.experience.act(obs, global_step, lambda o: self._actions(o, False))

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, None]:
        """A draw of π(·|obs) in the env's units, or with ``deterministic`` the squashed mean
        tanh(m(obs)), for one observation or a batch.

        SB3's signature and ``(action, None)`` return (``agents/protocol.py: Agent.predict``)."""
        policy = lambda batch: self._actions(batch, deterministic)  # noqa: E731
        return self.experience.predict(observation, policy)[0], None

    def save(self, path: str | Path) -> Path:
        """Write the policy file that ``rlkit.load(path)`` reads (SB3's ``model.save``)."""
        from rlkit.agents.policy_file import save_policy

        return save_policy(path, self)

    def policy_module(self) -> nn.Module:
        """A CPU copy of the deterministic policy tanh(m(s)) in eval mode with the rescaling to
        the env's bounds inside, as ``predict(obs, deterministic=True)`` gives (for ONNX)."""
        from rlkit.nets.policy import ScaledActor

        actor = copy.deepcopy(self.actor).cpu().requires_grad_(False)
        return ScaledActor(actor, self.scaler.low, self.scaler.high, self.scaler.low.shape).eval()

    @torch.no_grad()
    def td_target(self, batch: ReplayBatch, alpha: torch.Tensor) -> torch.Tensor:
        """The soft target y = r + γ · (1 − terminated) · (min_i Qi'(s', a') − α·log π(a'|s')),
        a' ~ π(·|s'). A time-out bootstraps."""
        next_actions, next_log_prob = self.actor.sample(batch.next_obs)
        next_q = torch.minimum(*self.critic_target(batch.next_obs, next_actions))
        gamma_n = self.gamma_powers[batch.steps]  # γ^1 for every one-step transition
        return batch.rewards + gamma_n * (1.0 - batch.terminated) * (next_q - alpha * next_log_prob)

    def update(self, batch: ReplayBatch) -> dict[str, torch.Tensor]:
        """α's step (if learned), one step of both critics, one actor step, the critics' soft
        target update (no host sync here)."""
        actions_pi, log_prob = self.actor.sample(batch.obs)
        alpha = self.log_alpha.detach().exp()  # the α of this step, before its own update
        metrics = {"ent_coef": alpha[0]}
        if self.alpha_optimizer is not None:
            # J(α) = E[−α·(log π(ã|s) + H̄)] in log α: α grows while the entropy is below H̄.
            alpha_loss = -(self.log_alpha * (log_prob + self.target_entropy).detach()).mean()
            self.alpha_optimizer.zero_grad(set_to_none=True)
            alpha_loss.backward()
            self.alpha_optimizer.step()
            metrics["ent_coef_loss"] = alpha_loss.detach()

        td_target = self.td_target(batch, alpha)
        q1, q2 = self.critic(batch.obs, batch.actions)
        critic_loss = 0.5 * (
            nn.functional.mse_loss(q1, td_target) + nn.functional.mse_loss(q2, td_target)
        )
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()

        actor_loss = (alpha * log_prob - torch.minimum(*self.critic(batch.obs, actions_pi))).mean()
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward(inputs=self._actor_params)  # π's gradients only, as DDPG's actor
        self.actor_optimizer.step()

        polyak_update(self.critic_target, self.critic, self.cfg.tau)
        metrics["critic_loss"] = critic_loss.detach()
        metrics["actor_loss"] = actor_loss.detach()
        metrics["q_mean"] = q1.detach().mean()
        return metrics

    def store(self, transition: Transition) -> None:
        """Store the step with [-1, 1] actions and count ended episodes."""
        self.experience.store(transition)

    def _optimizers(self) -> list[tuple[torch.optim.Optimizer, float]]:
        """Each optimiser with its configured rate (all annealed alike by ``lr_decay_steps``)."""
        cfg = self.cfg
        pairs: list[tuple[torch.optim.Optimizer, float]] = [
            (self.actor_optimizer, cfg.actor_lr),
            (self.critic_optimizer, cfg.critic_lr),
        ]
        if self.alpha_optimizer is not None:
            pairs.append((self.alpha_optimizer, cfg.ent_coef_lr))
        return pairs

    def run_due_updates(self, global_step: int) -> dict[str, Any] | None:
        """Run the gradient steps that fall due by ``global_step``."""
        gradient_steps = self.experience.gradient_steps_due(global_step, self._optimizers())
        metrics = None
        for _ in range(gradient_steps):
            metrics = self.fast.update(self.buffer.sample(self.cfg.batch_size))
        return metrics

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Networks, target, optimisers, log α and its optimiser, buffer (unless ``save_buffer``
        is off or ``include_buffer`` false), RNGs."""
        state = {
            **module_states(self, NETS_AND_OPTIMIZERS),
            **self.experience.state_dict(include_buffer),
            "log_alpha": self.log_alpha.detach().clone(),
        }
        if self.alpha_optimizer is not None:
            state["alpha_optimizer"] = self.alpha_optimizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict``."""
        load_module_states(self, NETS_AND_OPTIMIZERS, state)
        self.experience.load_state_dict(state)
        with torch.no_grad():
            self.log_alpha.copy_(torch.as_tensor(state["log_alpha"]))
        if self.alpha_optimizer is not None:
            self.alpha_optimizer.load_state_dict(state["alpha_optimizer"])

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """SAC writes no extra artefacts."""
        return ""
