"""The quality rule: a router that predicts each model's quality (``Router.quality``) and a pick of
``argmax quality - lam * relative cost + offset`` (``tradeoff_choice``), ``lam`` set from a
budget and the offsets from target shares on a sample of predicted qualities."""

from __future__ import annotations

import numpy as np

from routellm_core.errors import ConfigError, UnknownModelError
from routellm_core.policy.rule import FixedTradeoff, no_pair_choice
from routellm_core.routers.base import Router
from routellm_core.routing.calibration import offsets_for_shares, tradeoff_for_budget
from routellm_core.routing.candidates import Candidates
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.online import TradeoffController

QUALITY = "quality"


class QualityRule:
    """N models by predicted quality against price (see the module docstring). ``columns``: the
    names the router knows the models by; ``allowed`` (a share or budget of 0 caps a model)
    removes a model from the pick. ``online``: a ``TradeoffController`` moving ``lam`` and the
    offsets."""

    strategy: str | None = QUALITY
    thresholds: tuple[float, ...] | None = None

    def __init__(self, candidates: Candidates, columns: list[str], cutoffs: FixedTradeoff, *,
                 online: TradeoffController | None = None, allowed: np.ndarray | None = None,
                 target_shares: dict[str, float] | None = None, tokens: tuple[float, float] | None = None,
                 per_call: bool = False) -> None:
        self.candidates: Candidates | None = candidates
        self._cand = candidates
        self.labels: tuple[str, ...] = candidates.names
        self.columns = columns
        self._fixed = cutoffs  # the starting trade-off; its offsets also rank the capped picks
        self._cutoffs: FixedTradeoff | TradeoffController = cutoffs if online is None else online
        self.online = online
        self._allowed = allowed
        self.target_shares = target_shares
        self.tokens = tokens
        #: each call priced by its own prompt's input tokens (``tokens=("prompt", output)``)
        self.per_call = per_call

    @property
    def tradeoff(self) -> float:
        return self._cutoffs.tradeoff

    @property
    def threshold(self) -> float:
        return self.tradeoff

    def fallback_order(self, label: str) -> list[str]:
        return self._cand.fallback_order(label)

    def decide(self, router: Router, prompts: list[str], strong: str | None = None,
               weak: str | None = None) -> list[RoutingDecision]:
        no_pair_choice(strong, weak)
        cand, name = self._cand, router.name
        out = []
        call_costs = cand.call_costs(prompts) if self.per_call else None
        relative = None if call_costs is None else cand.relative(call_costs)
        for i, row in enumerate(router.quality(prompts, self.columns).tolist()):
            costs = self._fixed.relative_costs if relative is None else relative[i]
            index, lam, realised = self._cutoffs.route(row) if relative is None else self._cutoffs.route(row, costs)
            if self._allowed is not None and not self._allowed[index]:
                utility = np.asarray(row) - lam * costs + self._fixed.offsets
                utility[~self._allowed] = -np.inf
                index = int(len(utility) - 1 - np.argmax(utility[::-1]))  # the cheaper on a tie
            expected = (None if cand.costs is None else cand.costs[index]) if call_costs is None \
                else float(call_costs[i, index])
            out.append(RoutingDecision(
                model=cand.names[index], score=row[index], threshold=lam, router=name, tier=index,
                strategy=QUALITY, scores=dict(zip(cand.names, row)),
                expected_cost=expected, strongest_cost=cand.strongest_cost, realised_shares=realised,
            ))
        return out

    def decide_one(self, router: Router, prompt: str, strong: str | None = None,
                   weak: str | None = None) -> RoutingDecision:
        return self.decide(router, [prompt], strong, weak)[0]

    def describe(self) -> str:
        online = ", online" if self.online is not None else ""
        per_call = ", priced per prompt" if self.per_call else ""
        return f"models={list(self.labels)}, strategy={self.strategy!r}, tradeoff={self.tradeoff:.4f}{online}{per_call}"

    @classmethod
    def build(cls, router: Router, candidates: Candidates, columns: list[str], prompts: list[str] | None,
              budget: float | None, target: np.ndarray | None, settings: dict[str, float] | None,
              allowed: np.ndarray | None, tokens: tuple[float, float], *, per_call: bool = False) -> QualityRule:
        """The quality rule for ``candidates``: ``lam`` spending ``budget`` (expected USD per
        call), or offsets giving each model its ``target`` share, on the predicted qualities of
        ``prompts`` (default: the router's stored sample); neither: the best predicted quality.
        ``settings``: online controller settings (None: fixed). ``per_call``: each call is priced
        by its own prompt (the budget too, on ``prompts``; the stored sample has only typical costs)."""
        sample = None
        if prompts:
            sample = router.quality(prompts, columns)
        elif router.calibration_quality_ is not None and router.calibration_quality_models_:
            stored = router.calibration_quality_models_
            if all(n in stored for n in columns):
                sample = np.asarray(router.calibration_quality_, dtype=np.float64)[:, [stored.index(n) for n in columns]]
        relative_costs = candidates.relative_costs()
        lam, offsets = 0.0, np.zeros(len(candidates))
        costs = candidates.costs
        relative_budget = None if budget is None or costs is None else budget / max(costs)
        target_shares = None if target is None else candidates.shares_dict(target)
        if (budget is not None or target is not None) and sample is None and settings is None:
            raise ConfigError(
                f"router {router.name!r} has no stored quality predictions for these models, so a budget or "
                "shares cannot be set; give calibration_prompts=[typical prompts], or online=True."
            )
        if sample is not None:
            sample_costs = relative_costs
            if per_call and prompts:  # the calibration prompts' own costs
                sample_costs = candidates.relative(candidates.call_costs(prompts))
            if relative_budget is not None:
                lam = tradeoff_for_budget(sample, sample_costs, relative_budget)
            elif target is not None:
                offsets = offsets_for_shares(sample, sample_costs, 0.0, target)
        fixed = FixedTradeoff(relative_costs, lam, offsets)
        online = None
        if settings is not None:
            if relative_budget is None and target is None:
                raise ConfigError("online mode keeps a target on live traffic: give budget= or shares= as well.")
            spread = float(np.mean(np.std(sample, axis=1))) if sample is not None and len(sample) else 0.05
            online = TradeoffController(
                candidates.names, relative_costs, lam=lam, offsets=offsets, budget=relative_budget,
                shares=target, spread=spread, costs=costs, **settings,
            )
        return cls(candidates, columns, fixed, online=online, allowed=allowed, target_shares=target_shares,
                   tokens=tokens, per_call=per_call)


def check_quality_router(router: Router, candidates: Candidates, columns: list[str | None]) -> list[str]:
    """``columns`` (the router's name for each model) when ``router`` predicts quality and knows
    every model; ConfigError / UnknownModelError naming the fix otherwise."""
    if not router.predicts_quality:
        raise ConfigError(
            f"strategy='quality' needs a router that predicts each model's quality (quality_ridge, or mf "
            f"trained with --golden-all-pairs); {router.name!r} does not: use strategy='tiers'."
        )
    known = [c for c in columns if c is not None]
    if len(known) < len(columns):
        missing = [n for n, m in zip(candidates.names, columns) if m is None]
        names = router.known_models()
        raise UnknownModelError(
            f"router {router.name!r} does not know model(s) {missing} by their names or model names; it "
            f"knows: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}. Pass router_models="
            "{your name: its name}, or use strategy='tiers'."
        )
    return known
