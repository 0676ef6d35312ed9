"""Typed config schemas, registered in Hydra's ConfigStore.

The YAML files in ``conf/`` name these dataclasses as their schema (``defaults: [qlearning_schema,
_self_]``), so an unknown key or a value of the wrong type is an error when the config is composed,
and ``__post_init__`` checks ranges when ``OmegaConf.to_object`` builds the real dataclasses.

The agents' config dataclasses live here rather than in each agent's file so that composing a config
never imports PyTorch: the tabular path starts in a fraction of a second.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from rlkit.errors import ConfigError
from rlkit.nets import ENCODERS
from rlkit.parts.schedules import TRAIN_FREQ_UNITS

# Found through the import system: conf/ is installed as the package rlkit.conf.
CONF_DIR = Path(str(importlib.import_module("rlkit.conf").__file__)).resolve().parent
"""The YAML configs: ``conf/`` in the source tree, installed as the package ``rlkit.conf``."""

DEVICES = ("auto", "cpu", "cuda")
VECTOR_MODES = ("fast", "sync", "async")
EPSILON_SCHEDULES = ("linear", "exponential")
TARGET_UPDATES = ("hard", "polyak")
DQN_LOSSES = ("mse", "huber")
UPDATE_BACKENDS = ("auto", "torch", "numpy")
NOISES = ("gaussian", "ornstein_uhlenbeck")
WANDB_MODES = ("offline", "online", "disabled")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    _check(value in choices, f"{key}={value!r} is not valid; choose one of: {', '.join(choices)}")


def _check_cuda_graphs(cfg: Any, lr_schedule: str) -> None:
    """``cuda_graphs=true`` with what it cannot record: ``compile``, or the learning-rate schedule
    named ``lr_schedule`` (a recorded update keeps its learning rates)."""
    _check(
        not (cfg.cuda_graphs and cfg.compile),
        "agent.cuda_graphs=true with agent.compile=true: choose one (torch.compile's "
        "mode=reduce-overhead records its own graphs); set agent.compile=false",
    )
    _check(
        not (cfg.cuda_graphs and getattr(cfg, lr_schedule) is not None),
        f"agent.cuda_graphs=true with agent.{lr_schedule}: a recorded update keeps one learning "
        f"rate; set agent.{lr_schedule}=null or agent.cuda_graphs=false",
    )


def _check_train_schedule(cfg: Any) -> None:
    """``train_freq_unit`` is a known unit and ``gradient_steps`` is >= 1 or -1."""
    _check_choice("agent.train_freq_unit", cfg.train_freq_unit, TRAIN_FREQ_UNITS)
    _check(
        cfg.gradient_steps >= 1 or cfg.gradient_steps == -1,
        f"agent.gradient_steps={cfg.gradient_steps} must be >= 1, or -1 (as many as env steps "
        "since the last update)",
    )


def _check_epsilon(cfg: Any) -> None:
    """The ε-greedy fields both Q-learning and DQN have."""
    for key in ("epsilon_start", "epsilon_end"):
        value = getattr(cfg, key)
        _check(0.0 <= value <= 1.0, f"agent.{key}={value} is out of range [0, 1]")
    _check(
        cfg.epsilon_decay_steps >= 0,
        f"agent.epsilon_decay_steps={cfg.epsilon_decay_steps} must be >= 0",
    )
    _check_choice("agent.epsilon_schedule", cfg.epsilon_schedule, EPSILON_SCHEDULES)
    _check(
        cfg.epsilon_schedule != "exponential" or cfg.epsilon_end > 0,
        "agent.epsilon_end must be > 0 for an exponential schedule (it never reaches 0)",
    )


@dataclass
class AgentConfig:
    """Fields every agent config has."""

    name: str = MISSING
    """The agent's name, as in ``agent=<name>``."""


@dataclass
class QLearningConfig(AgentConfig):
    """Tabular Q-learning, as the lecture teaches it (defaults are the lecture's)."""

    name: str = "qlearning"
    alpha: float = 0.1
    """Learning rate α in q ← q + α(y − q)."""
    gamma: float = 0.9
    """Discount γ in y = r + γ·max Q(s', ·)."""
    epsilon_start: float = 1.0
    """ε at step 0: the lecture starts fully random."""
    epsilon_end: float = 0.7
    """ε after the decay. Q-learning is off-policy, so the greedy policy and Q* are learned whatever
    ε is; a high floor keeps visiting every (state, action), which the lecture's full Q* table needs
    (the far corner and each fall). Lower it (say 0.05) to watch the behaviour policy improve."""
    epsilon_decay_steps: int = 10_000
    """Env steps over which ε goes from ``epsilon_start`` to ``epsilon_end``."""
    epsilon_schedule: str = "linear"
    """``linear`` or ``exponential`` decay from ``epsilon_start`` to ``epsilon_end``."""

    def __post_init__(self) -> None:
        _check(0.0 < self.alpha <= 1.0, f"agent.alpha={self.alpha} is out of range (0, 1]")
        _check(0.0 <= self.gamma <= 1.0, f"agent.gamma={self.gamma} is out of range [0, 1]")
        _check_epsilon(self)


@dataclass
class DQNConfig(AgentConfig):
    """DQN (Mnih et al. 2015) as the lecture teaches it, with the usual switches.

    Defaults are the lecture's plain algorithm (MSE loss, hard target copies, no double-Q, no
    duelling head, 1-step targets); tuned presets per env live in ``conf/agent_env``.
    """

    name: str = "dqn"
    lr: float = 1e-3
    """Adam's learning rate (at step 0 if ``lr_end`` is set)."""
    lr_end: float | None = None
    """Anneal the learning rate linearly from ``lr`` to this over ``lr_decay_steps`` env steps
    (SB3's ``linear_schedule``); ``None``: constant."""
    lr_decay_steps: int = 100_000
    """Env steps of the learning-rate annealing (only with ``lr_end``)."""
    gamma: float = 0.99
    """Discount γ in y = r + γ·max_a' q'(s', a')."""
    buffer_size: int = 100_000
    """Transitions the replay buffer holds (the oldest are overwritten)."""
    batch_size: int = 64
    """Minibatch size m."""
    learning_starts: int = 1_000
    """Env steps of pure collection before the first update."""
    train_freq: int = 4
    """Env steps (over all envs) between updates, or ended episodes with
    ``train_freq_unit=episode``."""
    train_freq_unit: str = "step"
    """What ``train_freq`` counts: ``step`` or ``episode`` (SB3's ``train_freq=(n, "episode")``)."""
    gradient_steps: int = 1
    """Gradient steps per update; -1: as many as env steps since the last update (SB3's -1)."""
    target_update: str = "hard"
    """``hard``: copy q into q' every ``target_update_interval`` env steps (the lecture's);
    ``polyak``: q' ← τ·q + (1 − τ)·q' after every gradient step."""
    target_update_interval: int = 1_000
    """Env steps between hard target copies."""
    tau: float = 0.005
    """Share of the online net in a Polyak update (only with ``target_update=polyak``)."""
    double_q: bool = False
    """Double DQN: q picks the next action, q' values it (van Hasselt et al. 2016)."""
    dueling: bool = False
    """Duelling head: Q = V + A − mean(A) (Wang et al. 2016)."""
    n_step: int = 1
    """Bootstrap after n rewards: y = Σ γ^i r_i + γ^n·max q'(s_n, ·)."""
    loss: str = "mse"
    """``mse`` (the lecture's (1/m)·Σ(y − q)²) or ``huber`` (SB3's and the Nature paper's)."""
    max_grad_norm: float | None = None
    """Clip the gradient's global norm to this (``None``: no clipping, as in the lecture)."""
    hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])
    """Hidden layer widths of the MLP after the observation encoder."""
    epsilon_start: float = 1.0
    """ε at step 0."""
    epsilon_end: float = 0.05
    """ε after the decay."""
    epsilon_decay_steps: int = 10_000
    """Env steps over which ε goes from ``epsilon_start`` to ``epsilon_end``."""
    epsilon_schedule: str = "linear"
    """``linear`` or ``exponential``."""
    compile: bool = False
    """``torch.compile`` the update (eager stays the reference; a test checks they agree). Not
    with ``lr_end`` (the CartPole preset sets it: add ``agent.lr_end=null``)."""
    cuda_graphs: bool | None = None
    """Replay the update and the greedy action from recorded CUDA graphs
    (``rlkit/fast/cuda_graphs.py``): one launch instead of ~100 kernel launches, the same maths.
    ``null`` (auto): each graph on for ``device=cuda`` only while its code is the code that passed
    ``tests/fast/test_cuda_graphs.py`` on a GPU (``rlkit/fast/gpu_passes.py``), and the update's
    not with ``compile`` or an annealed ``lr_end``; ``true`` asks for both (an error where they
    cannot work); ``false``: eager."""
    update_backend: str = "auto"
    """Who computes the update and the greedy actions: ``torch`` (``DQN.update``, the reference),
    ``numpy`` (the same maths written out in NumPy on views of the torch weights,
    ``rlkit/fast/numpy_dqn.py``: 2-3x faster for small MLPs on a CPU, where PyTorch's per-op
    overhead dominates; an MLP q on the CPU only, no duelling head) or ``auto`` (``numpy`` where it
    fits and ``compile`` is off, else ``torch``)."""
    save_buffer: bool = True
    """Keep the replay buffer in checkpoints (needed for an exact resume; large for images)."""
    encoder: str = "auto"
    """How q reads observations: ``auto`` (a CNN for image frames, one-hot for Discrete states,
    else a flatten), ``nature_cnn`` (Mnih et al. 2015), ``resnet`` (IMPALA's small ResNet) or
    ``mlp`` (flatten anything; allowed on images, with a warning)."""
    pretrain: str | None = None
    """A behaviour-cloning run directory (``agent=bc``) to start q and q' from: its network, of
    the same observation type and ``hidden_sizes``, becomes q, so DQN begins with the cloned
    policy as its greedy one."""

    def __post_init__(self) -> None:
        _check(self.lr > 0, f"agent.lr={self.lr} must be > 0")
        _check(
            self.lr_end is None or self.lr_end >= 0,
            f"agent.lr_end={self.lr_end} must be >= 0 (or null)",
        )
        _check(self.lr_decay_steps >= 1, f"agent.lr_decay_steps={self.lr_decay_steps} must be >= 1")
        _check(0.0 <= self.gamma <= 1.0, f"agent.gamma={self.gamma} is out of range [0, 1]")
        _check(self.batch_size >= 1, f"agent.batch_size={self.batch_size} must be >= 1")
        _check(
            self.buffer_size >= self.batch_size,
            f"agent.buffer_size={self.buffer_size} must be >= agent.batch_size={self.batch_size}",
        )
        for key in ("learning_starts",):
            _check(getattr(self, key) >= 0, f"agent.{key}={getattr(self, key)} must be >= 0")
        for key in ("train_freq", "target_update_interval", "n_step"):
            _check(getattr(self, key) >= 1, f"agent.{key}={getattr(self, key)} must be >= 1")
        _check_train_schedule(self)
        _check_choice("agent.target_update", self.target_update, TARGET_UPDATES)
        _check(0.0 < self.tau <= 1.0, f"agent.tau={self.tau} is out of range (0, 1]")
        _check_choice("agent.loss", self.loss, DQN_LOSSES)
        _check_choice("agent.encoder", self.encoder, ENCODERS)
        _check_choice("agent.update_backend", self.update_backend, UPDATE_BACKENDS)
        _check(
            not (self.compile and self.lr_end is not None),
            "agent.compile=true with agent.lr_end: a compiled update is specialised to one "
            "learning rate and would recompile as it anneals; set agent.lr_end=null to compile",
        )
        _check_cuda_graphs(self, "lr_end")
        _check(
            self.max_grad_norm is None or self.max_grad_norm > 0,
            f"agent.max_grad_norm={self.max_grad_norm} must be > 0 (or null)",
        )
        _check(
            len(self.hidden_sizes) >= 1 and all(h >= 1 for h in self.hidden_sizes),
            f"agent.hidden_sizes={list(self.hidden_sizes)} needs at least one layer, each >= 1",
        )
        _check_epsilon(self)


@dataclass
class ContinuousConfig(AgentConfig):
    """What DDPG, TD3 and SAC share: an actor and a critic for Box actions, trained from a
    replay buffer with soft targets. Each agent's own dataclass below sets its defaults."""

    actor_lr: float = 1e-3
    """Adam's learning rate for the actor."""
    critic_lr: float = 1e-3
    """Adam's learning rate for the critic (both critics, where there are two)."""
    lr_decay_steps: int | None = None
    """Anneal the learning rates linearly to 0 over this many env steps (SB3's
    ``linear_schedule``); ``None``: constant."""
    gamma: float = 0.99
    """Discount γ of the TD target y = r + γ·(the target critic's value of s')."""
    tau: float = 0.005
    """Share of the online nets in the soft target updates θ' ← τθ + (1 − τ)θ'."""
    batch_size: int = 256
    """Minibatch size N."""
    buffer_size: int = 1_000_000
    """Transitions the replay buffer R holds."""
    learning_starts: int = 100
    """Env steps of uniformly random actions before the first update."""
    train_freq: int = 1
    """Env steps (over all envs) between updates, or ended episodes with
    ``train_freq_unit=episode``."""
    train_freq_unit: str = "step"
    """What ``train_freq`` counts: ``step`` or ``episode`` (SB3's ``train_freq=(n, "episode")``:
    the policy stays fixed while an episode is played)."""
    gradient_steps: int = 1
    """Gradient steps per update; -1: as many as env steps since the last update (SB3's -1)."""
    actor_hidden_sizes: list[int] = field(default_factory=lambda: [400, 300])
    """Hidden layer widths of the actor."""
    critic_hidden_sizes: list[int] = field(default_factory=lambda: [400, 300])
    """Hidden layer widths of the critic (of each, where there are two)."""
    save_buffer: bool = True
    """Keep the replay buffer in checkpoints (needed for an exact resume)."""
    encoder: str = "auto"
    """How the actor and the critics read observations (each has its own encoder): ``auto`` (a
    CNN for image frames, else a flatten), ``nature_cnn`` (Mnih et al. 2015), ``resnet`` (IMPALA's
    small ResNet) or ``mlp`` (flatten anything; allowed on images, with a warning)."""

    def __post_init__(self) -> None:
        for key in ("actor_lr", "critic_lr"):
            _check(getattr(self, key) > 0, f"agent.{key}={getattr(self, key)} must be > 0")
        _check(
            self.lr_decay_steps is None or self.lr_decay_steps >= 1,
            f"agent.lr_decay_steps={self.lr_decay_steps} must be >= 1 (or null: constant rates)",
        )
        _check(0.0 <= self.gamma <= 1.0, f"agent.gamma={self.gamma} is out of range [0, 1]")
        _check(0.0 < self.tau <= 1.0, f"agent.tau={self.tau} is out of range (0, 1]")
        _check(self.batch_size >= 1, f"agent.batch_size={self.batch_size} must be >= 1")
        _check(
            self.buffer_size >= self.batch_size,
            f"agent.buffer_size={self.buffer_size} must be >= agent.batch_size={self.batch_size}",
        )
        _check(
            self.learning_starts >= 0, f"agent.learning_starts={self.learning_starts} must be >= 0"
        )
        _check(self.train_freq >= 1, f"agent.train_freq={self.train_freq} must be >= 1")
        _check_train_schedule(self)
        for key in ("actor_hidden_sizes", "critic_hidden_sizes"):
            sizes = list(getattr(self, key))
            _check(
                len(sizes) >= 1 and all(h >= 1 for h in sizes),
                f"agent.{key}={sizes} needs at least one layer, each >= 1",
            )
        _check_choice("agent.encoder", self.encoder, ENCODERS)


def _check_noise(cfg: DDPGConfig | TD3Config) -> None:
    """The exploration noise of the deterministic-policy agents (DDPG, TD3)."""
    _check_choice("agent.noise", cfg.noise, NOISES)
    _check(cfg.noise_sigma >= 0, f"agent.noise_sigma={cfg.noise_sigma} must be >= 0")
    _check(cfg.noise_theta > 0, f"agent.noise_theta={cfg.noise_theta} must be > 0")


@dataclass
class DDPGConfig(ContinuousConfig):
    """DDPG (Lillicrap et al. 2016) as the lecture teaches it.

    Defaults are Stable-Baselines3's DDPG defaults; tuned presets per env live in
    ``conf/agent_env/ddpg_<env>.yaml``.
    """

    name: str = "ddpg"
    noise: str = "gaussian"
    """Exploration noise N: ``gaussian`` or ``ornstein_uhlenbeck`` (reset at each episode start)."""
    noise_sigma: float = 0.1
    """σ of the noise, in the actor's [-1, 1] units."""
    noise_theta: float = 0.15
    """θ, the pull back to 0 of the Ornstein-Uhlenbeck process."""
    compile: bool = False
    """``torch.compile`` the update."""
    cuda_graphs: bool | None = None
    """Replay the update and μ(s) from recorded CUDA graphs, as DQN's ``cuda_graphs``: ``true``
    asks for them (``device=cuda`` only); ``null`` (auto) turns them on only while their code is
    the code that passed ``tests/fast/test_cuda_graphs.py`` on a GPU (``rlkit/fast/gpu_passes.py``).
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(
            not (self.compile and self.lr_decay_steps is not None),
            "agent.compile=true with agent.lr_decay_steps: a compiled update is specialised to "
            "its learning rates and would recompile as they anneal; set one of them off",
        )
        _check_cuda_graphs(self, "lr_decay_steps")
        _check_noise(self)


@dataclass
class TD3Config(ContinuousConfig):
    """TD3 (Fujimoto et al. 2018): DDPG with twin critics and the clipped double-Q target,
    target-policy smoothing and delayed actor and target updates.

    Defaults are Stable-Baselines3's TD3 defaults (its action noise, none by default, is the
    paper's N(0, 0.1) here); tuned presets per env live in ``conf/agent_env/td3_<env>.yaml``.
    """

    name: str = "td3"
    policy_delay: int = 2
    """Critic steps per actor step; the targets move with the actor (the paper's d)."""
    target_policy_noise: float = 0.2
    """σ of the Gaussian noise added to μ'(s') in the target (target-policy smoothing), in the
    actor's [-1, 1] units."""
    target_noise_clip: float = 0.5
    """That noise is clipped to [−c, c] (the paper's c)."""
    noise: str = "gaussian"
    """Exploration noise: ``gaussian`` or ``ornstein_uhlenbeck`` (reset at each episode start)."""
    noise_sigma: float = 0.1
    """σ of the exploration noise, in the actor's [-1, 1] units (the paper's 0.1)."""
    noise_theta: float = 0.15
    """θ, the pull back to 0 of the Ornstein-Uhlenbeck process."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(
            self.policy_delay >= 1,
            f"agent.policy_delay={self.policy_delay} must be >= 1 (1: the actor steps with "
            "every critic step, as DDPG's)",
        )
        _check(
            self.target_policy_noise >= 0,
            f"agent.target_policy_noise={self.target_policy_noise} must be >= 0",
        )
        _check(
            self.target_noise_clip > 0,
            f"agent.target_noise_clip={self.target_noise_clip} must be > 0 (the target noise is "
            "clipped to [-c, c])",
        )
        _check_noise(self)


def parse_ent_coef(value: str) -> tuple[bool, float]:
    """``agent.ent_coef`` as (learned, initial α): ``auto`` (learned from α = 1), ``auto_<α>``
    (learned from α) or a positive number (α fixed), as SB3's ``ent_coef``.

    Raises:
        ConfigError: anything else.
    """
    text = str(value)
    learned = text == "auto" or text.startswith("auto_")
    number = text[len("auto_") :] if text.startswith("auto_") else text
    try:
        alpha = 1.0 if text == "auto" else float(number)
    except ValueError:
        alpha = float("nan")
    if not alpha > 0 or alpha == float("inf"):
        raise ConfigError(
            f"agent.ent_coef={text!r} is not valid; choose auto (α learned from 1), auto_<α> "
            "(learned from α, e.g. auto_0.1) or a positive number (α fixed)"
        )
    return learned, alpha


@dataclass
class SACConfig(ContinuousConfig):
    """SAC (Haarnoja et al. 2018, with the learned temperature of "Soft Actor-Critic Algorithms
    and Applications"): a tanh-squashed Gaussian actor, twin critics, the soft target
    y = r + γ·(min Q'(s', a') − α·log π(a'|s')) and α tuned toward a target entropy.

    Defaults are Stable-Baselines3's SAC defaults; tuned presets per env live in
    ``conf/agent_env/sac_<env>.yaml``.
    """

    name: str = "sac"
    actor_lr: float = 3e-4
    """Adam's learning rate for the actor π."""
    critic_lr: float = 3e-4
    """Adam's learning rate for the twin critics."""
    ent_coef_lr: float = 3e-4
    """Adam's learning rate for log α (with a learned ``ent_coef``)."""
    actor_hidden_sizes: list[int] = field(default_factory=lambda: [256, 256])
    """Hidden layer widths of π."""
    critic_hidden_sizes: list[int] = field(default_factory=lambda: [256, 256])
    """Hidden layer widths of each critic."""
    ent_coef: str = "auto"
    """The temperature α: ``auto`` (learned, starting at 1), ``auto_<α>`` (learned, starting at
    α, e.g. ``auto_0.1``) or a positive number (fixed), as SB3's ``ent_coef``."""
    target_entropy: float | None = None
    """The entropy that the learned α steers the policy toward; ``None``: −dim(A) (the paper's
    and SB3's ``auto``)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self.ent_coef_lr > 0, f"agent.ent_coef_lr={self.ent_coef_lr} must be > 0")
        parse_ent_coef(self.ent_coef)


@dataclass
class EnvConfig:
    """A Gymnasium env, made with ``gymnasium.make(id, **kwargs)``."""

    name: str = MISSING
    """The short name, as in ``env=<name>``."""
    id: str = MISSING
    """The Gymnasium id, e.g. ``rlkit/CliffWalk-v0`` or ``Pendulum-v1``."""
    max_episode_steps: int | None = None
    """Override the time limit set at registration (``None`` keeps it)."""
    frame_stack: int | None = None
    """Stack the last this many observations on a new first axis (Gymnasium's
    ``FrameStackObservation``, the first frame repeated at a reset), so one frame's motion shows."""

    def __post_init__(self) -> None:
        _check(
            self.max_episode_steps is None or self.max_episode_steps > 0,
            f"env.max_episode_steps={self.max_episode_steps} must be > 0 (or null)",
        )
        _check(
            self.frame_stack is None or self.frame_stack >= 1,
            f"env.frame_stack={self.frame_stack} must be >= 1 (or null)",
        )

    def make_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``gymnasium.make`` beyond the id."""
        kwargs: dict[str, Any] = {}
        if self.max_episode_steps is not None:
            kwargs["max_episode_steps"] = self.max_episode_steps
        return kwargs


PONG_MODES = ("versus", "squash")
PONG_OBS_TYPES = ("vector", "classic", "pixels")
PONG_OPPONENTS = ("scripted", "human")


@dataclass
class PongEnvConfig(EnvConfig):
    """``rlkit/PingPong-v0`` (envs/ping_pong.py). ``None`` keeps the env's own default."""

    mode: str = "versus"
    """``versus`` (a scripted opponent on the left; ±1 a point) or ``squash`` (a wall on the
    left; +1 a return, a miss ends the episode)."""
    obs_type: str = "vector"
    """``vector`` (ball and paddles, normalised), ``classic`` (the department bot's three
    numbers) or ``pixels`` (84x84 grayscale)."""
    opponent: str = "scripted"
    """``scripted`` or ``human`` (the keyboard; only with a window, i.e. ``rlkit.play``)."""
    opponent_speed: float | None = None
    """The scripted opponent's paddle speed in px a frame."""
    opponent_reaction: int | None = None
    """Frames by which the scripted opponent's view of the ball lags."""
    points_to_win: int | None = None
    """Points that end a versus game."""
    frame_skip: int | None = None
    """Game frames per env step, the action held for all of them."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("env.mode", self.mode, PONG_MODES)
        _check_choice("env.obs_type", self.obs_type, PONG_OBS_TYPES)
        _check_choice("env.opponent", self.opponent, PONG_OPPONENTS)
        for key in ("opponent_speed", "opponent_reaction", "points_to_win", "frame_skip"):
            value = getattr(self, key)
            least = 0 if key == "opponent_reaction" else 1
            _check(value is None or value >= least, f"env.{key}={value} must be >= {least}")

    def make_kwargs(self) -> dict[str, Any]:
        """The base kwargs plus every pong field that is set."""
        kwargs = super().make_kwargs()
        base = set(field_names(EnvConfig))
        for key in field_names(PongEnvConfig):
            if key not in base and getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return kwargs


@dataclass
class AtariEnvConfig(EnvConfig):
    """An Atari game from ale-py (which ships the ROMs) with the DQN paper's preprocessing
    (Gymnasium's ``AtariPreprocessing``): no-op resets, frame skipping with a max over the last two
    frames, 84x84 grayscale, a life loss as the end of an episode, rewards clipped to their sign,
    and (``frame_stack``) the last 4 frames stacked."""

    noop_max: int = 30
    """Up to this many no-op actions after a reset, so starts differ."""
    frame_skip: int = 4
    """Emulator frames per env step, the action repeated; the observation is the max of the last
    two frames (sprites flicker)."""
    screen_size: int = 84
    """Side of the square grayscale frame."""
    terminal_on_life_loss: bool = True
    """Episodic life: losing a life ends the training episode (evaluation is the same env)."""
    clip_rewards: bool = True
    """Rewards clipped to -1, 0, +1 (the DQN paper's), so one step size fits every game."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for key in ("frame_skip", "screen_size"):
            _check(getattr(self, key) >= 1, f"env.{key}={getattr(self, key)} must be >= 1")
        _check(self.noop_max >= 0, f"env.noop_max={self.noop_max} must be >= 0")

    def make_kwargs(self) -> dict[str, Any]:
        """ALE's own frame skip is off: ``AtariPreprocessing`` does the skipping."""
        return {**super().make_kwargs(), "frameskip": 1}


@dataclass
class LoggerConfig:
    """Loggers besides ``metrics.csv`` (always written), under ``logger.``; both use the metric
    names of ``rlkit/run/namespace.py`` (``charts/episode_return``, ``losses/td_loss``, ...)."""

    tensorboard: bool = False
    """Write TensorBoard event files to ``<run>/tb/`` (``tensorboard --logdir runs/``)."""
    wandb: bool = False
    """Log to Weights & Biases; its files go to ``<run>/wandb/``. A resumed run (``resume=``)
    continues the same W&B run (its id is in ``<run>/wandb/run_id.txt``)."""
    wandb_mode: str = "offline"
    """``offline`` (no account or network; ``wandb sync <run>/wandb/offline-run-*`` uploads it
    later), ``online`` (needs ``WANDB_API_KEY`` or ``wandb login``) or ``disabled``."""
    wandb_project: str = "rlkit"
    """The W&B project."""
    wandb_group: str | None = None
    """The W&B group (e.g. one per sweep), or none."""
    wandb_tags: list[str] = field(default_factory=list)
    """W&B tags."""

    def __post_init__(self) -> None:
        _check_choice("logger.wandb_mode", self.wandb_mode, WANDB_MODES)


@dataclass
class Config:
    """One training run: ``python -m rlkit.train agent=... env=... [field=value ...]``."""

    agent: AgentConfig = MISSING
    env: EnvConfig = MISSING
    seed: int = 0
    """Seeds the envs, the agent and PyTorch; the same seed gives the same ``metrics.csv``."""
    total_steps: int = 100_000
    """Env steps to train for, counted over all vector envs."""
    device: str = "auto"
    """``auto`` (CUDA when there is one), ``cpu`` or ``cuda``. The tabular agent ignores it."""
    num_envs: int = 1
    """Envs stepped together in a Gymnasium vector env."""
    vector_mode: str = "fast"
    """``fast`` (rlkit's lean in-process vector env), ``sync`` (Gymnasium's ``SyncVectorEnv``) or
    ``async`` (Gymnasium's ``AsyncVectorEnv``, one process per env). All use SAME_STEP autoreset."""
    eval_episodes: int = 10
    """Greedy episodes for the final evaluation (and each periodic one)."""
    eval_interval: int | None = None
    """Also evaluate every this many env steps (``None``: only at the end)."""
    log_interval: int = 1000
    """Write a row of training metrics to ``metrics.csv`` every this many env steps."""
    checkpoint_interval: int | None = None
    """Also checkpoint every this many env steps (``None``: only at the end)."""
    stop_at_return: float | None = None
    """With ``eval_interval``: stop training once a periodic evaluation's mean return reaches
    this (SB3's ``StopTrainingOnRewardThreshold``); the run then ends as usual."""
    save_best: bool = False
    """With ``eval_interval``: keep the agent of the best periodic evaluation so far (highest mean
    return, the earlier on a tie) in ``<run>/best``, a directory that ``rlkit.load`` and
    ``python -m rlkit.play run=<run>/best`` read like a run (SB3's EvalCallback best model)."""
    progress: bool = True
    """Show a progress bar (steps/s, ETA, last return)."""
    torch_threads: int | None = 1
    """CPU threads for PyTorch and NumPy's BLAS (``null``: their defaults, one per core). One
    thread is fastest for the small MLPs of DQN and DDPG and leaves the other cores to the envs;
    raise it for CNNs on a CPU. Like ``torch.set_num_threads``, it holds for the whole process."""
    dataset: str | None = None
    """Recorded play for offline agents (``agent=bc``): an ``.npz`` with ``observations`` and
    ``actions`` (``python -m rlkit.play env=pong opponent=human record=play.npz`` or
    ``scripts/make_pong_dataset.py`` write one)."""
    resume: str | None = None
    """A run directory to continue from its checkpoint, into a new run directory. The old run's
    overrides are applied first, so ``resume=<dir>`` alone continues it; ``total_steps=``
    extends it."""
    logger: LoggerConfig = field(default_factory=LoggerConfig)
    """TensorBoard and Weights & Biases (``logger.tensorboard=true``, ``logger.wandb=true``)."""
    video_interval: int | None = None
    """Record one greedy evaluation episode every this many env steps to
    ``<run>/videos/step_<n>.mp4`` (and to TensorBoard and W&B when they are on); ``None``: no
    videos. The env must render ``rgb_array``."""

    def __post_init__(self) -> None:
        _check(self.seed >= 0, f"seed={self.seed} must be >= 0")
        _check(self.total_steps > 0, f"total_steps={self.total_steps} must be > 0")
        _check_choice("device", self.device, DEVICES)
        _check(self.num_envs >= 1, f"num_envs={self.num_envs} must be >= 1")
        _check_choice("vector_mode", self.vector_mode, VECTOR_MODES)
        _check(self.eval_episodes >= 0, f"eval_episodes={self.eval_episodes} must be >= 0")
        _check(self.log_interval > 0, f"log_interval={self.log_interval} must be > 0")
        _check(
            self.torch_threads is None or self.torch_threads >= 1,
            f"torch_threads={self.torch_threads} must be >= 1 (or null)",
        )
        for key in ("eval_interval", "checkpoint_interval", "video_interval"):
            value = getattr(self, key)
            _check(value is None or value > 0, f"{key}={value} must be > 0 (or null)")
        _check(
            self.stop_at_return is None or self.eval_interval is not None,
            "stop_at_return stops at a periodic evaluation's return: give eval_interval too",
        )
        _check(
            not self.save_best or self.eval_interval is not None,
            "save_best=true keeps the best periodic evaluation's agent: give eval_interval too",
        )


@dataclass
class BCConfig(AgentConfig):
    """Behaviour cloning: a classifier policy fitted to recorded (observation, action) pairs, the
    course department's way of training its pong bot (an MLP 3→256→64→3, cross-entropy, Adam)."""

    name: str = "bc"
    hidden_sizes: list[int] = field(default_factory=lambda: [256, 64])
    """Hidden layer widths (ReLU); the department's bot: 256, 64 (17,667 parameters on 3 inputs)."""
    lr: float = 1e-3
    """Adam's learning rate."""
    batch_size: int = 256
    """Minibatch size."""
    epochs: int = 30
    """Passes over the training part of the dataset."""
    val_fraction: float = 0.2
    """Share of the dataset held out (a random split, seeded) to measure accuracy on."""

    def __post_init__(self) -> None:
        _check(self.lr > 0, f"agent.lr={self.lr} must be > 0")
        _check(self.batch_size >= 1, f"agent.batch_size={self.batch_size} must be >= 1")
        _check(self.epochs >= 1, f"agent.epochs={self.epochs} must be >= 1")
        _check(
            0.0 <= self.val_fraction < 1.0,
            f"agent.val_fraction={self.val_fraction} is out of range [0, 1)",
        )
        _check(
            len(self.hidden_sizes) >= 1 and all(h >= 1 for h in self.hidden_sizes),
            f"agent.hidden_sizes={list(self.hidden_sizes)} needs at least one layer, each >= 1",
        )


AGENT_CONFIGS: dict[str, type[AgentConfig]] = {
    "qlearning": QLearningConfig,
    "dqn": DQNConfig,
    "ddpg": DDPGConfig,
    "td3": TD3Config,
    "sac": SACConfig,
    "bc": BCConfig,
}
"""Agent name -> its config schema (``conf/agent/<name>.yaml`` uses ``<name>_schema``)."""

ENV_CONFIGS: dict[str, type[EnvConfig]] = {
    "env": EnvConfig,
    "pong": PongEnvConfig,
    "atari": AtariEnvConfig,
}
"""Schema name (without ``_schema``) -> env config schema."""


def field_names(schema: type) -> list[str]:
    """The config keys of a schema dataclass, in declaration order."""
    return [f.name for f in fields(schema)]


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (safe to call more than once)."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)
    for name, schema in AGENT_CONFIGS.items():
        store.store(group="agent", name=f"{name}_schema", node=schema)
    for name, env_schema in ENV_CONFIGS.items():
        store.store(group="env", name=f"{name}_schema", node=env_schema)


def group_choices(group: str) -> list[str]:
    """The options of a config group: the YAML files in ``conf/<group>/``."""
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
