"""The page's pong (rlkit/web/static/pong.mjs, under Node) equals rlkit's pong, step for step.

Seeded games of random and scripted play run through ``rlkit/PingPong-v0`` and the JS module:
every observation (the reset's and each step's), reward, ``terminated`` and ``truncated`` must be
equal, the JS drawing its serves from its own copy of NumPy's PCG64 stream. A change to the Python
rules (a constant, a rule, an order of operations) fails here until the JS follows; the last test
plants one and checks that it is caught.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from web_helpers import ROOT, node_or_skip

import rlkit  # noqa: F401  (registers rlkit/PingPong-v0)

TRACE = ROOT / "tests" / "web" / "pong_trace.mjs"


@dataclass
class Game:
    """One parity case: the env's kwargs, how the agent (and a held opponent) play, the seeds."""

    name: str
    rules: dict[str, Any]
    policy: str  # "random" or "tracker"
    seeds: list[int | None]  # one episode each; None continues the stream, as env.reset()
    frame_stack: int | None = None
    max_episode_steps: int = 50_000
    held_opponent: bool = False  # the left paddle plays given actions, as a person in the page
    extra: dict[str, Any] = field(default_factory=dict)


GAMES = [
    Game("vector random, 21 points", {"points_to_win": 21}, "random", [0]),
    Game(
        "vector tracker, frame_skip 4", {"frame_skip": 4, "points_to_win": 7}, "tracker", [1, None]
    ),
    Game("classic random, frame_skip 4", {"obs_type": "classic", "frame_skip": 4}, "random", [2]),
    Game(
        "classic tracker, a fast opponent with no lag",
        {"obs_type": "classic", "opponent_speed": 6.0, "opponent_reaction": 0, "points_to_win": 5},
        "tracker",
        [3],
    ),
    Game(
        "pixels tracker, 4 frames stacked",
        {"obs_type": "pixels", "frame_skip": 4, "points_to_win": 3},
        "tracker",
        [4],
        frame_stack=4,
    ),
    Game(
        "pixels random", {"obs_type": "pixels", "frame_skip": 2, "points_to_win": 4}, "random", [5]
    ),
    Game("squash vector tracker", {"mode": "squash", "frame_skip": 4}, "tracker", [6, None, None]),
    Game("squash pixels random", {"mode": "squash", "obs_type": "pixels"}, "random", [7, None]),
    Game(
        "held opponent (a person's keys), vector",
        {"frame_skip": 3, "points_to_win": 5},
        "tracker",
        [2**40 + 7],
        held_opponent=True,
    ),
    Game(
        "other geometry and speeds",
        {
            "paddle_height": 50,
            "paddle_speed": 8.0,
            "ball_speed_start": 3.0,
            "ball_speedup": 1.0,
            "ball_speed_max": 9.0,
            "frame_skip": 2,
            "points_to_win": 6,
        },
        "tracker",
        [123456789],
    ),
    Game("time limit", {"frame_skip": 4}, "tracker", [8, None], max_episode_steps=300),
    Game(
        "vector tracker, 21 points against the default opponent",
        {"frame_skip": 4},
        "tracker",
        [9],
    ),
]


def _tracker(env: gym.Env, t: int) -> int:
    """Follow the ball, aiming with a changing part of the paddle so that returns vary."""
    core = env.unwrapped.core  # type: ignore[attr-defined]
    rules = core.rules
    aim = 30.0 * np.sin(t / 37.0)
    target = core.ball_y[0] + rules.ball_size / 2 + aim
    centre = core.paddle_y[0] + rules.paddle_height / 2
    if abs(target - centre) < 4:
        return 0
    return 1 if target > centre else 2


def _play_python(game: Game, seed: int) -> tuple[dict[str, Any], np.ndarray, list[dict[str, Any]]]:
    """Play ``game`` in Python; return the JS spec (its actions), the observations and results."""
    actions_rng = np.random.default_rng(1000 + seed)
    opponent_actions: list[int] = []
    kwargs = dict(game.rules)
    if game.held_opponent:

        def opponent(_obs: np.ndarray) -> int:
            opponent_actions.append(int(actions_rng.integers(0, 3)))
            return opponent_actions[-1]

        kwargs["opponent"] = opponent
    env = gym.make("rlkit/PingPong-v0", max_episode_steps=game.max_episode_steps, **kwargs)
    if game.frame_stack:
        env = gym.wrappers.FrameStackObservation(env, game.frame_stack)
    observations, episodes, results = [], [], []
    for episode_seed in game.seeds:
        obs, _ = env.reset(seed=episode_seed)
        observations.append(np.asarray(obs))
        actions: list[int] = []
        opponent_actions.clear()
        rewards, terminated, truncated = [], [], []
        done = False
        while not done:
            if game.policy == "random":
                actions.append(int(actions_rng.integers(0, 3)))
            else:
                actions.append(_tracker(env, len(actions)))
            obs, reward, term, trunc, info = env.step(actions[-1])
            observations.append(np.asarray(obs))
            rewards.append(reward)
            terminated.append(term)
            truncated.append(trunc)
            done = term or trunc
        episodes.append(
            {
                "seed": episode_seed,
                "actions": actions,
                "opponent_actions": list(opponent_actions) if game.held_opponent else None,
            }
        )
        results.append(
            {
                "rewards": rewards,
                "terminated": terminated,
                "truncated": truncated,
                "score": info["score"].tolist(),
            }
        )
    env.close()
    spec = {
        "rules": game.rules,
        "frame_stack": game.frame_stack,
        "max_episode_steps": game.max_episode_steps,
        "episodes": episodes,
    }
    return spec, np.stack(observations), results


def _play_js(spec: dict[str, Any], tmp_path: Path, dtype: Any) -> tuple[np.ndarray, list[Any]]:
    node = node_or_skip()
    spec_path, prefix = tmp_path / "spec.json", tmp_path / "trace"
    spec_path.write_text(json.dumps(spec))
    subprocess.run([node, str(TRACE), str(spec_path), str(prefix)], check=True, timeout=120)
    observations = np.frombuffer(prefix.with_suffix(".bin").read_bytes(), dtype=dtype)
    return observations, json.loads(prefix.with_suffix(".json").read_text())


def _first_difference(python: np.ndarray, js: np.ndarray) -> str:
    if python.size != js.size:
        return f"{python.shape[0]} Python observations, {js.size // python[0].size} JS ones"
    js = js.reshape(python.shape)
    index = int(np.flatnonzero((python != js).reshape(len(python), -1).any(axis=1))[0])
    return f"observation {index}: Python {python[index].ravel()[:8]} JS {js[index].ravel()[:8]}"


def _compare(game: Game, tmp_path: Path) -> int:
    """Play ``game`` both ways; assert they agree; return the steps compared."""
    spec, python_obs, python_results = _play_python(game, game.seeds[0] or 0)
    js_obs, js_results = _play_js(spec, tmp_path, python_obs.dtype)
    same_obs = js_obs.size == python_obs.size and np.array_equal(
        js_obs.reshape(python_obs.shape), python_obs
    )
    assert same_obs, f"{game.name}: {_first_difference(python_obs, js_obs)}"
    assert js_results == python_results, f"{game.name}: rewards or episode ends differ"
    return len(python_obs)


@pytest.mark.parametrize("game", GAMES, ids=[g.name for g in GAMES])
def test_js_pong_equals_python_pong(game: Game, tmp_path: Path) -> None:
    steps = _compare(game, tmp_path)
    assert steps > 100  # a real game was compared, not an empty one


def test_js_serves_draw_numpys_stream(tmp_path: Path) -> None:
    """The JS generator's coin flips are NumPy's for small, large and huge seeds."""
    node = node_or_skip()
    seeds = [0, 1, 42, 2**32 - 1, 2**32, 2**63 + 11, 2**127 + 5]
    script = tmp_path / "draws.mjs"
    script.write_text(
        f'import {{ Generator }} from "{(ROOT / "rlkit/web/static/rng.mjs").as_uri()}";\n'
        f"const out = {{}};\n"
        f"for (const s of {json.dumps([str(s) for s in seeds])}) {{\n"
        f"  const g = new Generator(BigInt(s));\n"
        f"  out[s] = Array.from({{ length: 64 }}, () => g.integer(0, 2));\n"
        f"}}\nconsole.log(JSON.stringify(out));\n"
    )
    done = subprocess.run([node, str(script)], capture_output=True, text=True, check=True)
    got = json.loads(done.stdout)
    for seed in seeds:
        expected = np.random.default_rng(seed).integers(0, 2, size=64).tolist()
        assert got[str(seed)] == expected, seed


def test_a_changed_python_rule_fails_the_parity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: a slightly steeper edge bounce in Python only; the comparison must catch it."""
    import rlkit.envs.ping_pong.core as core

    monkeypatch.setattr(core, "MAX_SLOPE", 1.51)
    with pytest.raises(AssertionError, match="observation"):
        _compare(GAMES[1], tmp_path)
