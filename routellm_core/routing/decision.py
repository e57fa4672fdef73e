"""The routing rule and its result: the one place a score and a threshold become a route.

A router scores a prompt with ``score`` in [0, 1], the probability that the strong model's
answer is clearly better. The call goes to the strong model iff ``score >= threshold``. With N
models in tiers (strongest first) and N - 1 non-increasing thresholds, the call goes to tier
``tier_of(score, thresholds)``, the number of thresholds above the score: the same rule, since
with one threshold tier 0 (strong) is ``score >= threshold``.
``strong_fraction`` is a friendlier way to set the threshold: the share (0..1) of typical
prompts that should go to the strong model, turned into a threshold through the score quantiles
stored with the router (see ``calibration``). ``resolve_threshold`` is the only code that turns
``threshold`` / ``strong_fraction`` / neither into a threshold; ``Router.route`` and
``RoutingPolicy`` (hence the CLI and both adapters) all call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.utils.validation import unit_interval

STRONG = "strong"
WEAK = "weak"
#: the labels of the two-model form (N-model labels are any model names)
PairLabel = Literal["strong", "weak"]


#: the optional fields of a decision, in the order ``to_dict`` lists them
_EXTRA_FIELDS = ("tier", "strategy", "thresholds", "scores", "expected_cost", "strongest_cost", "realised_shares")


@dataclass(frozen=True, repr=False)
class RoutingDecision:
    """Where one call goes and why.

    Two models: ``model`` is ``"strong"`` or ``"weak"``; ``score`` in [0, 1]; ``threshold`` in
    [0, 1]; ``router`` the router's name; the other fields are None.

    N models (``RoutingPolicy(models=...)``): ``model`` is the chosen model's name and ``tier``
    its rank (0 = strongest). ``strategy`` is ``"tiers"`` (``score``: the router's score,
    ``thresholds``: the N - 1 cut-offs used, ``threshold``: the lowest cut-off the score reached,
    0.0 in the weakest tier) or ``"quality"`` (``scores``: each model's predicted quality,
    ``score``: the chosen model's, ``threshold``: the trade-off ``lam`` of quality per unit of
    relative cost). ``expected_cost`` / ``strongest_cost``: expected USD of this call and of the
    same call on the strongest model (with prices). ``realised_shares``: in online mode, the
    recent share of calls per model.
    """

    model: str
    score: float
    threshold: float
    router: str
    tier: int | None = None
    strategy: str | None = None
    thresholds: tuple[float, ...] | None = None
    scores: dict[str, float] | None = None
    expected_cost: float | None = None
    strongest_cost: float | None = None
    realised_shares: dict[str, float] | None = None

    def __repr__(self) -> str:
        """The four core fields, then only the optional fields that are set."""
        fields = {"model": self.model, "score": self.score, "threshold": self.threshold, "router": self.router}
        fields.update({k: getattr(self, k) for k in _EXTRA_FIELDS if getattr(self, k) is not None})
        return f"RoutingDecision({', '.join(f'{k}={v!r}' for k, v in fields.items())})"

    @property
    def is_strong(self) -> bool:
        """Whether the call goes to the strongest model."""
        return self.tier == 0 if self.tier is not None else self.model == STRONG

    @property
    def confidence(self) -> float:
        """How clearly the score cleared the threshold, in [0, 1] (two-model form): strong,
        ``(score - threshold) / (1 - threshold)``; weak, ``(threshold - score) / threshold``; 1.0
        at a threshold of 1 (strong) or 0 (weak)."""
        t, s = self.threshold, self.score
        if self.is_strong:
            value = 1.0 if t >= 1.0 else (s - t) / (1.0 - t)
        else:
            value = 1.0 if t <= 0.0 else (t - s) / t
        return min(1.0, max(0.0, value))

    def to_dict(self) -> dict[str, Any]:
        """``model``, ``score``, ``threshold``, ``router`` and the optional fields that are set
        (JSON values: lists, not tuples)."""
        out: dict[str, Any] = {"model": self.model, "score": self.score, "threshold": self.threshold, "router": self.router}
        if self.tier is None and self.realised_shares is None:
            return out
        for name in _EXTRA_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, dict) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoutingDecision:
        """The decision ``to_dict`` wrote (KeyError/TypeError/ValueError when it is not one)."""
        extra = {k: data[k] for k in _EXTRA_FIELDS if data.get(k) is not None}
        if "thresholds" in extra:
            extra["thresholds"] = tuple(float(t) for t in extra["thresholds"])
        if "tier" in extra:
            extra["tier"] = int(extra["tier"])
        return cls(model=str(data["model"]), score=float(data["score"]), threshold=float(data["threshold"]),
                   router=str(data["router"]), **extra)


def decision_at(score: float, threshold: float, router: str) -> RoutingDecision:
    """The routing rule: strong iff ``score >= threshold``."""
    model: PairLabel = STRONG if score >= threshold else WEAK
    return RoutingDecision(model=model, score=float(score), threshold=float(threshold), router=router)


def tier_of(score: float, thresholds: Sequence[float]) -> int:
    """The tier (0 = strongest) of ``score``: how many of the non-increasing ``thresholds`` lie
    above it; with one threshold, 0 iff ``score >= threshold`` (``decision_at``'s rule)."""
    tier = 0
    for t in thresholds:
        if score < t:
            tier += 1
        else:
            break
    return tier


def tiers_of(scores: Any, thresholds: Sequence[float]) -> Any:
    """``tier_of`` for an array of scores at once (numpy), for evaluation."""
    s = np.asarray(scores, dtype=np.float64)
    return np.sum(s[:, None] < np.asarray(thresholds, dtype=np.float64)[None, :], axis=1)


def tier_threshold(tier: int, thresholds: Sequence[float]) -> float:
    """The lowest threshold a score in ``tier`` reached (0.0 in the weakest tier)."""
    return float(thresholds[tier]) if tier < len(thresholds) else 0.0


def check_thresholds(values: Any, count: int) -> tuple[float, ...]:
    """``count`` thresholds in [0, 1], non-increasing (the strongest tier's cut-off first)."""
    if not isinstance(values, Sequence) or isinstance(values, str) or len(values) != count:
        raise ConfigError(f"thresholds must be a list of {count} score cut-offs (one fewer than the models), got {values!r}.")
    out = tuple(check_unit_interval("threshold", v) for v in values)
    if any(b > a for a, b in zip(out, out[1:])):
        raise ConfigError(f"thresholds must not increase (strongest tier's cut-off first), got {list(out)}.")
    return out


def other_model(model: str) -> PairLabel:
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
    """What threshold resolution needs from a router (``Router`` has both; ``threshold_for``
    checks ``strong_fraction``)."""

    def threshold_for(self, strong_fraction: Any) -> float: ...

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
    if strong_fraction is not None:  # checked where it enters the router's calibration
        return router.threshold_for(strong_fraction)
    return router.default_threshold()
