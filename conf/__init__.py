"""rlkit's Hydra configs (the YAML files beside this one), installed as ``rlkit.conf``."""
