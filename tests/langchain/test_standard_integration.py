"""langchain-tests ``ChatModelIntegrationTests`` over HTTP against the local provider server.

Three classes run the same standard suite:

* ``TestBareChatOpenAI``: a plain ``ChatOpenAI`` (the reference);
* ``TestRoutedChatOpenAIPair``: ``RoutedChatModel`` over two real ``ChatOpenAI`` clients;
* ``TestRoutedAnthropicStrong``: ``RoutedChatModel`` with ``ChatAnthropic`` as the strong model.

``test_routed_model_has_parity_with_bare_chatopenai`` (last in the module, so it runs after the
classes) asserts that the routed pair got exactly the outcome of the bare model on every test.

Media tests download sample files with ``httpx.get``; the ``_offline_media`` fixture answers
those downloads with small local bytes (the tests only check that a model accepts the input).
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_routellm import RoutedChatModel
from tests.langchain.conftest import OUTCOMES
from tests.langchain.models import STRONG_OPENAI, WEAK_OPENAI, anthropic_chat, openai_chat, router
from tests.provider_fixtures import FAKE_OPENAI_KEY
from tests.provider_server import shared_server

# 1x1 transparent PNG, a minimal PDF and a short WAV header: enough for the request to be built
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_WAV = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"


@pytest.fixture(autouse=True)
def _offline_media(monkeypatch: pytest.MonkeyPatch) -> None:
    real_get = httpx.get

    def fake_get(url: Any, *args: Any, **kwargs: Any) -> httpx.Response:
        text = str(url)
        if text.startswith("http://127.0.0.1"):
            return real_get(url, *args, **kwargs)
        body = _PDF if text.endswith(".pdf") else _WAV if text.endswith((".wav", ".mp3")) else _PNG
        return httpx.Response(200, content=body, request=httpx.Request("GET", text))

    monkeypatch.setattr(httpx, "get", fake_get)
    monkeypatch.setenv("LANGCHAIN_TESTS_USER_AGENT", "routellm-tests (offline)")


class _ServerConfig:
    """Capabilities shared by the OpenAI-backed classes (identical, so parity is meaningful)."""

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str | None:
        return "gpt-4.1-mini"


class TestBareChatOpenAI(_ServerConfig, ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatOpenAI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": WEAK_OPENAI,
            "base_url": shared_server().openai_base_url,
            "api_key": FAKE_OPENAI_KEY,
            "stream_usage": True,
        }


class TestRoutedChatOpenAIPair(_ServerConfig, ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return RoutedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"strong": openai_chat(STRONG_OPENAI), "weak": openai_chat(WEAK_OPENAI), "router": router(),
                "threshold": 0.5}


class TestRoutedAnthropicStrong(ChatModelIntegrationTests):
    """Strong model on the Anthropic Messages API, weak on OpenAI Chat Completions."""

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return RoutedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"strong": anthropic_chat(), "weak": openai_chat(WEAK_OPENAI), "router": router(),
                "threshold": 0.5}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False  # ChatAnthropic has no json_mode method

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str | None:
        return None  # a per-call model name is provider-specific; meaningless across providers


def test_routed_model_has_parity_with_bare_chatopenai(request: pytest.FixtureRequest) -> None:
    outcomes = request.config.stash.get(OUTCOMES, {})
    prefix = request.node.nodeid.split("::")[0]
    bare = {k.split("::", 2)[2]: v for k, v in outcomes.items() if k.startswith(f"{prefix}::TestBareChatOpenAI::")}
    routed = {
        k.split("::", 2)[2]: v for k, v in outcomes.items() if k.startswith(f"{prefix}::TestRoutedChatOpenAIPair::")
    }
    if not bare or not routed:
        pytest.skip("run the whole module to compare the routed model with the bare ChatOpenAI")
    assert sorted(bare) == sorted(routed), "the two classes ran different standard tests"
    differing = {name: (bare[name], routed[name]) for name in bare if bare[name] != routed[name]}
    assert not differing, f"routed outcome differs from bare ChatOpenAI: {differing}"
    assert sum(v == "passed" for v in routed.values()) >= 40
