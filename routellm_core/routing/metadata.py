"""The routing metadata every adapter attaches to a routed response, written once.

``routing_metadata`` builds the dict, ``RoutedCall`` carries one call's decision and its dict
(built once) from the moment the call is routed to its response, ``answering_model`` reads back
which side answered (for sticky routing and for parsing a response's tool calls with the model
that produced it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from routellm_core.routing.decision import STRONG, WEAK, RoutingDecision

#: the labels of the two-model form
PAIR = (STRONG, WEAK)

#: key under which adapters attach the routing metadata to a response (and to run metadata)
ROUTING_KEY = "routing"
#: longest ``fallback_error`` text kept, in characters
MAX_ERROR_CHARS = 500


def routing_metadata(
    decision: RoutingDecision,
    model_name: str | None,
    *,
    answered_by: str | None = None,
    error: BaseException | None = None,
) -> dict[str, Any]:
    """The routing dict attached to every routed response.

    ``{"model": "strong"|"weak", "model_name": ..., "score": ..., "threshold": ..., "router": ...}``:
    ``model``/``score``/``threshold``/``router`` are the router's decision and ``model_name`` names
    the model that answered. With N models, ``model`` is the chosen model's name and the dict
    also holds ``tier``, ``strategy``, ``thresholds`` or ``scores``, ``expected_cost`` and
    ``strongest_cost`` (and ``realised_shares`` online; see ``RoutingDecision``). When a fallback
    made another model answer (``answered_by`` differs from the decision), ``"fallback": True``,
    ``"answered_by"`` (its label) and ``"fallback_error"`` (the chosen model's error, ``"Type:
    message"``, at most 500 characters) are added.
    """
    out = decision.to_dict()
    out["model_name"] = model_name
    if answered_by is not None and answered_by != decision.model:
        out["fallback"] = True
        out["answered_by"] = answered_by
        if error is not None:
            out["fallback_error"] = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    return out


@dataclass(frozen=True)
class RoutedCall:
    """One routed call: its ``decision`` and the routing dict (``metadata``) built for it once,
    naming the chosen model (``model_name``). Adapters carry it from the decision to the response
    (run metadata, invocation parameters, events and the answer all use ``metadata``)."""

    decision: RoutingDecision
    metadata: dict[str, Any]

    @classmethod
    def of(cls, decision: RoutingDecision, model_name: str | None) -> RoutedCall:
        """The call ``decision`` routes, its routing dict built now."""
        return cls(decision, routing_metadata(decision, model_name))

    def answered(
        self, label: str, error: BaseException | None, name_of: Callable[[str], str | None]
    ) -> dict[str, Any]:
        """The routing dict of the answer ``label`` gave: the call's own ``metadata`` when the
        chosen model answered, else (after a fallback) a new one naming ``name_of(label)`` and the
        chosen model's ``error``."""
        if label == self.decision.model:
            return self.metadata
        return routing_metadata(self.decision, name_of(label), answered_by=label, error=error)


def answering_model(routing: Any, labels: Collection[str] = PAIR) -> str | None:
    """Which model (one of ``labels``: ``"strong"``/``"weak"``, or the N models' names) produced
    a response, from its routing dict (None if ``routing`` is not one)."""
    if not isinstance(routing, dict):
        return None
    side = routing.get("answered_by") or routing.get("model")
    return side if isinstance(side, str) and side in labels else None


def decision_from_metadata(routing: Any, labels: Collection[str] = PAIR) -> RoutingDecision | None:
    """The decision recorded in a routing dict, as answered (``answered_by`` after a fallback),
    or None when ``routing`` is not a usable routing dict."""
    side = answering_model(routing, labels)
    if side is None:
        return None
    try:
        decision = RoutingDecision.from_dict(routing)
    except (KeyError, TypeError, ValueError):
        return None
    return decision if decision.model == side else replace(decision, model=side)
