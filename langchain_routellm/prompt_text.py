"""The text a ``RoutedChatModel`` call scores by default: its last human message."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage

from routellm_core.errors import InvalidPromptError


def text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.text)


def last_human_text(messages: Sequence[BaseMessage]) -> str:
    """The default text to score: the last human message."""
    for message in reversed(messages):
        if message.type == "human":
            found = text(message)
            if not found.strip():
                raise InvalidPromptError(
                    "RoutedChatModel has nothing to score: the last human message has no text. The "
                    "router needs the user's text to choose a model."
                )
            return found
    raise InvalidPromptError(
        "RoutedChatModel scores the last human message, but the input has none; include a "
        "HumanMessage, or pass route_on=... to pick the text to score."
    )
