"""The N-model settings of a policy (models, prices, tokens, one target, strategy, the router's
names for the models) turned into the rule that routes among them: ``TierRule`` or
``QualityRule``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.policy.quality import QUALITY, QualityRule, check_quality_router
from routellm_core.policy.tiers import TIERS, TierRule
from routellm_core.routers.base import Router
from routellm_core.routing.calibration import shares_for_budget
from routellm_core.routing.candidates import (
    DEFAULT_TOKENS,
    PROMPT_TOKENS,
    Candidates,
    check_tokens,
    estimate_tokens,
)
from routellm_core.routing.prompts import as_prompt_batch
from routellm_core.utils.validation import finite_number

STRATEGIES = ("auto", TIERS, QUALITY)


def models_rule(
    router: Router,
    names: list[str],
    *,
    prices: Mapping[str, Any] | None,
    tokens: Any,
    budget: Any,
    shares: Mapping[str, float] | None,
    thresholds: Sequence[float] | None,
    strategy: str,
    router_models: Mapping[str, str] | None,
    model_names: Mapping[str, str] | None,
    calibration_prompts: Sequence[str] | None,
    settings: dict[str, float] | None,
) -> TierRule | QualityRule:
    """The rule routing among ``names`` (see ``RoutingPolicy`` for every setting); ``settings``:
    online controller settings (None: fixed cut-offs)."""
    prompts = None if calibration_prompts is None else as_prompt_batch(calibration_prompts, "calibration_prompts")
    if prompts is not None and not prompts:
        raise ConfigError("calibration_prompts is empty; give typical prompts, or leave it out.")
    per_call = False
    if tokens is not None:
        tokens = check_tokens(tokens)
        per_call = tokens[0] == PROMPT_TOKENS
    if tokens is None or per_call:  # the typical input: from the calibration prompts, else stored
        stored = router.calibration_input_tokens_
        n_in = estimate_tokens(prompts) if prompts else stored if stored is not None else DEFAULT_TOKENS[0]
        tokens = (n_in, DEFAULT_TOKENS[1] if tokens is None else tokens[1])
    cand = Candidates.build(names, prices, tokens)
    targets = [k for k, v in (("budget", budget), ("shares", shares), ("thresholds", thresholds)) if v is not None]
    if len(targets) > 1:
        raise ConfigError(f"give one of budget, shares or thresholds, not {' and '.join(targets)}.")
    costs = cand.costs
    if budget is not None and costs is None:
        raise ConfigError("a budget is an expected cost per call: give prices={model: (input, output)} "
                          "in USD per 1M tokens as well.")
    if strategy not in STRATEGIES:
        raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}.")
    columns = router_names(router, cand, router_models, model_names)
    if strategy == "auto":
        strategy = QUALITY if router.predicts_quality and None not in columns else TIERS
    known: list[str] = []
    if strategy == QUALITY:
        known = check_quality_router(router, cand, columns)
        if thresholds is not None:
            raise ConfigError("thresholds are cut-offs of the tiers strategy; with strategy='quality' give "
                              "budget= or shares=.")
    target = None
    allowed = None
    if budget is not None and costs is not None:
        budget = finite_number("budget", budget, minimum=0.0, hint="A budget is an expected USD cost per call.")
        if max(costs) <= 0.0:
            raise ConfigError(
                "a budget needs at least one model with a price above 0, but every price is 0; give "
                "prices={model: (input, output)} in USD per 1M tokens, or shares= instead of a budget."
            )
        target = shares_for_budget(costs, budget) if strategy == TIERS else None
        if budget == 0.0:  # a hard cap: only the cheapest model(s), whatever a prompt scores
            spend = np.asarray(costs, dtype=np.float64)
            allowed = spend <= spend.min()
    elif shares is not None:
        target = cand.check_shares(shares)
    if target is not None and np.any(np.asarray(target) <= 0.0):
        allowed = np.asarray(target) > 0.0  # a share of 0 is a hard cap
    if per_call:
        if prices is None:
            raise ConfigError(f"tokens=({PROMPT_TOKENS!r}, ...) prices each call by its own prompt: give "
                              "prices={model: (input, output)} in USD per 1M tokens as well.")
        if strategy == TIERS:
            raise ConfigError(f"tokens=({PROMPT_TOKENS!r}, ...) weighs each call's own cost, which only the quality "
                              "strategy does; give typical tokens=(input, output) for tiers.")
        if settings is not None and settings.get("redis_url"):
            raise ConfigError(f"tokens=({PROMPT_TOKENS!r}, ...) is not available with a controller shared in Redis "
                              "(redis_url) yet; give typical tokens=(input, output), or keep online per process.")
    if strategy == TIERS:
        return TierRule.build(router, cand, prompts, target, thresholds, settings, allowed, tokens)
    return QualityRule.build(router, cand, known, prompts, budget, target, settings, allowed, tokens,
                             per_call=per_call)


def router_names(router: Router, candidates: Candidates, router_models: Any, model_names: Any) -> list[str | None]:
    """The name the router knows each candidate by (None: unknown to it): ``router_models``
    given explicitly, else the candidate's own name, else its ``model_names`` entry."""
    explicit = dict(router_models or {})
    unknown = [k for k in explicit if k not in candidates.names]
    if unknown:
        raise ConfigError(f"router_models names unknown model(s) {unknown}; the models are {list(candidates.names)}.")
    known = set(router.known_models())
    fallback = dict(model_names or {})
    out: list[str | None] = []
    for name in candidates.names:
        if name in explicit:
            out.append(explicit[name])
        elif name in known:
            out.append(name)
        else:
            out.append(fallback.get(name) if fallback.get(name) in known else None)
    return out
