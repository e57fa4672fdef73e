"""The tier rule: the router's one score cut into tiers by N - 1 non-increasing thresholds
(``tier_of``); the strong/weak pair is its two-tier case (``PairRule``: labels strong/weak,
one threshold, decisions with the four fields of the two-model form)."""

from __future__ import annotations

from typing import Any

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.policy.rule import FixedTiers, nearest_allowed, no_pair_choice, score_scale
from routellm_core.routers.base import Router
from routellm_core.routing.calibration import DEFAULT_STRONG_FRACTION, score_quantiles, thresholds_from_shares
from routellm_core.routing.candidates import Candidates
from routellm_core.routing.decision import (
    STRONG,
    WEAK,
    RoutingDecision,
    check_thresholds,
    check_unit_interval,
    resolve_threshold,
    tier_threshold,
)
from routellm_core.routing.online import TierController

TIERS = "tiers"
#: the labels of the two-model form
PAIR = (STRONG, WEAK)


class TierRule:
    """N models in tiers (strongest first): a score goes to the tier ``tier_of(score,
    thresholds)``; ``allowed`` (a share or budget of 0 caps a model) moves it to the nearest
    allowed tier, a cheaper one first. ``online``: a ``TierController`` moving the thresholds."""

    strategy: str | None = TIERS

    def __init__(self, candidates: Candidates, thresholds: tuple[float, ...], *,
                 online: TierController | None = None, allowed: np.ndarray | None = None,
                 target_shares: dict[str, float] | None = None,
                 tokens: tuple[float, float] | None = None) -> None:
        self.candidates: Candidates | None = candidates
        self._cand = candidates
        self.labels: tuple[str, ...] = candidates.names
        self.online = online
        self._cutoffs: FixedTiers | TierController = FixedTiers(thresholds) if online is None else online
        self._allowed = allowed
        self.target_shares = target_shares
        self.tokens = tokens

    @property
    def thresholds(self) -> tuple[float, ...]:
        return self._cutoffs.thresholds

    @property
    def threshold(self) -> float:
        return self.thresholds[0]

    @property
    def tradeoff(self) -> float | None:
        return None

    def fallback_order(self, label: str) -> list[str]:
        return self._cand.fallback_order(label)

    def _scores(self, router: Router, prompts: list[str], strong: str | None, weak: str | None) -> list[float]:
        no_pair_choice(strong, weak)
        return np.atleast_1d(router.score(prompts)).tolist()

    def decide(self, router: Router, prompts: list[str], strong: str | None = None,
               weak: str | None = None) -> list[RoutingDecision]:
        name = router.name
        return [self._decision(s, name) for s in self._scores(router, prompts, strong, weak)]

    def decide_one(self, router: Router, prompt: str, strong: str | None = None,
                   weak: str | None = None) -> RoutingDecision:
        no_pair_choice(strong, weak)
        return self._decision(float(router.score(prompt)), router.name)

    def _decision(self, score: float, router: str) -> RoutingDecision:
        tier, used, realised = self._cutoffs.route(score)
        if self._allowed is not None and not self._allowed[tier]:
            tier = nearest_allowed(self._allowed, tier)
        cand = self._cand
        return RoutingDecision(
            model=cand.names[tier], score=score, threshold=tier_threshold(tier, used), router=router, tier=tier,
            strategy=TIERS, thresholds=used, expected_cost=None if cand.costs is None else cand.costs[tier],
            strongest_cost=cand.strongest_cost, realised_shares=realised,
        )

    def describe(self) -> str:
        online = ", online" if self.online is not None else ""
        return (f"models={list(self.labels)}, strategy={self.strategy!r}, "
                f"thresholds={[round(t, 4) for t in self.thresholds]}{online}")

    @classmethod
    def build(cls, router: Router, candidates: Candidates, prompts: list[str] | None, target: np.ndarray | None,
              thresholds: Any, settings: dict[str, float] | None, allowed: np.ndarray | None,
              tokens: tuple[float, float]) -> TierRule:
        """The tier rule for ``candidates``: ``thresholds`` as given, else the ones that give each
        tier its ``target`` share (default: equal shares) of ``prompts`` (default: the router's
        calibration); ``settings``: online controller settings (None: fixed)."""
        common: dict[str, Any] = {"allowed": allowed, "tokens": tokens}
        if thresholds is not None:
            if settings is not None:
                raise ConfigError("online mode keeps shares of calls on target: give shares= or budget=, not thresholds=.")
            return cls(candidates, check_thresholds(thresholds, len(candidates) - 1), **common)
        quantiles = score_quantiles(np.atleast_1d(router.score(prompts))) if prompts else \
            router.calibration_quantiles_
        if target is None:
            target = np.full(len(candidates), 1.0 / len(candidates))
        common["target_shares"] = candidates.shares_dict(target)
        if quantiles is None:
            if settings is None:
                raise ConfigError(
                    f"router {router.name!r} has no calibration, so shares cannot be turned into thresholds; "
                    "give calibration_prompts=[typical prompts], thresholds=[...], or online=True."
                )
            cut = tuple(float(t) for t in 1.0 - np.cumsum(target)[:-1])
        else:
            cut = thresholds_from_shares(quantiles, target)
        online = None
        if settings is not None:
            spread, center = score_scale(quantiles)
            online = TierController(candidates.names, cut, target, spread=spread, center=center,
                                    costs=candidates.costs, **settings)
        return cls(candidates, cut, online=online, **common)


class PairRule(TierRule):
    """The two-model form: the tier rule with two tiers labelled ``strong``/``weak`` and one
    threshold (strong iff ``score >= threshold``). Its decisions hold ``model``, ``score``,
    ``threshold`` (the one threshold, whichever side) and ``router`` (plus ``realised_shares``
    online), and ``strong``/``weak`` may pick another pair the router knows."""

    strategy = None

    def __init__(self, threshold: float, *, online: TierController | None = None,
                 target_shares: dict[str, float] | None = None) -> None:
        super().__init__(Candidates.build(list(PAIR)), (threshold,), online=online, target_shares=target_shares)
        self.candidates = None

    @property
    def threshold(self) -> float:
        return self._cutoffs.thresholds[0]

    @threshold.setter
    def threshold(self, value: float) -> None:
        if self.online is not None:
            raise ConfigError("only a two-model policy that is not online has one threshold to set.")
        self._cutoffs = FixedTiers((check_unit_interval("threshold", value),))

    def _scores(self, router: Router, prompts: list[str], strong: str | None, weak: str | None) -> list[float]:
        return np.atleast_1d(router.score(prompts, strong=strong, weak=weak)).tolist()

    def decide_one(self, router: Router, prompt: str, strong: str | None = None,
                   weak: str | None = None) -> RoutingDecision:
        return self._decision(float(router.score(prompt, strong=strong, weak=weak)), router.name)

    def _decision(self, score: float, router: str) -> RoutingDecision:
        tier, used, realised = self._cutoffs.route(score)
        return RoutingDecision(model=PAIR[tier], score=score, threshold=used[0], router=router,
                               realised_shares=realised)

    def describe(self) -> str:
        return f"threshold={self.threshold:.4f}"

    @classmethod
    def for_pair(cls, router: Router, threshold: Any, strong_fraction: Any,
                 settings: dict[str, float] | None) -> PairRule:
        """The pair's rule: ``threshold``, else the one sending ``strong_fraction`` of typical
        prompts to strong, else the router's default (``resolve_threshold``); ``settings``:
        online controller settings (None: fixed; online needs a share, not a threshold)."""
        start = resolve_threshold(router, threshold, strong_fraction)
        if settings is None:
            return cls(start)
        if threshold is not None:
            raise ConfigError("online mode keeps a share of calls on target: give strong_fraction, not threshold.")
        f = DEFAULT_STRONG_FRACTION if strong_fraction is None else float(strong_fraction)
        spread, center = score_scale(router.calibration_quantiles_)
        online = TierController(PAIR, (start,), (f, 1.0 - f), spread=spread, center=center, **settings)
        return cls(start, online=online, target_shares={STRONG: f, WEAK: 1.0 - f})
