"""Where one step of DQN on pixel pong spends its time: the env, the buffer, the greedy action and
the update, each timed alone, eager and replayed from CUDA graphs.

    python scripts/profile_pixels.py [--device cuda]

One env, 4 stacked 84x84 frames, NatureCNN, batch 32 (``benchlib.PIXEL_HYPER``: bench_pixels.py's
speed values). Prints microseconds per call; nothing is written. On a CPU the graphed rows are
skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import PIXEL_HYPER

from rlkit.agents.dqn import DQN
from rlkit.config.compose import compose_config
from rlkit.envkit.make import make_vec_env
from rlkit.fast.cuda_graphs import GraphedPolicy, GraphedUpdate
from rlkit.parts.transition import Transition


def time_per_call(name: str, call: Callable[[], object], calls: int, device: str) -> None:
    """Print the mean wall time of ``call`` (after a warm-up), waiting for the GPU at both ends."""
    for _ in range(min(50, calls)):
        call()
    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(calls):
        call()
    if device == "cuda":
        torch.cuda.synchronize()
    print(f"{name:34s} {(time.perf_counter() - started) / calls * 1e6:9.1f} µs")


def main() -> None:
    """Time each part of a step and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    device = parser.parse_args().device
    _, cfg = compose_config(
        [
            "agent=dqn",
            "env=pong_pixels",
            "env.frame_skip=4",
            f"device={device}",
            "agent.hidden_sizes=[512]",
            "agent.cuda_graphs=false",  # the graphed rows below record their own
            *(f"agent.{key}={value}" for key, value in PIXEL_HYPER.items()),
        ]
    )
    envs = make_vec_env(cfg.env, 1, cfg.vector_mode)
    agent = DQN(cfg.agent, envs.single_observation_space, envs.single_action_space, device=device)
    obs = {"now": envs.reset(seed=0)[0]}

    def env_step() -> tuple:
        actions = np.array([envs.single_action_space.sample()])
        step = envs.step(actions)
        obs["now"] = step[0]
        return actions, *step[:4]

    def env_step_and_store() -> None:
        before = obs["now"]
        actions, next_obs, rewards, terminated, truncated = env_step()
        agent.store(Transition(before, actions, rewards, next_obs, terminated, truncated))

    batch = PIXEL_HYPER["batch_size"]
    time_per_call("env step (frame skip 4, stack 4)", env_step, 2000, device)
    time_per_call("env step + store", env_step_and_store, 3000, device)
    time_per_call(
        "greedy action, eager", lambda: agent._q_values(obs["now"]).argmax(1).cpu(), 2000, device
    )
    time_per_call("sample", lambda: agent.buffer.sample(batch), 2000, device)
    time_per_call(
        "sample + update, eager", lambda: agent.update(agent.buffer.sample(batch)), 1000, device
    )
    if device == "cuda":
        graphed = GraphedUpdate(agent.update, [agent.optimizer])
        for group in agent.optimizer.param_groups:
            group["capturable"] = True
        time_per_call(
            "sample + update, graphed", lambda: graphed(agent.buffer.sample(batch)), 2000, device
        )
        greedy = GraphedPolicy(lambda x: agent.q_net(x).argmax(dim=1), agent.device)
        time_per_call("greedy action, graphed", lambda: greedy(obs["now"]), 2000, device)


if __name__ == "__main__":
    main()
