"""Small framework-neutral helpers that the LangChain and LlamaIndex adapters share.

Nothing here decides a route (that is ``RoutingPolicy``); these helpers only describe a decision
the same way in every adapter and name the other side of a pair.
"""

from __future__ import annotations

from collections.abc import Iterator
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


class Attempts:
    """The fallback rule, written once for every adapter: which models one call tries, in order,
    and what is raised when they fail.

    Iterating gives the chosen model (``"strong"``/``"weak"``) and, with ``fallback``, the other
    one. After a model raised, call ``failed(exc, started=...)``: it returns when another model is
    left to try and nothing was streamed yet (streamed text cannot be taken back); otherwise it
    raises ``exc``, chained (``__cause__``) to the chosen model's error when a fallback was tried,
    so the caller sees both failures and never a silent loss of the request.
    """

    def __init__(self, model: str, fallback: bool) -> None:
        other = other_model(model)  # raises unless model is "strong" or "weak"
        self.labels: list[str] = [model, other] if fallback else [model]
        self.errors: list[BaseException] = []

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    @property
    def first_error(self) -> BaseException | None:
        """The chosen model's error once a fallback is under way, else None."""
        return self.errors[0] if self.errors else None

    def failed(self, exc: BaseException, *, started: bool = False) -> None:
        """Record that the model being tried raised ``exc`` (see the class docstring)."""
        if not started and len(self.errors) + 1 < len(self.labels):
            self.errors.append(exc)
            return
        if self.errors and exc is not self.errors[0]:
            raise exc from self.errors[0]
        raise exc


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
