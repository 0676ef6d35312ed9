"""DQN: a critic q, a target critic q' and a replay buffer, as the lecture teaches it.

    initialise q at random and q' as a copy of q; an empty replay buffer
    repeat for each step:
        in state s choose a ε-greedily from q
        take a, observe r and s'; store (s, a, r, s') in the buffer
        sample a random minibatch of m transitions
        y = r                          if s' is terminal
        y = r + γ · max_a' q'(s', a')   otherwise
        minimise (1/m) · Σ (y − q(s, a))²  with a gradient step on q
        every so often copy q into q'

Switches users of SB3, CleanRL and Tianshou expect are in ``rlkit.config.schema.DQNConfig``:
Polyak target updates, double Q, a duelling head, n-step targets, the Huber loss, gradient
clipping, the ε schedule, ``torch.compile`` of the update and, on a GPU, CUDA graphs of the update
and the greedy action.

``DQN.update`` below is the reference. Where it fits (an MLP q on a CPU) the same maths runs
written out in NumPy (``rlkit/fast/numpy_dqn.py``, tested equal); ``rlkit/fast/backend.py``
decides, and the run's first line and ``summary.json`` say which ran.
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

from rlkit.config.schema import DQNConfig
from rlkit.fast.backend import choose_dqn_update, dqn_paths
from rlkit.fast.paths import fused_adam
from rlkit.nets import QNetwork, observation_encoder
from rlkit.parts.frame_replay import make_replay_buffer
from rlkit.parts.nstep import gamma_powers
from rlkit.parts.observations import observation_batch
from rlkit.parts.replay import ReplayBatch
from rlkit.parts.schedules import Ticks, TrainSchedule, epsilon_schedule_of, linear_schedule
from rlkit.parts.targets import hard_update, polyak_update
from rlkit.parts.transition import Transition
from rlkit.storage.checkpoint import read_cloned_policy


class DQN:
    """Deep Q-learning for discrete actions (Discrete or Box observations)."""

    metric_names = ("loss", "q_mean", "epsilon")

    def __init__(
        self,
        cfg: DQNConfig,
        observation_space: spaces.Space,
        action_space: spaces.Discrete,
        seed: int = 0,
        device: str | torch.device = "cpu",
        num_envs: int = 1,
    ) -> None:
        """Build q, q' (a copy), the optimiser and the replay buffer; seed everything."""
        self.cfg = cfg
        self.device = torch.device(device)
        self.n_actions = int(action_space.n)
        self.observation_space, self.action_space = observation_space, action_space
        self.obs_shape = observation_space.shape
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)

        encoder, in_features = observation_encoder(observation_space, cfg.encoder)
        self.q_net = QNetwork(
            encoder, in_features, self.n_actions, cfg.hidden_sizes, cfg.dueling
        ).to(self.device)
        if cfg.pretrain is not None:
            # Start from a behaviour-cloning run's network (checked to fit before the run
            # starts): the greedy policy of q is then the cloned one, and DQN improves on it.
            self.q_net.load_state_dict(read_cloned_policy(cfg.pretrain))
        self.q_target = copy.deepcopy(self.q_net).requires_grad_(False)
        self.update_backend = choose_dqn_update(cfg, observation_space, self.device)
        """Which code computes the update (``rlkit/fast/backend.py`` decides)."""
        self.optimizer = fused_adam(self.q_net.parameters(), cfg.lr, self.update_backend)
        self.buffer = make_replay_buffer(
            cfg.buffer_size,
            observation_space,
            action_space,
            num_envs=num_envs,
            device=self.device,
            n_step=cfg.n_step,
            gamma=cfg.gamma,
            seed=seed,
        )
        self.loss_fn = nn.functional.mse_loss if cfg.loss == "mse" else nn.functional.smooth_l1_loss
        self.gamma_powers = gamma_powers(cfg.gamma, cfg.n_step, self.device)
        self.fast = dqn_paths(
            cfg,
            self.update_backend,
            self.update,
            self._greedy_actions,
            (self.q_net, self.q_target),
            self.optimizer,
            self.gamma_powers,
        )
        """The code that runs ``update`` and the greedy actions (``rlkit/fast/``)."""
        self.epsilon_at = epsilon_schedule_of(cfg)
        """ε at an env step."""
        self._epsilon = cfg.epsilon_start
        self._train_schedule = TrainSchedule(
            cfg.train_freq, cfg.train_freq_unit, cfg.gradient_steps
        )
        self._target_ticks = Ticks(cfg.target_update_interval)

    def describe_update(self) -> str:
        """Which code computes the update, and how to run another."""
        return self.fast.description

    def _q_values(self, obs: np.ndarray) -> torch.Tensor:
        with torch.inference_mode():
            return self.q_net(torch.as_tensor(obs, device=self.device))

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """ε-greedy actions for a batch of observations (q is not run when every env explores)."""
        self._epsilon = self.epsilon_at(global_step)
        explore = self.rng.random(len(obs)) < self._epsilon
        random_actions = self.rng.integers(self.n_actions, size=len(obs))
        if explore.all():
            return random_actions
        return np.where(explore, random_actions, self.fast.policy(obs))

    def _greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """argmax_a q(obs, a) on the host."""
        return self._q_values(obs).argmax(dim=1).cpu().numpy()

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, None]:
        """argmax_a q(obs, a) for one observation or a batch (ε-greedy with the final ε if not
        ``deterministic``).

        SB3's signature and ``(action, None)`` return (``agents/protocol.py: Agent.predict``)."""
        batch, single = observation_batch(observation, self.observation_space)
        actions = self.fast.policy(batch)
        if not deterministic:
            explore = self.rng.random(len(actions)) < self.cfg.epsilon_end
            actions = np.where(
                explore, self.rng.integers(self.n_actions, size=len(actions)), actions
            )
        return (int(actions[0]) if single else actions), None

    def save(self, path: str | Path) -> Path:
        """Write the policy file that ``rlkit.load(path)`` reads: the config, the spaces and the
        weights, without the replay buffer (SB3's ``model.save``)."""
        from rlkit.agents.policy_file import save_policy

        return save_policy(path, self)

    def policy_module(self) -> nn.Module:
        """A CPU copy of q in eval mode: ``(B, *obs_shape)`` observations (the env's dtype) to
        ``(B, n_actions)`` Q-values, whose argmax is ``predict``'s action (for ONNX export)."""
        return copy.deepcopy(self.q_net).cpu().eval().requires_grad_(False)

    @torch.no_grad()
    def td_target(self, batch: ReplayBatch) -> torch.Tensor:
        """y = r + γ^n · (1 − terminated) · max_a' q'(s', a').

        r is the discounted sum of the n = ``batch.steps`` rewards after (s, a): ``n_step`` of
        them, fewer where the episode ended first, and 1 in the lecture's one-step case. A
        truncated (timed-out) transition is not terminal and bootstraps. With ``double_q``, q picks
        the next action and q' values it.
        """
        if self.cfg.double_q:
            next_actions = self.q_net(batch.next_obs).argmax(dim=1, keepdim=True)
            next_q = self.q_target(batch.next_obs).gather(1, next_actions).squeeze(1)
        else:
            next_q = self.q_target(batch.next_obs).max(dim=1).values
        gamma_n = self.gamma_powers[batch.steps]  # γ^n, n <= n_step: fewer where the episode ended
        return batch.rewards + gamma_n * (1.0 - batch.terminated) * next_q

    def update(self, batch: ReplayBatch) -> dict[str, torch.Tensor]:
        """One gradient step on a minibatch; returns detached metrics (no host sync here)."""
        td_target = self.td_target(batch)
        q = self.q_net(batch.obs).gather(1, batch.actions.long().unsqueeze(1)).squeeze(1)
        loss = self.loss_fn(q, td_target)

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.max_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.q_net.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        return {"loss": loss.detach(), "q_mean": q.detach().mean()}

    def lr_at(self, global_step: int) -> float:
        """Adam's learning rate at an env step: ``lr``, or annealed linearly toward ``lr_end``."""
        if self.cfg.lr_end is None:
            return self.cfg.lr
        return linear_schedule(self.cfg.lr, self.cfg.lr_end, self.cfg.lr_decay_steps, global_step)

    def update_target(self) -> None:
        """Refresh q' from q: a hard copy, or a Polyak step with ``tau``."""
        if self.cfg.target_update == "hard":
            hard_update(self.q_target, self.q_net)
        else:
            polyak_update(self.q_target, self.q_net, self.cfg.tau)

    def store(self, transition: Transition) -> None:
        """Put the vector env's step into the replay buffer; count ended episodes (for
        ``train_freq_unit=episode``)."""
        self.buffer.add(*transition)
        ended = np.count_nonzero(transition.terminated | transition.truncated)
        self._train_schedule.episodes_ended(int(ended))

    def run_due_updates(self, global_step: int) -> dict[str, Any] | None:
        """Run the gradient steps and target updates that fall due by ``global_step``."""
        cfg = self.cfg
        started = global_step >= cfg.learning_starts and len(self.buffer) >= cfg.batch_size
        gradient_steps = self._train_schedule.due(global_step, started)
        copies = self._target_ticks.due(global_step, started)
        metrics = None
        if gradient_steps and cfg.lr_end is not None:
            # Both updates read Adam's lr from its param group at every step.
            self.optimizer.param_groups[0]["lr"] = self.lr_at(global_step)
        for _ in range(gradient_steps):
            metrics = self.fast.update(self.buffer.sample(cfg.batch_size))
            if cfg.target_update == "polyak":
                self.update_target()
        if cfg.target_update == "hard" and copies:
            self.update_target()
        if metrics is None:
            return None
        return {**metrics, "epsilon": self._epsilon}

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Networks, optimiser, replay buffer (unless ``save_buffer`` is off or
        ``include_buffer`` false), RNGs, counters."""
        keep = self.cfg.save_buffer if include_buffer is None else include_buffer
        return {
            "q_net": self.q_net.state_dict(),
            "q_target": self.q_target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "buffer": self.buffer.state_dict(include_data=keep),
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "counters": {
                **self._train_schedule.state_dict(),
                "targets_done": self._target_ticks.done,
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict`` (tensors are moved to this agent's device)."""
        self.q_net.load_state_dict(state["q_net"])
        self.q_target.load_state_dict(state["q_target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.fast.after_load()
        self.buffer.load_state_dict(state["buffer"])
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(torch.as_tensor(state["torch_rng"], dtype=torch.uint8))
        self._train_schedule.load_state_dict(state["counters"])
        self._target_ticks.done = int(state["counters"]["targets_done"])

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """On a grid env (the cliff), the greedy path of q and its Q-table; nothing otherwise."""
        if not isinstance(env.observation_space, spaces.Discrete):
            return ""
        from rlkit.parts import qtable_report

        states = np.arange(int(env.observation_space.n))
        q_table = self._q_values(states).cpu().numpy().astype(np.float64)
        return qtable_report.write(q_table, env, run_dir)
