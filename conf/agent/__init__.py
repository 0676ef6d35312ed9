"""Hydra config group `agent` (the YAML files beside this one)."""
