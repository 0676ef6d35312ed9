"""Hydra config group `env` (the YAML files beside this one)."""
