"""The routing rule and its result: the one place a score and a threshold become a route.

A router scores a prompt with ``score`` in [0, 1], the probability that the strong model's
answer is clearly better. The call goes to the strong model iff ``score >= threshold``.
``strong_fraction`` is a friendlier way to set the threshold: the share (0..1) of typical
prompts that should go to the strong model, turned into a threshold through the score quantiles
stored with the router (see ``calibration``). ``resolve_threshold`` is the only code that turns
``threshold`` / ``strong_fraction`` / neither into a threshold; ``Router.route`` and
``RoutingPolicy`` (hence the CLI and both adapters) all call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from routellm_core.errors import ConfigError
from routellm_core.utils.validation import unit_interval

STRONG = "strong"
WEAK = "weak"
Label = Literal["strong", "weak"]


@dataclass(frozen=True)
class RoutingDecision:
    """Where one call goes and why.

    ``model`` is ``"strong"`` or ``"weak"``; ``score`` in [0, 1]; ``threshold`` in [0, 1];
    ``router`` the router's name.
    """

    model: Label
    score: float
    threshold: float
    router: str

    @property
    def is_strong(self) -> bool:
        return self.model == STRONG

    def to_dict(self) -> dict[str, Any]:
        # spelled out: dataclasses.asdict deep-copies field by field, ~10x slower, and this runs
        # a few times per routed call
        return {"model": self.model, "score": self.score, "threshold": self.threshold, "router": self.router}


def decide(score: float, threshold: float, router: str) -> RoutingDecision:
    """The routing rule: strong iff ``score >= threshold``."""
    model: Label = STRONG if score >= threshold else WEAK
    return RoutingDecision(model=model, score=float(score), threshold=float(threshold), router=router)


def other_model(model: str) -> Label:
    """``"weak"`` for ``"strong"`` and the reverse (the model a fallback goes to)."""
    if model == STRONG:
        return WEAK
    if model == WEAK:
        return STRONG
    raise ValueError(f"model must be 'strong' or 'weak', got {model!r}")


def check_unit_interval(name: str, value: Any) -> float:
    """Return ``value`` (a finite number, numpy scalars included) as a float in [0, 1] or raise
    ConfigError naming ``name``."""
    hint = (
        "It is a share of calls: 0.3 sends about 30% of prompts to the strong model."
        if name == "strong_fraction"
        else "Scores are probabilities, so a threshold of 0.5 means 'strong when more likely than not'."
    )
    return unit_interval(name, value, hint=hint)


class Calibrated(Protocol):
    """What threshold resolution needs from a router (``Router`` has both)."""

    def threshold_for(self, strong_fraction: float) -> float: ...

    def default_threshold(self) -> float: ...


def resolve_threshold(router: Calibrated, threshold: Any = None, strong_fraction: Any = None) -> float:
    """The threshold to use: ``threshold`` as given (checked to lie in [0, 1]), else the one
    that sends ``strong_fraction`` of typical prompts to strong (the router's calibration), else
    the router's default. Giving both is a ConfigError."""
    if threshold is not None and strong_fraction is not None:
        raise ConfigError(
            "give either threshold or strong_fraction, not both: threshold is a score "
            "cut-off, strong_fraction the share of calls to send to the strong model."
        )
    if threshold is not None:
        return check_unit_interval("threshold", threshold)
    if strong_fraction is not None:
        return router.threshold_for(check_unit_interval("strong_fraction", strong_fraction))
    return router.default_threshold()
