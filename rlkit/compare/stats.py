"""The statistics of a comparison: IQM and mean with 95% stratified-bootstrap confidence
intervals (``rliable``, Agarwal et al. 2021, the field's standard), the median, and the mean
curve with its 95% band, all from rliable's stratified bootstrap."""

from __future__ import annotations

from typing import Any

import numpy as np

BOOTSTRAP_REPS = 2000
"""Bootstrap resamples for the intervals (rliable's examples use 2000 and more)."""

CURVE_BOOTSTRAP_REPS = 500
"""Fewer for the curves' bands: one interval per evaluation step, each only drawn."""


def score_statistics(final_returns: list[float], seed: int = 0) -> dict[str, Any]:
    """IQM, mean and median of one library's final returns (one per seed), with the 95%
    stratified-bootstrap intervals of the IQM and the mean."""
    from rliable import library as rly
    from rliable import metrics

    scores = np.asarray(final_returns, dtype=float).reshape(-1, 1)  # runs x tasks (one task)

    def aggregate(x: np.ndarray) -> np.ndarray:
        return np.array([metrics.aggregate_iqm(x), metrics.aggregate_mean(x)])

    np.random.seed(seed)  # rliable draws its resamples from NumPy's global generator
    points, intervals = rly.get_interval_estimates(
        {"scores": scores}, aggregate, reps=BOOTSTRAP_REPS
    )
    (iqm, mean), ci = points["scores"], intervals["scores"]
    return {
        "iqm": float(iqm),
        "iqm_ci95": [float(ci[0, 0]), float(ci[1, 0])],
        "mean": float(mean),
        "mean_ci95": [float(ci[0, 1]), float(ci[1, 1])],
        "median": float(np.median(scores)),
    }


def mean_curve(jobs: list[dict[str, Any]], seed: int = 0) -> dict[str, list[float]]:
    """One library's evaluation return against env steps: the mean over seeds and its 95%
    stratified-bootstrap band (rliable, as its sample-efficiency curves) at each evaluation step
    all seeds share. The band stays within the seeds' returns, however few seeds there are."""
    from rliable import library as rly
    from rliable import metrics

    steps = sorted(set.intersection(*({e["step"] for e in j["evaluations"]} for j in jobs)))
    table = np.array(
        [[np.mean(e["returns"]) for e in j["evaluations"] if e["step"] in steps] for j in jobs]
    )  # seeds x steps

    def means(x: np.ndarray) -> np.ndarray:  # x: seeds x 1 task x steps
        return np.array([metrics.aggregate_mean(x[..., i]) for i in range(x.shape[-1])])

    np.random.seed(seed)  # rliable draws its resamples from NumPy's global generator
    points, intervals = rly.get_interval_estimates(
        {"curve": table[:, None, :]}, means, reps=CURVE_BOOTSTRAP_REPS
    )
    return {
        "steps": [int(s) for s in steps],
        "mean": points["curve"].tolist(),
        "low": intervals["curve"][0].tolist(),
        "high": intervals["curve"][1].tolist(),
    }
