"""What DDPG, TD3 and SAC do alike around their updates, composed by each of them.

All three keep [-1, 1] actions (the actor's tanh units) in a replay buffer, act uniformly at
random before ``learning_starts``, rescale actions to the env's bounds only on the way out, train
on SB3's schedule (``train_freq``, ``gradient_steps``) and may anneal their learning rates. Their
updates differ, and each agent's ``update`` stays in its own file; this part holds the rest once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import torch
from gymnasium import spaces

from rlkit.parts.action_scaling import ActionScaler
from rlkit.parts.frame_replay import make_replay_buffer
from rlkit.parts.observations import observation_batch
from rlkit.parts.schedules import TrainSchedule, linear_schedule
from rlkit.parts.transition import Transition


class ExperienceConfig(Protocol):
    """The fields of ``rlkit.config.schema.ContinuousConfig`` this part reads (named here, since
    parts sit below the config layer)."""

    buffer_size: int
    gamma: float
    batch_size: int
    learning_starts: int
    train_freq: int
    train_freq_unit: str
    gradient_steps: int
    lr_decay_steps: int | None
    save_buffer: bool


class ContinuousExperience:
    """The replay buffer of [-1, 1] actions, the action scaling, the exploration RNG and the
    training schedule of an actor-critic agent for Box actions.

    Build it after seeding torch and building the networks: it draws nothing from torch's RNG,
    and its own RNG (``rng``, shared with the agent's noise) is the one the agent passes in.
    """

    def __init__(
        self,
        cfg: ExperienceConfig,
        observation_space: spaces.Box,
        action_space: spaces.Box,
        rng: np.random.Generator,
        seed: int,
        device: torch.device,
        num_envs: int,
    ) -> None:
        """A buffer of ``cfg.buffer_size`` transitions on ``device``; the schedule of ``cfg``."""
        self.cfg = cfg
        self.observation_space = observation_space
        self.scaler = ActionScaler(action_space)
        self.action_dim = int(np.prod(action_space.shape))
        self.rng = rng
        unit_actions = spaces.Box(-1.0, 1.0, action_space.shape, np.float32)
        # The buffer keeps the observation space's dtype: uint8 frames stay bytes (stacked ones
        # stored once each, rlkit.parts.frame_replay).
        self.buffer = make_replay_buffer(
            cfg.buffer_size,
            observation_space,
            unit_actions,
            num_envs=num_envs,
            device=device,
            gamma=cfg.gamma,
            seed=seed,
        )
        self.schedule = TrainSchedule(cfg.train_freq, cfg.train_freq_unit, cfg.gradient_steps)

    def act(
        self, obs: np.ndarray, global_step: int, policy: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """Env actions for a batch of observations: uniform random before ``learning_starts``,
        else ``policy(obs)`` (exploring [-1, 1] actions, ``(B, action_dim)``), rescaled."""
        if global_step < self.cfg.learning_starts:
            unit = self.rng.uniform(-1.0, 1.0, (len(obs), self.action_dim))
        else:
            unit = policy(obs)
        return self.to_env(unit)

    def predict(
        self, observation: Any, policy: Callable[[np.ndarray], np.ndarray]
    ) -> tuple[np.ndarray, bool]:
        """``policy``'s [-1, 1] actions for one observation or a batch, in the env's units, and
        whether it was one (for SB3's ``predict``)."""
        # The env's dtype: float32 for vectors, uint8 for frames (the encoder scales those).
        batch, single = observation_batch(
            observation, self.observation_space, self.observation_space.dtype
        )
        actions = self.to_env(policy(batch))
        return (actions[0] if single else actions), single

    def predict_noisy(
        self,
        observation: Any,
        actor: Callable[[np.ndarray], np.ndarray],
        deterministic: bool,
        sigma: float,
    ) -> np.ndarray:
        """``predict`` of a deterministic actor (DDPG's, TD3's): μ(obs), plus N(0, σ²) noise
        drawn from ``rng`` and clipped to [-1, 1] unless ``deterministic``; in the env's units."""

        def policy(batch: np.ndarray) -> np.ndarray:
            unit = actor(batch)
            if deterministic:
                return unit
            return np.clip(unit + sigma * self.rng.standard_normal(unit.shape), -1.0, 1.0)

        return self.predict(observation, policy)[0]

    def to_env(self, unit: np.ndarray) -> np.ndarray:
        """``(B, action_dim)`` [-1, 1] actions to ``(B, *action_shape)`` in the env's bounds."""
        return self.scaler.to_env(unit.reshape(len(unit), *self.scaler.low.shape))

    def store(self, transition: Transition) -> np.ndarray:
        """Store the step with [-1, 1] actions and count the episodes that ended (for
        ``train_freq_unit=episode``); the mask of the envs whose episode ended."""
        unit_actions = self.scaler.from_env(transition.actions).reshape(len(transition.actions), -1)
        self.buffer.add(
            transition.obs,
            unit_actions.reshape(len(unit_actions), *self.scaler.low.shape),
            transition.rewards,
            transition.next_obs,
            transition.terminated,
            transition.truncated,
        )
        ended: np.ndarray = transition.terminated | transition.truncated
        self.schedule.episodes_ended(int(np.count_nonzero(ended)))
        return ended

    def lr_fraction_at(self, global_step: int) -> float:
        """The share of the configured learning rates in use at an env step: 1, or annealed
        linearly to 0 over ``lr_decay_steps``."""
        if self.cfg.lr_decay_steps is None:
            return 1.0
        return linear_schedule(1.0, 0.0, self.cfg.lr_decay_steps, global_step)

    def gradient_steps_due(
        self,
        global_step: int,
        optimizers: Sequence[tuple[torch.optim.Optimizer, float]] = (),
    ) -> int:
        """The gradient steps that fall due by ``global_step`` (0 before ``learning_starts`` or
        while the buffer holds less than a batch); with ``lr_decay_steps``, first sets each
        ``(optimizer, configured rate)`` to the rate of this step."""
        cfg = self.cfg
        started = global_step >= cfg.learning_starts and len(self.buffer) >= cfg.batch_size
        steps = self.schedule.due(global_step, started)
        if steps and cfg.lr_decay_steps is not None:
            # Adam reads lr from its param group at every step; set from the step, a resume
            # continues the schedule exactly.
            fraction = self.lr_fraction_at(global_step)
            for optimizer, rate in optimizers:
                optimizer.param_groups[0]["lr"] = rate * fraction
        return steps

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """The buffer (unless ``save_buffer`` is off or ``include_buffer`` false), the RNGs and
        the schedule's counters, as top-level keys of the agent's state."""
        keep = self.cfg.save_buffer if include_buffer is None else include_buffer
        return {
            "buffer": self.buffer.state_dict(include_data=keep),
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "counters": self.schedule.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` wrote (the agent's whole state may be passed)."""
        self.buffer.load_state_dict(state["buffer"])
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(torch.as_tensor(state["torch_rng"], dtype=torch.uint8))
        self.schedule.load_state_dict(state["counters"])


def module_states(owner: object, names: Sequence[str]) -> dict[str, Any]:
    """``{name: owner.<name>.state_dict()}`` for networks and optimisers."""
    return {name: getattr(owner, name).state_dict() for name in names}


def load_module_states(owner: object, names: Sequence[str], state: dict[str, Any]) -> None:
    """The reverse of ``module_states``."""
    for name in names:
        getattr(owner, name).load_state_dict(state[name])


def actor_actions(actor: torch.nn.Module, obs: np.ndarray, device: torch.device) -> np.ndarray:
    """A deterministic actor's [-1, 1] actions for a batch of observations, as NumPy."""
    with torch.inference_mode():
        result: np.ndarray = actor(torch.as_tensor(obs, device=device)).cpu().numpy()
    return result
