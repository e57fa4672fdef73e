"""Fixtures for the LlamaIndex adapter tests: the tiny trained router, RoutedLLM factories,
real clients pointed at the local provider server, and clean global Settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core import Settings
from llama_index.core.instrumentation import get_dispatcher

from tests.helpers import tiny_router_path
from tests.llamaindex.support import EventCollector, NamedFCLLM, StaticMiniLMEmbedding
from tests.provider_fixtures import (  # noqa: F401 - pytest fixtures
    FAKE_ANTHROPIC_KEY,
    FAKE_OPENAI_KEY,
    anthropic_base_url,
    openai_base_url,
    provider_server,
)

#: the router the tests use: the small trained mf router, threshold 0.5
THRESHOLD = 0.5


@pytest.fixture(scope="session")
def router_path() -> str:
    return str(tiny_router_path())


@pytest.fixture(scope="session")
def shared_router(router_path: str) -> Any:
    """One loaded router for the whole session (its embedding cache is warm after first use)."""
    from routellm_core import load_router

    return load_router(router_path)


@pytest.fixture(autouse=True)
def _clean_settings() -> Iterator[None]:
    """Tests may set Settings.llm / callback_manager / embed_model: restore them afterwards."""
    saved = (Settings._llm, Settings._callback_manager, Settings._embed_model)
    yield
    Settings._llm, Settings._callback_manager, Settings._embed_model = saved


@pytest.fixture
def make_routed(shared_router: Any):
    """``make_routed(strong, weak, **kw)``: a RoutedLLM over the tiny router at threshold 0.5."""
    from llamaindex_routellm import RoutedLLM

    def make(strong: Any, weak: Any, **kwargs: Any) -> RoutedLLM:
        kwargs.setdefault("threshold", THRESHOLD)
        return RoutedLLM(strong=strong, weak=weak, router=kwargs.pop("router", shared_router), **kwargs)

    return make


@pytest.fixture
def mocks() -> tuple[NamedFCLLM, NamedFCLLM]:
    return NamedFCLLM("strong-mock", context_size=8000, max_out=512), NamedFCLLM("weak-mock", max_out=128)


# ----------------------------------------------------------------------------- real clients
@pytest.fixture
def openai_llm(openai_base_url: str):
    from llama_index.llms.openai import OpenAI

    def make(model: str = "gpt-4o-mini", **kwargs: Any) -> OpenAI:
        return OpenAI(model=model, api_base=openai_base_url, api_key=FAKE_OPENAI_KEY, max_retries=0, **kwargs)

    return make


def _patch_anthropic_message_params(monkeypatch: pytest.MonkeyPatch) -> None:
    """Upstream incompatibility, not ours: llama-index-llms-anthropic (0.12.x) builds messages
    with ``MessageParam(role=..., content=...)``, which anthropic 2.x made a ``Union`` of
    TypedDicts that cannot be called. A TypedDict call only builds a dict, so build the dict.
    No-op with an anthropic SDK where these names are still callable TypedDicts."""
    import typing

    import llama_index.llms.anthropic.utils as anthropic_utils

    for name in ("MessageParam", "BetaMessageParam"):
        if typing.get_origin(getattr(anthropic_utils, name, None)) is typing.Union:
            monkeypatch.setattr(anthropic_utils, name, lambda **fields: dict(fields))


@pytest.fixture
def anthropic_llm(anthropic_base_url: str, monkeypatch: pytest.MonkeyPatch):
    from llama_index.llms.anthropic import Anthropic

    _patch_anthropic_message_params(monkeypatch)

    def make(model: str = "claude-sonnet-4-5", **kwargs: Any) -> Anthropic:
        return Anthropic(model=model, base_url=anthropic_base_url, api_key=FAKE_ANTHROPIC_KEY,
                         max_retries=0, **kwargs)

    return make


@pytest.fixture(scope="session")
def embed_model() -> StaticMiniLMEmbedding:
    return StaticMiniLMEmbedding()


@pytest.fixture
def events() -> Iterator[EventCollector]:
    root = get_dispatcher()
    collector = EventCollector()
    root.add_event_handler(collector)
    yield collector
    root.event_handlers.remove(collector)
