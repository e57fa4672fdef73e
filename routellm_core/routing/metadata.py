"""The routing metadata every adapter attaches to a routed response, written once.

``routing_metadata`` builds the dict, ``answering_model`` reads back which side answered (for
sticky routing and for parsing a response's tool calls with the model that produced it).
"""

from __future__ import annotations

from typing import Any

from routellm_core.routing.decision import STRONG, WEAK, RoutingDecision

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
    the model that answered. When a fallback made the other model answer (``answered_by``
    differs from the decision), ``"fallback": True``, ``"answered_by"`` (``"strong"``/``"weak"``)
    and ``"fallback_error"`` (the chosen model's error, ``"Type: message"``, at most 500
    characters) are added.
    """
    out = decision.to_dict()
    out["model_name"] = model_name
    if answered_by is not None and answered_by != decision.model:
        out["fallback"] = True
        out["answered_by"] = answered_by
        if error is not None:
            out["fallback_error"] = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    return out


def answering_model(routing: Any) -> str | None:
    """Which side (``"strong"``/``"weak"``) produced a response, from its routing dict (None if
    ``routing`` is not one)."""
    if not isinstance(routing, dict):
        return None
    side = routing.get("answered_by") or routing.get("model")
    return side if side in (STRONG, WEAK) else None


def decision_from_metadata(routing: Any) -> RoutingDecision | None:
    """The decision recorded in a routing dict, as answered (``answered_by`` after a fallback),
    or None when ``routing`` is not a usable routing dict."""
    side = answering_model(routing)
    if side is None:
        return None
    try:
        return RoutingDecision(
            model=side,  # type: ignore[arg-type]
            score=float(routing["score"]),
            threshold=float(routing["threshold"]),
            router=str(routing["router"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
