"""Model builders shared by the LangChain tests: real ChatOpenAI / ChatAnthropic clients that
talk to the local provider server, and RoutedChatModels over them with the tiny mf router."""

from __future__ import annotations

import functools
from typing import Any

from langchain_core.tools import tool
from pydantic import BaseModel

from tests.helpers import tiny_router
from tests.provider_fixtures import FAKE_ANTHROPIC_KEY, FAKE_OPENAI_KEY
from tests.provider_server import shared_server

STRONG_OPENAI = "gpt-4o"
WEAK_OPENAI = "gpt-4o-mini"
STRONG_ANTHROPIC = "claude-sonnet-4-6"


@functools.lru_cache(maxsize=1)
def router() -> Any:
    """One tiny mf router object shared by the tests (threshold 0.5: HARD_EXAMPLE -> strong,
    EASY_EXAMPLE -> weak)."""
    return tiny_router()


def openai_chat(model: str = WEAK_OPENAI, **kwargs: Any) -> Any:
    from langchain_openai import ChatOpenAI

    params = {"base_url": shared_server().openai_base_url, "api_key": FAKE_OPENAI_KEY, "max_retries": 0,
              "stream_usage": True, **kwargs}
    return ChatOpenAI(model=model, **params)


def anthropic_chat(model: str = STRONG_ANTHROPIC, **kwargs: Any) -> Any:
    from langchain_anthropic import ChatAnthropic

    params = {"base_url": shared_server().anthropic_base_url, "api_key": FAKE_ANTHROPIC_KEY, "max_retries": 0,
              **kwargs}
    return ChatAnthropic(model=model, **params)


def routed(strong: Any = None, weak: Any = None, **kwargs: Any) -> Any:
    from langchain_routellm import RoutedChatModel

    params = {"router": router(), "threshold": 0.5, **kwargs}
    return RoutedChatModel(
        strong=strong if strong is not None else openai_chat(STRONG_OPENAI),
        weak=weak if weak is not None else openai_chat(WEAK_OPENAI),
        **params,
    )


@tool
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str
    punchline: str
