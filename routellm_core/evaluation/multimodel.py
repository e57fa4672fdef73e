"""Evaluation of routing among N models on multi-model outcome files: quality vs cost.

Conventions:

- ``scores[i, m]`` in [0, 1] is model m's outcome on prompt i (1 = correct); ``costs[i, m]`` the
  USD cost of that call (RouterBench files record it per call; otherwise a price per model times
  typical tokens, the same on every row, or times the prompt's own input tokens with
  ``tokens=("prompt", output)``). Models are ordered by mean cost, dearest first.
- A routing system is a set of **operating points** (mean cost per call, mean quality), one per
  setting of its knob: the trade-off ``lam`` of a quality router (``argmax q - lam * relative
  cost``, the policy's rule, ``routing.calibration.tradeoff_choice``; with the cost of each call
  as known before it is made, ``call_cost_estimates``: a price per prompt token and per call),
  the budget of a tiers
  router (``shares_for_budget`` -> thresholds on the prompts' own score quantiles -> ``tier_of``,
  label-free like calibrating on live traffic), or the single point of one model.
- Randomising between two operating points reaches every point on the segment between them, so a
  system's curve is its **non-decreasing concave hull** (RouterBench, Hu et al. 2024): the
  upper convex hull of its points up to its best quality, flat after it. Below its cheapest
  point a system reaches nothing (quality 0).
- **AIQ** (RouterBench's average improvement in quality): the mean of the hull over the cost
  range ``[c_min, c_max]`` of the single models (cheapest to dearest mean cost), i.e. the area
  under the hull divided by ``c_max - c_min``. A single model's AIQ is its quality times the
  share of the range at or above its cost.
- **random mix**: RouterBench's zero router, the hull of the single models (what randomly
  mixing models reaches); **oracle**: per prompt the model with ``max score - lam * cost``
  (cheapest on ties), every ``lam``: the best any router could do.
- **cost to match** the best single model: the least cost at which a hull reaches its quality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routellm_core.data.golden import GoldenRow
from routellm_core.errors import ConfigError
from routellm_core.routing.calibration import (
    score_quantiles,
    shares_for_budget,
    thresholds_from_shares,
    tradeoff_choice,
)
from routellm_core.routing.candidates import PROMPT_TOKENS, Candidates, prompt_tokens
from routellm_core.routing.decision import tiers_of

#: trade-offs ``lam`` swept for quality routers and the oracle (relative-cost units)
LAMBDAS = np.r_[0.0, np.geomspace(1e-4, 1e4, 1000)]
#: budgets swept for tiers routers (between the cheapest and the dearest tier)
BUDGET_POINTS = 201


# ============================================================================ data
@dataclass
class MultiModelData:
    """Outcomes of ``models`` (dearest first) on ``prompts``: ``scores`` (n, M), ``costs`` (n, M)
    or None when no costs or prices are known."""

    prompts: list[str]
    ids: list[str]
    models: list[str]
    scores: np.ndarray
    costs: np.ndarray | None

    def __len__(self) -> int:
        return len(self.prompts)

    @property
    def mean_costs(self) -> np.ndarray | None:
        return None if self.costs is None else self.costs.mean(axis=0)


def multimodel_data(
    rows: Sequence[GoldenRow],
    *,
    models: Sequence[str] | None = None,
    prices: Mapping[str, Any] | None = None,
    tokens: tuple[float | str, float] = (1000.0, 0.0),
) -> MultiModelData:
    """The outcome matrix of ``rows`` for ``models`` (default: the models every row scores).

    Costs: ``prices`` (USD per 1M tokens, per model; times ``tokens`` = typical (input, output)
    tokens per call, or each prompt's own input tokens with ``("prompt", output)``) when given,
    else the rows' own ``costs`` when every row has one for every model, else None."""
    if not rows:
        raise ConfigError("no multi-model rows to evaluate on.")
    common = set(rows[0].scores)
    for r in rows[1:]:
        common &= set(r.scores)
    names = list(models) if models is not None else sorted(common)
    missing = [m for m in names if m not in common]
    if missing:
        raise ConfigError(f"model(s) {missing} lack a score on some rows; the models every row scores: {sorted(common)}.")
    if len(names) < 2:
        raise ConfigError(f"need at least two models scored on every row, got {names}.")
    scores = np.array([[r.scores[m] for m in names] for r in rows], dtype=np.float64)
    costs: np.ndarray | None = None
    if prices is not None:
        per_prompt = tokens[0] == PROMPT_TOKENS
        cand = Candidates.build(names, {m: prices[m] for m in names if m in prices},
                                (1.0, tokens[1]) if per_prompt else tokens)  # type: ignore[arg-type]
        column = [cand.names.index(m) for m in names]
        if per_prompt:
            costs = cand.call_costs([r.prompt for r in rows])[:, column]
        else:
            costs = np.tile(np.asarray(cand.costs)[column], (len(rows), 1))
    elif all(r.costs is not None and all(m in r.costs for m in names) for r in rows):
        costs = np.array([[r.costs[m] for m in names] for r in rows], dtype=np.float64)  # type: ignore[index]
    order = np.argsort(-costs.mean(axis=0), kind="stable") if costs is not None else np.arange(len(names))
    return MultiModelData(
        prompts=[r.prompt for r in rows], ids=[r.id for r in rows], models=[names[i] for i in order],
        scores=scores[:, order], costs=None if costs is None else costs[:, order],
    )


# ============================================================================ curves
def concave_hull(cost: np.ndarray, quality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-decreasing concave hull of points: the upper convex hull from the cheapest point
    up to the best quality (a system's curve when it may randomise between its settings)."""
    pts = sorted(zip(np.asarray(cost, float).tolist(), np.asarray(quality, float).tolist()), key=lambda p: (p[0], -p[1]))
    upper: list[tuple[float, float]] = []
    for p in pts:
        if upper and p[0] == upper[-1][0]:
            continue  # same cost: the best quality came first
        while len(upper) >= 2:
            (ox, oy), (ax, ay) = upper[-2], upper[-1]
            if (ax - ox) * (p[1] - oy) - (ay - oy) * (p[0] - ox) >= 0:  # not a right turn
                upper.pop()
            else:
                break
        upper.append(p)
    top = int(np.argmax([q for _, q in upper]))
    hull = upper[: top + 1]
    return np.array([c for c, _ in hull]), np.array([q for _, q in hull])


@dataclass
class CostCurve:
    """A routing system's operating points (mean cost, mean quality) and, per point, the share of
    calls each model got (``shares``, (points, M)), with its hull and summary figures."""

    cost: np.ndarray
    quality: np.ndarray
    shares: np.ndarray | None = None
    hull: tuple[np.ndarray, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.cost = np.asarray(self.cost, dtype=np.float64)
        self.quality = np.asarray(self.quality, dtype=np.float64)
        self.hull = concave_hull(self.cost, self.quality)

    def quality_at(self, cost: float) -> float:
        """The hull's quality at ``cost`` (0 below the cheapest point, flat after the best)."""
        hc, hq = self.hull
        if cost < hc[0] - 1e-15:
            return 0.0
        return float(np.interp(cost, hc, hq))

    def aiq(self, c_min: float, c_max: float) -> float:
        """Mean hull quality over [c_min, c_max] (RouterBench's AIQ), integrated exactly (the
        hull is piecewise linear, 0 below its cheapest point)."""
        hc, hq = self.hull
        if c_max <= c_min:
            return self.quality_at(c_max)
        xs = np.unique(np.clip(np.r_[c_min, c_max, hc], c_min, c_max))
        area = 0.0
        for a, b in zip(xs[:-1], xs[1:]):
            if b <= hc[0]:
                continue  # nothing reached below the cheapest point (a breakpoint when in range)
            area += (b - a) * (float(np.interp(a, hc, hq)) + float(np.interp(b, hc, hq))) / 2.0
        return area / (c_max - c_min)

    def cost_for(self, quality: float) -> float | None:
        """The least cost at which the hull reaches ``quality`` (None if it never does)."""
        hc, hq = self.hull
        if hq[-1] < quality - 1e-12:
            return None
        if hq[0] >= quality - 1e-12:
            return float(hc[0])
        k = int(np.nonzero(hq >= quality - 1e-12)[0][0])
        t = (quality - hq[k - 1]) / (hq[k] - hq[k - 1])
        return float(hc[k - 1] + t * (hc[k] - hc[k - 1]))

    def best_point_within(self, cost: float) -> int | None:
        """Index of the best-quality operating point (no randomising) costing at most ``cost``."""
        ok = np.nonzero(self.cost <= cost + 1e-15)[0]
        return None if len(ok) == 0 else int(ok[np.argmax(self.quality[ok])])

    def to_json(self) -> dict[str, Any]:
        """The distinct operating points and the hull, as lists."""
        points = sorted(set(zip(self.cost.tolist(), self.quality.tolist())))
        out: dict[str, Any] = {
            "points": {"cost": [c for c, _ in points], "quality": [round(q, 6) for _, q in points]},
            "hull": {"cost": [float(x) for x in self.hull[0]], "quality": [round(float(x), 6) for x in self.hull[1]]},
        }
        return out


def _points(data: MultiModelData, choices: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(mean cost, mean quality, shares per model) of one choice of model per prompt."""
    rows = np.arange(len(data))
    cost = float(data.costs[rows, choices].mean()) if data.costs is not None else 0.0
    quality = float(data.scores[rows, choices].mean())
    return cost, quality, np.bincount(choices, minlength=len(data.models)) / len(data)


def _curve(data: MultiModelData, choice_sets: Sequence[np.ndarray]) -> CostCurve:
    pts = [_points(data, c) for c in choice_sets]
    return CostCurve(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]), np.array([p[2] for p in pts]))


def _relative(costs: np.ndarray) -> np.ndarray:
    top = float(np.max(costs))
    return costs / top if top > 0 else np.zeros_like(costs)


def single_models(data: MultiModelData) -> dict[str, CostCurve]:
    """Each model alone: one operating point."""
    out = {}
    for j, m in enumerate(data.models):
        out[m] = _curve(data, [np.full(len(data), j)])
    return out


def random_mix(data: MultiModelData) -> CostCurve:
    """RouterBench's zero router: every single model's point (its hull mixes them at random).
    Without costs: a uniformly random model per prompt (the models' mean quality)."""
    if data.costs is None:
        m = len(data.models)
        return CostCurve(np.zeros(1), np.array([float(data.scores.mean())]), np.full((1, m), 1.0 / m))
    return _curve(data, [np.full(len(data), j) for j in range(len(data.models))])


def oracle_curve(data: MultiModelData, lambdas: np.ndarray = LAMBDAS) -> CostCurve:
    """Per prompt the model with the best ``score - lam * relative cost`` (cheapest on ties)."""
    if data.costs is None:
        best = np.argmax(data.scores[:, ::-1], axis=1)
        return _curve(data, [len(data.models) - 1 - best])
    rel = _relative(data.costs)
    tie = 1e-9 * rel  # cheaper wins a tie even where per-call costs reorder the models
    return _curve(data, [np.argmax(data.scores - lam * rel - tie, axis=1) for lam in lambdas])


def quality_router_curve(quality: np.ndarray, data: MultiModelData, lambdas: np.ndarray = LAMBDAS,
                         call_costs: np.ndarray | None = None) -> CostCurve:
    """A quality router's points: the policy's choice ``argmax q - lam * relative cost`` for every
    ``lam``. Costs as the policy knows them: ``call_costs`` (n, M), each call's cost estimated
    before it is made (``call_cost_estimates``), else one mean cost per model."""
    if data.costs is None:
        return _curve(data, [tradeoff_choice(quality, np.zeros(len(data.models)), 0.0)])
    if call_costs is None:
        rel = _relative(data.mean_costs)  # type: ignore[arg-type]
    else:
        top = float(np.max(np.mean(call_costs, axis=0)))
        rel = call_costs / top if top > 0 else np.zeros_like(call_costs)
    return _curve(data, [tradeoff_choice(quality, rel, float(lam)) for lam in lambdas])


def call_cost_estimates(reference: MultiModelData, prompts: Sequence[str]) -> np.ndarray | None:
    """Each model's cost of a call on each of ``prompts`` (n, M), as a router can know it before
    the call: per model, a price per input token and a fixed part per call (the output), fitted by
    least squares to ``reference``'s recorded costs against its prompts' tokens (characters / 4;
    both parts >= 0). Costs set from prices are reproduced exactly; None without costs."""
    if reference.costs is None:
        return None
    x = prompt_tokens(reference.prompts)
    xc = x - x.mean()
    denom = float(xc @ xc)
    per_token = np.zeros(len(reference.models)) if denom <= 0 else np.maximum(0.0, xc @ reference.costs / denom)
    fixed = np.maximum(0.0, reference.costs.mean(axis=0) - per_token * x.mean())
    return prompt_tokens(prompts)[:, None] * per_token + fixed


def tiers_router_curve(scores: np.ndarray, data: MultiModelData, tiers: Sequence[str],
                       budgets: int = BUDGET_POINTS) -> CostCurve:
    """A model-agnostic router's points: for each budget between the cheapest and the dearest
    tier, the policy's shares (``shares_for_budget`` over the tiers' mean costs), thresholds on
    the prompts' own score quantiles, and ``tier_of`` per prompt."""
    if data.costs is None:
        raise ConfigError("routing by tiers needs costs or prices to order and budget the models.")
    index = [data.models.index(m) for m in tiers]
    mean = data.mean_costs[index]  # type: ignore[index]
    q = score_quantiles(scores)
    s = np.asarray(scores, dtype=np.float64)
    choice_sets = []
    for budget in np.linspace(mean[-1], mean[0], budgets):
        thresholds = thresholds_from_shares(q, shares_for_budget(mean, budget))
        choice_sets.append(np.asarray(index)[tiers_of(s, thresholds)])
    return _curve(data, choice_sets)


def efficient_models(data: MultiModelData) -> list[str]:
    """The models on the single models' hull (no other model or mix is cheaper and better),
    dearest first: the tiers a user would route among."""
    singles = single_models(data)
    hull = set(zip(*(x.tolist() for x in random_mix(data).hull)))
    on = [m for m in data.models if (float(singles[m].cost[0]), float(singles[m].quality[0])) in hull]
    return on if len(on) >= 2 else data.models[:1] + data.models[-1:]


# ============================================================================ summary
def summarize(curves: Mapping[str, CostCurve], data: MultiModelData) -> dict[str, Any]:
    """Per system: AIQ, its best quality and the cost there, the least cost to match the best
    single model, and what it reaches at half the best single model's cost (on the hull and at
    an operating point). Also names the best single model and the cost range of AIQ."""
    singles = single_models(data)
    best = max(singles, key=lambda m: (singles[m].quality[0], -singles[m].cost[0]))
    q_best, c_best = float(singles[best].quality[0]), float(singles[best].cost[0])
    costs = [float(c.cost[0]) for c in singles.values()]
    c_min, c_max = min(costs), max(costs)
    out: dict[str, Any] = {"best_single": {"model": best, "quality": q_best, "cost": c_best},
                           "cost_range": [c_min, c_max], "systems": {}}
    for name, curve in curves.items():
        top = int(np.argmax(curve.quality))
        point = curve.best_point_within(0.5 * c_best)
        entry = {
            "aiq": curve.aiq(c_min, c_max) if data.costs is not None else None,
            "max_quality": float(curve.quality[top]),
            "cost_at_max_quality": float(curve.cost[top]),
            "cost_to_match_best": curve.cost_for(q_best),
            "cost_to_reach_98pct_best": curve.cost_for(0.98 * q_best),
            "quality_at_half_best_cost_hull": curve.quality_at(0.5 * c_best),
            "quality_at_half_best_cost_point": None if point is None else float(curve.quality[point]),
            "cost_of_that_point": None if point is None else float(curve.cost[point]),
            "shares_at_that_point": None if point is None or curve.shares is None
            else {m: round(float(x), 4) for m, x in zip(data.models, curve.shares[point])},
            "shares_at_max_quality": None if curve.shares is None
            else {m: round(float(x), 4) for m, x in zip(data.models, curve.shares[top])},
        }
        out["systems"][name] = entry
    return out
