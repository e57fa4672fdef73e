"""Events a RoutedLLM emits.

Instrumentation: ``RoutingDecisionEvent`` and ``RoutingFallbackEvent`` go through LlamaIndex's
dispatcher; handlers attached with
``llama_index.core.instrumentation.get_dispatcher().add_event_handler(h)`` receive them like any
built-in event, and ``span_id`` places them inside the RoutedLLM call's span, the parent of the
chosen LLM's own ``LLMChatStartEvent``/``LLMChatEndEvent``.

Legacy callbacks: ``LLMCallEvent`` is the one ``CBEventType.LLM`` event of a routed call (see
``llm.py`` for why it is not LlamaIndex's ``llm_chat_callback``).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from types import TracebackType
from typing import Any, Dict, List, Optional, get_args, get_origin, get_type_hints

from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.bridge.pydantic import create_model
from llama_index.core.instrumentation.events.base import BaseEvent

from routellm_core.routing.decision import RoutingDecision


class _RoutingDecisionEventBase(BaseEvent):
    model_name: Optional[str] = None
    method: str = ""

    @classmethod
    def class_name(cls) -> str:
        return "RoutingDecisionEvent"

    def to_routing_dict(self) -> dict:
        """The routing dict of the decision (``routing_metadata``'s keys): the decision's fields
        that are set, and ``model_name``."""
        out: Dict[str, Any] = {"model": getattr(self, "model"), "model_name": self.model_name}
        for name in _DECISION_FIELDS:
            value = getattr(self, name)
            if name != "model" and (value is not None or name in _REQUIRED):
                out[name] = value
        return out


def _event_field(name: str, hint: Any) -> tuple[Any, Any]:
    """A RoutingDecision field as an event field: tuples as lists (JSON values, as in the
    routing dict), optional fields defaulting to None."""
    if name in _REQUIRED:
        return hint, ...
    inner = [a for a in get_args(hint) if a is not type(None)][0]
    if get_origin(inner) is tuple:
        inner = List[get_args(inner)[0]]
    return Optional[inner], None


_HINTS = get_type_hints(RoutingDecision)
_DECISION_FIELDS = [f.name for f in fields(RoutingDecision)]
_REQUIRED = {f.name for f in fields(RoutingDecision) if f.default is MISSING}

#: A RoutedLLM call was routed: the decision's fields (``model``: "strong"/"weak", or the chosen
#: model's name with ``llms={...}``; ``score``, ``threshold``, ``router``; with N models also
#: ``tier``, ``strategy``, ``thresholds`` or ``scores``, ``expected_cost``, ``strongest_cost``
#: and, online, ``realised_shares``: see ``routellm_core.RoutingDecision``), plus ``model_name``
#: and ``method`` (``chat``, ``achat``, ``stream_chat``, ``chat_with_tools``...). Its fields are
#: RoutingDecision's, so the two never drift apart.
RoutingDecisionEvent = create_model(
    "RoutingDecisionEvent",
    __base__=_RoutingDecisionEventBase,
    __module__=__name__,
    **{name: _event_field(name, _HINTS[name]) for name in _DECISION_FIELDS},
)
RoutingDecisionEvent.__doc__ = """A RoutedLLM call was routed: ``RoutingDecision``'s fields (see
``routellm_core.RoutingDecision``; ``thresholds`` as a list), ``model_name`` and ``method``
(``chat``, ``achat``, ``stream_chat``, ``chat_with_tools``...)."""


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


class LLMCallEvent:
    """One ``CBEventType.LLM`` start/end, sent through the public ``CallbackManager`` API to the
    handlers of ``manager`` that ``answering`` (the answering LLM's manager, which reports the
    call itself) lacks. A context manager: it ends with the exception that leaves the block, or
    with the response given to ``done``.

    ``kind`` is ``"chat"`` (``data``: the messages) or ``"completion"`` (``data``: the prompt).
    """

    def __init__(
        self, manager: CallbackManager, answering: Any, payload: Dict[str, Any], kind: str, data: Any
    ) -> None:
        theirs = getattr(answering, "handlers", None) or []
        missing = [h for h in manager.handlers if not any(h is x for x in theirs)]
        self.manager: Optional[CallbackManager] = None
        self.response: Any = None
        if not missing:
            return
        if len(missing) == len(manager.handlers):
            self.manager = manager  # its own trace map records the event
        else:
            self.manager = CallbackManager()
            self.manager.set_handlers(missing)
        self.key, self.data = (EventPayload.MESSAGES, data) if kind == "chat" else (EventPayload.PROMPT, data)
        self.event_id = self.manager.on_event_start(CBEventType.LLM, payload={**payload, self.key: data})

    def done(self, response: Any) -> Any:
        """Record ``response`` as the call's result (reported when the block ends); returns it."""
        self.response = response
        return response

    def fail(self, exc: BaseException) -> None:
        """End the event with ``exc`` (for a failure outside a ``with`` block)."""
        self.__exit__(type(exc), exc, None)

    def __enter__(self) -> LLMCallEvent:
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        if self.manager is None or (exc is not None and not isinstance(exc, Exception)):
            return  # nothing to report to, or a generator closed early
        if exc is not None:
            payload: Dict[str, Any] = {EventPayload.EXCEPTION: exc}
        else:
            result = EventPayload.RESPONSE if self.key == EventPayload.MESSAGES else EventPayload.COMPLETION
            payload = {self.key: self.data, result: self.response}
        self.manager.on_event_end(CBEventType.LLM, payload=payload, event_id=self.event_id)
