"""One pass per call: a routed ``RoutedChatModel`` call makes one routing decision and builds its
routing metadata once, whatever the entry point (the run metadata, the invocation parameters and
the response all carry that one dict); ``with_decision`` calls with a decision made earlier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from routellm_core.errors import ConfigError
from routellm_core.routing.decision import RoutingDecision
from routellm_core.policy.routing_policy import RoutingPolicy
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, count_calls
from tests.langchain.models import STRONG_OPENAI, WEAK_OPENAI, routed
from tests.provider_server import ProviderServer


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Calls of the core decision (``RoutingPolicy.decide``, ``decide_batch``) and of the
    metadata build (``RoutingDecision.to_dict``, which every routing dict starts from)."""
    yield count_calls(monkeypatch, {"decide": (RoutingPolicy, "decide"), "decide_batch": (RoutingPolicy, "decide_batch"),
                                    "metadata": (RoutingDecision, "to_dict")})


def _calls(llm: Any) -> dict[str, Any]:
    async def ainvoke() -> Any:
        return await llm.ainvoke(HARD_EXAMPLE)

    async def astream() -> Any:
        return [chunk async for chunk in llm.astream(HARD_EXAMPLE)]

    return {
        "invoke": lambda: llm.invoke(HARD_EXAMPLE),
        "stream": lambda: list(llm.stream(HARD_EXAMPLE)),
        "generate": lambda: llm.generate([[HumanMessage(HARD_EXAMPLE)]]),
        "ainvoke": ainvoke,
        "astream": astream,
    }


@pytest.mark.parametrize("entry", ["invoke", "stream", "generate", "ainvoke", "astream"])
async def test_one_decision_and_one_metadata_build_per_call(
    provider_server: ProviderServer, counts: dict[str, int], entry: str
) -> None:
    llm = routed()
    counts.update(decide=0, decide_batch=0, metadata=0)  # construction aside
    result = _calls(llm)[entry]()
    if entry.startswith("a"):
        result = await result
    assert counts == {"decide": 1, "decide_batch": 0, "metadata": 1}, entry
    assert provider_server.models_called() == [STRONG_OPENAI]


def test_a_batch_decides_in_one_pass_and_builds_each_items_metadata_once(
    provider_server: ProviderServer, counts: dict[str, int]
) -> None:
    llm = routed()
    counts.update(decide=0, decide_batch=0, metadata=0)
    out = llm.batch([HARD_EXAMPLE, EASY_EXAMPLE, HARD_EXAMPLE])
    assert [m.response_metadata["routing"]["model"] for m in out] == ["strong", "weak", "strong"]
    assert counts == {"decide": 0, "decide_batch": 1, "metadata": 3}


async def test_with_decision_calls_the_decided_model_without_deciding_again(
    provider_server: ProviderServer, counts: dict[str, int]
) -> None:
    llm = routed()
    decision = await llm.adecide([HumanMessage(HARD_EXAMPLE)])
    weak = RoutingDecision(model="weak", score=decision.score, threshold=decision.threshold, router=decision.router)
    counts.update(decide=0, decide_batch=0, metadata=0)
    message = await llm.with_decision(weak).ainvoke(HARD_EXAMPLE)
    chunks = [c async for c in llm.with_decision(decision).astream(HARD_EXAMPLE)]
    assert counts == {"decide": 0, "decide_batch": 0, "metadata": 2}
    assert message.response_metadata["routing"] == {**weak.to_dict(), "model_name": WEAK_OPENAI}
    assert chunks[0].response_metadata["routing"]["model_name"] == STRONG_OPENAI
    assert provider_server.models_called() == [WEAK_OPENAI, STRONG_OPENAI]
    with pytest.raises(ConfigError, match="RoutingDecision for one of"):
        llm.with_decision(RoutingDecision(model="medium", score=0.5, threshold=0.5, router="mf"))
