"""What ``RoutedLLM`` reads from and writes to LlamaIndex objects: the text to score in a call's
messages, the routing dict on responses, and a recorded tool call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CompletionResponse, MessageRole

from routellm_core.errors import InvalidPromptError
from routellm_core.routing.metadata import ROUTING_KEY

if TYPE_CHECKING:  # pragma: no cover
    from llama_index.core.tools.types import BaseTool

#: ReActAgent sends tool observations as user messages starting with this
REACT_OBSERVATION = "Observation:"


def _message_text(message: ChatMessage) -> str:
    try:
        text = message.content
    except Exception:  # noqa: BLE001 - odd block types: no text
        text = None
    return text if isinstance(text, str) else ""


def latest_user_text(messages: Sequence[ChatMessage]) -> str:
    """The default text to score: the latest user message with text.

    ReAct observations (user messages starting with ``"Observation:"``, how ``ReActAgent`` feeds
    tool results back) are skipped, so one agent turn stays on one model; with no user message
    the latest message with text is used. Raises InvalidPromptError when nothing has text.
    """
    users = [t for m in messages if m.role == MessageRole.USER and (t := _message_text(m)).strip()]
    for text in reversed(users):
        if not text.lstrip().startswith(REACT_OBSERVATION):
            return text
    if users:
        return users[-1]
    for m in reversed(list(messages)):
        text = _message_text(m)
        if text.strip():
            return text
    raise InvalidPromptError(
        "RoutedLLM found no text to route on: the call has no user message with text. "
        "Pass a user message, or a route_on hook that returns the text to score."
    )


def user_messages(prompt: str) -> List[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=prompt)]


def tag(response: Any, meta: Dict[str, Any]) -> Any:
    """Attach the routing dict to a response (a fresh dict: never mutate a shared one)."""
    if isinstance(response, (ChatResponse, CompletionResponse)):
        response.additional_kwargs = {**(response.additional_kwargs or {}), ROUTING_KEY: meta}
    return response


def routing_of(response: Any) -> Any:
    """The routing dict a response carries, or None."""
    extra = getattr(response, "additional_kwargs", None)
    return extra.get(ROUTING_KEY) if isinstance(extra, dict) else None


@dataclass
class ToolRequest:
    """A ``chat_with_tools``-family call, recorded to be passed whole to the chosen LLM."""

    tools: Sequence[BaseTool]
    kwargs: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        tools: Sequence[BaseTool],
        user_msg: Optional[Union[str, ChatMessage]],
        chat_history: Optional[List[ChatMessage]],
        tool_required: bool,
        **kwargs: Any,
    ) -> tuple[List[ChatMessage], ToolRequest]:
        """(the call's messages, the request)."""
        messages = list(chat_history or [])
        if user_msg is not None:
            messages.append(user_messages(user_msg)[0] if isinstance(user_msg, str) else user_msg)
        call = dict(user_msg=user_msg, chat_history=chat_history, **kwargs)
        if tool_required:  # only when asked: older integrations lack the parameter
            call["tool_required"] = tool_required
        return messages, cls(tools, call)
