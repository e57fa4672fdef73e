"""What every routing rule offers (``Rule``), and the fixed cut-offs a rule uses when it is not
online (``FixedTiers``, ``FixedTradeoff``).

A rule is one form of routing: it holds the cut-offs (thresholds of tiers, or the trade-off of
quality against price) and turns a router's outputs on checked prompts into
``RoutingDecision``s. Its cut-offs are an object with ``route(...) -> (choice, cut-offs used,
realised shares or None)``: a fixed one here, or an online controller
(``routing.online.TierController`` / ``TradeoffController``) that moves them with live traffic;
the rule does not know which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.routers.base import Router
from routellm_core.routing.calibration import tradeoff_choice
from routellm_core.routing.candidates import Candidates
from routellm_core.routing.decision import RoutingDecision, tier_of
from routellm_core.routing.online import TierController, TradeoffController


class Rule(Protocol):
    """One form of routing (see the module docstring). ``labels``: the names decisions use
    (strongest first); ``strategy``: ``"tiers"``, ``"quality"``, or None for the strong/weak
    pair; ``candidates`` / ``tokens``: the N models' names, prices and costs and the typical
    tokens of a call (None for the pair); ``target_shares``: the share of calls each model
    should get (None: no target); ``online``: the controller moving the cut-offs, or None."""

    labels: tuple[str, ...]
    strategy: str | None
    candidates: Candidates | None
    tokens: tuple[float, float] | None
    target_shares: dict[str, float] | None
    online: TierController | TradeoffController | None

    def decide(self, router: Router, prompts: list[str], strong: str | None = None,
               weak: str | None = None) -> list[RoutingDecision]:
        """One decision per prompt (prompts checked by the caller's router call); ``strong`` /
        ``weak`` pick another pair the router knows (the pair only)."""
        ...

    def decide_one(self, router: Router, prompt: str, strong: str | None = None,
                   weak: str | None = None) -> RoutingDecision:
        """``decide`` for one prompt (scored as one, the router's single-prompt path)."""
        ...

    def fallback_order(self, label: str) -> list[str]:
        """The labels a failed call to ``label`` falls back to, in order."""
        ...

    @property
    def threshold(self) -> float:
        """The one number that sums the cut-offs up: the (strongest) threshold, or ``lam``."""
        ...

    @property
    def thresholds(self) -> tuple[float, ...] | None:
        """The current thresholds of the tiers (None for quality)."""
        ...

    @property
    def tradeoff(self) -> float | None:
        """The current ``lam`` of quality against relative cost (None for tiers)."""
        ...

    def describe(self) -> str:
        """The rule's part of ``repr(RoutingPolicy)``."""
        ...


class FixedTiers:
    """Thresholds that stay where they were set: ``route(score)`` -> (tier, thresholds, None)."""

    def __init__(self, thresholds: tuple[float, ...]) -> None:
        self.thresholds = thresholds

    def route(self, score: float) -> tuple[int, tuple[float, ...], Any]:
        return tier_of(score, self.thresholds), self.thresholds, None


class FixedTradeoff:
    """A trade-off that stays where it was set: ``route(quality)`` -> (index, lam, None), the
    index of ``argmax quality - lam * relative cost + offset``."""

    def __init__(self, relative_costs: np.ndarray, lam: float, offsets: np.ndarray) -> None:
        self.relative_costs, self.tradeoff, self.offsets = relative_costs, lam, offsets

    def route(self, quality: Sequence[float], relative_costs: np.ndarray | None = None) -> tuple[int, float, Any]:
        """``relative_costs``: this call's own (M,) costs, when each call is priced by its prompt."""
        costs = self.relative_costs if relative_costs is None else relative_costs
        index = int(tradeoff_choice(np.asarray(quality), costs, self.tradeoff, self.offsets))
        return index, self.tradeoff, None


def nearest_allowed(allowed: np.ndarray, index: int) -> int:
    """The allowed model nearest ``index`` (strongest first), a weaker (cheaper) one first."""
    for step in range(1, len(allowed)):
        for candidate in (index + step, index - step):
            if 0 <= candidate < len(allowed) and allowed[candidate]:
                return candidate
    return index


def score_scale(quantiles: Any) -> tuple[float, float]:
    """(spread, centre) of calibration scores: half the interquartile range and the median
    (0.1 and 0.5 without a calibration)."""
    if quantiles is None:
        return 0.1, 0.5
    q = np.asarray(quantiles, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, len(q))
    lo, mid, hi = np.interp([0.25, 0.5, 0.75], grid, q)
    return max((hi - lo) / 2.0, 1e-3), float(mid)


def no_pair_choice(strong: str | None, weak: str | None) -> None:
    """ConfigError when ``strong``/``weak`` are given to an N-model rule."""
    if strong is not None or weak is not None:
        raise ConfigError("strong/weak pick a model pair in the two-model form; this policy routes among models=.")
