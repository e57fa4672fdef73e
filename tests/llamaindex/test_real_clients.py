"""RoutedLLM over the real ``llama-index-llms-openai`` / ``llama-index-llms-anthropic`` clients,
talking HTTP to the local OpenAI-/Anthropic-compatible test server (routellm_core.testing.provider_server)."""

from __future__ import annotations

import asyncio

import openai
import pytest
from llama_index.core import Settings
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.tools import FunctionTool

from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE

HARD_TOOL_Q = "Prove rigorously with the multiply tool that 6 times 7 is 42."
EASY_TOOL_Q = "hi there, use the multiply tool on 2 and 3"
STRONG_CLAUDE = "claude-opus-4-7"  # a model the LlamaIndex client sends no temperature for


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=text)]


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


MULTIPLY = FunctionTool.from_defaults(fn=multiply)


def test_routing_of_the_tool_questions(make_routed, mocks) -> None:
    llm = make_routed(*mocks)
    assert llm.decide(HARD_TOOL_Q).model == "strong"
    assert llm.decide(EASY_TOOL_Q).model == "weak"


async def test_openai_pair_every_call_form(make_routed, openai_llm, provider_server) -> None:
    llm = make_routed(openai_llm("gpt-4o"), openai_llm("gpt-4o-mini"))
    assert llm.metadata.is_function_calling_model and llm.metadata.is_chat_model

    async def astream(coro) -> str:
        return "".join([c.delta or "" async for c in await coro])

    for text, model in ((HARD_EXAMPLE, "gpt-4o"), (EASY_EXAMPLE, "gpt-4o-mini")):
        provider_server.clear_requests()
        r = llm.chat(user(text))
        assert r.message.content.startswith(f"[{model}]")
        assert r.additional_kwargs["routing"]["model_name"] == model
        assert r.raw is not None  # the provider's raw response is kept
        assert "".join(c.delta or "" for c in llm.stream_chat(user(text))).startswith(f"[{model}]")
        assert (await llm.achat(user(text))).message.content.startswith(f"[{model}]")
        assert (await astream(llm.astream_chat(user(text)))).startswith(f"[{model}]")
        assert llm.complete(text).text.startswith(f"[{model}]")
        assert (await llm.acomplete(text)).text.startswith(f"[{model}]")
        assert provider_server.models_called("chat") == [model] * 6


def test_anthropic_strong_openai_weak(make_routed, anthropic_llm, openai_llm, provider_server) -> None:
    strong, weak = anthropic_llm(STRONG_CLAUDE), openai_llm("gpt-4o-mini")
    llm = make_routed(strong, weak)
    md = llm.metadata
    assert md.context_window == min(strong.metadata.context_window, weak.metadata.context_window)
    assert md.is_function_calling_model

    hard = llm.chat(user(HARD_EXAMPLE))
    assert hard.message.content.startswith(f"[{STRONG_CLAUDE}]")
    assert hard.additional_kwargs["routing"] == {
        **hard.additional_kwargs["routing"], "model": "strong", "model_name": STRONG_CLAUDE, "router": "mf",
    }
    streamed = list(llm.stream_chat(user(HARD_EXAMPLE)))
    assert streamed[-1].message.content.startswith(f"[{STRONG_CLAUDE}]")
    assert all(c.additional_kwargs["routing"]["model"] == "strong" for c in streamed)
    assert llm.chat(user(EASY_EXAMPLE)).message.content.startswith("[gpt-4o-mini]")
    assert [r.provider for r in provider_server.requests] == ["anthropic", "anthropic", "openai"]

    # tools: each provider gets its own tool format, and each response is parsed by its producer
    r_hard = llm.chat_with_tools([MULTIPLY], user_msg=HARD_TOOL_Q)
    r_easy = llm.chat_with_tools([MULTIPLY], user_msg=EASY_TOOL_Q)
    req_hard, req_easy = provider_server.requests[-2:]
    assert req_hard.provider == "anthropic" and req_easy.provider == "openai"
    assert req_hard.body["tools"][0]["name"] == "multiply"  # Anthropic's tool format
    assert req_easy.body["tools"][0]["function"]["name"] == "multiply"  # OpenAI's tool format
    [call_hard] = llm.get_tool_calls_from_response(r_hard)
    [call_easy] = llm.get_tool_calls_from_response(r_easy)
    assert (call_hard.tool_name, call_hard.tool_kwargs) == ("multiply", {"a": 6, "b": 7})
    assert (call_easy.tool_name, call_easy.tool_kwargs) == ("multiply", {"a": 2, "b": 3})
    assert call_hard.tool_id.startswith("toolu_") and call_easy.tool_id.startswith("call_")


async def test_anthropic_async_tools_concurrently(
    make_routed, anthropic_llm, openai_llm, provider_server
) -> None:
    llm = make_routed(anthropic_llm(STRONG_CLAUDE), openai_llm("gpt-4o-mini"))
    provider_server.set_delay(STRONG_CLAUDE, 0.2)  # the strong calls finish last
    questions = [HARD_TOOL_Q, EASY_TOOL_Q] * 3

    async def last_chunk(q: str):
        last = None
        async for last in await llm.astream_chat_with_tools([MULTIPLY], user_msg=q):
            pass
        return last

    responses = await asyncio.gather(
        *[llm.achat_with_tools([MULTIPLY], user_msg=q) for q in questions],
        *[last_chunk(q) for q in questions],
    )
    for q, r in zip(questions * 2, responses):
        strong = q == HARD_TOOL_Q
        assert r.additional_kwargs["routing"]["model_name"] == (STRONG_CLAUDE if strong else "gpt-4o-mini")
        [call] = llm.get_tool_calls_from_response(r)
        assert call.tool_kwargs == ({"a": 6, "b": 7} if strong else {"a": 2, "b": 3})


def test_errors_surface_unchanged_or_fall_back(make_routed, openai_llm, provider_server) -> None:
    provider_server.fail_model("gpt-4o", status=500)
    plain = make_routed(openai_llm("gpt-4o"), openai_llm("gpt-4o-mini"))
    with pytest.raises(openai.InternalServerError):
        plain.chat(user(HARD_EXAMPLE))
    with pytest.raises(openai.InternalServerError):
        list(plain.stream_chat(user(HARD_EXAMPLE)))
    assert provider_server.models_called("chat") == ["gpt-4o", "gpt-4o"]

    provider_server.clear_requests()
    safe = make_routed(openai_llm("gpt-4o"), openai_llm("gpt-4o-mini"), fallback_to_other=True)
    r = safe.chat(user(HARD_EXAMPLE))
    assert r.message.content.startswith("[gpt-4o-mini]")
    routing = r.additional_kwargs["routing"]
    assert routing["fallback"] and routing["model"] == "strong" and routing["answered_by"] == "weak"
    assert routing["model_name"] == "gpt-4o-mini"
    assert "InternalServerError" in routing["fallback_error"]
    text = "".join(c.delta or "" for c in safe.stream_chat(user(HARD_EXAMPLE)))
    assert text.startswith("[gpt-4o-mini]")
    assert provider_server.models_called("chat") == ["gpt-4o", "gpt-4o-mini"] * 2


async def test_token_counting_once_with_shared_settings_callback_manager(
    make_routed, openai_llm, provider_server
) -> None:
    counter = TokenCountingHandler(tokenizer=str.split)
    Settings.callback_manager = CallbackManager([counter])
    # built after Settings.callback_manager: all three LLMs share the counter
    llm = make_routed(openai_llm("gpt-4o"), openai_llm("gpt-4o-mini"))
    llm.chat(user(HARD_EXAMPLE))
    list(llm.stream_chat(user(EASY_EXAMPLE)))
    await llm.acomplete(EASY_EXAMPLE)
    assert len(counter.llm_token_counts) == 3
    # the counts come from the provider's usage (the test server counts words)
    first = counter.llm_token_counts[0]
    assert first.prompt_token_count == len(HARD_EXAMPLE.split())
