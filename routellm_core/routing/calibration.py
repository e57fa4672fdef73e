"""Calibration: turn a target (shares of calls, or an expected cost per call) into the cut-offs of
a routing rule, on the scores of typical prompts.

A router stores the sorted score quantiles of a calibration prompt set (``N_QUANTILES`` points
from the 0th to the 100th percentile). ``strong_fraction`` f in [0, 1] maps to the (1 - f)
quantile: prompts scoring at or above it, about f of typical traffic, go to the strong model.
That is the one conversion of a share into a threshold (``threshold_from_quantiles``); the rest
builds on it:

- **tiers** (N models, strongest first; ``thresholds_from_shares``): threshold i (i = 1..N-1)
  sends the top ``shares[0] + ... + shares[i-1]`` of prompts to a tier stronger than i;
- **budget** (``shares_for_budget``): an expected cost per call becomes shares. With two models
  the strong share is ``(budget - weak) / (strong - weak)``. With more, the budget is spent as
  if a model's quality grew with the log of its price and a stronger model helped a prompt in
  proportion to its score rank u in [0, 1]: the boundary between tiers i-1 and i then lies at
  rank ``lam * L(c[i-1], c[i])`` (L: the logarithmic mean of the two costs), and the one free
  ``lam`` is set so that the expected cost equals the budget. Easy prompts go to the cheapest
  model, hard ones to the strongest, and tiers whose price buys little are used little;
- **per-model quality** (``tradeoff_for_budget``, ``offsets_for_shares``): a router that
  predicts each model's quality q[m] picks ``argmax q[m] - lam * cost[m] / max cost +
  offset[m]``; ``lam`` is set by bisection so that the mean cost over calibration prompts meets a
  budget, and the offsets so that the shares of calls meet target shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.utils.validation import check_finite_array, finite_number, unit_interval

N_QUANTILES = 1001
DEFAULT_STRONG_FRACTION = 0.5
#: the threshold of a share of 0: just above 1.0, so that no score (scores lie in [0, 1]) reaches
#: it, not even a prompt scoring exactly 1.0; a share of 0 is a hard cap
NEVER = float(np.nextafter(1.0, 2.0))


def score_quantiles(scores: np.ndarray, n: int = N_QUANTILES) -> np.ndarray:
    """``n`` evenly spaced quantiles (0..100%) of ``scores``, as float64."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    if s.size == 0:
        raise ConfigError("no scores to calibrate on; give at least one prompt.")
    check_finite_array("calibration scores", s, hint="Scores must be probabilities in [0, 1].")
    return np.quantile(s, np.linspace(0.0, 1.0, n))


def threshold_from_quantiles(quantiles: np.ndarray, strong_fraction: float) -> float:
    """Threshold in [0, 1] sending ``strong_fraction`` of the calibration prompts to strong.

    ``strong_fraction`` 1 gives 0.0 (everything strong); 0 gives ``NEVER``, a threshold above
    every possible score, so no prompt at all goes to strong.
    """
    return threshold_at(quantiles, unit_interval("strong_fraction", strong_fraction))


def threshold_at(quantiles: np.ndarray, share: float) -> float:
    """``threshold_from_quantiles`` for a ``share`` the caller has checked to lie in [0, 1]."""
    if share >= 1.0:
        return 0.0
    if share <= 0.0:
        return NEVER
    q = np.asarray(quantiles, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, q.size)
    return float(np.clip(np.interp(1.0 - share, grid, q), 0.0, 1.0))


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
    f = float(shares_for_budget([strong_cost, weak_cost], max(0.0, budget_per_call))[0])
    return threshold_from_quantiles(quantiles, f), f


# ============================================================================ tiers
def cumulative_shares(shares: Sequence[float]) -> np.ndarray:
    """(N - 1,) shares of calls above each tier boundary: ``shares[0] + ... + shares[i-1]``."""
    return np.clip(np.cumsum(np.asarray(shares, dtype=np.float64))[:-1], 0.0, 1.0)


def thresholds_from_shares(quantiles: np.ndarray, shares: Sequence[float]) -> tuple[float, ...]:
    """Thresholds (N - 1, non-increasing) that split calibration prompts into tiers with
    ``shares`` (strongest first): tier of a score = number of thresholds above it."""
    return tuple(threshold_from_quantiles(quantiles, float(f)) for f in cumulative_shares(shares))


def _log_mean(a: float, b: float) -> float:
    """The logarithmic mean (a - b) / (ln a - ln b) of two positive numbers (a if equal)."""
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def _budget_shares(lam: float, boundaries: np.ndarray) -> np.ndarray:
    u = np.minimum(1.0, lam * boundaries)  # rank (from the bottom) where each stronger tier starts
    upper = np.r_[1.0, u]
    lower = np.r_[u, 0.0]
    return upper - lower


def shares_for_budget(costs: Sequence[float], budget: Any) -> np.ndarray:
    """Shares of calls per model (costs strictly decreasing, strongest first) whose expected cost
    per call is ``budget`` (clipped to the cheapest and the dearest model's cost); the rule is in
    the module docstring. Two models: the strong share is ``(budget - weak) / (strong - weak)``."""
    budget = finite_number("budget", budget, minimum=0.0, hint="A budget is an expected cost per call, e.g. 0.002 (USD).")
    c = np.asarray([finite_number("cost", x, minimum=0.0) for x in costs], dtype=np.float64)
    if len(c) < 2 or np.any(np.diff(c) >= 0):
        raise ConfigError(
            f"a budget needs models whose expected costs per call differ (got {[round(x, 8) for x in c]}); "
            "give different prices, or shares= instead of a budget."
        )
    if budget >= c[0]:
        return np.r_[1.0, np.zeros(len(c) - 1)]
    if budget <= c[-1]:
        return np.r_[np.zeros(len(c) - 1), 1.0]
    if len(c) == 2:
        f = (budget - c[1]) / (c[0] - c[1])
        return np.array([f, 1.0 - f])
    if c[-1] <= 0.0:
        raise ConfigError("a budget over more than two models needs a positive price for every model; "
                          "give shares= for a free model.")
    boundaries = np.array([_log_mean(c[i - 1], c[i]) for i in range(1, len(c))])
    lo, hi = 0.0, 1.0 / boundaries[-1]  # expected cost falls from c[0] to c[-1] as lam grows
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if float(_budget_shares(mid, boundaries) @ c) > budget:
            lo = mid
        else:
            hi = mid
    return _budget_shares(0.5 * (lo + hi), boundaries)


# ============================================================================ per-model quality
def tradeoff_choice(quality: np.ndarray, relative_costs: np.ndarray, lam: float,
                    offsets: np.ndarray | None = None) -> np.ndarray:
    """Index of the chosen model for each row of ``quality`` (n, M): ``argmax q - lam * cost +
    offset``, the cheaper (later) model on a tie. Also the per-call rule of the policy.
    ``relative_costs``: (M,), or (n, M) when each call has its own cost."""
    u = quality - lam * relative_costs
    if offsets is not None:
        u = u + offsets
    return u.shape[-1] - 1 - np.argmax(u[..., ::-1], axis=-1)


def tradeoff_for_budget(quality: np.ndarray, relative_costs: np.ndarray, budget: float,
                        offsets: np.ndarray | None = None) -> float:
    """The smallest ``lam`` >= 0 whose choices on the calibration rows ``quality`` (n, M) cost
    at most ``budget`` (a relative cost in [0, 1]) on average. ``relative_costs``: one per model
    (M,), or one per row and model (n, M) when each call has its own cost."""
    c = np.asarray(relative_costs, dtype=np.float64)

    def mean_cost(lam: float) -> float:
        choice = tradeoff_choice(quality, c, lam, offsets)
        if c.ndim == 1:
            return float(c[choice].mean())
        return float(np.take_along_axis(c, choice[:, None], axis=1).mean())

    if mean_cost(0.0) <= budget:
        return 0.0
    spread = float(np.ptp(quality)) + float(np.ptp(offsets)) if offsets is not None else float(np.ptp(quality))
    if c.ndim == 1:
        gap = float(np.min(np.diff(np.unique(c)))) if len(np.unique(c)) > 1 else 1.0
    else:  # per row: the least margin of any model over that row's cheapest
        above = np.sort(c, axis=1)[:, 1:] - c.min(axis=1, keepdims=True)
        gap = float(above[above > 0].min()) if np.any(above > 0) else 1.0
    hi = 2.0 * (spread + 1e-9) / gap  # beyond this the cheapest model wins every row
    lo = 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if mean_cost(mid) > budget:
            lo = mid
        else:
            hi = mid
    return hi


def offsets_for_shares(quality: np.ndarray, relative_costs: np.ndarray, lam: float, shares: np.ndarray,
                       *, iterations: int = 300) -> np.ndarray:
    """Per-model offsets (M,) that make the choices on the calibration rows ``quality`` (n, M)
    hit ``shares`` (as closely as ties allow): each model's offset is raised while it gets
    fewer calls than its share and lowered while it gets more (a dual-price iteration)."""
    target = np.asarray(shares, dtype=np.float64)
    offsets = np.zeros(quality.shape[1])
    step = max(float(np.std(quality)), 1e-3)
    m = quality.shape[1]
    for _ in range(iterations):
        got = np.bincount(tradeoff_choice(quality, relative_costs, lam, offsets), minlength=m) / len(quality)
        offsets += step * (target - got)
        offsets -= offsets.mean()
        step *= 0.985
    return offsets
