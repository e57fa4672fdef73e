"""Router evaluation on benchmark outcomes: quality curves, PGR, APGR, CPT, cost savings,
cross-validation and a plot (the metrics of the RouteLLM paper, arXiv 2406.18665, section 5).

Conventions (units and ranges):

- ``strong_scores[i]`` / ``weak_scores[i]`` are the two models' scores on prompt i, in [0, 1]
  (1 = correct). Quality is their mean over prompts, in [0, 1].
- A router's ``scores[i]`` (any real numbers; higher = more in need of the strong model) route
  the top-k prompts to strong, for every k = 0..n. The *strong-call share* is f = k / n in [0, 1].
- **Ties** in router scores: inside a block of equal scores, which prompts go to strong is
  undefined, so the curve uses the *expected* quality under uniformly random tie-breaking
  (every prompt of the block counts with the block's mean gain). This is deterministic, fair,
  and makes a constant-score router exactly the straight line from weak to strong quality.
- ``PGR(f) = (quality(f) - weak_quality) / (strong_quality - weak_quality)`` (performance gap
  recovered; 0 at f = 0, 1 at f = 1; the oracle can exceed 1).
- ``APGR``: the *exact* area under the piecewise-linear PGR curve through all n + 1 points
  (k/n, PGR(k/n)), i.e. the trapezoid rule over every achievable share. (The paper approximates
  the same area with a coarse grid of shares.) A random router's expected APGR is 0.5.
- ``CPT(x)``: the smallest strong-call share f in [0, 1] at which the piecewise-linear PGR curve
  reaches x (interpolated between k/n points; shares between two k/n points are achievable by
  randomising one prompt). ``None`` when the curve never reaches x (only possible for x > 1).
- Cost saving at share f vs always-strong: ``1 - (f * c_strong + (1 - f) * c_weak) / c_strong``,
  with per-call costs (any currency unit, e.g. USD per call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routellm_core.data.golden import GoldenRow
from routellm_core.errors import ConfigError, UnknownModelError

#: the paper's cost estimates (USD per 1M tokens): GPT-4 and Mixtral 8x7B
PAPER_STRONG_PRICE = 24.7
PAPER_WEAK_PRICE = 0.24
#: tolerance used when comparing PGR values with a target (float round-off)
_EPS = 1e-12


# ============================================================================ curves
@dataclass(frozen=True)
class CurveResult:
    """The quality of a routed system for every strong-call share k/n, k = 0..n.

    ``fractions`` (n + 1,) in [0, 1]; ``quality_curve`` (n + 1,) mean score in [0, 1];
    ``strong_quality`` / ``weak_quality``: always-strong / always-weak mean score.
    """

    fractions: np.ndarray
    quality_curve: np.ndarray
    strong_quality: float
    weak_quality: float

    @property
    def n(self) -> int:
        """Number of evaluated prompts."""
        return len(self.fractions) - 1

    @property
    def pgr_curve(self) -> np.ndarray:
        """PGR at every share in ``fractions`` (0 at f = 0, 1 at f = 1)."""
        return (self.quality_curve - self.weak_quality) / (self.strong_quality - self.weak_quality)

    @property
    def apgr(self) -> float:
        """Exact area under the piecewise-linear PGR curve over f in [0, 1]."""
        pgr = self.pgr_curve
        return float(np.sum((pgr[1:] + pgr[:-1]) * np.diff(self.fractions)) / 2.0)

    def cpt(self, target: float) -> float | None:
        """Smallest strong-call share (in [0, 1]) whose PGR reaches ``target`` (e.g. 0.5 for
        CPT(50%)), linearly interpolated between k/n points; None if never reached."""
        pgr = self.pgr_curve
        hits = np.nonzero(pgr >= target - _EPS)[0]
        if len(hits) == 0:
            return None
        k = int(hits[0])
        if k == 0:
            return 0.0
        p0, p1 = pgr[k - 1], pgr[k]
        f0, f1 = self.fractions[k - 1], self.fractions[k]
        t = float(np.clip((target - p0) / (p1 - p0), 0.0, 1.0))
        return float(f0 + t * (f1 - f0))

    def quality_at(self, fraction: float | np.ndarray) -> float | np.ndarray:
        """Quality (mean score, [0, 1]) at strong-call share(s) in [0, 1], interpolated."""
        out = np.interp(fraction, self.fractions, self.quality_curve)
        return float(out) if np.ndim(out) == 0 else out

    def on_grid(self, points: int = 201) -> dict[str, list[float]]:
        """The curve resampled at ``points`` equally spaced shares (0 = every k/n point)."""
        f = self.fractions if points <= 0 else np.linspace(0.0, 1.0, points)
        return {
            "fractions": [round(float(x), 6) for x in f],
            "quality": [round(float(x), 6) for x in np.interp(f, self.fractions, self.quality_curve)],
            "pgr": [round(float(x), 6) for x in np.interp(f, self.fractions, self.pgr_curve)],
        }


def _as_outcomes(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{name} contains NaN or infinite values.")
    return arr


def check_benchmark(strong_scores: np.ndarray, weak_scores: np.ndarray) -> tuple[float, float]:
    """Validate a benchmark's outcomes; return (strong_quality, weak_quality).

    Raises ConfigError when it is empty, the lengths differ, or both models have the same mean
    quality (PGR would divide by zero)."""
    if len(strong_scores) == 0:
        raise ConfigError("the benchmark has no prompts to evaluate on (after dropping contaminated rows).")
    if len(strong_scores) != len(weak_scores):
        raise ConfigError(
            f"strong_scores has {len(strong_scores)} values but weak_scores has {len(weak_scores)}."
        )
    qs, qw = float(np.mean(strong_scores)), float(np.mean(weak_scores))
    if abs(qs - qw) <= 1e-12:
        raise ConfigError(
            f"the strong and weak models have the same quality on this benchmark ({qs:.4f}), so "
            "the performance gap recovered (PGR) is undefined; pick another model pair or benchmark."
        )
    return qs, qw


def quality_curve(
    scores: np.ndarray, strong_scores: np.ndarray, weak_scores: np.ndarray
) -> np.ndarray:
    """Expected mean quality (n + 1,) when the top-k scoring prompts go to strong, k = 0..n;
    ties broken uniformly at random (in expectation: each tied block shares its mean gain)."""
    n = len(scores)
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    gain = (strong_scores - weak_scores)[order]
    # block ids of equal scores in the sorted order; replace each gain by its block's mean
    starts = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
    block = np.cumsum(starts) - 1
    block_mean = np.bincount(block, weights=gain) / np.bincount(block)
    expected_gain = block_mean[block]
    cum = np.r_[0.0, np.cumsum(expected_gain)]
    return (float(np.sum(weak_scores)) + cum) / n


def evaluate_scores(
    scores: Sequence[float] | np.ndarray,
    strong_scores: Sequence[float] | np.ndarray,
    weak_scores: Sequence[float] | np.ndarray,
) -> CurveResult:
    """Evaluate a router's per-prompt ``scores`` (higher = send to strong) against the strong
    and weak models' per-prompt outcomes in [0, 1]. Returns the full curve (see module doc)."""
    s = _as_outcomes("strong_scores", strong_scores)
    w = _as_outcomes("weak_scores", weak_scores)
    qs, qw = check_benchmark(s, w)
    r = _as_outcomes("scores", scores)
    if len(r) != len(s):
        raise ConfigError(f"got {len(r)} router scores for {len(s)} benchmark prompts.")
    q = quality_curve(r, s, w)
    return CurveResult(np.arange(len(s) + 1) / len(s), q, qs, qw)


def oracle_scores(strong_scores: Sequence[float] | np.ndarray, weak_scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """The oracle router's scores: the strong model's gain over the weak one on each prompt, so
    strong is used first exactly where it is better (the upper bound of any router)."""
    return _as_outcomes("strong_scores", strong_scores) - _as_outcomes("weak_scores", weak_scores)


def average_curves(curves: Sequence[CurveResult]) -> CurveResult:
    """Point-wise mean of curves on the same benchmark (e.g. a random router over seeds)."""
    if not curves:
        raise ConfigError("average_curves() needs at least one curve.")
    first = curves[0]
    if any(len(c.fractions) != len(first.fractions) for c in curves):
        raise ConfigError("curves to average must come from the same benchmark (same prompt count).")
    q = np.mean([c.quality_curve for c in curves], axis=0)
    return CurveResult(first.fractions, q, first.strong_quality, first.weak_quality)


def random_baseline(
    strong_scores: Sequence[float] | np.ndarray,
    weak_scores: Sequence[float] | np.ndarray,
    *,
    seeds: int = 10,
    seed: int = 0,
) -> CurveResult:
    """Mean curve of ``seeds`` uniform-random routers (numpy seeds seed..seed+seeds-1); its
    expected APGR is 0.5 (the straight line from weak to strong quality)."""
    s = _as_outcomes("strong_scores", strong_scores)
    w = _as_outcomes("weak_scores", weak_scores)
    curves = [
        evaluate_scores(np.random.default_rng(seed + i).random(len(s)), s, w) for i in range(max(1, seeds))
    ]
    return average_curves(curves)


# ============================================================================ cost
def per_call_costs(
    *,
    strong_price: float | None = None,
    weak_price: float | None = None,
    tokens_per_call: float = 1000.0,
    strong_cost: float | None = None,
    weak_cost: float | None = None,
) -> tuple[float, float]:
    """(strong, weak) cost per call. Either per-call costs directly, or prices per 1M tokens
    times ``tokens_per_call``. Defaults: the paper's $24.7 / $0.24 per 1M tokens."""
    if (strong_cost is None) != (weak_cost is None):
        raise ConfigError("give both --strong-cost and --weak-cost (cost per call), or neither.")
    if strong_cost is None:
        sp = PAPER_STRONG_PRICE if strong_price is None else strong_price
        wp = PAPER_WEAK_PRICE if weak_price is None else weak_price
        if tokens_per_call <= 0:
            raise ConfigError(f"tokens per call must be > 0, got {tokens_per_call}.")
        strong_cost, weak_cost = sp * tokens_per_call / 1e6, wp * tokens_per_call / 1e6
    if strong_cost <= 0 or weak_cost < 0:  # type: ignore[operator]
        raise ConfigError(
            f"costs must be strong > 0 and weak >= 0, got strong={strong_cost}, weak={weak_cost}."
        )
    return float(strong_cost), float(weak_cost)  # type: ignore[arg-type]


def cost_saving(fraction: float | None, strong_cost: float, weak_cost: float) -> float | None:
    """Saving vs always-strong, in [.., 1], when a share ``fraction`` in [0, 1] of calls go to
    strong: ``1 - cost(routed) / cost(always strong)``. None passes through."""
    if fraction is None:
        return None
    routed = fraction * strong_cost + (1.0 - fraction) * weak_cost
    return 1.0 - routed / strong_cost


def summarize(curve: CurveResult, strong_cost: float, weak_cost: float) -> dict[str, Any]:
    """APGR, CPT(50%), CPT(80%), the savings there, and quality at 50% strong calls."""
    c50, c80 = curve.cpt(0.5), curve.cpt(0.8)
    return {
        "apgr": curve.apgr,
        "cpt50": c50,
        "cpt80": c80,
        "saving_at_cpt50": cost_saving(c50, strong_cost, weak_cost),
        "saving_at_cpt80": cost_saving(c80, strong_cost, weak_cost),
        "quality_at_50pct": curve.quality_at(0.5),
    }


# ============================================================================ data
def outcome_arrays(rows: Sequence[GoldenRow], strong: str, weak: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-row (strong, weak) scores; clear errors for an empty set or unknown model names."""
    if not rows:
        raise ConfigError("the benchmark has no rows to evaluate on (after dropping contaminated rows).")
    if strong == weak:
        raise ConfigError(f"--strong and --weak are both {strong!r}; give two different models.")
    known = sorted({m for r in rows for m in r.scores})
    for role, name in (("strong", strong), ("weak", weak)):
        if name not in known:
            raise UnknownModelError(
                f"{role} model {name!r} is not in the benchmark; it has scores for: {', '.join(known)}."
            )
    missing = [r.id for r in rows if strong not in r.scores or weak not in r.scores]
    if missing:
        raise ConfigError(
            f"{len(missing)} benchmark row(s) lack a score for {strong!r} or {weak!r} "
            f"(first: {missing[0]!r}); every evaluated row needs both."
        )
    return (
        np.array([r.scores[strong] for r in rows], dtype=np.float64),
        np.array([r.scores[weak] for r in rows], dtype=np.float64),
    )
