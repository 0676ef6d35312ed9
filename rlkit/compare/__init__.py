"""Comparing rlkit with Stable-Baselines3 on the same env, budget, seeds and hyperparameters.

``sb3_mapping.py`` maps an rlkit agent config to SB3's constructor, field by field, and refuses
what SB3 cannot express.
"""
