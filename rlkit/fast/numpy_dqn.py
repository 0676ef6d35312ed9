"""DQN's update for small MLP Q-networks on the CPU, written out in NumPy.

Why: a DQN update of a 64x64 MLP on a batch of 32 is about 60 tiny tensor operations. PyTorch
spends 10-20 µs of dispatch and autograd bookkeeping on each on a slow CPU core (about 1.2 ms an
update here), while the arithmetic itself takes a few µs. The same maths as NumPy calls costs a
few µs each. Nothing else changes: the arrays below are the torch parameters and
``torch.optim.Adam``'s own state, updated in place, so checkpoints, resume, export, target updates
and the torch path (``DQN.update``, the reference, which a test compares this with) all see one set
of numbers. q's parameters, their gradients and Adam's two moments each live in one flat array
(the torch tensors are views of it), and Adam's step is torch's own fused kernel
(``torch._fused_adam_``, what ``torch.optim.Adam(fused=True)`` calls on the torch path) called
once on those views: one call where the optimiser's Python would cost more than the arithmetic.

The update is the one in ``rlkit/agents/dqn.py``, for the case that q is an MLP (ReLU between
layers, no duelling head) over flat or one-hot observations:

    y    = r + γ^n · (1 − terminated) · max_a' q'(s', a')      (double Q: q picks a')
    loss = mean over the batch of (y − q(s, a))²   (or the Huber loss, SB3's choice)
    one Adam step on the gradient of the loss, clipped to ``max_grad_norm`` if set
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rlkit.nets.mlp import OneHot, QNetwork


class NumpyQUpdate:
    """The DQN update of an MLP ``QNetwork`` in NumPy, on views of the torch tensors.

    Build it once per agent; ``update(batch)`` does what ``DQN.update`` does and returns the same
    metrics (as floats). ``q_values(obs)`` is the forward pass, for acting.
    """

    def __init__(
        self,
        q_net: QNetwork,
        q_target: QNetwork,
        optimizer: torch.optim.Optimizer,
        loss: str,
        double_q: bool,
        max_grad_norm: float | None,
        gamma_powers: np.ndarray,
    ) -> None:
        """Keep views of q's and q''s weights; ``loss`` is ``mse`` or ``huber``;
        ``gamma_powers`` is the agent's float32 table ``[γ^0, ..., γ^n_step]``."""
        self.params = list(q_net.head.parameters())  # W1, b1, W2, b2, ... (torch's order)
        self.target_weights = [p.detach().numpy() for p in q_target.head.parameters()]
        self.one_hot = q_net.encoder.n_states if isinstance(q_net.encoder, OneHot) else None
        self.optimizer = optimizer
        self.huber = loss == "huber"
        self.double_q = double_q
        self.max_grad_norm = max_grad_norm
        self.gamma_powers = gamma_powers
        size = sum(p.numel() for p in self.params)
        self.flat = {name: np.zeros(size, dtype=np.float32) for name in ("w", "g", "m", "v")}
        """q's parameters, their gradients and Adam's moments, each in one array."""
        self.steps = np.zeros(len(self.params), dtype=np.float32)
        """Adam's step count of each parameter (torch keeps one per tensor)."""
        self.weights = self._views(self.flat["w"])
        for param, weight in zip(self.params, self.weights, strict=True):
            weight[...] = param.detach().numpy()
            param.data = torch.from_numpy(weight)  # q's parameter is now a view of the flat array
        self.grads = self._views(self.flat["g"])
        self._tensors: dict[str, list[torch.Tensor]] = {
            "w": [torch.from_numpy(w) for w in self.weights],
            "g": [torch.from_numpy(g) for g in self.grads],
        }
        self._adam_moments: Any = None
        self._share_adam_state()

    def _views(self, flat: np.ndarray) -> list[np.ndarray]:
        """``flat`` cut into arrays of the parameters' shapes, in their order."""
        views, start = [], 0
        for param in self.params:
            views.append(flat[start : start + param.numel()].reshape(param.shape))
            start += param.numel()
        return views

    def _share_adam_state(self) -> None:
        """Make Adam's state tensors views of the flat moments (taking the values it holds, as
        after a checkpoint is loaded), so that its ``state_dict`` saves what this update steps."""
        moments = zip(self._views(self.flat["m"]), self._views(self.flat["v"]), strict=True)
        for i, (param, (m, v)) in enumerate(zip(self.params, moments, strict=True)):
            state = self.optimizer.state[param]
            if state:
                m[...], v[...] = state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
                self.steps[i] = float(state["step"])
            state["step"] = torch.from_numpy(self.steps[i : i + 1]).view(())
            state["exp_avg"], state["exp_avg_sq"] = torch.from_numpy(m), torch.from_numpy(v)
        states = [self.optimizer.state[param] for param in self.params]
        for key in ("step", "exp_avg", "exp_avg_sq"):
            self._tensors[key] = [state[key] for state in states]
        self._adam_moments = self._tensors["exp_avg"][0]

    def features(self, obs: np.ndarray) -> np.ndarray:
        """What the encoder gives: one-hot rows for integer states, else flat float32 rows."""
        if self.one_hot is not None:
            return np.eye(self.one_hot, dtype=np.float32)[obs.astype(np.int64)]
        return obs.reshape(len(obs), -1).astype(np.float32, copy=False)

    @staticmethod
    def forward(weights: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """The MLP's output and the inputs of each layer (kept for the backward pass)."""
        inputs = []
        last = len(weights) // 2 - 1
        for i in range(0, len(weights), 2):
            inputs.append(x)
            x = x @ weights[i].T + weights[i + 1]
            if i // 2 < last:
                x = np.maximum(x, 0.0)
        return x, inputs

    def q_values(self, obs: np.ndarray) -> np.ndarray:
        """q(obs, ·) for a batch of observations."""
        return self.forward(self.weights, self.features(obs))[0]

    def update(self, batch: Any) -> dict[str, float]:
        """One gradient step on a minibatch (a ``ReplayBatch`` of CPU tensors)."""
        obs, next_obs = self.features(batch.obs.numpy()), self.features(batch.next_obs.numpy())
        actions = batch.actions.numpy().astype(np.int64).reshape(-1)
        rows = np.arange(len(actions))

        # TD target, as DQN.td_target.
        next_q_target = self.forward(self.target_weights, next_obs)[0]
        if self.double_q:
            next_actions = self.forward(self.weights, next_obs)[0].argmax(axis=1)
            next_q = next_q_target[rows, next_actions]
        else:
            next_q = next_q_target.max(axis=1)
        gamma_n = self.gamma_powers[batch.steps.numpy()]  # γ^n, n <= n_step: fewer where it ended
        not_terminal = 1.0 - batch.terminated.numpy()
        y = batch.rewards.numpy() + gamma_n * not_terminal * next_q

        # Loss and its gradient with respect to q(s, a).
        out, inputs = self.forward(self.weights, obs)
        q = out[rows, actions]
        error = q - y
        if self.huber:  # smooth_l1 with beta 1
            small = np.abs(error) < 1.0
            loss = np.add.reduce(np.where(small, 0.5 * error * error, np.abs(error) - 0.5)) / len(q)
            d_q = np.clip(error, -1.0, 1.0) / len(q)
        else:
            loss = np.add.reduce(error * error) / len(q)
            d_q = 2.0 * error / len(q)

        # Backward through the MLP, last layer first, into the flat gradient's views.
        d_out = np.zeros_like(out)
        d_out[rows, actions] = d_q
        grads = self.grads
        for i in range(len(self.weights) - 2, -1, -2):
            x = inputs[i // 2]
            np.matmul(d_out.T, x, out=grads[i])
            np.add.reduce(d_out, axis=0, out=grads[i + 1])
            if i > 0:
                d_out = (d_out @ self.weights[i]) * (x > 0.0)  # x is the ReLU's output

        if self.max_grad_norm is not None:
            g = self.flat["g"]
            total = float(np.sqrt(np.dot(g, g)))
            g *= np.float32(min(self.max_grad_norm / (total + 1e-6), 1.0))
        self._adam_step()
        # Sums as ufunc reductions: NumPy's mean() costs a few µs of Python a call here.
        return {"loss": float(loss), "q_mean": float(np.add.reduce(q)) / len(q)}

    def _adam_step(self) -> None:
        """torch.optim.Adam's step (no weight decay, no AMSGrad): its fused kernel, once, on the
        views of the flat arrays."""
        if self.optimizer.state[self.params[0]].get("exp_avg") is not self._adam_moments:
            self._share_adam_state()  # a loaded checkpoint brought new state tensors
        group = self.optimizer.param_groups[0]
        (beta1, beta2), t = group["betas"], self._tensors
        self.steps += 1  # the kernel reads the step counts; torch's Adam counts them first too
        torch._fused_adam_(
            t["w"], t["g"], t["exp_avg"], t["exp_avg_sq"], [], t["step"],
            lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=0.0, eps=group["eps"],
            amsgrad=False, maximize=False,
        )  # fmt: skip
