"""How the chosen model runs inside the ``RoutedChatModel``'s run: the one module of this package
that uses private members of a LangChain chat model, and why.

The routed call is already a chat-model run (its callbacks, metadata and tags name the chosen
model). The chosen model therefore runs *run-less*, through ``_generate_with_cache`` /
``_agenerate_with_cache`` (its cache and rate limiter apply) or ``_stream`` / ``_astream`` when
its own settings let it stream (``_streaming_disabled``: ``disable_streaming``,
``streaming=False``, ``stream=False``). Its public ``invoke`` / ``stream`` would open a second
LLM run: ``get_usage_metadata_callback`` (bound to the context, not to the callbacks we pass)
would count the usage twice, handlers would see two ``on_chat_model_start``, LangGraph would
stream every token twice (``tests/langchain``: ``test_one_run_per_call_and_usage_counted_once``,
``test_tokens_emitted_once``, ``test_the_chosen_models_streaming_settings_are_kept``).
``ls_params`` asks the chosen model for its LangSmith provider and model name, which only
``_get_ls_params`` knows (``test_run_metadata_tags_and_ls_params_name_the_choice``).
``with_routing`` / ``chunk_with_routing`` attach the routing dict to what the model returned.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from routellm_core.routing.metadata import ROUTING_KEY


def generate(
    model: BaseChatModel, kwargs: dict[str, Any], messages: list[BaseMessage], stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
) -> ChatResult:
    return model._generate_with_cache(messages, stop=stop, run_manager=run_manager, **kwargs)


async def agenerate(
    model: BaseChatModel, kwargs: dict[str, Any], messages: list[BaseMessage], stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
) -> ChatResult:
    return await model._agenerate_with_cache(messages, stop=stop, run_manager=run_manager, **kwargs)


def stream(
    model: BaseChatModel, kwargs: dict[str, Any], messages: list[BaseMessage], stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
) -> Iterator[ChatGenerationChunk]:
    """The model's chunks, or its whole answer as chunks when it does not stream this call."""
    if not _streams(model, kwargs, async_api=False):
        yield from _whole(generate(model, kwargs, messages, stop, run_manager))
        return
    if model.rate_limiter:
        model.rate_limiter.acquire(blocking=True)
    yield from model._stream(messages, stop=stop, run_manager=run_manager, **kwargs)


async def astream(
    model: BaseChatModel, kwargs: dict[str, Any], messages: list[BaseMessage], stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
) -> AsyncIterator[ChatGenerationChunk]:
    if not _streams(model, kwargs, async_api=True):
        for chunk in _whole(await agenerate(model, kwargs, messages, stop, run_manager)):
            yield chunk
        return
    if model.rate_limiter:
        await model.rate_limiter.aacquire(blocking=True)
    async for chunk in model._astream(messages, stop=stop, run_manager=run_manager, **kwargs):
        yield chunk


def with_routing(result: ChatResult, info: dict[str, Any]) -> ChatResult:
    """``result`` with ``info`` as ``response_metadata["routing"]`` of every generation."""
    for generation in result.generations:
        message = generation.message
        message.response_metadata = {**message.response_metadata, ROUTING_KEY: info}
    return result


def chunk_with_routing(chunk: ChatGenerationChunk, info: dict[str, Any]) -> ChatGenerationChunk:
    """``chunk`` with ``info`` as its ``response_metadata["routing"]`` (the first chunk only: chunk
    metadata is merged, strings concatenated)."""
    chunk.message.response_metadata = {**chunk.message.response_metadata, ROUTING_KEY: info}
    return chunk


def ls_params(model: BaseChatModel, kwargs: dict[str, Any], stop: list[str] | None) -> LangSmithParams:
    """The model's LangSmith parameters (provider, model name, temperature...) for this call."""
    return model._get_ls_params(stop=stop, **kwargs)


def _streams(model: BaseChatModel, kwargs: dict[str, Any], *, async_api: bool) -> bool:
    """Whether the model streams this call: it implements streaming and its settings allow it."""
    cls = type(model)
    implemented = cls._stream is not BaseChatModel._stream
    implemented |= async_api and cls._astream is not BaseChatModel._astream
    return implemented and not model._streaming_disabled(**kwargs)


def _whole(result: ChatResult) -> list[ChatGenerationChunk]:
    """A model's whole answer as stream chunks."""
    return [ChatGenerationChunk(message=_as_chunk(g.message), generation_info=g.generation_info)
            for g in result.generations]


def _as_chunk(message: BaseMessage) -> AIMessageChunk:
    """An ``AIMessageChunk`` carrying a whole ``AIMessage``."""
    if isinstance(message, AIMessageChunk):
        return message
    ai = message if isinstance(message, AIMessage) else AIMessage(content=message.content)
    return AIMessageChunk(
        content=ai.content,
        additional_kwargs=dict(ai.additional_kwargs),
        response_metadata=dict(ai.response_metadata),
        id=ai.id,
        name=ai.name,
        usage_metadata=ai.usage_metadata,
        tool_call_chunks=[
            tool_call_chunk(name=tc["name"], args=json.dumps(tc["args"]), id=tc.get("id"), index=i)
            for i, tc in enumerate(ai.tool_calls)
        ],
        chunk_position="last",
    )
