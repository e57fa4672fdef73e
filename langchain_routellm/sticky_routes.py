"""Sticky routing for ``RoutedChatModel``: the route an agent run already took, so that the run
keeps its first decision (see docs/sticky_routing.md)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig

from langchain_routellm.prompt_text import text
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.metadata import ROUTING_KEY, decision_from_metadata
from routellm_core.utils.lru import ByteLRU, text_key


class StickyRoutes:
    """The routes agent runs already took, so that a run keeps its first decision.

    A run's route is the routing metadata of an AI message after its last human message, or, for
    histories that lost it, the decision remembered for (LangGraph ``thread_id``, that human
    message). The memory is an LRU bounded by ``max_bytes`` (keys are digests, not the text).
    """

    def __init__(self, max_bytes: int) -> None:
        self._memory: ByteLRU[RoutingDecision] = ByteLRU(max_bytes)

    def lookup(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None, labels: Collection[str]
    ) -> tuple[RoutingDecision | None, Any]:
        """(the route this run already took, or None; the key to remember a new one under);
        ``labels``: the routed models' labels."""
        key = self._run_key(messages, config or {})
        for message in reversed(messages):
            if message.type == "human":
                break
            if isinstance(message, AIMessage):
                found = decision_from_metadata(message.response_metadata.get(ROUTING_KEY), labels)
                if found is not None:
                    return found, key
        return (self._memory.get(key) if key is not None else None), key

    def remember(self, key: Any, decision: RoutingDecision) -> RoutingDecision:
        if key is not None:
            self._memory.put(key, decision)
        return decision

    @staticmethod
    def _run_key(messages: Sequence[BaseMessage], config: RunnableConfig) -> Any:
        thread = (config.get("configurable") or {}).get("thread_id")
        thread = thread or (config.get("metadata") or {}).get("thread_id")
        if thread is None:
            return None
        for index in range(len(messages) - 1, -1, -1):
            if messages[index].type == "human":
                return (str(thread), messages[index].id or index, text_key(text(messages[index])))
        return None

    @property
    def nbytes(self) -> int:
        return self._memory.nbytes

    def __len__(self) -> int:
        return len(self._memory)
