"""rlkit's agent configs as Stable-Baselines3's constructor arguments, field by field.

Every hyperparameter of ``DQNConfig``, ``DDPGConfig``, ``TD3Config`` and ``SACConfig`` is either
mapped to the SB3 argument that
means the same thing, listed in ``NOT_HYPERPARAMETERS`` (how rlkit computes, not what), or refused
with one line naming it when SB3 cannot express it, so that a comparison never compares unlike
things and never leaves a value to either library's defaults. What differs in counting is mapped
in SB3's units: ε decays over ``epsilon_decay_steps`` env steps in rlkit and over a fraction of
the budget in SB3; rlkit's learning-rate annealing is a function of the env step, SB3's of the
remaining progress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from gymnasium import spaces

from rlkit.config.schema import (
    AgentConfig,
    ContinuousConfig,
    DDPGConfig,
    DQNConfig,
    SACConfig,
    TD3Config,
    parse_ent_coef,
)
from rlkit.errors import ConfigError
from rlkit.parts.schedules import linear_schedule

NOT_HYPERPARAMETERS = frozenset(
    {"name", "compile", "cuda_graphs", "update_backend", "save_buffer", "encoder"}
)
"""Fields that choose how rlkit computes or stores, not what it learns (``encoder`` is read to
pick SB3's policy: an MLP or the Nature CNN)."""


_TIME_OUTS = {"handle_timeout_termination": True}
"""rlkit bootstraps through a time-out (only ``terminated`` ends the return), SB3 does with this."""


@dataclass(frozen=True)
class SB3Setup:
    """What to construct: ``getattr(stable_baselines3, algorithm)(policy, env, **kwargs)``."""

    algorithm: str
    policy: str
    kwargs: dict[str, Any]


def sb3_setup(
    cfg: AgentConfig,
    observation_space: spaces.Space,
    action_space: spaces.Space,
    total_steps: int,
    num_envs: int = 1,
) -> SB3Setup:
    """The SB3 algorithm, policy and keyword arguments that train as ``cfg`` does.

    Raises:
        ConfigError: an agent SB3 has no counterpart for, or a field value SB3 cannot express
            (named in the message, with what would make it expressible).
    """
    if isinstance(cfg, DQNConfig):
        return SB3Setup(
            "DQN", _policy(cfg.encoder, observation_space), _dqn_kwargs(cfg, total_steps, num_envs)
        )
    if isinstance(cfg, DDPGConfig | TD3Config | SACConfig):
        assert isinstance(action_space, spaces.Box)
        kwargs = {
            DDPGConfig: _ddpg_kwargs,
            TD3Config: _td3_kwargs,
            SACConfig: _sac_kwargs,
        }[type(cfg)](cfg, action_space, total_steps, num_envs)  # type: ignore[operator]
        return SB3Setup(cfg.name.upper(), _policy(cfg.encoder, observation_space), kwargs)
    raise ConfigError(
        f"agent={cfg.name} has no Stable-Baselines3 counterpart to compare with; "
        f"compare takes agent={', agent='.join(MAPPED_FIELDS)}"
    )


def _refuse(field: str, value: Any, why: str) -> ConfigError:
    return ConfigError(f"agent.{field}={value}: Stable-Baselines3 cannot express it ({why})")


def _policy(encoder: str, observation_space: spaces.Space) -> str:
    from rlkit.nets.encoders import is_image_space

    if encoder == "resnet":
        raise _refuse("encoder", encoder, "its CNN policies use the Nature CNN; use nature_cnn")
    image = encoder == "nature_cnn" or (encoder == "auto" and is_image_space(observation_space))
    return "CnnPolicy" if image else "MlpPolicy"


def _train_freq(cfg: DQNConfig | ContinuousConfig, num_envs: int) -> tuple[int, str]:
    """rlkit counts ``train_freq`` in env steps over all envs, SB3 in vector steps (``num_envs``
    env steps each); an episode count means the same in both."""
    if cfg.train_freq_unit != "step" or num_envs == 1:
        return (cfg.train_freq, cfg.train_freq_unit)
    if cfg.train_freq % num_envs:
        raise _refuse(
            "train_freq",
            cfg.train_freq,
            f"it trains every so many vector steps of num_envs={num_envs} env steps: give a "
            f"multiple of {num_envs}",
        )
    return (cfg.train_freq // num_envs, "step")


def _learning_rate(
    lr: float, lr_end: float | None, decay_steps: int | None, total_steps: int
) -> float | Callable[[float], float]:
    """A constant, or SB3's schedule (of the remaining progress, 1 -> 0) that gives rlkit's
    linear annealing from ``lr`` to ``lr_end`` over ``decay_steps`` env steps."""
    if lr_end is None or decay_steps is None:
        return lr

    def schedule(progress_remaining: float) -> float:
        step = round((1.0 - progress_remaining) * total_steps)
        return linear_schedule(lr, lr_end, decay_steps, step)

    return schedule


def _dqn_kwargs(cfg: DQNConfig, total_steps: int, num_envs: int) -> dict[str, Any]:
    for name, bad, why in (
        ("double_q", cfg.double_q, "its DQN has no double Q-learning: add agent.double_q=false"),
        ("dueling", cfg.dueling, "its DQN has no duelling head: add agent.dueling=false"),
        ("loss", cfg.loss == "mse", "its DQN's loss is the Huber loss: use agent.loss=huber"),
        ("epsilon_schedule", cfg.epsilon_schedule != "linear", "its ε decays linearly"),
        ("pretrain", cfg.pretrain is not None, "it starts from random weights"),
    ):
        if bad:
            raise _refuse(name, getattr(cfg, name), why)
    if cfg.target_update == "polyak":
        # SB3 applies tau every target_update_interval env steps, rlkit after every gradient
        # step: the same only when a gradient step comes with every env step.
        every_step = (cfg.train_freq, cfg.train_freq_unit, cfg.gradient_steps) == (1, "step", 1)
        if not every_step or num_envs != 1:
            raise _refuse(
                "target_update",
                "polyak",
                "its DQN applies tau per env step, not per "
                "gradient step; use train_freq=1, gradient_steps=1 and one env",
            )
    if cfg.epsilon_decay_steps > total_steps:
        raise _refuse(
            "epsilon_decay_steps",
            cfg.epsilon_decay_steps,
            f"ε decays over a fraction of the budget, at most total_steps={total_steps}",
        )
    return {
        "learning_rate": _learning_rate(cfg.lr, cfg.lr_end, cfg.lr_decay_steps, total_steps),
        "buffer_size": cfg.buffer_size,
        "learning_starts": cfg.learning_starts,
        "batch_size": cfg.batch_size,
        "tau": 1.0 if cfg.target_update == "hard" else cfg.tau,
        "gamma": cfg.gamma,
        "train_freq": _train_freq(cfg, num_envs),
        "gradient_steps": cfg.gradient_steps,
        "n_steps": cfg.n_step,
        "target_update_interval": cfg.target_update_interval if cfg.target_update == "hard" else 1,
        "exploration_fraction": cfg.epsilon_decay_steps / total_steps,
        "exploration_initial_eps": cfg.epsilon_start,
        "exploration_final_eps": cfg.epsilon_end,
        # No clipping in rlkit is an infinite bound in SB3, which always clips.
        "max_grad_norm": float("inf") if cfg.max_grad_norm is None else cfg.max_grad_norm,
        "replay_buffer_kwargs": _TIME_OUTS,
        "policy_kwargs": {"net_arch": list(cfg.hidden_sizes), **_adam()},
    }


def _one_learning_rate(cfg: ContinuousConfig, total_steps: int, *others: str) -> Any:
    """SB3's one ``learning_rate`` for the actor, the critics and ``others`` (SAC's α): refused
    unless rlkit's rates are equal; annealed to 0 as rlkit's ``lr_decay_steps`` does."""
    for name in ("critic_lr", *others):
        if getattr(cfg, name) != cfg.actor_lr:
            raise _refuse(
                "actor_lr",
                cfg.actor_lr,
                f"one learning rate for the actor, the critics and SAC's temperature; set "
                f"agent.{name} equal to it ({name}={getattr(cfg, name)})",
            )
    end = 0.0 if cfg.lr_decay_steps else None
    return _learning_rate(cfg.actor_lr, end, cfg.lr_decay_steps, total_steps)


def _actor_critic_kwargs(
    cfg: ContinuousConfig, total_steps: int, num_envs: int, *others: str
) -> dict[str, Any]:
    """The arguments SB3's DDPG, TD3 and SAC share."""
    return {
        "learning_rate": _one_learning_rate(cfg, total_steps, *others),
        "buffer_size": cfg.buffer_size,
        "learning_starts": cfg.learning_starts,
        "batch_size": cfg.batch_size,
        "tau": cfg.tau,
        "gamma": cfg.gamma,
        "train_freq": _train_freq(cfg, num_envs),
        "gradient_steps": cfg.gradient_steps,
        "replay_buffer_kwargs": _TIME_OUTS,
        "policy_kwargs": {
            "net_arch": {"pi": list(cfg.actor_hidden_sizes), "qf": list(cfg.critic_hidden_sizes)},
            **_adam(),
        },
    }


def _action_noise(cfg: DDPGConfig | TD3Config, action_space: spaces.Box) -> Any:
    """The exploration noise, in the actor's [-1, 1] units in both libraries (added before the
    action is rescaled to the env's bounds)."""
    from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise

    dim = int(np.prod(action_space.shape))
    if cfg.noise == "gaussian":
        return NormalActionNoise(np.zeros(dim), cfg.noise_sigma * np.ones(dim))
    return OrnsteinUhlenbeckActionNoise(
        np.zeros(dim), cfg.noise_sigma * np.ones(dim), theta=cfg.noise_theta, dt=1e-2
    )


def _ddpg_kwargs(
    cfg: DDPGConfig, action_space: spaces.Box, total_steps: int, num_envs: int
) -> dict[str, Any]:
    return {
        **_actor_critic_kwargs(cfg, total_steps, num_envs),
        "action_noise": _action_noise(cfg, action_space),
    }


def _td3_kwargs(
    cfg: TD3Config, action_space: spaces.Box, total_steps: int, num_envs: int
) -> dict[str, Any]:
    kwargs = _actor_critic_kwargs(cfg, total_steps, num_envs)
    kwargs["policy_kwargs"]["n_critics"] = 2
    return {
        **kwargs,
        "action_noise": _action_noise(cfg, action_space),
        "policy_delay": cfg.policy_delay,
        "target_policy_noise": cfg.target_policy_noise,
        "target_noise_clip": cfg.target_noise_clip,
    }


def _sac_kwargs(
    cfg: SACConfig, action_space: spaces.Box, total_steps: int, num_envs: int
) -> dict[str, Any]:
    learned, alpha = parse_ent_coef(cfg.ent_coef)
    # A fixed α has no optimiser: its learning rate is then no hyperparameter.
    kwargs = _actor_critic_kwargs(cfg, total_steps, num_envs, *(["ent_coef_lr"] if learned else []))
    kwargs["policy_kwargs"]["n_critics"] = 2
    return {
        **kwargs,
        # "auto_<α>" in SB3's own spelling, the initial α written out.
        "ent_coef": f"auto_{alpha!r}" if learned else alpha,
        "target_entropy": "auto" if cfg.target_entropy is None else float(cfg.target_entropy),
        "target_update_interval": 1,  # rlkit's targets move after every gradient step
        "use_sde": False,  # rlkit's SAC has no gSDE: its exploration is the Gaussian's own
    }


def _adam() -> dict[str, Any]:
    """rlkit's optimiser, stated rather than left to SB3's default: Adam, torch's eps."""
    import torch

    return {"optimizer_class": torch.optim.Adam, "optimizer_kwargs": {"eps": 1e-8}}


MAPPED_FIELDS: dict[str, frozenset[str]] = {
    "dqn": frozenset(f.name for f in fields(DQNConfig)) - NOT_HYPERPARAMETERS,
    "ddpg": frozenset(f.name for f in fields(DDPGConfig)) - NOT_HYPERPARAMETERS,
    "td3": frozenset(f.name for f in fields(TD3Config)) - NOT_HYPERPARAMETERS,
    "sac": frozenset(f.name for f in fields(SACConfig)) - NOT_HYPERPARAMETERS,
}
"""The fields each mapping must account for (a test holds the mapping to every one of them)."""
