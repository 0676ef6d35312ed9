"""Checks of a whole run's inputs before anything starts: the agent fits the env, the device and
the update can run here, and the files the config names (a dataset, a run to pretrain from, a
run to resume) exist and fit. ``validate_overrides`` composes and checks every run of a command
line.

The CLI runs them on every composed config before Hydra starts, and ``rlkit.train`` before it
writes a run directory, so a mistake is one line and leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.errors import OverrideParseException

from rlkit.agents.registry import AGENTS
from rlkit.config.compose import compose_config, explain, load_env_config
from rlkit.config.env_ids import env_names
from rlkit.config.schema import (
    BCConfig,
    Config,
    ContinuousConfig,
    DDPGConfig,
    DQNConfig,
    EnvConfig,
)
from rlkit.envkit.make import describe_space, make_env
from rlkit.errors import CheckpointError, ConfigError, IncompatibleError
from rlkit.run.callbacks.wandb_logger import check_wandb


def check_run_inputs(config: Config) -> None:
    """Raise a one-line ``RlkitError`` if the run cannot start.

    Raises:
        IncompatibleError: the agent cannot learn the env.
        ConfigError: a missing, unreadable or unfitting ``dataset=`` or ``agent.pretrain=``, a
            dataset for an agent that does not read one, or none for one that needs it; a
            ``device`` or an update (``agent.update_backend``, ``agent.cuda_graphs``) this
            machine or run cannot have.
        ConfigError: ``logger.wandb=true`` where W&B cannot start; ``video_interval`` for an
            env that does not render ``rgb_array`` or an agent that takes no env steps.
        CheckpointError: ``resume=`` a missing or unfitting run.
    """
    spec = AGENTS[config.agent.name]
    check_compatible(spec.name, config.env)
    _check_dataset(config)
    check_wandb(config.logger)
    _check_video(config)
    if spec.uses_torch:
        from rlkit.parts.devices import resolve_device

        device = resolve_device(config.device)
        if isinstance(config.agent, DQNConfig | ContinuousConfig):
            check_buffer_fits(config, device)
        if isinstance(config.agent, DQNConfig):
            from rlkit.fast.backend import choose_dqn_update

            choose_dqn_update(config.agent, _observation_space(config), device)
        if isinstance(config.agent, DQNConfig | DDPGConfig) and config.agent.cuda_graphs:
            from rlkit.fast.cuda_graphs import use_cuda_graphs

            # Only `true` gets here, and it errors off a GPU whichever path it names.
            use_cuda_graphs(config.agent.cuda_graphs, device, blocked=False, path="ddpg_graphs")
    if isinstance(config.agent, DQNConfig) and config.agent.pretrain is not None:
        check_pretrained_policy(config.agent.pretrain, config)
    if config.resume:
        from rlkit.run.resume import read_resume_checkpoint

        read_resume_checkpoint(config)


def available_memory(device: Any) -> int | None:
    """Bytes free for a new allocation: the GPU's free memory, or the host's available memory
    (Linux ``MemAvailable``, else free pages); ``None`` where it cannot be read."""
    if getattr(device, "type", "cpu") == "cuda":
        import torch

        return int(torch.cuda.mem_get_info(device)[0])
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**28 else f"{n / 2**20:,.0f} MiB"


def check_buffer_fits(config: Config, device: Any) -> None:
    """A replay buffer that cannot fit in memory is refused before anything is written (NumPy
    would stop with a traceback, or the kernel kill the run later).

    Raises:
        ConfigError: the bytes it needs, the memory available and the largest size that fits.
    """
    from rlkit.parts.frame_replay import buffer_bytes

    agent = config.agent
    assert isinstance(agent, DQNConfig | ContinuousConfig)
    env = make_env(config.env)
    # The buffer the agent will build (stacked frames are stored once each).
    n_step = agent.n_step if isinstance(agent, DQNConfig) else 1
    try:
        spaces_ = (env.observation_space, env.action_space)
        need = buffer_bytes(agent.buffer_size, *spaces_, config.num_envs, n_step)
        row = max(1, need // max(1, agent.buffer_size))
    finally:
        env.close()
    free = available_memory(device)
    if free is None or need <= free:
        return
    where = "free on the GPU" if getattr(device, "type", "cpu") == "cuda" else "available"
    raise ConfigError(
        f"agent.buffer_size={agent.buffer_size:,} needs {_gib(need)} for the replay buffer, but "
        f"{_gib(free)} is {where}: lower agent.buffer_size (at most about {free // row:,} fits "
        "here)"
    )


def _check_video(config: Config) -> None:
    """``video_interval`` needs env steps to count and an env that renders ``rgb_array``."""
    if config.video_interval is None:
        return
    key = f"video_interval={config.video_interval}"
    if AGENTS[config.agent.name].offline:
        raise ConfigError(
            f"{key} counts env steps; agent={config.agent.name} trains from its dataset in "
            "epochs: set video_interval=null (python -m rlkit.play run=<run> video=out.mp4 "
            "records the trained agent)"
        )
    env = make_env(config.env)
    try:
        modes = list(env.metadata.get("render_modes") or [])
    finally:
        env.close()
    if "rgb_array" not in modes:
        raise ConfigError(
            f"{key} records rgb_array frames, but env={config.env.name} renders only "
            f"{', '.join(modes) or 'nothing'}; set video_interval=null"
        )


def _check_dataset(config: Config) -> None:
    """``dataset=`` is given exactly for offline agents, and fits the env."""
    spec = AGENTS[config.agent.name]
    offline = [name for name, s in AGENTS.items() if s.offline]
    if spec.offline and config.resume:
        raise ConfigError(
            f"resume= is for agents that learn from env steps; agent={spec.name} trains from its "
            "dataset in one go: start a new run"
        )
    if spec.offline and config.dataset is None:
        raise ConfigError(
            f"agent={spec.name} learns from recorded play: give dataset=<file.npz> (record one "
            "with `python -m rlkit.play env=pong opponent=human record=play.npz`)"
        )
    if not spec.offline and config.dataset is not None:
        raise ConfigError(
            f"dataset= is read only by offline agents ({', '.join(offline)}); agent={spec.name} "
            "learns from its own env steps (for DQN from a cloned policy: agent.pretrain=<bc run>)"
        )
    if config.dataset is not None:
        from rlkit.storage.datasets import load_dataset

        env = make_env(config.env)
        try:
            load_dataset(config.dataset, env.observation_space, env.action_space)
        finally:
            env.close()


def check_pretrained_policy(run_dir: str | Path, config: Config) -> None:
    """``agent.pretrain``: a finished behaviour-cloning run whose network fits ``config``'s DQN
    (which then reads its weights with ``rlkit.storage.checkpoint.read_cloned_policy``).

    Raises:
        ConfigError: not a finished bc run, or one on another env, observation type or network.
    """
    from rlkit.run.run_dir import read_run
    from rlkit.storage.checkpoint import read_cloned_policy

    key = f"agent.pretrain={run_dir}"
    if not (Path(run_dir) / ".hydra" / "config.yaml").is_file():
        raise ConfigError(f"{key}: not a run directory (no .hydra/config.yaml)")
    try:
        bc, _ = read_run(run_dir)
    except CheckpointError as e:
        raise ConfigError(f"{key}: {e}") from e
    if not isinstance(bc.agent, BCConfig):
        raise ConfigError(
            f"{key} is a run of agent {bc.agent.name!r}; pretraining starts from a behaviour-"
            "cloning run (agent=bc)"
        )
    _check_pretrained_fits(key, bc, config)
    try:
        read_cloned_policy(run_dir)
    except CheckpointError as e:
        raise ConfigError(f"{key}: {e}") from e


def _check_pretrained_fits(key: str, bc: Config, config: Config) -> None:
    """The cloned network has this run's observation space, hidden sizes and no duelling head."""
    theirs, ours_space = _observation_space(bc), _observation_space(config)
    if theirs != ours_space:
        raise ConfigError(
            f"{key} saw {describe_space(theirs)} observations ({bc.env.name}), this run's env "
            f"gives {describe_space(ours_space)} ({config.env.name}); clone on the same "
            "observation type"
        )
    assert isinstance(bc.agent, BCConfig) and isinstance(config.agent, DQNConfig)
    theirs_sizes, ours = list(bc.agent.hidden_sizes), list(config.agent.hidden_sizes)
    if theirs_sizes != ours or config.agent.dueling:
        raise ConfigError(
            f"{key} has hidden_sizes={theirs_sizes} without a duelling head; set "
            f"agent.hidden_sizes={theirs_sizes} and agent.dueling=false "
            f"(now {ours}, dueling={config.agent.dueling})"
        )


def _observation_space(config: Config) -> Any:
    env = make_env(config.env)
    try:
        return env.observation_space
    finally:
        env.close()


def envs_for_agent(agent: str) -> list[str]:
    """The envs in ``conf/env`` that the agent can learn (leaving out any that cannot be made)."""
    spec = AGENTS[agent]
    names = []
    for name in env_names():
        try:
            env = make_env(load_env_config(name))
        except Exception:  # an env whose extra (e.g. Box2D) is not installed
            continue
        if spec.accepts(env.observation_space, env.action_space):
            names.append(name)
        env.close()
    return names


def check_compatible(agent: str, env_cfg: EnvConfig) -> None:
    """Raise ``IncompatibleError`` (naming the agents that can learn the env and the envs the
    agent can use) if the agent cannot learn the env."""
    env = make_env(env_cfg)
    try:
        spec = AGENTS[agent]
        if spec.accepts(env.observation_space, env.action_space):
            return
        fitting = [name for name, other in AGENTS.items() if other.accepts(
            env.observation_space, env.action_space)]  # fmt: skip
        raise IncompatibleError(
            f"agent={agent} needs {spec.needs}, but env={env_cfg.name} has "
            f"{describe_space(env.observation_space)} observations and "
            f"{describe_space(env.action_space)} actions; agents that can learn "
            f"env={env_cfg.name}: {', '.join(sorted(fitting)) or 'none'}; envs it can use: "
            f"{', '.join(envs_for_agent(agent))}"
        )
    finally:
        env.close()


def validate_overrides(overrides: Sequence[str], multirun: bool) -> list[Config]:
    """Compose every run a command line asks for, so that a mistake stops it before any run starts.

    Hydra's own keys (``hydra.*``) are left to Hydra. In a multirun, each combination of the
    comma-separated sweeps is checked (other sweep kinds, e.g. Optuna ranges, are left out).
    Returns the checked configs (the first 64 of a sweep).
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    own = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    if not multirun:
        combinations = [own]
    else:
        try:
            parsed = OverridesParser.create().parse_overrides(own)
        except OverrideParseException as e:
            raise explain(e, own) from e
        kept = [o for o in parsed if not o.is_sweep_override() or o.is_discrete_sweep()]
        combinations = BasicSweeper.split_arguments(kept, max_batch_size=None)[0]
    configs = []
    for combination in combinations[:64]:
        _, config = compose_config(combination)
        check_run_inputs(config)
        configs.append(config)
    return configs
