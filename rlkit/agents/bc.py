"""Behaviour cloning: learn to act as a recorded player did, the course department's way.

    collect (observation, action) pairs from a player (a person, or a scripted one)
    hold out a share of them
    repeat for a number of epochs:
        for each shuffled minibatch of pairs:
            logits = π(observations)
            minimise the cross-entropy between softmax(logits) and the player's actions
    the policy acts with argmax_a π(s)[a]

The department trained its pong bot this way (an MLP 3→256→64→3 on ``[ball_x, ball_y, paddle_y] /
705``, accuracy 0.81) and exported it to ONNX for the browser; ``rlkit.export`` does the same here.
The network (``rlkit.nets.ActionClassifier``) has the layout of DQN's ``QNetwork``, so
``agent=dqn agent.pretrain=<bc run>`` can start DQN from the cloned policy.
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

from rlkit.config.schema import BCConfig
from rlkit.nets import ActionClassifier, observation_encoder
from rlkit.parts.observations import observation_batch
from rlkit.parts.transition import Transition
from rlkit.storage.datasets import Dataset


class BC:
    """A classifier policy fitted offline to recorded (observation, action) pairs."""

    metric_names = ("loss", "accuracy", "val_accuracy")
    update_backend = "torch"

    def describe_update(self) -> str:
        """Behaviour cloning's update is ``BC.fit_epoch``."""
        return "torch (BC.fit_epoch: cross-entropy on the recorded actions)"

    def __init__(
        self,
        cfg: BCConfig,
        observation_space: spaces.Space,
        action_space: spaces.Discrete,
        seed: int = 0,
        device: str | torch.device = "cpu",
        num_envs: int = 1,
    ) -> None:
        """Build the policy network and its optimiser; seed everything."""
        self.cfg = cfg
        self.device = torch.device(device)
        self.observation_space, self.action_space = observation_space, action_space
        self.obs_shape = observation_space.shape
        self.n_actions = int(action_space.n)
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        encoder, in_features = observation_encoder(observation_space)
        self.policy = ActionClassifier(encoder, in_features, self.n_actions, cfg.hidden_sizes)
        self.policy = self.policy.to(self.device)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=cfg.lr)
        self.epochs = cfg.epochs
        """Passes over the training part of the dataset."""
        self.val_fraction = cfg.val_fraction
        """Share of the dataset held out to score each epoch on."""
        self.epochs_done = 0
        self.val_accuracy: float | None = None
        """Accuracy on the held-out pairs after the last epoch (``None`` with no held-out part)."""

    def fit_epoch(self, train: Dataset, held_out: Dataset) -> dict[str, float]:
        """One pass over shuffled minibatches of ``train``: its mean loss and accuracy, and the
        accuracy on ``held_out`` (``val_accuracy``) when it is not empty."""
        obs = torch.as_tensor(train.observations, device=self.device)
        actions = torch.as_tensor(train.actions, device=self.device)
        order = torch.as_tensor(self.rng.permutation(len(train)), device=self.device)
        total_loss = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        self.policy.train()
        for start in range(0, len(train), self.cfg.batch_size):
            index = order[start : start + self.cfg.batch_size]
            logits = self.policy(obs[index])
            loss = nn.functional.cross_entropy(logits, actions[index])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            # Summed on the device and read once per epoch: no host sync per minibatch.
            total_loss += loss.detach() * len(index)
            correct += (logits.detach().argmax(dim=1) == actions[index]).sum()
        self.epochs_done += 1
        metrics = {"loss": float(total_loss) / len(train), "accuracy": float(correct) / len(train)}
        if len(held_out):
            self.val_accuracy = self.accuracy(held_out)
            metrics["val_accuracy"] = self.val_accuracy
        return metrics

    @torch.no_grad()
    def accuracy(self, data: Dataset) -> float:
        """Share of ``data``'s actions that the policy's argmax picks too."""
        self.policy.eval()
        predicted = self.policy(torch.as_tensor(data.observations, device=self.device)).argmax(1)
        actions = torch.as_tensor(data.actions, device=self.device)
        return float((predicted == actions).float().mean())

    def _logits(self, obs: np.ndarray) -> torch.Tensor:
        self.policy.eval()
        with torch.inference_mode():
            return self.policy(torch.as_tensor(obs, device=self.device))

    def act(self, obs: np.ndarray, global_step: int) -> np.ndarray:
        """The cloned policy's actions for a batch of observations (BC does not explore)."""
        return self._logits(obs).argmax(dim=1).cpu().numpy()

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[Any, None]:
        """argmax_a π(obs)[a] for one observation or a batch; with ``deterministic=False`` an
        action sampled from softmax(π(obs)).

        SB3's signature and ``(action, None)`` return (``agents/protocol.py: Agent.predict``)."""
        batch, single = observation_batch(observation, self.observation_space)
        logits = self._logits(batch.astype(self.observation_space.dtype, copy=False))
        if deterministic:
            actions = logits.argmax(dim=1).cpu().numpy()
        else:
            probs = torch.softmax(logits, dim=1).cpu().numpy().astype(np.float64)
            cumulative = probs.cumsum(axis=1)
            draws = self.rng.random((len(probs), 1)) * cumulative[:, -1:]
            actions = (draws > cumulative).sum(axis=1)
        return (int(actions[0]) if single else actions), None

    def save(self, path: str | Path) -> Path:
        """Write the policy file that ``rlkit.load(path)`` reads: the config, the spaces and the
        weights, without the replay buffer (SB3's ``model.save``)."""
        from rlkit.agents.policy_file import save_policy

        return save_policy(path, self)

    def store(self, transition: Transition) -> None:
        """Nothing: behaviour cloning learns from its dataset, not from its own play."""

    def run_due_updates(self, global_step: int) -> dict[str, Any] | None:
        """Nothing: training happens in ``fit_epoch`` (the loop runs it for an offline agent)."""
        return None

    def policy_module(self) -> nn.Module:
        """The policy network on the CPU in eval mode: observations to action logits."""
        return copy.deepcopy(self.policy).cpu().eval()

    def state_dict(self, include_buffer: bool | None = None) -> dict[str, Any]:
        """Network, optimiser, RNGs, epochs done and the held-out accuracy (no buffer)."""
        return {
            "policy": self.policy.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "counters": {"epochs_done": self.epochs_done},
            "val_accuracy": -1.0 if self.val_accuracy is None else self.val_accuracy,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict``."""
        self.policy.load_state_dict(state["policy"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(torch.as_tensor(state["torch_rng"], dtype=torch.uint8))
        self.epochs_done = int(state["counters"]["epochs_done"])
        accuracy = float(state["val_accuracy"])
        self.val_accuracy = None if accuracy < 0 else accuracy

    def write_report(self, run_dir: Path, env: gym.Env) -> str:
        """The held-out accuracy, the figure the department reported for its bot."""
        if self.val_accuracy is None:
            return f"behaviour cloning: {self.epochs_done} epochs, no held-out data\n"
        return (
            f"behaviour cloning: held-out action accuracy {self.val_accuracy:.3f} "
            f"after {self.epochs_done} epochs\n"
        )
