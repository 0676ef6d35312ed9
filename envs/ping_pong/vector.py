"""``PingPongVectorEnv``: ``num_envs`` games of one :class:`~rlkit.envs.ping_pong.core.PongCore`,
stepped together in one numpy call, with Gymnasium's autoreset modes and time limit."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from rlkit.errors import ConfigError

from .core import PongCore
from .render import Renderer
from .rules import (
    RENDER_FPS,
    at_least,
    check_actions,
    check_render_mode,
    make_rules,
    observation_space,
)


class PingPongVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` games of :class:`PingPongEnv` stepped together in one numpy call.

    The same keyword arguments as :class:`PingPongEnv`, plus ``autoreset_mode``
    (``NEXT_STEP``, Gymnasium's default, or ``SAME_STEP``) and ``max_episode_steps`` (the time
    limit, counted in env steps per game as Gymnasium's ``TimeLimit`` does; ``gymnasium.make_vec``
    passes the registered one). Observations, rewards, flags and infos are those of Gymnasium's
    ``SyncVectorEnv`` over single envs seeded ``seed + i`` (``SAME_STEP``: with ``"final_obs"``,
    ``"final_info"`` and their masks), which the tests check. A callable ``opponent`` is called
    once a step with the batch of mirrored observations and returns ``num_envs`` actions.
    ``render()`` draws game 0. ``opponent="human"`` is for the single env only.
    """

    # Not a ClassVar: Gymnasium declares metadata an instance attribute, and __init__ sets each
    # env's own copy (with its autoreset mode).
    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": RENDER_FPS}  # noqa: RUF012

    def __init__(
        self,
        num_envs: int = 1,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Create ``num_envs`` games (all with the same rules; seed them with :meth:`reset`)."""
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
            raise ConfigError(f"num_envs={num_envs!r} must be a whole number >= 1")
        at_least("num_envs", num_envs, 1)
        autoreset_mode = _autoreset_mode(autoreset_mode)
        if max_episode_steps is not None:
            at_least("max_episode_steps", max_episode_steps, 1)
        check_render_mode(render_mode, self.metadata["render_modes"])
        self.rules = make_rules(kwargs)
        if self.rules.opponent == "human":
            raise ConfigError(
                "opponent='human' needs a window: use the single env "
                "(gymnasium.make(..., render_mode='human')), not the vector env"
            )
        self.num_envs = int(num_envs)
        self.autoreset_mode = autoreset_mode
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "autoreset_mode": autoreset_mode}
        self.core = PongCore(self.num_envs, self.rules)
        self.single_observation_space = observation_space(self.rules)
        self.single_action_space = spaces.Discrete(3)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._elapsed = np.zeros(self.num_envs, np.int64)
        self._autoreset = np.zeros(self.num_envs, np.bool_)
        self._all = np.arange(self.num_envs)
        self._ready = False
        self._renderer: Renderer | None = None

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start new games; an int ``seed`` seeds game ``i`` with ``seed + i``, as Gymnasium does.

        ``options={"reset_mask": mask}`` resets only the games where ``mask`` is true.
        """
        if seed is None or isinstance(seed, (int, np.integer)):
            seeds = [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ConfigError(f"reset got {len(seeds)} seeds for {self.num_envs} envs")
        envs = self._all
        if options is not None and "reset_mask" in options:
            envs = np.flatnonzero(np.asarray(options["reset_mask"], np.bool_))
        for i in envs:
            # As Env.reset does: a seed makes a new generator, no seed keeps the game's own.
            if seeds[i] is not None or not self._ready:
                self.core.rngs[i], _ = seeding.np_random(seeds[i])
        self.core.reset(envs)
        self._elapsed[envs] = 0
        self._autoreset[envs] = False
        self._ready = True
        return self.core.observe(), self._infos()

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every game once (``frame_skip`` frames); games that ended are reset per
        ``autoreset_mode``."""
        actions = check_actions(actions, self.num_envs)
        if not self._ready:
            raise gym.error.ResetNeeded("call reset() before step()")
        core = self.core
        live = self._restart_ended_last_step()
        core.step(actions, self._opponent_actions(), live)
        self._elapsed += 1 if live is None else live
        terminated = core.terminated.copy()
        truncated = np.zeros(self.num_envs, np.bool_)
        if self.max_episode_steps is not None:
            truncated = self._elapsed >= self.max_episode_steps
        if live is not None:
            truncated &= live
        rewards = core.rewards.copy()
        obs = core.observe()
        infos = self._infos()
        ended = terminated | truncated
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._autoreset = ended
        elif ended.any():
            self._restart_ended_now(ended, obs, infos)
        return obs, rewards, terminated, truncated, infos

    def _restart_ended_last_step(self) -> np.ndarray | None:
        """NEXT_STEP: restart the games that ended last step; the mask of the others (the games
        that move this step), or ``None`` when all of them move."""
        restarting = self._autoreset
        if self.autoreset_mode != AutoresetMode.NEXT_STEP or not restarting.any():
            return None
        # A restarting game does not move this step: its reset observation is this step's.
        envs = np.flatnonzero(restarting)
        self.core.reset(envs)
        self._elapsed[envs] = 0
        return ~restarting

    def _restart_ended_now(self, ended: np.ndarray, obs: np.ndarray, infos: dict[str, Any]) -> None:
        """SAME_STEP: put the last observation and info of the ``ended`` games under
        ``final_obs`` and ``final_info`` (Gymnasium's SyncVectorEnv layout), then their new
        games' into ``obs`` and ``infos``, in place."""
        envs = np.flatnonzero(ended)
        final_obs = np.full(self.num_envs, None, dtype=object)
        for i in envs:
            final_obs[i] = obs[i].copy()
        infos["final_obs"], infos["_final_obs"] = final_obs, ended.copy()
        final_info = self._infos(ended)
        infos["final_info"], infos["_final_info"] = final_info, ended.copy()
        self.core.reset(envs)
        self._elapsed[envs] = 0
        obs[envs] = self.core.observe(envs)
        infos["score"][envs] = 0
        infos["returns"][envs] = 0

    def _opponent_actions(self) -> np.ndarray | None:
        opponent = self.rules.opponent
        if not callable(opponent):
            return None
        return check_actions(opponent(self.core.observe(left=True)), self.num_envs)

    def _infos(self, mask: np.ndarray | None = None) -> dict[str, Any]:
        """Infos in Gymnasium's vector layout: each key batched, with a ``_key`` mask."""
        mask = np.ones(self.num_envs, np.bool_) if mask is None else mask.copy()
        score = np.where(mask[:, None], self.core.score, 0)
        returns = np.where(mask, self.core.returns, 0)
        return {"score": score, "_score": mask, "returns": returns, "_returns": mask.copy()}

    # One frame (game 0's), as the single env renders, not VectorEnv's tuple of frames.
    def render(self) -> np.ndarray | None:  # type: ignore[override]
        """Game 0's field as a (height, width, 3) RGB array (``render_mode="rgb_array"``)."""
        if self.render_mode is None:
            gym.logger.warn("render() without a render_mode: pass render_mode='rgb_array'")
            return None
        if self._renderer is None:
            self._renderer = Renderer(self.rules, "rgb_array")
        return self._renderer.draw(self.core, 0)

    def get_state(self) -> dict[str, Any]:
        """The state of every game and of the time limits, for an exact resume (rlkit's
        checkpoints store it through ``rlkit.envkit.state``)."""
        return {
            "core": self.core.get_state(),
            "elapsed": self._elapsed.copy(),
            "autoreset": self._autoreset.copy(),
            "ready": self._ready,
        }

    def set_state(self, saved: dict[str, Any]) -> None:
        """Restore :meth:`get_state`'s result into games made with the same arguments."""
        self.core.set_state(saved["core"])
        np.copyto(self._elapsed, saved["elapsed"])
        np.copyto(self._autoreset, saved["autoreset"])
        self._ready = bool(saved["ready"])

    def close_extras(self, **kwargs: Any) -> None:
        """Nothing to release but the renderer."""
        self._renderer = None


def _autoreset_mode(value: Any) -> AutoresetMode:
    """NEXT_STEP or SAME_STEP, given as the enum, its value ("SameStep") or name ("same_step")."""
    modes = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
    for mode in modes:
        names = (mode.value.lower(), mode.name.lower().replace("_", ""))
        if value is mode or (isinstance(value, str) and value.lower().replace("_", "") in names):
            return mode
    raise ConfigError(
        f"unknown autoreset_mode {value!r}; valid choices: "
        + ", ".join(f"AutoresetMode.{m.name} (or {m.value!r})" for m in modes)
    )
