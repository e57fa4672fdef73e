"""langchain-tests ``ChatModelUnitTests`` for ``RoutedChatModel`` (no HTTP calls)."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_routellm import RoutedChatModel
from tests.langchain.models import STRONG_OPENAI, WEAK_OPENAI, openai_chat, router


class TestRoutedChatModelUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return RoutedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"strong": openai_chat(STRONG_OPENAI), "weak": openai_chat(WEAK_OPENAI), "router": router(),
                "threshold": 0.5}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        from tests.helpers import tiny_router_path

        path = str(tiny_router_path())
        return (
            {"ROUTELLM_ROUTER": path},
            {"strong": openai_chat(STRONG_OPENAI), "weak": openai_chat(WEAK_OPENAI), "threshold": 0.5},
            {"router": path},
        )
