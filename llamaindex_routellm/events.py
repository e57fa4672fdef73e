"""Instrumentation events a RoutedLLM emits through LlamaIndex's dispatcher.

Handlers attached with ``llama_index.core.instrumentation.get_dispatcher().add_event_handler(h)``
receive them like any built-in event; ``span_id`` places them inside the RoutedLLM call's span,
the parent of the chosen LLM's own ``LLMChatStartEvent``/``LLMChatEndEvent``.
"""

from __future__ import annotations

from typing import Optional

from llama_index.core.instrumentation.events.base import BaseEvent


class RoutingDecisionEvent(BaseEvent):
    """A RoutedLLM call was routed: ``model`` ("strong"/"weak"), ``model_name``, ``score``,
    ``threshold``, ``router`` and ``method`` (``chat``, ``achat``, ``stream_chat``,
    ``chat_with_tools``...)."""

    model: str
    model_name: Optional[str] = None
    score: float
    threshold: float
    router: str
    method: str = ""

    @classmethod
    def class_name(cls) -> str:
        return "RoutingDecisionEvent"

    def to_routing_dict(self) -> dict:
        return {
            "model": self.model,
            "model_name": self.model_name,
            "score": self.score,
            "threshold": self.threshold,
            "router": self.router,
        }


class RoutingFallbackEvent(BaseEvent):
    """The routed model failed and ``fallback_to_other=True`` sent the call to the other one."""

    from_model: str
    to_model: str
    to_model_name: Optional[str] = None
    error: str
    method: str = ""

    @classmethod
    def class_name(cls) -> str:
        return "RoutingFallbackEvent"
