"""``RoutingPolicy``: a router plus the rule that turns its outputs into decisions, the one object
that decides routed calls.

Both adapters, ``RouteLLMDecisionModel`` and the CLI decide through it; ``RoutingPolicy.build``
is the one "use this policy or build one from router + settings" rule.

The policy keeps the router, ``build``, the ``decide*`` family, the labels and the fallback
order; the rest belongs to its rule (``policy.rule.Rule``), one per form:

- **two models** (``strong``/``weak``, ``tiers.PairRule``): a threshold, as given or from
  ``strong_fraction`` (``resolve_threshold``); strong iff ``score >= threshold``: the two-tier
  case of the tier rule;
- **N models** (``models=[...]``, strongest first, or ordered by ``prices``; ``models.models_rule``):
  strategy ``"tiers"`` (``tiers.TierRule``) splits the router's one score into N tiers by N - 1
  thresholds (``tier_of``), set from ``shares``, a ``budget`` or given; strategy ``"quality"``
  (``quality.QualityRule``) asks a router that predicts each model's quality
  (``Router.quality``) and picks ``argmax quality - lam * relative cost + offset``
  (``tradeoff_choice``), ``lam`` set from a ``budget``, the offsets from ``shares``. Shares and
  budgets become cut-offs in ``routing.calibration`` (the same share-to-threshold conversion as
  ``strong_fraction``).

With ``online=True`` a ``routing.online`` controller takes the place of the rule's fixed cut-offs
and moves them after every call so the realised shares (or spend) of live traffic converge to the
target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from routellm_core.errors import ConfigError
from routellm_core.loading.loader import shared_router
from routellm_core.policy.models import models_rule
from routellm_core.policy.rule import Rule
from routellm_core.policy.tiers import PairRule
from routellm_core.routers.base import Router
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.routing.candidates import Candidates
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.online import TierController, TradeoffController, online_settings
from routellm_core.routing.prompts import as_prompt_batch, as_single_prompt
from routellm_core.utils.arguments import check_keywords, keyword_names, strict_keywords

#: async calls with at most this many prompts score in the event loop when the router is light
#: (``Router.scores_inline``: ~0.1 ms a prompt); larger batches go to a worker thread
INLINE_PROMPTS = 8
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
    ``DEFAULT_TOKENS``); ``tokens=("prompt", output)``: the quality strategy prices each call by its
    own prompt (characters / 4 input tokens), so a long prompt weighs more on a dear model; its
    budget is calibrated on ``calibration_prompts`` when given. ``strategy``: ``"auto"``
    (``"quality"`` when the router predicts each model's quality and knows every model, else
    ``"tiers"``), ``"tiers"`` or ``"quality"``.
    ``router_models`` / ``model_names``: the names the router knows the models by (given
    explicitly / tried when a model's own name is unknown to it). ``calibration_prompts``:
    typical prompts to calibrate on instead of the router's stored calibration.

    ``online=True`` (or ``{"step": ..., "halflife": ...}``) keeps the target on live traffic
    (see ``routing.online``); needs a target share or budget.

    A router given by name, folder or hub id is loaded once per process and shared by every
    policy that names the same checkpoint (``loading.loader.shared_router``); treat it as
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
        tokens: tuple[float | str, float] | None = None,
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
        self.strong_fraction = strong_fraction
        settings = online_settings(online)
        self.rule: Rule
        if models is None:
            given = {"prices": prices, "tokens": tokens, "budget": budget, "shares": shares, "thresholds": thresholds,
                     "router_models": router_models, "calibration_prompts": calibration_prompts}
            extra = [k for k, v in given.items() if v is not None]
            if extra or strategy != "auto":
                raise ConfigError(
                    f"{', '.join(extra) or 'strategy'} belong(s) to the N-model form: name the models with "
                    "models=[...] (or use threshold= / strong_fraction= with two)."
                )
            self.rule = PairRule.for_pair(self.router, threshold, strong_fraction, settings)
            return
        if threshold is not None or strong_fraction is not None:
            raise ConfigError(
                "threshold and strong_fraction are for two models; with models=[...] give thresholds=[...], "
                "shares={...} or budget=..."
            )
        self.rule = models_rule(
            self.router, list(models), prices=prices, tokens=tokens, budget=budget, shares=shares,
            thresholds=thresholds, strategy=strategy, router_models=router_models, model_names=model_names,
            calibration_prompts=calibration_prompts, settings=settings,
        )

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
        if not isinstance(self.rule, PairRule):
            raise ConfigError("with_threshold is for the two-model form; build a new policy for N models.")
        return RoutingPolicy(self.router, threshold=threshold)

    # ------------------------------------------------------------------ state (the rule's)
    @property
    def router_name(self) -> str:
        return self.router.name

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels decisions use: ``("strong", "weak")``, or the N models' names (strongest first)."""
        return self.rule.labels

    @property
    def strategy(self) -> str | None:
        """``"tiers"`` or ``"quality"`` with N models; None for two."""
        return self.rule.strategy

    @property
    def candidates(self) -> Candidates | None:
        """N models: their names, prices and expected costs; None for two."""
        return self.rule.candidates

    @property
    def tokens(self) -> tuple[float, float] | None:
        """N models: the typical (input, output) tokens of a call the costs assume; None for two."""
        return self.rule.tokens

    @property
    def target_shares(self) -> dict[str, float] | None:
        """The share of calls each model should get, when a share or budget sets one."""
        return self.rule.target_shares

    @property
    def online(self) -> TierController | TradeoffController | None:
        """The online controller moving the cut-offs (None when they are fixed)."""
        return self.rule.online

    @property
    def threshold(self) -> float:
        """Two models: the current threshold. N models: the strongest tier's cut-off (tiers) or
        the trade-off ``lam`` (quality)."""
        return self.rule.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        if not isinstance(self.rule, PairRule):
            raise ConfigError("only a two-model policy that is not online has one threshold to set.")
        self.rule.threshold = value

    @property
    def thresholds(self) -> tuple[float, ...] | None:
        """The current cut-offs of the tiers (two models: the one threshold); None for quality."""
        return self.rule.thresholds

    @property
    def tradeoff(self) -> float | None:
        """The current ``lam`` of the quality strategy (None otherwise)."""
        return self.rule.tradeoff

    @property
    def realised_shares(self) -> dict[str, float] | None:
        """Online mode: the recent share of calls per model (None otherwise)."""
        return None if self.online is None else self.online.realised_shares

    def fallback_order(self, label: str) -> list[str]:
        """The labels a failed call to ``label`` falls back to, in order."""
        return self.rule.fallback_order(label)

    # ------------------------------------------------------------------ deciding
    def decide(self, prompt: str, *, strong: str | None = None, weak: str | None = None) -> RoutingDecision:
        """Score one prompt (a str) and decide; ``strong``/``weak`` pick another model pair the
        router knows (two-model form). Raises InvalidPromptError / RoutingError."""
        if not isinstance(prompt, str):  # a str is checked where the router scores it
            prompt = as_single_prompt(prompt, "RoutingPolicy.decide")
        return self.rule.decide_one(self.router, prompt, strong, weak)

    def decide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        """Score all prompts (a list of str) in one router pass and decide each."""
        items = prompts if type(prompts) is list else as_prompt_batch(prompts, "RoutingPolicy.decide_batch")
        if not items:
            return []
        return self.rule.decide(self.router, items)

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
        """Whether async callers score ``n`` prompts in the event loop (see ``adecide``): never
        when the online controller keeps its state in Redis (a network round trip a call)."""
        online = self.rule.online
        if online is not None and online.shared is not None and online.shared.blocking:
            return False
        return n <= INLINE_PROMPTS and self.router.scores_inline()

    def __repr__(self) -> str:
        return f"RoutingPolicy(router={self.router.name!r}, {self.rule.describe()})"
