"""What a routed pair of models can do together: a call may go to either, so a routed model
promises only what both promise. Both adapters describe themselves with this (LangChain's model
profile, LlamaIndex's ``LLMMetadata``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def shared_capabilities(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> dict[str, Any]:
    """The capabilities of two models that both have: flags (bools) and-ed, sizes (numbers) at
    the smaller known value (a size <= 0 means unknown), other values kept where equal; keys
    only one side knows are dropped. Empty when either side is unknown."""
    if not a or not b:
        return {}
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
