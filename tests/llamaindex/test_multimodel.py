"""RoutedLLM over three real LlamaIndex clients (OpenAI x2, Anthropic) talking to the local provider
server: tiers and per-model quality, every call form, tools, metadata and events, fallback, online."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.tools import FunctionTool

from llamaindex_routellm import RoutedLLM
from routellm_core.errors import ConfigError
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE

MEDIUM_EXAMPLE = "Write a poem about the sea"  # the tiny router scores it between the other two
BIG, MID, SMALL = "claude-opus-4-7", "gpt-4o", "gpt-4o-mini"
NAMES = {"big": BIG, "mid": MID, "small": SMALL}
PRICES = {"big": (15, 75), "mid": (2.5, 10), "small": (0.15, 0.6)}
EXPECTED = [(HARD_EXAMPLE, "big"), (MEDIUM_EXAMPLE, "mid"), (EASY_EXAMPLE, "small")]


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=text)]


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


MULTIPLY = FunctionTool.from_defaults(fn=multiply)


@pytest.fixture
def three(shared_router, openai_llm, anthropic_llm):
    """``three(**kw)``: big = Anthropic, mid = gpt-4o, small = gpt-4o-mini, tiers at 0.95 / 0.5."""

    def make(**kwargs: Any) -> RoutedLLM:
        params = {"prices": PRICES, "thresholds": [0.95, 0.5], **kwargs}
        llms = {"small": openai_llm(SMALL), "big": anthropic_llm(BIG), "mid": openai_llm(MID)}
        return RoutedLLM(llms=llms, router=shared_router, **params)

    return make


async def test_every_call_form_goes_to_the_chosen_model(three, provider_server, events) -> None:
    llm = three()
    assert llm.policy.labels == ("big", "mid", "small")
    assert llm.metadata.is_function_calling_model and all(n in llm.metadata.model_name for n in NAMES.values())

    async def astream(coro) -> str:
        return "".join([c.delta or "" async for c in await coro])

    for text, label in EXPECTED:
        model = NAMES[label]
        provider_server.clear_requests()
        r = llm.chat(user(text))
        routing = r.additional_kwargs["routing"]
        assert r.message.content.startswith(f"[{model}]")
        assert routing["model"] == label and routing["model_name"] == model and routing["strategy"] == "tiers"
        assert routing["tier"] == ["big", "mid", "small"].index(label)
        assert routing["expected_cost"] == pytest.approx(llm.policy.candidates.cost(label))
        assert routing["strongest_cost"] == llm.policy.candidates.strongest_cost
        assert "".join(c.delta or "" for c in llm.stream_chat(user(text))).startswith(f"[{model}]")
        assert (await llm.achat(user(text))).message.content.startswith(f"[{model}]")
        assert (await astream(llm.astream_chat(user(text)))).startswith(f"[{model}]")
        assert llm.complete(text).text.startswith(f"[{model}]")
        assert (await llm.acomplete(text)).text.startswith(f"[{model}]")
        assert len(provider_server.requests) == 6 and {r.model for r in provider_server.requests} == {model}
    decisions = events.of("RoutingDecisionEvent")
    assert decisions[0].model == "big" and decisions[0].tier == 0 and decisions[0].thresholds == [0.95, 0.5]
    assert decisions[0].to_routing_dict()["model_name"] == BIG
    # many calls at once: each routed on its own
    many = await asyncio.gather(*(llm.achat(user(t)) for t, _ in EXPECTED * 2))
    assert [r.additional_kwargs["routing"]["model"] for r in many] == [lab for _, lab in EXPECTED] * 2


def test_tools_use_each_providers_format_and_parser(three, provider_server) -> None:
    llm = three()
    hard = llm.chat_with_tools([MULTIPLY], user_msg=HARD_EXAMPLE + " Use the multiply tool on 6 and 7.")
    mid = llm.chat_with_tools([MULTIPLY], user_msg=MEDIUM_EXAMPLE + " Use the multiply tool on 2 and 3.")
    req_hard, req_mid = provider_server.requests[-2:]
    assert req_hard.provider == "anthropic" and req_hard.body["tools"][0]["name"] == "multiply"
    assert req_mid.provider == "openai" and req_mid.body["tools"][0]["function"]["name"] == "multiply"
    [call_hard] = llm.get_tool_calls_from_response(hard)
    [call_mid] = llm.get_tool_calls_from_response(mid)
    assert call_hard.tool_id.startswith("toolu_") and call_mid.tool_id.startswith("call_")
    assert hard.additional_kwargs["routing"]["model"] == "big" and mid.additional_kwargs["routing"]["model"] == "mid"


def test_fallback_goes_to_the_nearest_tier(three, provider_server, events) -> None:
    provider_server.fail_model(MID)
    llm = three(fallback_to_other=True)
    r = llm.chat(user(MEDIUM_EXAMPLE))
    routing = r.additional_kwargs["routing"]
    assert routing["model"] == "mid" and routing["answered_by"] == "big" and routing["model_name"] == BIG
    assert [e.to_model for e in events.of("RoutingFallbackEvent")] == ["big"]
    assert provider_server.models_called() == [MID, BIG]


def test_quality_budget_and_online(three, provider_server) -> None:
    aliases = {"big": "strong", "mid": "medium", "small": "weak"}  # names in the tiny router's battles
    llm = three(thresholds=None, router_models=aliases, budget=0.001, tokens=(500, 300),
                calibration_prompts=[p for p, _ in EXPECTED] * 3)
    assert llm.strategy == "quality" and llm.policy.tradeoff > 0
    routing = llm.chat(user(HARD_EXAMPLE)).additional_kwargs["routing"]
    assert set(routing["scores"]) == {"big", "mid", "small"} and routing["strategy"] == "quality"
    per_call = three(thresholds=None, router_models=aliases, tokens=("prompt", 300))  # priced by its prompt
    long_prompt = HARD_EXAMPLE + " Context." * 500
    routing = per_call.complete(long_prompt).additional_kwargs["routing"]
    price_in, price_out = PRICES[routing["model"]]
    assert routing["expected_cost"] == pytest.approx((len(long_prompt) / 4 * price_in + 300 * price_out) / 1e6)
    online = three(thresholds=None, shares={"big": 0.2, "mid": 0.3}, online=True)
    assert online.online
    for text, _ in EXPECTED * 3:
        routing = online.chat(user(text)).additional_kwargs["routing"]
    assert set(routing["realised_shares"]) == {"big", "mid", "small"}
    assert online.policy.online.calls == 9
    assert online.to_payload()["models"] == NAMES


def test_settings_are_checked(openai_llm, shared_router) -> None:
    a, b = openai_llm("gpt-4o"), openai_llm("gpt-4o-mini")
    with pytest.raises(ConfigError, match="not both"):
        RoutedLLM(strong=a, llms={"a": a, "b": b}, router=shared_router)
    with pytest.raises(ConfigError, match="at least two"):
        RoutedLLM(llms={"a": a}, router=shared_router)
    with pytest.raises(ConfigError, match=r"llms\['b'\]"):
        RoutedLLM(llms={"a": a, "b": "gpt-4o"}, router=shared_router)
    with pytest.raises(ConfigError, match="strong= and weak="):
        RoutedLLM(strong=a, router=shared_router)
    with pytest.raises(ConfigError, match="prices"):
        RoutedLLM(llms={"a": a, "b": b}, router=shared_router, budget=0.01)
