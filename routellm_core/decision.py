"""Routing decisions and the threshold policy: the one place a route is decided.

A router scores a prompt with ``score`` in [0, 1], the probability that the strong model's
answer is clearly better. The policy sends the call to the strong model iff
``score >= threshold``. ``strong_fraction`` is a friendlier way to set the threshold: the share
(0..1) of typical prompts that should go to the strong model, turned into a threshold through the
score quantiles stored with the router (see ``calibration``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from routellm_core.errors import ConfigError
from routellm_core.prompts import as_prompt_batch, as_single_prompt
from routellm_core.validation import unit_interval

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.routers.base import Router

STRONG = "strong"
WEAK = "weak"


@dataclass(frozen=True)
class RoutingDecision:
    """Where one call goes and why.

    ``model`` is ``"strong"`` or ``"weak"``; ``score`` in [0, 1]; ``threshold`` in [0, 1];
    ``router`` the router's name.
    """

    model: Literal["strong", "weak"]
    score: float
    threshold: float
    router: str

    @property
    def is_strong(self) -> bool:
        return self.model == STRONG

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_unit_interval(name: str, value: Any) -> float:
    """Return ``value`` (a finite number, numpy scalars included) as a float in [0, 1] or raise
    ConfigError naming ``name``."""
    hint = (
        "It is a share of calls: 0.3 sends about 30% of prompts to the strong model."
        if name == "strong_fraction"
        else "Scores are probabilities, so a threshold of 0.5 means 'strong when more likely than not'."
    )
    return unit_interval(name, value, hint=hint)


def decide(score: float, threshold: float, router: str) -> RoutingDecision:
    """The routing rule: strong iff ``score >= threshold``."""
    model: Literal["strong", "weak"] = STRONG if score >= threshold else WEAK
    return RoutingDecision(model=model, score=float(score), threshold=float(threshold), router=router)


class RoutingPolicy:
    """A router plus a threshold: turns prompts into RoutingDecisions.

    Give exactly one of ``threshold`` (score cut-off in [0, 1]) or ``strong_fraction`` (share of
    typical prompts, in [0, 1], to send to the strong model; resolved through the router's stored
    calibration quantiles). With neither, the router's own default threshold is used
    (see ``Router.default_threshold``).

    A router given by name, folder or hub id is loaded once per process and shared by every
    policy that names the same checkpoint (``registry.shared_router``); treat it as read-only.
    """

    def __init__(
        self,
        router: Router | str,
        *,
        threshold: float | None = None,
        strong_fraction: float | None = None,
    ) -> None:
        from routellm_core.registry import shared_router

        if threshold is not None and strong_fraction is not None:
            raise ConfigError(
                "give either threshold or strong_fraction, not both: threshold is a score "
                "cut-off, strong_fraction the share of calls to send to the strong model."
            )
        self.router: Router = shared_router(router)
        if threshold is not None:
            self.threshold = check_unit_interval("threshold", threshold)
        elif strong_fraction is not None:
            self.threshold = self.router.threshold_for(check_unit_interval("strong_fraction", strong_fraction))
        else:
            self.threshold = self.router.default_threshold()
        self.strong_fraction = strong_fraction

    @property
    def router_name(self) -> str:
        return self.router.name

    def decide(self, prompt: str) -> RoutingDecision:
        """Score one prompt (a str) and decide. Raises InvalidPromptError / RoutingError."""
        score = float(self.router.score(as_single_prompt(prompt, "RoutingPolicy.decide")))
        return decide(score, self.threshold, self.router.name)

    def decide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        """Score all prompts (a list of str) in one router pass and decide each."""
        items = as_prompt_batch(prompts, "RoutingPolicy.decide_batch")
        if not items:
            return []
        scores = self.router.score(items)
        return [decide(float(s), self.threshold, self.router.name) for s in scores]

    async def adecide(self, prompt: str) -> RoutingDecision:
        """Async ``decide``: scoring runs in a worker thread so the event loop is not blocked."""
        return await asyncio.to_thread(self.decide, prompt)

    async def adecide_batch(self, prompts: Sequence[str]) -> list[RoutingDecision]:
        return await asyncio.to_thread(self.decide_batch, prompts)

    def __repr__(self) -> str:
        return f"RoutingPolicy(router={self.router.name!r}, threshold={self.threshold:.4f})"
