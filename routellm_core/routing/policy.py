"""``RoutingPolicy``: a router plus a threshold, the one object that decides routed calls.

Both adapters, ``RouteLLMDecisionModel`` and the CLI decide through it; ``RoutingPolicy.build``
is the one "use this policy or build one from router + threshold settings" rule.

Layering: this is the only module of ``routing/`` above the routers. It names routers by name,
folder or hub id, so it uses the loader (``checkpoints.loading.shared_router``); everything
else in ``routing/`` sits below ``routers/`` and knows no router class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from routellm_core.checkpoints.loading import shared_router
from routellm_core.errors import ConfigError
from routellm_core.routers.base import Router
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.routing.decision import RoutingDecision, decide, resolve_threshold
from routellm_core.routing.prompts import as_prompt_batch, as_single_prompt


class RoutingPolicy:
    """A router plus a threshold: turns prompts into RoutingDecisions.

    Give at most one of ``threshold`` (score cut-off in [0, 1]) or ``strong_fraction`` (share of
    typical prompts, in [0, 1], to send to the strong model; resolved through the router's stored
    calibration quantiles). With neither, the router's own default threshold is used
    (see ``Router.default_threshold``).

    A router given by name, folder or hub id is loaded once per process and shared by every
    policy that names the same checkpoint (``checkpoints.loading.shared_router``); treat it as
    read-only.
    """

    def __init__(
        self,
        router: Router | str | Path = DEFAULT_ROUTER,
        *,
        threshold: float | None = None,
        strong_fraction: float | None = None,
    ) -> None:
        self.router: Router = shared_router(router)
        self.threshold = resolve_threshold(self.router, threshold, strong_fraction)
        self.strong_fraction = strong_fraction

    @classmethod
    def build(
        cls,
        router: RoutingPolicy | Router | str | Path = DEFAULT_ROUTER,
        *,
        threshold: float | None = None,
        strong_fraction: float | None = None,
    ) -> RoutingPolicy:
        """``router`` itself when it is a ready RoutingPolicy (then give neither threshold nor
        strong_fraction: it has its threshold), else a new policy for it."""
        if isinstance(router, RoutingPolicy):
            if threshold is not None or strong_fraction is not None:
                raise ConfigError(
                    "router is a ready RoutingPolicy, which already has a threshold; "
                    "do not also pass threshold or strong_fraction."
                )
            return router
        return cls(router, threshold=threshold, strong_fraction=strong_fraction)

    def with_threshold(self, threshold: float) -> RoutingPolicy:
        """The same router with another threshold."""
        return RoutingPolicy(self.router, threshold=threshold)

    @property
    def router_name(self) -> str:
        return self.router.name

    def decide(self, prompt: str, *, strong: str | None = None, weak: str | None = None) -> RoutingDecision:
        """Score one prompt (a str) and decide; ``strong``/``weak`` pick another model pair the
        router knows. Raises InvalidPromptError / RoutingError."""
        score = self.router.score(as_single_prompt(prompt, "RoutingPolicy.decide"), strong=strong, weak=weak)
        return decide(float(score), self.threshold, self.router.name)

    def decide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        """Score all prompts (a list of str) in one router pass and decide each."""
        items = as_prompt_batch(prompts, "RoutingPolicy.decide_batch")
        if not items:
            return []
        scores = self.router.score(items)
        return [decide(float(s), self.threshold, self.router.name) for s in scores]

    def decide_pending(
        self, items: Sequence[str | RoutingDecision | Exception]
    ) -> list[RoutingDecision | Exception]:
        """``items`` with every str (a prompt still to decide) replaced by its decision, all scored
        in one router pass; decisions already made and errors pass through unchanged."""
        texts = [item for item in items if isinstance(item, str)]
        decided = iter(self.decide_batch(texts) if texts else [])
        return [next(decided) if isinstance(item, str) else item for item in items]

    async def adecide(self, prompt: str) -> RoutingDecision:
        """Async ``decide``: scoring runs in a worker thread so the event loop is not blocked."""
        return await asyncio.to_thread(self.decide, prompt)

    async def adecide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        return await asyncio.to_thread(self.decide_batch, prompts)

    async def adecide_pending(
        self, items: Sequence[str | RoutingDecision | Exception]
    ) -> list[RoutingDecision | Exception]:
        return await asyncio.to_thread(self.decide_pending, items)

    def __repr__(self) -> str:
        return f"RoutingPolicy(router={self.router.name!r}, threshold={self.threshold:.4f})"
