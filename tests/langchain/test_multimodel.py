"""RoutedChatModel over three real chat models (ChatOpenAI x2, ChatAnthropic) talking to the local
provider server: tiers and per-model quality, every call form, metadata, fallback, online mode."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from langchain_routellm import RoutedChatModel
from routellm_core.errors import ConfigError
from routellm_core.policy.tiers import TierRule
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.langchain.models import (
    STRONG_ANTHROPIC,
    STRONG_OPENAI,
    WEAK_OPENAI,
    Joke,
    anthropic_chat,
    magic_function,
    openai_chat,
    router,
)
from tests.provider_server import ProviderServer

MEDIUM_EXAMPLE = "Write a poem about the sea"  # the tiny router scores it between the other two
PRICES = {"big": (15, 75), "mid": (3, 15), "small": (0.15, 0.6)}
NAMES = {"big": STRONG_ANTHROPIC, "mid": STRONG_OPENAI, "small": WEAK_OPENAI}
EXPECTED = [(HARD_EXAMPLE, "big"), (MEDIUM_EXAMPLE, "mid"), (EASY_EXAMPLE, "small")]


def three(**kwargs: Any) -> RoutedChatModel:
    """big = Anthropic, mid = gpt-4o, small = gpt-4o-mini; tiers at 0.95 / 0.5 of the tiny router."""
    params = {"router": router(), "prices": PRICES, "thresholds": [0.95, 0.5], **kwargs}
    models = {"small": openai_chat(WEAK_OPENAI), "big": anthropic_chat(), "mid": openai_chat(STRONG_OPENAI)}
    return RoutedChatModel(models=models, **params)


@pytest.mark.parametrize(("prompt", "label"), EXPECTED)
def test_invoke_routes_to_three_models_with_full_metadata(provider_server: ProviderServer, prompt: str,
                                                           label: str) -> None:
    llm = three()
    msg = llm.invoke(prompt)
    routing = msg.response_metadata["routing"]
    assert routing["model"] == label and routing["model_name"] == NAMES[label]
    assert provider_server.models_called() == [NAMES[label]]
    assert msg.text.startswith(f"[{NAMES[label]}]")
    tier = ["big", "mid", "small"].index(label)
    costs = llm.policy.candidates.costs
    assert routing["tier"] == tier and routing["strategy"] == "tiers" and routing["thresholds"] == [0.95, 0.5]
    assert routing["expected_cost"] == pytest.approx(costs[tier]) and routing["strongest_cost"] == costs[0]
    assert 0.0 <= routing["score"] <= 1.0 and routing["router"] == "mf"
    assert routing == {**llm.policy.decide(prompt).to_dict(), "model_name": NAMES[label],
                       "score": pytest.approx(routing["score"])}


def test_stream_async_and_batch(provider_server: ProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    llm = three()
    chunks = list(llm.stream(MEDIUM_EXAMPLE))
    assert sum("routing" in c.response_metadata for c in chunks) == 1
    assert chunks[0].response_metadata["routing"]["model"] == "mid"
    assert "".join(c.text for c in chunks).startswith(f"[{STRONG_OPENAI}]") and provider_server.requests[-1].stream

    async def run() -> tuple[Any, str]:
        msg = await llm.ainvoke(HARD_EXAMPLE)
        text = "".join([c.text async for c in llm.astream(EASY_EXAMPLE)])
        return msg, text

    msg, text = asyncio.run(run())
    assert msg.response_metadata["routing"]["model"] == "big" and text.startswith(f"[{WEAK_OPENAI}]")

    sizes: list[int] = []
    real = llm.policy.router.score
    monkeypatch.setattr(llm.policy.router, "score",
                        lambda p, **kw: sizes.append(len(p) if isinstance(p, list) else 1) or real(p, **kw))
    out = llm.batch([p for p, _ in EXPECTED])
    assert sizes == [3] and [m.response_metadata["routing"]["model"] for m in out] == ["big", "mid", "small"]
    out = asyncio.run(llm.abatch([EASY_EXAMPLE, HARD_EXAMPLE]))
    assert [m.response_metadata["routing"]["model"] for m in out] == ["small", "big"]


def test_tools_and_structured_output_go_to_the_chosen_model(provider_server: ProviderServer) -> None:
    llm = three()
    bound = llm.bind_tools([magic_function])
    hard = bound.invoke(HARD_EXAMPLE + " Use magic_function(3).")
    assert hard.response_metadata["routing"]["model"] == "big" and hard.tool_calls[0]["name"] == "magic_function"
    assert provider_server.requests[-1].provider == "anthropic" and provider_server.requests[-1].body["tools"]
    history = [HumanMessage(MEDIUM_EXAMPLE + " Use magic_function(3).")]
    mid = bound.invoke(history)
    assert mid.response_metadata["routing"]["model"] == "mid" and mid.tool_calls
    assert provider_server.requests[-1].provider == "openai" and provider_server.requests[-1].body["tools"]
    answer = bound.invoke([*history, mid, ToolMessage("5", tool_call_id=mid.tool_calls[0]["id"])])
    assert answer.response_metadata["routing"]["model"] == "mid"
    joke = llm.with_structured_output(Joke).invoke(MEDIUM_EXAMPLE)
    assert isinstance(joke, Joke) and provider_server.models_called()[-1] == STRONG_OPENAI


@pytest.mark.parametrize("how", ["invoke", "stream"])
def test_fallback_goes_to_the_nearest_tier(provider_server: ProviderServer, how: str) -> None:
    provider_server.fail_model(STRONG_OPENAI)  # mid fails: big (one tier up) answers
    llm = three(fallback_to_other=True)
    if how == "invoke":
        msg = llm.invoke(MEDIUM_EXAMPLE)
    else:
        chunks = list(llm.stream(MEDIUM_EXAMPLE))
        msg = chunks[0]
    routing = msg.response_metadata["routing"]
    assert routing["model"] == "mid" and routing["fallback"] and routing["answered_by"] == "big"
    assert routing["model_name"] == STRONG_ANTHROPIC and "fallback_error" in routing
    assert provider_server.models_called() == [STRONG_OPENAI, STRONG_ANTHROPIC]


def test_quality_strategy_trades_predicted_quality_against_price(provider_server: ProviderServer) -> None:
    aliases = {"big": "strong", "mid": "medium", "small": "weak"}  # names in the tiny router's battles
    free = three(thresholds=None, router_models=aliases)
    assert free.policy.strategy == "quality"
    routing = free.invoke(HARD_EXAMPLE).response_metadata["routing"]
    assert routing["model"] == "big" and routing["strategy"] == "quality"
    assert set(routing["scores"]) == {"big", "mid", "small"} and routing["threshold"] == 0.0
    cheap = three(thresholds=None, router_models=aliases, budget=0.0005, tokens=(500, 300),
                  calibration_prompts=[HARD_EXAMPLE, MEDIUM_EXAMPLE, EASY_EXAMPLE] * 3)
    routing = cheap.invoke(HARD_EXAMPLE).response_metadata["routing"]
    assert routing["threshold"] > 0 and routing["expected_cost"] < routing["strongest_cost"]
    # each call priced by its own prompt: the metadata reports that call's cost
    per_call = three(thresholds=None, router_models=aliases, tokens=("prompt", 300))
    assert "priced per prompt" in repr(per_call.policy)
    for prompt in (HARD_EXAMPLE, HARD_EXAMPLE + " Context." * 500):
        routing = per_call.invoke(prompt).response_metadata["routing"]
        price_in, price_out = PRICES[routing["model"]]
        assert routing["expected_cost"] == pytest.approx((len(prompt) / 4 * price_in + 300 * price_out) / 1e6)


def test_online_mode_reports_realised_shares(provider_server: ProviderServer) -> None:
    llm = three(thresholds=None, shares={"big": 0.2, "mid": 0.3}, online=True)
    msgs = llm.batch([p for p, _ in EXPECTED] * 4)
    shares = msgs[-1].response_metadata["routing"]["realised_shares"]
    assert set(shares) == {"big", "mid", "small"} and sum(shares.values()) == pytest.approx(1.0)
    assert llm.policy.online.calls == 12 and llm.policy.realised_shares == pytest.approx(shares)


def test_sticky_keeps_the_route_of_a_run_among_three(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = three(sticky=True)
    bound = llm.bind_tools([magic_function])
    first = bound.invoke([HumanMessage(MEDIUM_EXAMPLE + " Use magic_function(3).")])
    assert first.response_metadata["routing"]["model"] == "mid"
    history = [HumanMessage(MEDIUM_EXAMPLE + " Use magic_function(3)."), first,
               ToolMessage("5", tool_call_id=first.tool_calls[0]["id"])]
    moved = TierRule(llm.policy.candidates, (0.999, 0.998))
    monkeypatch.setattr(llm.policy, "rule", moved)  # a fresh decision would be "small"
    assert llm.policy.decide(MEDIUM_EXAMPLE).model == "small"
    assert bound.invoke(history).response_metadata["routing"]["model"] == "mid"


def test_identity_profile_and_settings_checks() -> None:
    llm = three()
    params = llm._identifying_params
    assert params["models"] == {"big": STRONG_ANTHROPIC, "mid": STRONG_OPENAI, "small": WEAK_OPENAI}
    assert params["strategy"] == "tiers"
    assert llm._get_ls_params()["ls_model_name"] == f"routellm[{STRONG_ANTHROPIC}|{STRONG_OPENAI}|{WEAK_OPENAI}]"
    profiles = [m.profile for m in (anthropic_chat(), openai_chat(STRONG_OPENAI), openai_chat(WEAK_OPENAI))]
    assert llm.profile["max_input_tokens"] == min(p["max_input_tokens"] for p in profiles)
    with pytest.raises(ConfigError, match="not both"):
        RoutedChatModel(models={"a": openai_chat(), "b": openai_chat()}, strong=openai_chat(), router=router())
    with pytest.raises(ConfigError, match="at least two"):
        RoutedChatModel(models={"a": openai_chat()}, router=router())
    with pytest.raises(ConfigError, match="chat models"):
        RoutedChatModel(models={"a": openai_chat(), "b": openai_chat() | (lambda m: m)}, router=router())
    with pytest.raises(ConfigError, match="strong= and weak="):
        RoutedChatModel(strong=openai_chat(), router=router())
    with pytest.raises(ConfigError, match="two models"):
        three(threshold=0.5)


def test_a_ready_policy_routes_the_same_models() -> None:
    from routellm_core import RoutingPolicy

    policy = RoutingPolicy(router(), models=["big", "mid", "small"], thresholds=[0.95, 0.5])
    llm = RoutedChatModel(models={"small": openai_chat(WEAK_OPENAI), "big": anthropic_chat(),
                                  "mid": openai_chat(STRONG_OPENAI)}, router=policy)
    assert llm.policy is policy and llm.policy.decide(HARD_EXAMPLE).model == "big"
    with pytest.raises(ConfigError, match="ready RoutingPolicy"):
        RoutedChatModel(models={"a": openai_chat(), "b": openai_chat()}, router=policy)
