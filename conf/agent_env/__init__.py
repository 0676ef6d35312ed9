"""Hydra config group `agent_env` (the YAML files beside this one)."""
