"""Test doubles for the LlamaIndex adapter tests: named mock LLMs, a completion-only scripted
LLM, an offline embedding model and an instrumentation event collector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, List, Optional

import numpy as np
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.mock import MockFunctionCallingLLM


# ----------------------------------------------------------------------------- mock LLMs
def _last_user_text(messages: Sequence[ChatMessage]) -> str:
    for m in reversed(list(messages)):
        if m.role == MessageRole.USER and m.content:
            return m.content
    return ""


class NamedFCLLM(MockFunctionCallingLLM):
    """A MockFunctionCallingLLM whose answers start with ``[name]``; with tools it calls the first
    tool with ``tool_args``; after a tool result it reports it. It records every call it answers
    and every response it parses tool calls from."""

    name: str = "mock"
    tool_args: dict = Field(default_factory=dict)
    context_size: int = 3900
    max_out: int = 256
    fail_with: Optional[Any] = Field(default=None, exclude=True)
    _calls: List[Any] = PrivateAttr(default_factory=list)
    _parsed: List[Any] = PrivateAttr(default_factory=list)

    def __init__(self, name: str = "mock", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.response_generator = self._answer

    @property
    def calls(self) -> List[Any]:
        return self._calls

    @property
    def parsed(self) -> List[Any]:
        return self._parsed

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_size, num_output=self.max_out, is_chat_model=True,
            is_function_calling_model=True, model_name=self.name,
        )

    def _answer(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        if self.fail_with is not None:
            raise self.fail_with
        self._calls.append({"messages": list(messages), "tools": kwargs.get("tools")})
        if any(m.role == MessageRole.TOOL for m in messages):
            return ChatMessage(role="assistant", content=f"[{self.name}] tool said {messages[-1].content}")
        tools = kwargs.get("tools")
        if tools:
            return ChatMessage(
                role="assistant",
                blocks=[ToolCallBlock(tool_call_id=f"{self.name}-call-{len(self._calls)}",
                                      tool_name=tools[0].metadata.name, tool_kwargs=dict(self.tool_args))],
            )
        return ChatMessage(role="assistant", content=f"[{self.name}] {_last_user_text(messages)}")

    def _complete(self, prompt: str) -> CompletionResponse:
        if self.fail_with is not None:
            raise self.fail_with
        self._calls.append({"prompt": prompt})
        return CompletionResponse(text=f"[{self.name}] {prompt}")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return self._complete(prompt)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return self._complete(prompt)

    def _words(self, prompt: str) -> CompletionResponseGen:
        text = self._complete(prompt).text
        pieces = text.split(" ")
        for i, piece in enumerate(pieces):
            yield CompletionResponse(text=" ".join(pieces[: i + 1]), delta=(" " if i else "") + piece)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        return self._words(prompt)

    @llm_completion_callback()
    async def astream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        async def gen() -> Any:
            for chunk in self._words(prompt):
                yield chunk

        return gen()

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = False, **kwargs: Any
    ) -> List[ToolSelection]:
        self._parsed.append(response)
        return super().get_tool_calls_from_response(response, error_on_no_tool_call=error_on_no_tool_call)


class ScriptedCompletionLLM(CustomLLM):
    """A completion-only LLM (no function calling) that answers from a script of texts, in
    order (the last one repeats), prefixed with nothing: for ReAct tests."""

    name: str = "scripted"
    script: List[str] = Field(default_factory=list)
    _prompts: List[str] = PrivateAttr(default_factory=list)

    @property
    def prompts(self) -> List[str]:
        return self._prompts

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=False, is_function_calling_model=False, model_name=self.name)

    def _next(self, prompt: str) -> str:
        self._prompts.append(prompt)
        i = min(len(self._prompts), len(self.script)) - 1
        return self.script[i] if self.script else f"[{self.name}]"

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._next(prompt))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = self._next(prompt)

        def gen() -> CompletionResponseGen:
            pieces = text.split(" ")
            for i, piece in enumerate(pieces):
                yield CompletionResponse(text=" ".join(pieces[: i + 1]), delta=(" " if i else "") + piece)

        return gen()


# ----------------------------------------------------------------------------- embeddings
class StaticMiniLMEmbedding(BaseEmbedding):
    """LlamaIndex embedding over routellm_core's static MiniLM table (numpy, offline, fast)."""

    _embedder: Any = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name="minilm-static", **kwargs)
        from routellm_core.embeddings import StaticEmbedder

        self._embedder = StaticEmbedder()

    @classmethod
    def class_name(cls) -> str:
        return "StaticMiniLMEmbedding"

    def _vec(self, text: str) -> List[float]:
        return np.asarray(self._embedder.embed([text])[0], dtype=np.float32).tolist()

    def _get_query_embedding(self, query: str) -> List[float]:
        return self._vec(query)

    def _get_text_embedding(self, text: str) -> List[float]:
        return self._vec(text)

    async def _aget_query_embedding(self, query: str) -> List[float]:
        return self._vec(query)


# ----------------------------------------------------------------------------- instrumentation
class EventCollector(BaseEventHandler):
    """Collects every instrumentation event (attach to the root dispatcher)."""

    events: List[BaseEvent] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "EventCollector"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(event)

    def of(self, name: str) -> List[BaseEvent]:
        return [e for e in self.events if e.class_name() == name]
