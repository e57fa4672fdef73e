"""``RoutingPolicy``: a router plus its cut-offs, the one object that decides routed calls.

Both adapters, ``RouteLLMDecisionModel`` and the CLI decide through it; ``RoutingPolicy.build``
is the one "use this policy or build one from router + settings" rule.

Two forms, one class:

- **two models** (``strong``/``weak``): a threshold, as given or from ``strong_fraction``
  (``resolve_threshold``); strong iff ``score >= threshold``;
- **N models** (``models=[...]``, strongest first, or ordered by ``prices``): strategy
  ``"tiers"`` splits the router's one score into N tiers by N - 1 thresholds (``tier_of``, the
  same rule: the two-model form is its N = 2 case), set from ``shares``, a ``budget`` or given;
  strategy ``"quality"`` asks a router that predicts each model's quality (``Router.quality``)
  and picks ``argmax quality - lam * relative cost + offset`` (``tradeoff_choice``), ``lam`` set
  from a ``budget``, the offsets from ``shares``. Shares and budgets become cut-offs in
  ``calibration`` (the same share-to-threshold conversion as ``strong_fraction``).

With ``online=True`` an ``online`` controller moves the cut-offs after every call so the realised
shares (or spend) of live traffic converge to the target.

Layering: this is the only module of ``routing/`` above the routers. It names routers by name,
folder or hub id, so it uses the loader (``checkpoints.loading.shared_router``); everything
else in ``routing/`` sits below ``routers/`` and knows no router class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.checkpoints.loading import shared_router
from routellm_core.errors import ConfigError, UnknownModelError
from routellm_core.routers.base import Router
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.routing.calibration import (
    DEFAULT_STRONG_FRACTION,
    offsets_for_shares,
    score_quantiles,
    shares_for_budget,
    thresholds_from_shares,
    tradeoff_choice,
    tradeoff_for_budget,
)
from routellm_core.routing.candidates import DEFAULT_TOKENS, Candidates, check_tokens, estimate_tokens
from routellm_core.routing.decision import (
    STRONG,
    WEAK,
    RoutingDecision,
    check_thresholds,
    check_unit_interval,
    decide,
    other_model,
    resolve_threshold,
    tier_of,
    tier_threshold,
)
from routellm_core.routing.online import TierController, TradeoffController, online_settings
from routellm_core.routing.prompts import as_prompt_batch, as_single_prompt
from routellm_core.utils.arguments import check_keywords, keyword_names, strict_keywords
from routellm_core.utils.validation import finite_number

TIERS = "tiers"
QUALITY = "quality"
#: async calls with at most this many prompts score in the event loop when the router is light
#: (``Router.scores_inline``: ~0.1 ms a prompt); larger batches go to a worker thread
INLINE_PROMPTS = 8
STRATEGIES = ("auto", TIERS, QUALITY)
#: the options of the N-model form (``build`` passes them through)
MODEL_OPTIONS = ("models", "prices", "tokens", "budget", "shares", "thresholds", "strategy", "router_models",
                 "model_names", "calibration_prompts", "online")


class RoutingPolicy:
    """A router plus its cut-offs: turns prompts into RoutingDecisions.

    Two models: give at most one of ``threshold`` (score cut-off in [0, 1]) or
    ``strong_fraction`` (share of typical prompts, in [0, 1], to send to the strong model;
    resolved through the router's stored calibration quantiles). With neither, the router's own
    default threshold is used (see ``Router.default_threshold``).

    N models: ``models`` names them (strongest first, unless ``prices`` order them:
    ``{name: (input, output)}`` USD per 1M tokens). Give at most one target: ``budget`` (expected
    USD per call, needs prices), ``shares`` (``{name: share of calls}``; unnamed models split the
    rest) or ``thresholds`` (N - 1 cut-offs, tiers only); with none, tiers get equal shares and
    the quality strategy picks the best predicted quality. ``tokens=(input, output)``: typical
    tokens of a call (default: the input estimated from the calibration prompts, else
    ``DEFAULT_TOKENS``). ``strategy``: ``"auto"`` (``"quality"`` when the router predicts each
    model's quality and knows every model, else ``"tiers"``), ``"tiers"`` or ``"quality"``.
    ``router_models`` / ``model_names``: the names the router knows the models by (given
    explicitly / tried when a model's own name is unknown to it). ``calibration_prompts``:
    typical prompts to calibrate on instead of the router's stored calibration.

    ``online=True`` (or ``{"step": ..., "halflife": ...}``) keeps the target on live traffic
    (see ``routing.online``); needs a target share or budget.

    A router given by name, folder or hub id is loaded once per process and shared by every
    policy that names the same checkpoint (``checkpoints.loading.shared_router``); treat it as
    read-only.
    """

    @strict_keywords("RoutingPolicy")
    def __init__(
        self,
        router: Router | str | Path = DEFAULT_ROUTER,
        *,
        threshold: float | None = None,
        strong_fraction: float | None = None,
        models: Sequence[str] | None = None,
        prices: Mapping[str, Any] | None = None,
        tokens: tuple[float, float] | None = None,
        budget: float | None = None,
        shares: Mapping[str, float] | None = None,
        thresholds: Sequence[float] | None = None,
        strategy: str = "auto",
        router_models: Mapping[str, str] | None = None,
        model_names: Mapping[str, str] | None = None,
        calibration_prompts: Sequence[str] | None = None,
        online: Any = False,
    ) -> None:
        self.router: Router = shared_router(router)
        self.candidates: Candidates | None = None
        self.strategy: str | None = None
        self.strong_fraction = strong_fraction
        self.target_shares: dict[str, float] | None = None
        self.online: TierController | TradeoffController | None = None
        #: N models: which may be chosen at all (None: all); a share or budget of 0 caps a model
        self._allowed: np.ndarray | None = None
        settings = online_settings(online)
        if models is None:
            given = {"prices": prices, "tokens": tokens, "budget": budget, "shares": shares, "thresholds": thresholds,
                     "router_models": router_models, "calibration_prompts": calibration_prompts}
            extra = [k for k, v in given.items() if v is not None]
            if extra or strategy != "auto":
                raise ConfigError(
                    f"{', '.join(extra) or 'strategy'} belong(s) to the N-model form: name the models with "
                    "models=[...] (or use threshold= / strong_fraction= with two)."
                )
            self._threshold = resolve_threshold(self.router, threshold, strong_fraction)
            if settings is not None:
                self._start_pair_online(threshold, strong_fraction, settings)
            return
        if threshold is not None or strong_fraction is not None:
            raise ConfigError(
                "threshold and strong_fraction are for two models; with models=[...] give thresholds=[...], "
                "shares={...} or budget=..."
            )
        self._init_models(list(models), prices, tokens, budget, shares, thresholds, strategy,
                          router_models, model_names, calibration_prompts, settings)

    # ------------------------------------------------------------------ set-up
    @classmethod
    def build(
        cls,
        router: RoutingPolicy | Router | str | Path = DEFAULT_ROUTER,
        *,
        threshold: float | None = None,
        strong_fraction: float | None = None,
        **options: Any,
    ) -> RoutingPolicy:
        """``router`` itself when it is a ready RoutingPolicy (then give no other setting: it has
        its cut-offs; ``models`` may name its models), else a new policy for it (``options``: the
        N-model settings)."""
        check_keywords("RoutingPolicy.build", options, keyword_names(cls.__init__))
        if isinstance(router, RoutingPolicy):
            given = [k for k, v in options.items() if v is not None and v is not False and v != "auto"
                     and k != "model_names" and not (k == "models" and set(v) == set(router.labels))]
            if threshold is not None or strong_fraction is not None or given:
                raise ConfigError(
                    "router is a ready RoutingPolicy, which already has a threshold; "
                    "do not also pass threshold or strong_fraction"
                    + (f" (or {', '.join(given)})" if given else "") + "."
                )
            return router
        return cls(router, threshold=threshold, strong_fraction=strong_fraction, **options)

    def with_threshold(self, threshold: float) -> RoutingPolicy:
        """The same router with another threshold (two-model form)."""
        if self.candidates is not None:
            raise ConfigError("with_threshold is for the two-model form; build a new policy for N models.")
        return RoutingPolicy(self.router, threshold=threshold)

    def _start_pair_online(self, threshold: Any, strong_fraction: Any, settings: dict[str, float]) -> None:
        if threshold is not None:
            raise ConfigError("online mode keeps a share of calls on target: give strong_fraction, not threshold.")
        f = DEFAULT_STRONG_FRACTION if strong_fraction is None else float(strong_fraction)
        spread, center = _score_scale(self.router.calibration_quantiles_)
        self.online = TierController((STRONG, WEAK), (self._threshold,), (f, 1.0 - f),
                                     spread=spread, center=center, **settings)
        self.target_shares = {STRONG: f, WEAK: 1.0 - f}

    def _init_models(self, names: list[str], prices: Any, tokens: Any, budget: Any, shares: Any, thresholds: Any,
                     strategy: str, router_models: Any, model_names: Any, calibration_prompts: Any,
                     settings: dict[str, float] | None) -> None:
        prompts = None if calibration_prompts is None else as_prompt_batch(calibration_prompts, "calibration_prompts")
        if prompts is not None and not prompts:
            raise ConfigError("calibration_prompts is empty; give typical prompts, or leave it out.")
        if tokens is not None:
            tokens = check_tokens(tokens)
        else:
            stored = self.router.calibration_input_tokens_
            n_in = estimate_tokens(prompts) if prompts else stored if stored is not None else DEFAULT_TOKENS[0]
            tokens = (n_in, DEFAULT_TOKENS[1])
        self.tokens: tuple[float, float] = tokens
        self.candidates = cand = Candidates.build(names, prices, tokens)
        targets = [k for k, v in (("budget", budget), ("shares", shares), ("thresholds", thresholds)) if v is not None]
        if len(targets) > 1:
            raise ConfigError(f"give one of budget, shares or thresholds, not {' and '.join(targets)}.")
        if budget is not None and cand.costs is None:
            raise ConfigError("a budget is an expected cost per call: give prices={model: (input, output)} "
                              "in USD per 1M tokens as well.")
        if strategy not in STRATEGIES:
            raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}.")
        self._router_models = self._resolve_models(router_models, model_names)
        if strategy == "auto":
            strategy = QUALITY if self.router.predicts_quality and None not in self._router_models else TIERS
        if strategy == QUALITY:
            self._check_quality_router()
            if thresholds is not None:
                raise ConfigError("thresholds are cut-offs of the tiers strategy; with strategy='quality' give "
                                  "budget= or shares=.")
        self.strategy = strategy
        target = None
        if budget is not None:
            budget = finite_number("budget", budget, minimum=0.0, hint="A budget is an expected USD cost per call.")
            if max(cand.costs) <= 0.0:  # type: ignore[arg-type]
                raise ConfigError(
                    "a budget needs at least one model with a price above 0, but every price is 0; give "
                    "prices={model: (input, output)} in USD per 1M tokens, or shares= instead of a budget."
                )
            target = shares_for_budget(cand.costs, budget) if strategy == TIERS else None  # type: ignore[arg-type]
            if budget == 0.0:  # a hard cap: only the cheapest model(s), whatever a prompt scores
                costs = np.asarray(cand.costs, dtype=np.float64)
                self._allowed = costs <= costs.min()
        elif shares is not None:
            target = cand.check_shares(shares)
        if target is not None and np.any(np.asarray(target) <= 0.0):
            self._allowed = np.asarray(target) > 0.0  # a share of 0 is a hard cap
        if strategy == TIERS:
            self._init_tiers(prompts, target, thresholds, settings)
        else:
            self._init_quality(prompts, budget, target, settings)

    def _check_quality_router(self) -> None:
        if not self.router.predicts_quality:
            raise ConfigError(
                f"strategy='quality' needs a router that predicts each model's quality (quality_ridge, or mf "
                f"trained with --golden-all-pairs); {self.router.name!r} does not: use strategy='tiers'."
            )
        assert self.candidates is not None
        missing = [n for n, m in zip(self.candidates.names, self._router_models) if m is None]
        if missing:
            known = self.router.known_models()
            raise UnknownModelError(
                f"router {self.router.name!r} does not know model(s) {missing} by their names or model names; it "
                f"knows: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}. Pass router_models="
                "{your name: its name}, or use strategy='tiers'."
            )

    def _resolve_models(self, router_models: Any, model_names: Any) -> list[str | None]:
        """The name the router knows each candidate by (None: unknown to it)."""
        cand = self.candidates
        assert cand is not None
        explicit = dict(router_models or {})
        unknown = [k for k in explicit if k not in cand.names]
        if unknown:
            raise ConfigError(f"router_models names unknown model(s) {unknown}; the models are {list(cand.names)}.")
        known = set(self.router.known_models())
        fallback = dict(model_names or {})
        out: list[str | None] = []
        for name in cand.names:
            if name in explicit:
                out.append(explicit[name])
            elif name in known:
                out.append(name)
            else:
                out.append(fallback.get(name) if fallback.get(name) in known else None)
        return out

    def _init_tiers(self, prompts: list[str] | None, target: np.ndarray | None, thresholds: Any,
                    settings: dict[str, float] | None) -> None:
        cand = self.candidates
        assert cand is not None
        if thresholds is not None:
            if settings is not None:
                raise ConfigError("online mode keeps shares of calls on target: give shares= or budget=, not thresholds=.")
            self._thresholds = check_thresholds(thresholds, len(cand) - 1)
            return
        quantiles = score_quantiles(np.atleast_1d(self.router.score(prompts))) if prompts else \
            self.router.calibration_quantiles_
        if target is None:
            target = np.full(len(cand), 1.0 / len(cand))
        self.target_shares = cand.shares_dict(target)
        if quantiles is None:
            if settings is None:
                raise ConfigError(
                    f"router {self.router.name!r} has no calibration, so shares cannot be turned into thresholds; "
                    "give calibration_prompts=[typical prompts], thresholds=[...], or online=True."
                )
            self._thresholds = tuple(float(t) for t in 1.0 - np.cumsum(target)[:-1])
        else:
            self._thresholds = thresholds_from_shares(quantiles, target)
        if settings is not None:
            spread, center = _score_scale(quantiles)
            self.online = TierController(cand.names, self._thresholds, target, spread=spread, center=center,
                                         costs=cand.costs, **settings)

    def _init_quality(self, prompts: list[str] | None, budget: float | None, target: np.ndarray | None,
                      settings: dict[str, float] | None) -> None:
        cand = self.candidates
        assert cand is not None
        names: list[str] = self._router_models  # type: ignore[assignment]
        sample = None
        if prompts:
            sample = self.router.quality(prompts, names)
        elif self.router.calibration_quality_ is not None and self.router.calibration_quality_models_:
            stored = self.router.calibration_quality_models_
            if all(n in stored for n in names):
                sample = np.asarray(self.router.calibration_quality_, dtype=np.float64)[:, [stored.index(n) for n in names]]
        self._relative_costs = cand.relative_costs()
        self._lam, self._offsets = 0.0, np.zeros(len(cand))
        relative_budget = None if budget is None else budget / max(cand.costs)  # type: ignore[arg-type]
        if target is not None:
            self.target_shares = cand.shares_dict(target)
        if (budget is not None or target is not None) and sample is None and settings is None:
            raise ConfigError(
                f"router {self.router.name!r} has no stored quality predictions for these models, so a budget or "
                "shares cannot be set; give calibration_prompts=[typical prompts], or online=True."
            )
        if sample is not None:
            if relative_budget is not None:
                self._lam = tradeoff_for_budget(sample, self._relative_costs, relative_budget)
            elif target is not None:
                self._offsets = offsets_for_shares(sample, self._relative_costs, 0.0, target)
        self._quality_columns = names
        if settings is not None:
            if relative_budget is None and target is None:
                raise ConfigError("online mode keeps a target on live traffic: give budget= or shares= as well.")
            spread = float(np.mean(np.std(sample, axis=1))) if sample is not None and len(sample) else 0.05
            self.online = TradeoffController(
                cand.names, self._relative_costs, lam=self._lam, offsets=self._offsets, budget=relative_budget,
                shares=target, spread=spread, costs=cand.costs, **settings,
            )

    # ------------------------------------------------------------------ state
    @property
    def router_name(self) -> str:
        return self.router.name

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels decisions use: ``("strong", "weak")``, or the N models' names (strongest first)."""
        return (STRONG, WEAK) if self.candidates is None else self.candidates.names

    @property
    def threshold(self) -> float:
        """Two models: the current threshold. N models: the strongest tier's cut-off (tiers) or
        the trade-off ``lam`` (quality)."""
        if self.candidates is None:
            return self.online.thresholds[0] if self.online is not None else self._threshold  # type: ignore[union-attr]
        return self.thresholds[0] if self.strategy == TIERS else self.tradeoff  # type: ignore[return-value]

    @threshold.setter
    def threshold(self, value: float) -> None:
        if self.candidates is not None or self.online is not None:
            raise ConfigError("only a two-model policy that is not online has one threshold to set.")
        self._threshold = check_unit_interval("threshold", value)

    @property
    def thresholds(self) -> tuple[float, ...] | None:
        """The current cut-offs of the tiers (two models: the one threshold); None for quality."""
        if self.strategy == QUALITY:
            return None
        if isinstance(self.online, TierController):
            return self.online.thresholds
        return (self._threshold,) if self.candidates is None else self._thresholds

    @property
    def tradeoff(self) -> float | None:
        """The current ``lam`` of the quality strategy (None otherwise)."""
        if self.strategy != QUALITY:
            return None
        return self.online.tradeoff if isinstance(self.online, TradeoffController) else self._lam

    @property
    def realised_shares(self) -> dict[str, float] | None:
        """Online mode: the recent share of calls per model (None otherwise)."""
        return None if self.online is None else self.online.realised_shares

    def fallback_order(self, label: str) -> list[str]:
        """The labels a failed call to ``label`` falls back to, in order."""
        return [other_model(label)] if self.candidates is None else self.candidates.fallback_order(label)

    # ------------------------------------------------------------------ deciding
    def decide(self, prompt: str, *, strong: str | None = None, weak: str | None = None) -> RoutingDecision:
        """Score one prompt (a str) and decide; ``strong``/``weak`` pick another model pair the
        router knows (two-model form). Raises InvalidPromptError / RoutingError."""
        text = as_single_prompt(prompt, "RoutingPolicy.decide")
        if self.candidates is None:
            score = float(self.router.score(text, strong=strong, weak=weak))  # type: ignore[arg-type]
            return self._pair(score)
        if strong is not None or weak is not None:
            raise ConfigError("strong/weak pick a model pair in the two-model form; this policy routes among models=.")
        return self._decide_rows([text])[0]

    def decide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        """Score all prompts (a list of str) in one router pass and decide each."""
        items = as_prompt_batch(prompts, "RoutingPolicy.decide_batch")
        if not items:
            return []
        if self.candidates is None:
            return [self._pair(float(s)) for s in self.router.score(items)]  # type: ignore[union-attr]
        return self._decide_rows(items)

    def _pair(self, score: float) -> RoutingDecision:
        if self.online is None:
            return decide(score, self._threshold, self.router.name)
        tier, used, realised = self.online.route(score)  # type: ignore[misc]
        return RoutingDecision(model=STRONG if tier == 0 else WEAK, score=score, threshold=used[0],  # type: ignore[index]
                               router=self.router.name, realised_shares=realised)

    def _decide_rows(self, items: list[str]) -> list[RoutingDecision]:
        cand = self.candidates
        assert cand is not None
        top = cand.strongest_cost
        name = self.router.name
        out = []
        if self.strategy == TIERS:
            for s in np.atleast_1d(self.router.score(items)).tolist():
                realised = None
                if isinstance(self.online, TierController):
                    tier, t, realised = self.online.route(s)
                else:
                    t = self._thresholds
                    tier = tier_of(s, t)
                if self._allowed is not None and not self._allowed[tier]:
                    tier = _nearest_allowed(self._allowed, tier)
                out.append(RoutingDecision(
                    model=cand.names[tier], score=s, threshold=tier_threshold(tier, t), router=name, tier=tier,
                    strategy=TIERS, thresholds=t, expected_cost=None if cand.costs is None else cand.costs[tier],
                    strongest_cost=top, realised_shares=realised,
                ))
            return out
        quality = self.router.quality(items, self._quality_columns)
        for row in quality.tolist():
            realised = None
            if isinstance(self.online, TradeoffController):
                index, lam, realised = self.online.route(row)
            else:
                lam = self._lam
                index = int(tradeoff_choice(np.asarray(row), self._relative_costs, lam, self._offsets))
            if self._allowed is not None and not self._allowed[index]:
                utility = np.asarray(row) - lam * self._relative_costs + self._offsets
                utility[~self._allowed] = -np.inf
                index = int(len(utility) - 1 - np.argmax(utility[::-1]))  # the cheaper on a tie
            out.append(RoutingDecision(
                model=cand.names[index], score=row[index], threshold=lam, router=name, tier=index,
                strategy=QUALITY, scores=dict(zip(cand.names, row)),
                expected_cost=None if cand.costs is None else cand.costs[index], strongest_cost=top,
                realised_shares=realised,
            ))
        return out

    def decide_pending(
        self, items: Sequence[str | RoutingDecision | Exception]
    ) -> list[RoutingDecision | Exception]:
        """``items`` with every str (a prompt still to decide) replaced by its decision, all scored
        in one router pass; decisions already made and errors pass through unchanged."""
        texts = [item for item in items if isinstance(item, str)]
        decided = iter(self.decide_batch(texts) if texts else [])
        return [next(decided) if isinstance(item, str) else item for item in items]

    async def adecide(self, prompt: str) -> RoutingDecision:
        """Async ``decide``. A router that scores a prompt in microseconds in this process
        (``Router.scores_inline``: the bundled routers once their embedder is built) scores in the
        event loop, where a hop to a worker thread would cost more than the work; any other router
        (transformer, network embedder, first call) scores in a worker thread, so the loop is not
        blocked."""
        if self._inline(1):
            return self.decide(prompt)
        return await asyncio.to_thread(self.decide, prompt)

    async def adecide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        if self._inline(len(prompts)):
            return self.decide_batch(prompts)
        return await asyncio.to_thread(self.decide_batch, prompts)

    async def adecide_pending(
        self, items: Sequence[str | RoutingDecision | Exception]
    ) -> list[RoutingDecision | Exception]:
        if self._inline(len(items)):
            return self.decide_pending(items)
        return await asyncio.to_thread(self.decide_pending, items)

    def _inline(self, n: int) -> bool:
        """Whether async callers score ``n`` prompts in the event loop (see ``adecide``)."""
        return n <= INLINE_PROMPTS and self.router.scores_inline()

    def __repr__(self) -> str:
        if self.candidates is None:
            return f"RoutingPolicy(router={self.router.name!r}, threshold={self.threshold:.4f})"
        cut = (f"thresholds={[round(t, 4) for t in self.thresholds or ()]}" if self.strategy == TIERS
               else f"tradeoff={self.tradeoff:.4f}")
        return (f"RoutingPolicy(router={self.router.name!r}, models={list(self.candidates.names)}, "
                f"strategy={self.strategy!r}, {cut}{', online' if self.online is not None else ''})")


def _nearest_allowed(allowed: np.ndarray, tier: int) -> int:
    """The allowed tier nearest ``tier``, a weaker (cheaper) one first."""
    for step in range(1, len(allowed)):
        for candidate in (tier + step, tier - step):
            if 0 <= candidate < len(allowed) and allowed[candidate]:
                return candidate
    return tier


def _score_scale(quantiles: Any) -> tuple[float, float]:
    """(spread, centre) of calibration scores: half the interquartile range and the median
    (0.1 and 0.5 without a calibration)."""
    if quantiles is None:
        return 0.1, 0.5
    q = np.asarray(quantiles, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, len(q))
    lo, mid, hi = np.interp([0.25, 0.5, 0.75], grid, q)
    return max((hi - lo) / 2.0, 1e-3), float(mid)

