"""RoutedLLM unit tests over LlamaIndex's own MockLLM / MockFunctionCallingLLM."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.llms import MockLLM
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from llamaindex_routellm import (
    RoutedLLM,
    RoutingDecisionEvent,
    latest_user_text,
    route_on_query,
    routing_text,
)
from routellm_core import RoutingPolicy
from routellm_core.errors import ConfigError, InvalidPromptError, RoutingError
from routellm_core.routers.base import Router
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.llamaindex.support import NamedFCLLM, ScriptedCompletionLLM


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=text)]


def add(a: int = 2, b: int = 3) -> int:
    """Add two integers."""
    return a + b


ADD_TOOL = FunctionTool.from_defaults(fn=add)


# ----------------------------------------------------------------------------- construction
def test_is_a_function_calling_llm_with_combined_metadata(make_routed, mocks) -> None:
    from llama_index.core.llms.function_calling import FunctionCallingLLM

    strong, weak = mocks
    llm = make_routed(strong, weak)
    assert isinstance(llm, FunctionCallingLLM)
    md = llm.metadata
    assert md.context_window == 3900  # the smaller of 8000 and 3900
    assert md.num_output == 128  # the smaller of 512 and 128
    assert md.is_function_calling_model and md.is_chat_model
    assert "strong-mock" in md.model_name and "weak-mock" in md.model_name
    assert llm.class_name() == "RoutedLLM"
    assert llm.threshold == 0.5 and llm.router == "mf"


def test_metadata_plain_llm_when_one_side_cannot_call_tools(make_routed, mocks) -> None:
    strong, _ = mocks
    llm = make_routed(strong, MockLLM(max_tokens=64))
    md = llm.metadata
    assert md.is_function_calling_model is False
    assert md.is_chat_model is False
    assert md.num_output == 64
    with pytest.raises(ConfigError, match="not a FunctionCallingLLM"):
        llm.chat_with_tools([ADD_TOOL], user_msg=HARD_EXAMPLE)


def test_constructor_errors(shared_router, mocks) -> None:
    strong, weak = mocks
    with pytest.raises(ConfigError, match="either threshold or strong_fraction"):
        RoutedLLM(strong=strong, weak=weak, router=shared_router, threshold=0.5, strong_fraction=0.3)
    with pytest.raises(ConfigError, match="LlamaIndex LLM"):
        RoutedLLM(strong="gpt-4o", weak=weak, router=shared_router, threshold=0.5)
    with pytest.raises(ConfigError, match="threshold"):
        RoutedLLM(strong=strong, weak=weak, router=shared_router, threshold=1.5)
    policy = RoutingPolicy(shared_router, threshold=0.5)
    with pytest.raises(ConfigError, match="RoutingPolicy"):
        RoutedLLM(strong=strong, weak=weak, router=policy, threshold=0.2)
    llm = RoutedLLM(strong=strong, weak=weak, router=policy)
    assert llm.policy is policy


def test_strong_fraction_uses_router_calibration(shared_router, mocks) -> None:
    strong, weak = mocks
    llm = RoutedLLM(strong=strong, weak=weak, router=shared_router, strong_fraction=0.3)
    assert llm.threshold == pytest.approx(shared_router.threshold_for(0.3))
    assert llm.strong_fraction == 0.3


def test_bundled_default_router(mocks) -> None:
    """The issue's one-liner: router="mf" (the bundled checkpoint) with strong_fraction."""
    from routellm_core.loading.loader import bundled_checkpoint_dir

    if not (bundled_checkpoint_dir("mf") / "config.json").is_file():  # pragma: no cover
        pytest.skip("bundled mf checkpoint not built")
    llm = RoutedLLM(strong=mocks[0], weak=mocks[1], router="mf", strong_fraction=0.3)
    assert llm.router == "mf" and 0.0 <= llm.threshold <= 1.0
    routing = llm.chat(user(HARD_EXAMPLE)).additional_kwargs["routing"]
    assert routing["router"] == "mf" and routing["threshold"] == llm.threshold


def test_import_is_light() -> None:
    code = (
        "import sys, llamaindex_routellm\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ----------------------------------------------------------------------------- every call form
def _hard_easy_calls():
    return {
        "chat": lambda llm, t: [llm.chat(user(t))],
        "stream_chat": lambda llm, t: list(llm.stream_chat(user(t))),
        "complete": lambda llm, t: [llm.complete(t)],
        "stream_complete": lambda llm, t: list(llm.stream_complete(t)),
        "achat": lambda llm, t: [asyncio.run(llm.achat(user(t)))],
        "astream_chat": lambda llm, t: asyncio.run(_run_agen(llm.astream_chat(user(t)))),
        "acomplete": lambda llm, t: [asyncio.run(llm.acomplete(t))],
        "astream_complete": lambda llm, t: asyncio.run(_run_agen(llm.astream_complete(t))),
    }


async def _run_agen(coro: Any) -> list:
    return [c async for c in await coro]


CALLS = _hard_easy_calls()


@pytest.mark.parametrize("method", sorted(CALLS))
def test_every_call_form_routes_and_tags(make_routed, mocks, method: str) -> None:
    strong, weak = mocks
    llm = make_routed(strong, weak)
    for text, side, target in ((HARD_EXAMPLE, "strong", strong), (EASY_EXAMPLE, "weak", weak)):
        responses = CALLS[method](llm, text)
        assert responses, method
        for r in responses:
            routing = r.additional_kwargs["routing"]
            assert routing["model"] == side
            assert routing["model_name"] == target.name
            assert routing["router"] == "mf" and routing["threshold"] == 0.5
            assert 0.0 <= routing["score"] <= 1.0
        last = responses[-1]
        text_out = last.message.content if isinstance(last, ChatResponse) else last.text
        assert text_out.startswith(f"[{target.name}]"), text_out
    assert strong.calls and weak.calls


def test_routing_dict_matches_core_decision(make_routed, mocks, shared_router) -> None:
    llm = make_routed(*mocks)
    r = llm.chat(user(HARD_EXAMPLE))
    expected = RoutingPolicy(shared_router, threshold=0.5).decide(HARD_EXAMPLE).to_dict()
    got = dict(r.additional_kwargs["routing"])
    assert got.pop("model_name") == "strong-mock"
    assert set(got) == set(expected)
    assert {k: got[k] for k in ("model", "threshold", "router")} == {
        k: expected[k] for k in ("model", "threshold", "router")
    }
    assert got["score"] == pytest.approx(expected["score"])
    assert llm.decide(HARD_EXAMPLE).model == "strong"
    llm.threshold = 0.999  # changing the threshold later is honoured
    assert llm.decide(HARD_EXAMPLE).model == "weak" and llm.policy.threshold == 0.999


# ----------------------------------------------------------------------------- what is scored
def test_default_scores_latest_user_message(make_routed, mocks) -> None:
    strong, weak = mocks
    llm = make_routed(strong, weak)
    history = [
        ChatMessage(role=MessageRole.SYSTEM, content=HARD_EXAMPLE),
        ChatMessage(role=MessageRole.USER, content=HARD_EXAMPLE),
        ChatMessage(role=MessageRole.ASSISTANT, content="It is irrational because..."),
        ChatMessage(role=MessageRole.USER, content=EASY_EXAMPLE),
    ]
    assert llm.chat(history).additional_kwargs["routing"]["model"] == "weak"
    history.append(ChatMessage(role=MessageRole.USER, content=HARD_EXAMPLE))
    assert llm.chat(history).additional_kwargs["routing"]["model"] == "strong"


def test_latest_user_text_skips_react_observations() -> None:
    msgs = [
        ChatMessage(role=MessageRole.SYSTEM, content="You are a ReAct agent"),
        ChatMessage(role=MessageRole.USER, content=HARD_EXAMPLE),
        ChatMessage(role=MessageRole.ASSISTANT, content="Thought: use a tool\nAction: add"),
        ChatMessage(role=MessageRole.USER, content="Observation: 5"),
    ]
    assert latest_user_text(msgs) == HARD_EXAMPLE
    only_observation = [ChatMessage(role=MessageRole.USER, content="Observation: x")]
    assert latest_user_text(only_observation) == "Observation: x"
    assert latest_user_text([ChatMessage(role=MessageRole.SYSTEM, content="sys only")]) == "sys only"
    with pytest.raises(InvalidPromptError, match="no text to route on"):
        latest_user_text([ChatMessage(role=MessageRole.USER, content="")])


def test_route_on_hook_and_routing_text_override(make_routed, mocks) -> None:
    seen: list = []

    def hook(messages):
        seen.append(len(messages))
        return HARD_EXAMPLE

    llm = make_routed(*mocks, route_on=hook)
    assert llm.chat(user(EASY_EXAMPLE)).additional_kwargs["routing"]["model"] == "strong"
    assert seen == [1]
    # a hook answering None falls back to the latest user message
    llm2 = make_routed(*mocks, route_on=lambda messages: None)
    assert llm2.chat(user(EASY_EXAMPLE)).additional_kwargs["routing"]["model"] == "weak"
    # routing_text() beats the hook and the messages
    with routing_text(EASY_EXAMPLE):
        assert llm.chat(user(HARD_EXAMPLE)).additional_kwargs["routing"]["model"] == "weak"
    assert llm.chat(user(EASY_EXAMPLE)).additional_kwargs["routing"]["model"] == "strong"


def test_route_on_query_scores_query_str_not_template(make_routed, mocks) -> None:
    strong, weak = mocks
    template = PromptTemplate("Context:\n{context_str}\nQuery: {query_str}\nAnswer:")
    plain = make_routed(strong, weak)
    hooked = make_routed(strong, weak, route_on=route_on_query)
    # hard context, easy question: the hook routes on the question only
    out = hooked.predict(template, context_str=HARD_EXAMPLE * 3, query_str=EASY_EXAMPLE)
    assert out.startswith("[weak-mock]")
    out = plain.predict(template, context_str=HARD_EXAMPLE * 3, query_str=EASY_EXAMPLE)
    assert out.startswith("[strong-mock]")  # the templated prompt is dominated by the context
    # outside predict the hook has no query_str and the latest user message is scored
    assert hooked.chat(user(HARD_EXAMPLE)).additional_kwargs["routing"]["model"] == "strong"


async def test_route_on_query_async_and_stream(make_routed, mocks) -> None:
    strong, weak = mocks
    template = PromptTemplate("Context:\n{context_str}\nQuery: {query_str}\nAnswer:")
    llm = make_routed(strong, weak, route_on=route_on_query)
    out = await llm.apredict(template, context_str=EASY_EXAMPLE, query_str=HARD_EXAMPLE)
    assert out.startswith("[strong-mock]")
    tokens = "".join(llm.stream(template, context_str=HARD_EXAMPLE, query_str=EASY_EXAMPLE))
    assert tokens.startswith("[weak-mock]")
    agen = await llm.astream(template, context_str=EASY_EXAMPLE, query_str=HARD_EXAMPLE)
    assert "".join([t async for t in agen]).startswith("[strong-mock]")


# ----------------------------------------------------------------------------- errors
class BrokenRouter(Router):
    name = "broken"
    uses_embedder = False

    def _fit(self, battles: Any) -> None:  # pragma: no cover
        pass

    def _score(self, prompts, strong, weak) -> np.ndarray:
        raise ValueError("weights are corrupt")


def test_routing_failures_raise_clear_errors(make_routed, mocks) -> None:
    strong, weak = mocks
    llm = make_routed(strong, weak, router=BrokenRouter())
    with pytest.raises(RoutingError, match="weights are corrupt"):
        llm.chat(user(HARD_EXAMPLE))
    with pytest.raises(RoutingError):
        asyncio.run(llm.achat(user(HARD_EXAMPLE)))
    ok = make_routed(strong, weak)
    with pytest.raises(InvalidPromptError):
        ok.chat([ChatMessage(role=MessageRole.USER, content="   ")])

    def bad_hook(messages):
        raise KeyError("nope")

    with pytest.raises(RoutingError, match="route_on hook"):
        make_routed(strong, weak, route_on=bad_hook).chat(user(HARD_EXAMPLE))
    with pytest.raises(RoutingError, match="str or None"):
        make_routed(strong, weak, route_on=lambda m: 42).chat(user(HARD_EXAMPLE))
    assert not strong.calls and not weak.calls  # no LLM was called


class ProviderDown(RuntimeError):
    pass


def test_chosen_model_error_surfaces_unchanged(make_routed, mocks) -> None:
    strong, weak = mocks
    boom = ProviderDown("strong is down")
    strong.fail_with = boom
    llm = make_routed(strong, weak)
    with pytest.raises(ProviderDown) as info:
        llm.chat(user(HARD_EXAMPLE))
    assert info.value is boom
    with pytest.raises(ProviderDown):
        list(llm.stream_chat(user(HARD_EXAMPLE)))
    with pytest.raises(ProviderDown):
        asyncio.run(llm.acomplete(HARD_EXAMPLE))
    assert not weak.calls
    assert llm.chat(user(EASY_EXAMPLE)).message.content.startswith("[weak-mock]")


def test_fallback_to_other(make_routed, mocks, events) -> None:
    strong, weak = mocks
    strong.fail_with = ProviderDown("strong is down")
    llm = make_routed(strong, weak, fallback_to_other=True)
    for responses in (
        [llm.chat(user(HARD_EXAMPLE))],
        list(llm.stream_chat(user(HARD_EXAMPLE))),
        [asyncio.run(llm.achat(user(HARD_EXAMPLE)))],
        asyncio.run(_run_agen(llm.astream_complete(HARD_EXAMPLE))),
        [llm.chat_with_tools([ADD_TOOL], user_msg=HARD_EXAMPLE)],
    ):
        routing = responses[-1].additional_kwargs["routing"]
        assert routing["model"] == "strong"  # the router's decision...
        assert routing["answered_by"] == "weak" and routing["model_name"] == "weak-mock"  # ...who answered
        assert routing["fallback"] is True
        assert "ProviderDown: strong is down" in routing["fallback_error"]
    assert len(events.of("RoutingFallbackEvent")) == 5
    # a fallback answer's tool calls are parsed by the model that answered
    llm.get_tool_calls_from_response(responses[-1])
    assert weak.parsed == [responses[-1]] and not strong.parsed
    # both down: the other's error surfaces, chained to the first
    weak.fail_with = ProviderDown("weak is down too")
    with pytest.raises(ProviderDown, match="weak is down too") as info:
        llm.chat(user(HARD_EXAMPLE))
    assert "strong is down" in str(info.value.__cause__)


def test_no_fallback_once_a_stream_has_started(make_routed) -> None:
    class MidStreamFailure(NamedFCLLM):
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            def gen():
                yield from list(self._words(prompt))[:1]
                raise ProviderDown("connection lost")

            return gen()

    strong, weak = MidStreamFailure("strong-mock"), NamedFCLLM("weak-mock")
    llm = make_routed(strong, weak, fallback_to_other=True)
    got = []
    with pytest.raises(ProviderDown, match="connection lost"):
        for chunk in llm.stream_complete(HARD_EXAMPLE):
            got.append(chunk)
    assert len(got) == 1 and got[0].additional_kwargs["routing"]["model"] == "strong"
    assert not weak.calls


# ----------------------------------------------------------------------------- tools
def test_chat_with_tools_passed_whole_and_tool_calls_parsed_by_producer(make_routed, mocks) -> None:
    strong, weak = mocks
    strong.tool_args = {"a": 40, "b": 2}
    weak.tool_args = {"a": 1, "b": 1}
    llm = make_routed(strong, weak)
    r_hard = llm.chat_with_tools([ADD_TOOL], user_msg=HARD_EXAMPLE)
    r_easy = llm.chat_with_tools([ADD_TOOL], chat_history=user(EASY_EXAMPLE))
    assert strong.calls[-1]["tools"] == [ADD_TOOL] and weak.calls[-1]["tools"] == [ADD_TOOL]
    assert llm.get_tool_calls_from_response(r_easy)[0].tool_kwargs == {"a": 1, "b": 1}
    assert llm.get_tool_calls_from_response(r_hard)[0].tool_kwargs == {"a": 40, "b": 2}
    assert strong.parsed == [r_hard] and weak.parsed == [r_easy]
    # streaming form
    chunks = list(llm.stream_chat_with_tools([ADD_TOOL], user_msg=EASY_EXAMPLE))
    assert llm.get_tool_calls_from_response(chunks[-1])[0].tool_name == "add"
    assert weak.parsed[-1] is chunks[-1]


async def test_concurrent_async_tool_calls_do_not_cross(make_routed, mocks) -> None:
    strong, weak = mocks
    strong.tool_args = {"a": 100, "b": 0}
    weak.tool_args = {"a": 0, "b": 0}
    llm = make_routed(strong, weak)
    texts = [HARD_EXAMPLE, EASY_EXAMPLE] * 6
    responses = await asyncio.gather(
        *[llm.achat_with_tools([ADD_TOOL], user_msg=t) for t in texts[:6]],
        *[_collect_last(llm.astream_chat_with_tools([ADD_TOOL], user_msg=t)) for t in texts[6:]],
    )
    for text, resp in zip(texts, responses):
        expected = "strong" if text == HARD_EXAMPLE else "weak"
        assert resp.additional_kwargs["routing"]["model"] == expected
        calls = llm.get_tool_calls_from_response(resp)
        assert calls[0].tool_kwargs["a"] == (100 if expected == "strong" else 0)
    assert len(strong.parsed) == 6 and len(weak.parsed) == 6


async def _collect_last(coro: Any) -> Any:
    last = None
    async for chunk in await coro:
        last = chunk
    return last


def test_untagged_response_tries_strong_then_weak(make_routed, mocks) -> None:
    strong, weak = mocks
    llm = make_routed(strong, weak)
    resp = ChatResponse(message=ChatMessage(role="assistant", content="no tools"))
    assert llm.get_tool_calls_from_response(resp, error_on_no_tool_call=False) == []
    assert strong.parsed == [resp]


def test_prepare_then_chat_goes_to_the_same_model(make_routed, mocks) -> None:
    strong, weak = mocks
    llm = make_routed(strong, weak)
    prepared = llm._prepare_chat_with_tools_compat([ADD_TOOL], user_msg=EASY_EXAMPLE)
    resp = llm.chat(**prepared)
    assert resp.additional_kwargs["routing"]["model"] == "weak"
    assert weak.calls[-1]["tools"] == [ADD_TOOL] and not strong.calls


def test_predict_and_call(make_routed, mocks) -> None:
    strong, weak = mocks
    strong.tool_args = {"a": 20, "b": 22}
    llm = make_routed(strong, weak)
    out = llm.predict_and_call([ADD_TOOL], user_msg=HARD_EXAMPLE)
    assert out.response == "42"


class Answer(BaseModel):
    """An answer with a confidence."""

    text: str
    confidence: int


def test_structured_predict(make_routed, mocks) -> None:
    strong, weak = mocks
    strong.tool_args = {"text": "irrational", "confidence": 9}
    weak.tool_args = {"text": "hello", "confidence": 1}
    llm = make_routed(strong, weak)
    prompt = PromptTemplate("{question}")
    hard = llm.structured_predict(Answer, prompt, question=HARD_EXAMPLE)
    assert hard == Answer(text="irrational", confidence=9)
    assert llm.structured_predict(Answer, prompt, question=EASY_EXAMPLE).confidence == 1
    got = asyncio.run(llm.astructured_predict(Answer, prompt, question=HARD_EXAMPLE))
    assert got.text == "irrational"


def test_structured_predict_plain_llm_path(make_routed) -> None:
    """Completion-only models: LlamaIndex's text-completion program parses their JSON output."""
    strong = ScriptedCompletionLLM(name="s", script=['{"text": "strong", "confidence": 9}'])
    weak = ScriptedCompletionLLM(name="w", script=['{"text": "weak", "confidence": 1}'])
    llm = make_routed(strong, weak)
    assert not llm.metadata.is_function_calling_model
    template = PromptTemplate("{question}")
    hard = llm.structured_predict(Answer, template, question=HARD_EXAMPLE)
    assert hard == Answer(text="strong", confidence=9)
    assert llm.structured_predict(Answer, template, question=EASY_EXAMPLE).text == "weak"


# ----------------------------------------------------------------------------- observability
def test_instrumentation_event_and_single_llm_events(make_routed, mocks, events) -> None:
    strong, weak = mocks
    llm = make_routed(strong, weak)
    llm.chat(user(HARD_EXAMPLE))
    llm.complete(EASY_EXAMPLE)
    decisions = events.of("RoutingDecisionEvent")
    assert [(d.model, d.model_name, d.method) for d in decisions] == [
        ("strong", "strong-mock", "chat"),
        ("weak", "weak-mock", "complete"),
    ]
    assert isinstance(decisions[0], RoutingDecisionEvent)
    assert decisions[0].to_routing_dict()["router"] == "mf"
    # the chosen LLM's own start/end events fire once per call, not once more for RoutedLLM
    assert len(events.of("LLMChatStartEvent")) == 1 and len(events.of("LLMChatEndEvent")) == 1
    assert len(events.of("LLMCompletionStartEvent")) == 1
    # the decision is reported inside the RoutedLLM call's span, which is the chosen LLM's parent
    assert decisions[0].span_id and decisions[0].span_id.startswith("RoutedLLM.chat")


def _tokens(text: str) -> list:
    return text.split()


@pytest.mark.parametrize("where", ["settings", "routed_only", "inner_only"])
def test_token_counting_counts_each_call_once(make_routed, where: str) -> None:
    from llama_index.core import Settings

    counter = TokenCountingHandler(tokenizer=_tokens)
    manager = CallbackManager([counter])
    if where == "settings":  # every LLM built afterwards shares the handler
        Settings.callback_manager = manager
        strong, weak = NamedFCLLM("strong-mock"), NamedFCLLM("weak-mock")
        llm = make_routed(strong, weak)
        assert counter in strong.callback_manager.handlers and counter in llm.callback_manager.handlers
    elif where == "routed_only":
        strong = NamedFCLLM("strong-mock", callback_manager=CallbackManager([]))
        weak = NamedFCLLM("weak-mock", callback_manager=CallbackManager([]))
        llm = make_routed(strong, weak, callback_manager=manager)
    else:
        strong = NamedFCLLM("strong-mock", callback_manager=manager)
        weak = NamedFCLLM("weak-mock", callback_manager=manager)
        llm = make_routed(strong, weak, callback_manager=CallbackManager([]))
    llm.chat(user(HARD_EXAMPLE))
    llm.complete(EASY_EXAMPLE)
    list(llm.stream_chat(user(EASY_EXAMPLE)))
    llm.chat_with_tools([ADD_TOOL], user_msg=EASY_EXAMPLE)
    assert len(counter.llm_token_counts) == 4, [e.prompt for e in counter.llm_token_counts]
    assert counter.total_llm_token_count > 0


def test_rate_limiter_acquired_once_per_call(make_routed, mocks) -> None:
    class CountingLimiter:
        def __init__(self) -> None:
            self.sync = self.async_ = 0

        def acquire(self) -> None:
            self.sync += 1

        async def async_acquire(self) -> None:
            self.async_ += 1

    limiter = CountingLimiter()
    llm = make_routed(*mocks, rate_limiter=limiter)
    llm.chat(user(HARD_EXAMPLE))
    list(llm.stream_complete(EASY_EXAMPLE))
    asyncio.run(llm.achat(user(EASY_EXAMPLE)))
    assert (limiter.sync, limiter.async_) == (2, 1)
