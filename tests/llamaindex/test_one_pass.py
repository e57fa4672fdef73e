"""One pass per call: a routed ``RoutedLLM`` call makes one routing decision and builds its routing
dict once (the ``RoutingDecisionEvent`` and the response carry it), whatever the entry point."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from routellm_core.routing.decision import RoutingDecision
from routellm_core.policy.routing_policy import RoutingPolicy
from tests.helpers import HARD_EXAMPLE, count_calls


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Calls of the core decision and of the metadata build (``RoutingDecision.to_dict``)."""
    yield count_calls(monkeypatch, {"decide": (RoutingPolicy, "decide"), "metadata": (RoutingDecision, "to_dict")})


def _messages() -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=HARD_EXAMPLE)]


@pytest.mark.parametrize("method", ["chat", "stream_chat", "complete", "stream_complete",
                                    "achat", "astream_chat", "acomplete", "astream_complete"])
async def test_one_decision_and_one_metadata_build_per_call(
    make_routed: Any, mocks: Any, events: Any, counts: dict[str, int], method: str
) -> None:
    llm = make_routed(*mocks)
    counts.update(decide=0, metadata=0)
    arg = _messages() if "chat" in method else HARD_EXAMPLE
    out = getattr(llm, method)(arg)
    if method.startswith("a"):
        out = await out
    if "stream" in method:
        out = [c async for c in out] if method.startswith("a") else list(out)
        out = out[-1]
    assert counts == {"decide": 1, "metadata": 1}, method
    routing = out.additional_kwargs["routing"]
    assert routing["model"] == "strong" and routing["model_name"] == "strong-mock"
    (event,) = events.of("RoutingDecisionEvent")
    assert event.to_routing_dict() == routing and event.method == method
