"""Small framework-neutral helpers that the LangChain and LlamaIndex adapters share.

Nothing here decides a route (that is ``RoutingPolicy``); these helpers only describe a decision
the same way in every adapter and name the other side of a pair.
"""

from __future__ import annotations

from typing import Any, Literal

from routellm_core.decision import STRONG, WEAK, RoutingDecision

#: key under which adapters attach the routing metadata to a response
ROUTING_KEY = "routing"


def other_model(model: str) -> Literal["strong", "weak"]:
    """``"weak"`` for ``"strong"`` and the reverse (the model a fallback goes to)."""
    if model == STRONG:
        return WEAK
    if model == WEAK:
        return STRONG
    raise ValueError(f"model must be 'strong' or 'weak', got {model!r}")


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
            out["fallback_error"] = f"{type(error).__name__}: {error}"[:500]
    return out


def answering_model(routing: dict[str, Any]) -> str | None:
    """Which side (``"strong"``/``"weak"``) produced a response, from its routing dict."""
    side = routing.get("answered_by") or routing.get("model")
    return side if side in (STRONG, WEAK) else None
