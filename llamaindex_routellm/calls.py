"""One call of a ``RoutedLLM`` as made on the chosen LLM (``Call``: ``chat_call`` /
``complete_call`` build it), and the streams that tag every chunk with the routing dict
(``tagged`` / ``atagged``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Dict

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms.llm import LLM

from llamaindex_routellm.events import LLMCallEvent
from llamaindex_routellm.messages import ToolRequest, tag

#: kwarg by which ``RoutedLLM._prepare_chat_with_tools`` hands the tool request to the ``chat`` family
TOOLS_KW = "_routellm_tools"


@dataclass
class Call:
    """One call of a RoutedLLM, as made on the chosen LLM."""

    method: str  # "chat", "astream_complete", "chat_with_tools"... (reported in events)
    fn: Callable[[LLM], Any]  # the same call on an LLM
    kind: str  # "chat" or "completion" (the legacy callback payload)
    data: Any  # the messages or the prompt
    kwargs: Dict[str, Any]


def tagged(chunks: Iterator[Any], meta: Dict[str, Any], event: LLMCallEvent) -> Iterator[Any]:
    with event:
        for chunk in chunks:
            yield event.done(tag(chunk, meta))


async def atagged(
    chunks: AsyncIterator[Any], meta: Dict[str, Any], event: LLMCallEvent
) -> AsyncIterator[Any]:
    with event:
        async for chunk in chunks:
            yield event.done(tag(chunk, meta))


def chat_call(method: str, messages: Sequence[ChatMessage], kwargs: Dict[str, Any]) -> Call:
    """``method`` (``chat`` & co.) on the chosen LLM, or its ``_with_tools`` form for a tool
    request recorded by ``_prepare_chat_with_tools`` (passed whole)."""
    tools = kwargs.pop(TOOLS_KW, None)
    if isinstance(tools, ToolRequest):
        method = f"{method}_with_tools"
        fn = lambda llm: getattr(llm, method)(tools.tools, **tools.kwargs)  # noqa: E731
        return Call(method, fn, "chat", messages, kwargs)
    return Call(method, lambda llm: getattr(llm, method)(messages, **kwargs), "chat", messages, kwargs)

def complete_call(method: str, prompt: str, formatted: bool, kwargs: Dict[str, Any]) -> Call:
    fn = lambda llm: getattr(llm, method)(prompt, formatted=formatted, **kwargs)  # noqa: E731
    return Call(method, fn, "completion", prompt, kwargs)
