"""Threshold calibration: turn a target share of strong-model calls into a score threshold.

A router stores the sorted score quantiles of a calibration prompt set (``N_QUANTILES`` points
from the 0th to the 100th percentile). ``strong_fraction`` f in [0, 1] maps to the (1 - f)
quantile: prompts scoring at or above it, about f of typical traffic, go to the strong model.
"""

from __future__ import annotations

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.utils.validation import check_finite_array, finite_number, unit_interval

N_QUANTILES = 1001
DEFAULT_STRONG_FRACTION = 0.5


def score_quantiles(scores: np.ndarray, n: int = N_QUANTILES) -> np.ndarray:
    """``n`` evenly spaced quantiles (0..100%) of ``scores``, as float64."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    if s.size == 0:
        raise ConfigError("no scores to calibrate on; give at least one prompt.")
    check_finite_array("calibration scores", s, hint="Scores must be probabilities in [0, 1].")
    return np.quantile(s, np.linspace(0.0, 1.0, n))


def threshold_from_quantiles(quantiles: np.ndarray, strong_fraction: float) -> float:
    """Threshold in [0, 1] sending ``strong_fraction`` of the calibration prompts to strong.

    ``strong_fraction`` 1 gives 0.0 (everything strong); 0 gives a threshold above every
    calibration score (1.0 at most), so nothing typical goes to strong.
    """
    q = np.asarray(quantiles, dtype=np.float64)
    strong_fraction = unit_interval("strong_fraction", strong_fraction)
    if strong_fraction >= 1.0:
        return 0.0
    if strong_fraction <= 0.0:
        return float(min(1.0, np.nextafter(q[-1], np.inf)))
    level = 1.0 - strong_fraction
    grid = np.linspace(0.0, 1.0, q.size)
    return float(np.clip(np.interp(level, grid, q), 0.0, 1.0))


def threshold_for_budget(
    quantiles: np.ndarray,
    *,
    budget_per_call: float,
    strong_cost: float,
    weak_cost: float,
) -> tuple[float, float]:
    """Threshold and strong share whose expected cost per call fits ``budget_per_call``.

    Costs are in any currency unit per call (finite, >= 0). Returns ``(threshold, strong_fraction)``.
    """
    budget_per_call = finite_number("budget_per_call", budget_per_call, hint="A budget is a cost per call, e.g. 0.004.")
    strong_cost = finite_number("strong_cost", strong_cost, minimum=0.0)
    weak_cost = finite_number("weak_cost", weak_cost, minimum=0.0)
    if strong_cost <= weak_cost:
        raise ConfigError("strong_cost must be larger than weak_cost for a budget to mean anything.")
    f = (budget_per_call - weak_cost) / (strong_cost - weak_cost)
    f = float(np.clip(f, 0.0, 1.0))
    return threshold_from_quantiles(quantiles, f), f
