"""What ``RoutedChatModel`` reads from LangChain objects: the models behind bindings, the text to
score, the route an agent run already took (sticky routing)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableBinding, RunnableConfig

from routellm_core.errors import ConfigError, InvalidPromptError
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.members import model_name_of
from routellm_core.routing.metadata import ROUTING_KEY, decision_from_metadata
from routellm_core.utils.lru import ByteLRU, text_key


def unwrap(runnable: Any) -> tuple[BaseChatModel, dict[str, Any]]:
    """(chat model, bound kwargs) of a chat model or a ``RunnableBinding`` around one (such as
    the result of ``bind_tools``). Outer bindings' kwargs win, as when the binding runs."""
    kwargs: dict[str, Any] = {}
    while isinstance(runnable, RunnableBinding):
        kwargs = {**runnable.kwargs, **kwargs}
        runnable = runnable.bound
    if not isinstance(runnable, BaseChatModel):
        raise ConfigError(
            f"strong, weak and models must be LangChain chat models (BaseChatModel), one with tools "
            f"bound, or a 'provider:model' name such as 'openai:gpt-4o-mini'; got {type(runnable).__name__}."
        )
    return runnable, kwargs


def model_name(model: BaseChatModel, bound: dict[str, Any] | None = None) -> str:
    """The model's name: a bound ``model=`` keyword, else core's ``model_name_of``, else its
    ``_llm_type``."""
    if bound and isinstance(bound.get("model"), str):
        return bound["model"]
    return model_name_of(model) or model._llm_type


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
