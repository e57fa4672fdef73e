"""OpenAI chat-completions wire format <-> LangChain messages.

``parse_chat_request`` checks a request body and turns it into LangChain messages and call
options; ``completion_body`` and ``StreamTranslator`` turn the routed model's ``AIMessage`` /
``AIMessageChunk`` s back into ``chat.completion`` / ``chat.completion.chunk`` objects. Nothing
here routes: the routing decision arrives in ``response_metadata["routing"]`` and is copied into
an extra ``"routing"`` field that OpenAI clients ignore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata, add_usage

from routellm_core.routing.metadata import ROUTING_KEY

from langchain_routellm.server.errors import APIError
from langchain_routellm.server.schema import RequestLimits, check_limits, validate_body

#: OpenAI tool_choice strings -> LangChain's provider-neutral ones (each model's bind_tools
#: translates those into its own API's format)
_TOOL_CHOICE = {"auto": "auto", "required": "any"}
#: provider finish/stop reasons -> OpenAI finish_reason
_FINISH = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "content_filter": "content_filter",
    "refusal": "content_filter",
    "safety": "content_filter",
}


def _bad(message: str) -> APIError:
    return APIError(400, message, code="invalid_request")


@dataclass
class ChatRequest:
    """A checked ``POST /v1/chat/completions`` body: ``body`` as it came (decoded JSON), and what
    the LangChain path needs. ``messages`` (LangChain messages) are built on first use only, so
    the fast path builds none."""

    model: str
    body: dict[str, Any]
    stream: bool = False
    include_usage: bool = False
    call_kwargs: dict[str, Any] = field(default_factory=dict)
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: str | None = None
    response_format: dict[str, Any] | None = None
    _messages: list[BaseMessage] | None = field(default=None, repr=False)

    @property
    def messages(self) -> list[BaseMessage]:
        """The body's messages as LangChain messages (built once)."""
        if self._messages is None:
            self._messages = [to_langchain_message(m, i) for i, m in enumerate(self.body["messages"])]
        return self._messages

    def prompt_text(self) -> str:
        """The text the router scores: the last user message's (APIError 400 if there is none)."""
        return prompt_text(self.body["messages"])


def _content_text(content: Any) -> str:
    """A message content's text as LangChain's ``message.text`` reads it (text parts joined)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = []
    for part in content:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
            parts.append(part["text"])
    return "".join(parts)


def prompt_text(messages: list[Any]) -> str:
    """The last user message's text, which the router scores; APIError 400 when the request has
    no user message or its text is blank."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = _content_text(message.get("content"))
            if not text.strip():
                raise _bad(
                    "the last user message has no text; the router scores the last user message's text to "
                    "choose a model, so send it as a string or as text content parts."
                )
            return text
    raise _bad(
        "the request has no user message; the router scores the last user message's text to choose a "
        "model, so include one (role 'user')."
    )


def check_tool_calls(messages: list[Any]) -> None:
    """APIError 400 for an assistant message whose tool call arguments are not JSON (what the
    LangChain path's conversion refuses), without building LangChain messages."""
    for i, message in enumerate(messages):
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("tool_calls"):
            _tool_calls(message["tool_calls"], f"messages[{i}]")


# ------------------------------------------------------------------------------ requests
def _tool_calls(raw: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise _bad(f"{where}.tool_calls must be a list.")
    calls = []
    for j, call in enumerate(raw):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise _bad(f"{where}.tool_calls[{j}] needs a function with a name.")
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except json.JSONDecodeError as exc:
            raise _bad(f"{where}.tool_calls[{j}].function.arguments is not JSON: {exc}") from None
        calls.append(
            {
                "name": fn["name"],
                "args": args if isinstance(args, dict) else {"value": args},
                "id": call.get("id"),
                "type": "tool_call",
            }
        )
    return calls


def to_langchain_message(raw: Any, i: int) -> BaseMessage:
    """One OpenAI chat message (system, developer, user, assistant or tool) as a LangChain one."""
    where = f"messages[{i}]"
    if not isinstance(raw, dict):
        raise _bad(f"{where} must be an object with a role and content.")
    role, content = raw.get("role"), raw.get("content")
    content = "" if content is None else content
    if not isinstance(content, (str, list)):
        raise _bad(f"{where}.content must be a string or a list of content parts.")
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    if role in ("system", "developer"):
        return SystemMessage(content=content, name=name)
    if role == "user":
        return HumanMessage(content=content, name=name)
    if role == "assistant":
        calls = _tool_calls(raw["tool_calls"], where) if raw.get("tool_calls") else []
        return AIMessage(content=content, name=name, tool_calls=calls)
    if role == "tool":
        if not isinstance(raw.get("tool_call_id"), str):
            raise _bad(f"{where} has role 'tool' but no tool_call_id.")
        return ToolMessage(content=content, tool_call_id=raw["tool_call_id"])
    raise _bad(f"{where}.role is {role!r}; use system, developer, user, assistant or tool.")


def parse_chat_request(body: Any, limits: RequestLimits | None = None) -> ChatRequest:
    """The ChatRequest in a decoded JSON body: its size checked against ``limits``, every field
    by the one schema (``schema.ChatBody``); APIError 400 naming the field that is wrong. An
    explicit ``null`` is the same as a field left out."""
    check_limits(body, limits or RequestLimits())
    chat = validate_body(body)
    call_kwargs: dict[str, Any] = {}
    if chat.temperature is not None:
        call_kwargs["temperature"] = chat.temperature
    if chat.top_p is not None:
        call_kwargs["top_p"] = chat.top_p
    max_tokens = chat.max_completion_tokens if chat.max_completion_tokens is not None else chat.max_tokens
    if max_tokens is not None:
        call_kwargs["max_tokens"] = max_tokens
    if chat.stop is not None:
        call_kwargs["stop"] = [chat.stop] if isinstance(chat.stop, str) else list(chat.stop)
    choice = chat.tool_choice
    if choice is None or isinstance(choice, str):
        tool_choice = _TOOL_CHOICE.get(choice, choice) if choice is not None else None
    else:
        tool_choice = choice.function.name
    response_format = body.get("response_format")
    if response_format is not None and response_format.get("type") == "text":
        response_format = None
    check_tool_calls(body["messages"])
    return ChatRequest(
        model=chat.model,
        body=body,
        stream=bool(chat.stream),
        include_usage=bool(chat.stream_options and chat.stream_options.include_usage),
        call_kwargs=call_kwargs,
        tools=list(body.get("tools") or []),
        tool_choice=tool_choice,
        response_format=response_format,
    )


# ------------------------------------------------------------------------------ responses
def routing_of(message: BaseMessage) -> dict[str, Any] | None:
    """The routing decision a routed message carries."""
    info = message.response_metadata.get(ROUTING_KEY)
    return info if isinstance(info, dict) else None


def routing_headers(routing: dict[str, Any] | None) -> dict[str, str]:
    """The decision as ``x-routellm-*`` response headers."""
    if not routing:
        return {}
    headers = {
        "x-routellm-model": str(routing.get("answered_by") or routing["model"]),
        "x-routellm-model-name": str(routing.get("model_name")),
        "x-routellm-decision": str(routing["model"]),
        "x-routellm-score": f"{routing['score']:.6f}",
        "x-routellm-threshold": f"{routing['threshold']:.6f}",
        "x-routellm-router": str(routing["router"]),
    }
    if routing.get("fallback"):
        headers["x-routellm-fallback"] = "true"
    return headers


def usage_dict(usage: UsageMetadata | None) -> dict[str, Any] | None:
    """LangChain usage metadata as OpenAI's ``usage`` object."""
    if not usage:
        return None
    out: dict[str, Any] = {
        "prompt_tokens": usage.get("input_tokens", 0),
        "completion_tokens": usage.get("output_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
    }
    cached = (usage.get("input_token_details") or {}).get("cache_read")
    if cached is not None:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    reasoning = (usage.get("output_token_details") or {}).get("reasoning")
    if reasoning is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return out


def _finish_reason(metadata: dict[str, Any]) -> str | None:
    raw = metadata.get("finish_reason") or metadata.get("stop_reason")
    return _FINISH.get(str(raw).lower(), "stop") if raw else None


def _openai_tool_call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call.get("id"),
        "type": "function",
        "function": {"name": call["name"], "arguments": json.dumps(call["args"], ensure_ascii=False)},
    }


def completion_body(
    message: AIMessage, *, completion_id: str, created: int, routing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``chat.completion`` object for a routed AIMessage, with its ``routing`` field (``routing``,
    else the message's own routing metadata)."""
    routing = routing if routing is not None else routing_of(message)
    text = str(message.text)
    reply: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None}
    if message.tool_calls:
        reply["tool_calls"] = [_openai_tool_call(c) for c in message.tool_calls]
        finish = "tool_calls"
    else:
        reply["content"] = text
        finish = _finish_reason(message.response_metadata) or "stop"
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": (routing or {}).get("model_name") or message.response_metadata.get("model_name"),
        "choices": [{"index": 0, "message": reply, "finish_reason": finish, "logprobs": None}],
        "usage": usage_dict(message.usage_metadata),
        ROUTING_KEY: routing,
    }


class StreamTranslator:
    """Turns one routed stream of ``AIMessageChunk`` s into ``chat.completion.chunk`` objects.

    The first chunk carries ``role`` and the ``routing`` field; tool-call indexes are renumbered
    0, 1, ... (providers number content blocks, OpenAI numbers tool calls); ``finish`` gives the
    closing chunk and, when asked for, the usage chunk.
    """

    def __init__(
        self, completion_id: str, created: int, include_usage: bool, routing: dict[str, Any] | None = None
    ) -> None:
        self._base = {"id": completion_id, "object": "chat.completion.chunk", "created": created}
        self._given_routing = routing
        self._include_usage = include_usage
        self._started = False
        self._tool_index: dict[Any, int] = {}
        self._finish: str | None = None
        self._usage: UsageMetadata | None = None
        self.routing: dict[str, Any] | None = None

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        return {
            **self._base,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }

    def _tool_deltas(self, chunk: AIMessageChunk) -> list[dict[str, Any]]:
        out = []
        for call in chunk.tool_call_chunks:
            key = call.get("index") if call.get("index") is not None else call.get("id")
            index = self._tool_index.setdefault(key, len(self._tool_index))
            delta: dict[str, Any] = {"index": index, "function": {"arguments": call.get("args") or ""}}
            if call.get("id"):
                delta["id"] = call["id"]
                delta["type"] = "function"
            if call.get("name"):
                delta["function"]["name"] = call["name"]
            out.append(delta)
        return out

    def translate(self, chunk: AIMessageChunk) -> list[dict[str, Any]]:
        """The OpenAI chunks for one LangChain chunk (none for an empty one)."""
        if chunk.usage_metadata:
            self._usage = add_usage(self._usage, chunk.usage_metadata)
        self._finish = _finish_reason(chunk.response_metadata) or self._finish
        delta: dict[str, Any] = {}
        text = str(chunk.text)
        if text:
            delta["content"] = text
        tool_deltas = self._tool_deltas(chunk)
        if tool_deltas:
            delta["tool_calls"] = tool_deltas
        if not self._started:
            self._started = True
            self.routing = self._given_routing if self._given_routing is not None else routing_of(chunk)
            self._base["model"] = (self.routing or {}).get("model_name")
            return [
                self._chunk({"role": "assistant", "content": text, **delta}, **{ROUTING_KEY: self.routing})
            ]
        return [self._chunk(delta)] if delta else []

    @property
    def usage(self) -> dict[str, Any] | None:
        """The usage the stream's chunks reported so far, as OpenAI's ``usage`` object (or None)."""
        return usage_dict(self._usage)

    def finish(self) -> list[dict[str, Any]]:
        """The closing chunk (finish_reason), then the usage chunk if the client asked for it."""
        finish = "tool_calls" if self._tool_index else (self._finish or "stop")
        out = [self._chunk({}, finish)]
        if self._include_usage:
            out.append({**self._base, "choices": [], "usage": usage_dict(self._usage)})
        return out
