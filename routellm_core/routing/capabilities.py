"""What a routed set of models can do together: a call may go to any of them, so a routed model
promises only what all promise. Both adapters describe themselves with this (LangChain's model
profile, LlamaIndex's ``LLMMetadata``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from typing import Any


def shared_capabilities(*profiles: Mapping[str, Any] | None) -> dict[str, Any]:
    """The capabilities all the models have: flags (bools) and-ed, sizes (numbers) at the
    smallest known value (a size <= 0 means unknown), other values kept where equal; keys not
    every model knows are dropped. Empty when any model is unknown."""
    known = [p for p in profiles if p]
    if not profiles or len(known) < len(profiles):
        return {}
    return reduce(_shared, known[1:], dict(known[0]))


def _shared(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        if isinstance(x, bool) or isinstance(y, bool):
            if isinstance(x, bool) and isinstance(y, bool):
                out[key] = x and y
        elif isinstance(x, (int, float)) and isinstance(y, (int, float)):
            known = [v for v in (x, y) if v > 0]
            out[key] = min(known) if known else x
        elif x == y:
            out[key] = x
    return out
