"""``RoutedLLM``: a LlamaIndex LLM that sends each call to a strong or a weak LLM.

Every decision is made by ``routellm_core.RoutingPolicy``; this module only extracts the text to
score, calls the chosen LLM and reports the decision:

- on the response: ``response.additional_kwargs["routing"]`` (``{"model", "model_name",
  "score", "threshold", "router"}``; plus ``fallback``/``answered_by``/``fallback_error`` after a
  fallback), on every streamed chunk too;
- as instrumentation events (``RoutingDecisionEvent``, ``RoutingFallbackEvent``) inside the
  RoutedLLM call's span;
- to legacy callback handlers (``TokenCountingHandler``...) as one ``CBEventType.LLM`` event per
  call: the chosen LLM reports to its own callback manager as usual, and RoutedLLM reports only
  to handlers of its own manager that the chosen LLM's manager lacks, so no handler sees a call
  twice (e.g. when ``Settings.callback_manager`` is shared by all three LLMs).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SerializeAsAny
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.callbacks.base import global_stack_trace
from llama_index.core.callbacks.schema import BASE_TRACE_EVENT
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import LLM, ToolSelection

from llamaindex_routellm.context import (
    current_default_text,
    current_routing_text,
    default_text_scope,
    prompt_args_scope,
)
from llamaindex_routellm.events import RoutingDecisionEvent, RoutingFallbackEvent
from routellm_core.errors import ConfigError, InvalidPromptError, RouteLLMError, RoutingError
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.metadata import ROUTING_KEY, answering_model, routing_metadata
from routellm_core.routing.policy import RoutingPolicy

if TYPE_CHECKING:  # pragma: no cover
    from llama_index.core.tools.types import BaseTool

    from routellm_core.routers.base import Router

dispatcher = get_dispatcher(__name__)

#: a ``route_on`` hook: the messages of a call -> the text to score (None/"": use the default)
RouteOn = Callable[[Sequence[ChatMessage]], Optional[str]]

#: kwarg by which ``_prepare_chat_with_tools`` hands its decision to ``chat``
_ROUTE_KWARG = "_routellm_decision"
#: ReActAgent sends tool observations as user messages starting with this
_REACT_OBSERVATION = "Observation:"


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
    users = [
        t for m in messages if m.role == MessageRole.USER and (t := _message_text(m)).strip()
    ]
    for text in reversed(users):
        if not text.lstrip().startswith(_REACT_OBSERVATION):
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


def _tool_call_messages(
    user_msg: Optional[Union[str, ChatMessage]], chat_history: Optional[List[ChatMessage]]
) -> List[ChatMessage]:
    messages = list(chat_history or [])
    if user_msg is not None:
        messages.append(
            ChatMessage(role=MessageRole.USER, content=user_msg) if isinstance(user_msg, str) else user_msg
        )
    return messages


def _tag(response: Any, meta: Dict[str, Any]) -> Any:
    """Attach the routing dict to a response (a fresh dict: never mutate a shared one)."""
    if isinstance(response, (ChatResponse, CompletionResponse)):
        response.additional_kwargs = {**(response.additional_kwargs or {}), ROUTING_KEY: meta}
    return response


def _min_known(a: int, b: int) -> int:
    """The smaller of two sizes, ignoring unknown (<= 0) ones."""
    known = [v for v in (a, b) if isinstance(v, int) and v > 0]
    return min(known) if known else a


class _LegacyLLMEvent:
    """One ``CBEventType.LLM`` start/end for the RoutedLLM's callback handlers that the answering
    LLM's own callback manager does not have (those it reports to itself)."""

    def __init__(self, routed: RoutedLLM, inner: LLM, kind: str, data: Any, kwargs: Dict[str, Any]):
        manager = getattr(routed, "callback_manager", None)
        own = list(getattr(manager, "handlers", None) or [])
        inner_handlers = list(getattr(getattr(inner, "callback_manager", None), "handlers", None) or [])
        self.handlers = [h for h in own if not any(h is x for x in inner_handlers)]
        self.kind, self.data = kind, data
        self.event_id = str(uuid.uuid4())
        if not self.handlers:
            return
        stack = global_stack_trace.get()
        parent_id = stack[-1] if stack else BASE_TRACE_EVENT
        trace_map = getattr(manager, "_trace_map", None)
        if isinstance(trace_map, dict):
            trace_map.setdefault(parent_id, []).append(self.event_id)
        payload: Dict[str, Any] = {
            EventPayload.ADDITIONAL_KWARGS: kwargs,
            EventPayload.SERIALIZED: routed.to_payload(),
        }
        if kind == "chat":
            payload[EventPayload.MESSAGES] = data
        else:
            payload[EventPayload.PROMPT] = data
        for h in self.handlers:
            if CBEventType.LLM not in h.event_starts_to_ignore:
                h.on_event_start(CBEventType.LLM, payload, event_id=self.event_id, parent_id=parent_id)

    def end(self, response: Any = None, exception: Optional[BaseException] = None) -> None:
        if not self.handlers:
            return
        if exception is not None:
            payload: Dict[str, Any] = {EventPayload.EXCEPTION: exception}
        elif self.kind == "chat":
            payload = {EventPayload.MESSAGES: self.data, EventPayload.RESPONSE: response}
        else:
            payload = {EventPayload.PROMPT: self.data, EventPayload.COMPLETION: response}
        for h in self.handlers:
            if CBEventType.LLM not in h.event_ends_to_ignore:
                h.on_event_end(CBEventType.LLM, payload, event_id=self.event_id)


class RoutedLLM(FunctionCallingLLM):
    """A drop-in LLM that routes every call to ``strong`` or ``weak`` with a RouteLLM router.

    Args:
        strong, weak: any LlamaIndex LLMs (``OpenAI``, ``Anthropic``, ``MockLLM``...).
        router: ``"mf"`` (bundled), ``"random"``, a checkpoint folder, a hub id, a Router, or a
            ready ``RoutingPolicy`` (then give no threshold/strong_fraction).
        threshold / strong_fraction: at most one (see ``routellm_core.RoutingPolicy``).
        route_on: ``f(messages) -> str | None``: the text to score (default: the latest user
            message; in ``structured_predict``, the prompt without the JSON-schema instructions;
            ``llamaindex_routellm.route_on_query`` scores a query engine's query).
            A ``routing_text(...)`` block overrides both.
        fallback_to_other: when the chosen LLM raises, call the other one (default False:
            its error surfaces unchanged).

    ``metadata`` reports what both LLMs support: the smaller context window and ``num_output``,
    chat/function calling only if both have it. Tool calls (``chat_with_tools`` and friends)
    are passed whole to the chosen LLM, and ``get_tool_calls_from_response`` asks the LLM that
    produced the response (read from its routing tag).
    """

    strong: SerializeAsAny[LLM] = Field(description="LLM for prompts the router scores as hard.")
    weak: SerializeAsAny[LLM] = Field(description="LLM for the other prompts.")
    router: str = Field(default="mf", description="Name of the router that scores prompts.")
    threshold: float = Field(default=0.5, description="Score at or above which a call goes to strong.")
    strong_fraction: Optional[float] = Field(default=None, description="Requested share of strong calls.")
    fallback_to_other: bool = Field(default=False, description="On an error, try the other LLM.")
    route_on: Optional[Callable[..., Optional[str]]] = Field(
        default=None, exclude=True, description="messages -> text to score (default: latest user message)."
    )

    _policy: RoutingPolicy = PrivateAttr()

    def __init__(
        self,
        strong: LLM,
        weak: LLM,
        router: Union[str, Router, RoutingPolicy, Any] = "mf",
        *,
        threshold: Optional[float] = None,
        strong_fraction: Optional[float] = None,
        route_on: Optional[RouteOn] = None,
        fallback_to_other: bool = False,
        callback_manager: Optional[CallbackManager] = None,
        **kwargs: Any,
    ) -> None:
        for label, llm in (("strong", strong), ("weak", weak)):
            if not isinstance(llm, LLM):
                raise ConfigError(
                    f"RoutedLLM {label}= must be a LlamaIndex LLM (e.g. OpenAI(...), Anthropic(...)), "
                    f"got {type(llm).__name__}."
                )
        if route_on is not None and not callable(route_on):
            raise ConfigError(f"route_on must be a function messages -> str, got {type(route_on).__name__}.")
        if isinstance(router, RoutingPolicy):
            if threshold is not None or strong_fraction is not None:
                raise ConfigError(
                    "router is a RoutingPolicy, which has its threshold already; "
                    "do not pass threshold or strong_fraction too."
                )
            policy = router
        else:
            policy = RoutingPolicy(router, threshold=threshold, strong_fraction=strong_fraction)
        super().__init__(
            strong=strong,
            weak=weak,
            router=policy.router_name,
            threshold=policy.threshold,
            strong_fraction=policy.strong_fraction,
            fallback_to_other=bool(fallback_to_other),
            route_on=route_on,
            callback_manager=callback_manager,
            **kwargs,
        )
        self._policy = policy

    @classmethod
    def class_name(cls) -> str:
        return "RoutedLLM"

    @property
    def policy(self) -> RoutingPolicy:
        """The routellm_core policy that makes every decision (follows ``self.threshold`` if it
        is changed after construction)."""
        if self.threshold != self._policy.threshold:
            self._policy = RoutingPolicy(self._policy.router, threshold=self.threshold)
            self.strong_fraction = None
        return self._policy

    # ------------------------------------------------------------------ metadata
    @property
    def metadata(self) -> LLMMetadata:
        s, w = self.strong.metadata, self.weak.metadata
        return LLMMetadata(
            context_window=_min_known(s.context_window, w.context_window),
            num_output=_min_known(s.num_output, w.num_output),
            is_chat_model=bool(s.is_chat_model and w.is_chat_model),
            is_function_calling_model=bool(
                self._both_function_calling() and s.is_function_calling_model and w.is_function_calling_model
            ),
            model_name=f"routellm:{self.router}({s.model_name}|{w.model_name})",
            system_role=s.system_role if s.system_role == w.system_role else MessageRole.SYSTEM,
        )

    def to_payload(self) -> Dict[str, Any]:
        out = super().to_payload()
        out.update(
            router=self.router,
            threshold=self.threshold,
            strong_model=self._model_name(self.strong),
            weak_model=self._model_name(self.weak),
        )
        return out

    def _both_function_calling(self) -> bool:
        return isinstance(self.strong, FunctionCallingLLM) and isinstance(self.weak, FunctionCallingLLM)

    def _require_function_calling(self) -> None:
        for label, llm in (("strong", self.strong), ("weak", self.weak)):
            if not isinstance(llm, FunctionCallingLLM):
                raise ConfigError(
                    f"RoutedLLM cannot call tools: the {label} LLM ({type(llm).__name__}) is not a "
                    "FunctionCallingLLM. Tool calling needs both LLMs to support it; use a "
                    "ReActAgent (plain chat) with this pair instead."
                )

    @staticmethod
    def _model_name(llm: LLM) -> Optional[str]:
        for attr in ("model", "model_name"):
            value = getattr(llm, attr, None)
            if isinstance(value, str) and value:
                return value
        try:
            return llm.metadata.model_name
        except Exception:  # noqa: BLE001
            return type(llm).__name__

    def _llm_for(self, model: str) -> LLM:
        return self.strong if model == "strong" else self.weak

    # ------------------------------------------------------------------ deciding
    def _text_to_score(self, messages: Sequence[ChatMessage]) -> str:
        text = current_routing_text()
        if text is not None:
            return text
        if self.route_on is not None:
            try:
                text = self.route_on(messages)
            except RouteLLMError:
                raise
            except Exception as exc:  # noqa: BLE001 - a broken hook is a routing failure
                raise RoutingError(
                    f"RoutedLLM route_on hook {getattr(self.route_on, '__name__', self.route_on)!r} "
                    f"failed: {type(exc).__name__}: {exc}"
                ) from exc
            if text is not None and not isinstance(text, str):
                raise RoutingError(
                    f"RoutedLLM route_on hook must return a str or None, got {type(text).__name__}."
                )
            if text and text.strip():
                return text
        default = current_default_text()
        if default is not None and default.strip():
            return default
        return latest_user_text(messages)

    def _report(self, decision: RoutingDecision, method: str) -> None:
        dispatcher.event(
            RoutingDecisionEvent(
                model=decision.model,
                model_name=self._model_name(self._llm_for(decision.model)),
                score=decision.score,
                threshold=decision.threshold,
                router=decision.router,
                method=method,
            )
        )

    def _decide(self, messages: Sequence[ChatMessage], method: str) -> RoutingDecision:
        decision = self.policy.decide(self._text_to_score(messages))
        self._report(decision, method)
        return decision

    async def _adecide(self, messages: Sequence[ChatMessage], method: str) -> RoutingDecision:
        decision = await self.policy.adecide(self._text_to_score(messages))
        self._report(decision, method)
        return decision

    def decide(self, messages: Union[str, Sequence[ChatMessage]]) -> RoutingDecision:
        """The decision a call with these messages (or this prompt) would get; calls no LLM."""
        if isinstance(messages, str):
            messages = [ChatMessage(role=MessageRole.USER, content=messages)]
        return self.policy.decide(self._text_to_score(messages))

    # ------------------------------------------------------------------ calling
    def _attempts(self, decision: RoutingDecision, allow_fallback: bool) -> Attempts:
        """The LLMs this call tries: the chosen one, then the other with ``fallback_to_other``."""
        return Attempts(decision.model, self.fallback_to_other and allow_fallback)

    def _fallback_event(self, decision: RoutingDecision, to: str, error: BaseException, method: str) -> None:
        dispatcher.event(
            RoutingFallbackEvent(
                from_model=decision.model,
                to_model=to,
                to_model_name=self._model_name(self._llm_for(to)),
                error=f"{type(error).__name__}: {error}",
                method=method,
            )
        )

    def _meta(self, decision: RoutingDecision, key: str, attempts: Attempts) -> Dict[str, Any]:
        return routing_metadata(
            decision, self._model_name(self._llm_for(key)), answered_by=key, error=attempts.first_error
        )

    def _invoke(
        self,
        decision: RoutingDecision,
        method: str,
        fn: Callable[[LLM], Any],
        kind: str,
        data: Any,
        kwargs: Dict[str, Any],
        allow_fallback: bool = True,
    ) -> Any:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        attempts = self._attempts(decision, allow_fallback)
        for key in attempts:
            llm = self._llm_for(key)
            if attempts.first_error is not None:
                self._fallback_event(decision, key, attempts.first_error, method)
            event = _LegacyLLMEvent(self, llm, kind, data, kwargs)
            try:
                result = fn(llm)
            except Exception as exc:
                event.end(exception=exc)
                attempts.failed(exc)
                continue
            _tag(result, self._meta(decision, key, attempts))
            event.end(response=result)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ainvoke(
        self,
        decision: RoutingDecision,
        method: str,
        fn: Callable[[LLM], Any],
        kind: str,
        data: Any,
        kwargs: Dict[str, Any],
        allow_fallback: bool = True,
    ) -> Any:
        if self.rate_limiter is not None:
            await self.rate_limiter.async_acquire()
        attempts = self._attempts(decision, allow_fallback)
        for key in attempts:
            llm = self._llm_for(key)
            if attempts.first_error is not None:
                self._fallback_event(decision, key, attempts.first_error, method)
            event = _LegacyLLMEvent(self, llm, kind, data, kwargs)
            try:
                result = await fn(llm)
            except Exception as exc:
                event.end(exception=exc)
                attempts.failed(exc)
                continue
            _tag(result, self._meta(decision, key, attempts))
            event.end(response=result)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _stream(
        self,
        decision: RoutingDecision,
        method: str,
        fn: Callable[[LLM], Any],
        kind: str,
        data: Any,
        kwargs: Dict[str, Any],
        allow_fallback: bool = True,
    ) -> Generator[Any, None, None]:
        """Call the chosen LLM now and stream its chunks, tagged. A fallback happens only when
        the chosen LLM fails before its first chunk (streamed text cannot be taken back)."""
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        attempts = self._attempts(decision, allow_fallback)

        def start(i: int) -> tuple:
            key = attempts.labels[i]
            llm = self._llm_for(key)
            if attempts.first_error is not None:
                self._fallback_event(decision, key, attempts.first_error, method)
            event = _LegacyLLMEvent(self, llm, kind, data, kwargs)
            try:
                return key, event, iter(fn(llm))
            except Exception as exc:
                event.end(exception=exc)
                raise

        def start_from(i: int) -> tuple:
            while True:
                try:
                    return (i, *start(i))
                except Exception as exc:
                    attempts.failed(exc)
                    i += 1

        current = start_from(0)

        def gen() -> Generator[Any, None, None]:
            i, key, event, it = current
            meta = self._meta(decision, key, attempts)
            yielded, last = False, None
            while True:
                try:
                    chunk = next(it)
                except StopIteration:
                    break
                except Exception as exc:
                    event.end(exception=exc)
                    attempts.failed(exc, started=yielded)
                    i, key, event, it = start_from(i + 1)
                    meta = self._meta(decision, key, attempts)
                    continue
                yielded, last = True, _tag(chunk, meta)
                yield chunk
            event.end(response=last)

        return gen()

    async def _astream(
        self,
        decision: RoutingDecision,
        method: str,
        fn: Callable[[LLM], Any],
        kind: str,
        data: Any,
        kwargs: Dict[str, Any],
        allow_fallback: bool = True,
    ) -> AsyncGenerator[Any, None]:
        if self.rate_limiter is not None:
            await self.rate_limiter.async_acquire()
        attempts = self._attempts(decision, allow_fallback)

        async def start(i: int) -> tuple:
            key = attempts.labels[i]
            llm = self._llm_for(key)
            if attempts.first_error is not None:
                self._fallback_event(decision, key, attempts.first_error, method)
            event = _LegacyLLMEvent(self, llm, kind, data, kwargs)
            try:
                return key, event, (await fn(llm)).__aiter__()
            except Exception as exc:
                event.end(exception=exc)
                raise

        async def start_from(i: int) -> tuple:
            while True:
                try:
                    return (i, *(await start(i)))
                except Exception as exc:
                    attempts.failed(exc)
                    i += 1

        current = await start_from(0)

        async def gen() -> AsyncGenerator[Any, None]:
            i, key, event, it = current
            meta = self._meta(decision, key, attempts)
            yielded, last = False, None
            while True:
                try:
                    chunk = await it.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    event.end(exception=exc)
                    attempts.failed(exc, started=yielded)
                    i, key, event, it = await start_from(i + 1)
                    meta = self._meta(decision, key, attempts)
                    continue
                yielded, last = True, _tag(chunk, meta)
                yield chunk
            event.end(response=last)

        return gen()

    # ------------------------------------------------------------------ chat / complete
    def _pre_routed(self, kwargs: Dict[str, Any]) -> Optional[RoutingDecision]:
        decision = kwargs.pop(_ROUTE_KWARG, None)
        return decision if isinstance(decision, RoutingDecision) else None

    @staticmethod
    def _prompt_messages(prompt: str) -> List[ChatMessage]:
        return [ChatMessage(role=MessageRole.USER, content=prompt)]

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        pre = self._pre_routed(kwargs)
        decision = pre or self._decide(messages, "chat")
        return self._invoke(
            decision, "chat", lambda llm: llm.chat(messages, **kwargs), "chat", messages, kwargs,
            allow_fallback=pre is None,
        )

    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        pre = self._pre_routed(kwargs)
        decision = pre or await self._adecide(messages, "achat")
        return await self._ainvoke(
            decision, "achat", lambda llm: llm.achat(messages, **kwargs), "chat", messages, kwargs,
            allow_fallback=pre is None,
        )

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        pre = self._pre_routed(kwargs)
        decision = pre or self._decide(messages, "stream_chat")
        return self._stream(
            decision, "stream_chat", lambda llm: llm.stream_chat(messages, **kwargs), "chat", messages,
            kwargs, allow_fallback=pre is None,
        )

    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        pre = self._pre_routed(kwargs)
        decision = pre or await self._adecide(messages, "astream_chat")
        return await self._astream(
            decision, "astream_chat", lambda llm: llm.astream_chat(messages, **kwargs), "chat", messages,
            kwargs, allow_fallback=pre is None,
        )

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        decision = self._decide(self._prompt_messages(prompt), "complete")
        return self._invoke(
            decision, "complete", lambda llm: llm.complete(prompt, formatted=formatted, **kwargs),
            "completion", prompt, kwargs,
        )

    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        decision = await self._adecide(self._prompt_messages(prompt), "acomplete")
        return await self._ainvoke(
            decision, "acomplete", lambda llm: llm.acomplete(prompt, formatted=formatted, **kwargs),
            "completion", prompt, kwargs,
        )

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        decision = self._decide(self._prompt_messages(prompt), "stream_complete")
        return self._stream(
            decision, "stream_complete",
            lambda llm: llm.stream_complete(prompt, formatted=formatted, **kwargs),
            "completion", prompt, kwargs,
        )

    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        decision = await self._adecide(self._prompt_messages(prompt), "astream_complete")
        return await self._astream(
            decision, "astream_complete",
            lambda llm: llm.astream_complete(prompt, formatted=formatted, **kwargs),
            "completion", prompt, kwargs,
        )

    # ------------------------------------------------------------------ tools
    @staticmethod
    def _tool_kwargs(
        user_msg: Any, chat_history: Any, verbose: bool, allow_parallel_tool_calls: bool,
        tool_required: bool, kwargs: Dict[str, Any],
    ) -> Dict[str, Any]:
        out: Dict[str, Any] = dict(
            user_msg=user_msg, chat_history=chat_history, verbose=verbose,
            allow_parallel_tool_calls=allow_parallel_tool_calls, **kwargs,
        )
        if tool_required:  # only when asked: older integrations lack the parameter
            out["tool_required"] = tool_required
        return out

    @dispatcher.span
    def chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: Optional[Union[str, ChatMessage]] = None,
        chat_history: Optional[List[ChatMessage]] = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        self._require_function_calling()
        messages = _tool_call_messages(user_msg, chat_history)
        decision = self._decide(messages, "chat_with_tools")
        call = self._tool_kwargs(
            user_msg, chat_history, verbose, allow_parallel_tool_calls, tool_required, kwargs
        )
        return self._invoke(
            decision, "chat_with_tools", lambda llm: llm.chat_with_tools(tools, **call),
            "chat", messages, kwargs,
        )

    @dispatcher.span
    async def achat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: Optional[Union[str, ChatMessage]] = None,
        chat_history: Optional[List[ChatMessage]] = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        self._require_function_calling()
        messages = _tool_call_messages(user_msg, chat_history)
        decision = await self._adecide(messages, "achat_with_tools")
        call = self._tool_kwargs(
            user_msg, chat_history, verbose, allow_parallel_tool_calls, tool_required, kwargs
        )
        return await self._ainvoke(
            decision, "achat_with_tools", lambda llm: llm.achat_with_tools(tools, **call),
            "chat", messages, kwargs,
        )

    @dispatcher.span
    def stream_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: Optional[Union[str, ChatMessage]] = None,
        chat_history: Optional[List[ChatMessage]] = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> ChatResponseGen:
        self._require_function_calling()
        messages = _tool_call_messages(user_msg, chat_history)
        decision = self._decide(messages, "stream_chat_with_tools")
        call = self._tool_kwargs(
            user_msg, chat_history, verbose, allow_parallel_tool_calls, tool_required, kwargs
        )
        return self._stream(
            decision, "stream_chat_with_tools", lambda llm: llm.stream_chat_with_tools(tools, **call),
            "chat", messages, kwargs,
        )

    @dispatcher.span
    async def astream_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: Optional[Union[str, ChatMessage]] = None,
        chat_history: Optional[List[ChatMessage]] = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> ChatResponseAsyncGen:
        self._require_function_calling()
        messages = _tool_call_messages(user_msg, chat_history)
        decision = await self._adecide(messages, "astream_chat_with_tools")
        call = self._tool_kwargs(
            user_msg, chat_history, verbose, allow_parallel_tool_calls, tool_required, kwargs
        )
        return await self._astream(
            decision, "astream_chat_with_tools", lambda llm: llm.astream_chat_with_tools(tools, **call),
            "chat", messages, kwargs,
        )

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: Optional[Union[str, ChatMessage]] = None,
        chat_history: Optional[List[ChatMessage]] = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Route now and let the chosen LLM prepare its own (provider-specific) tool kwargs; the
        decision travels in the result so ``chat(**prepared)`` goes to that same LLM."""
        self._require_function_calling()
        decision = self._decide(_tool_call_messages(user_msg, chat_history), "prepare_chat_with_tools")
        llm = self._llm_for(decision.model)
        prepared = llm._prepare_chat_with_tools_compat(  # type: ignore[attr-defined]
            tools, user_msg=user_msg, chat_history=chat_history, verbose=verbose,
            allow_parallel_tool_calls=allow_parallel_tool_calls, tool_required=tool_required, **kwargs,
        )
        prepared[_ROUTE_KWARG] = decision
        return prepared

    def _llm_for_response(self, response: Any) -> List[LLM]:
        """The LLM(s) to ask about a response: the tagged one, else strong then weak."""
        extra = getattr(response, "additional_kwargs", None)
        routing = extra.get(ROUTING_KEY) if isinstance(extra, dict) else None
        model = answering_model(routing) if isinstance(routing, dict) else None
        if model is not None:
            return [self._llm_for(model)]
        if type(self.strong) is type(self.weak):
            return [self.strong]
        return [self.strong, self.weak]

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        llm = self._llm_for_response(response)[0]
        if isinstance(llm, FunctionCallingLLM):
            return llm._validate_chat_with_tools_response(
                response, tools, allow_parallel_tool_calls=allow_parallel_tool_calls, **kwargs
            )
        return response

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> List[ToolSelection]:
        """Answered by the LLM that produced ``response`` (its routing tag says which): each
        provider stores tool calls its own way. An untagged response is tried on strong, then weak."""
        self._require_function_calling()
        candidates = self._llm_for_response(response)
        for i, llm in enumerate(candidates):
            try:
                return llm.get_tool_calls_from_response(  # type: ignore[attr-defined]
                    response, error_on_no_tool_call=error_on_no_tool_call, **kwargs
                )
            except Exception:
                if i + 1 == len(candidates):
                    raise
        return []  # pragma: no cover

    # ------------------------------------------------------------------ prompt-level calls
    # These record the template variables (e.g. a query engine's ``query_str``) so that
    # ``route_on`` hooks such as ``route_on_query`` can score them; the routing itself happens
    # in chat/complete as usual.
    @staticmethod
    def _vars(prompt: Any, prompt_args: Dict[str, Any]) -> Dict[str, Any]:
        """Template variables: those bound earlier with ``partial_format`` (synthesizers bind
        ``query_str`` that way) and those given to this call."""
        bound = getattr(prompt, "kwargs", None)
        return {**(bound if isinstance(bound, dict) else {}), **prompt_args}

    def predict(self, prompt: Any, **prompt_args: Any) -> str:
        with prompt_args_scope(self._vars(prompt, prompt_args)):
            return super().predict(prompt, **prompt_args)

    async def apredict(self, prompt: Any, **prompt_args: Any) -> str:
        with prompt_args_scope(self._vars(prompt, prompt_args)):
            return await super().apredict(prompt, **prompt_args)

    def stream(self, prompt: Any, **prompt_args: Any) -> Any:
        with prompt_args_scope(self._vars(prompt, prompt_args)):
            return super().stream(prompt, **prompt_args)

    async def astream(self, prompt: Any, **prompt_args: Any) -> Any:
        with prompt_args_scope(self._vars(prompt, prompt_args)):
            return await super().astream(prompt, **prompt_args)

    @staticmethod
    def _template_text(prompt: Any, prompt_args: Dict[str, Any]) -> Optional[str]:
        """The latest user text of the prompt as written (structured programs append JSON-schema
        instructions to it, which would otherwise be scored too)."""
        try:
            if getattr(prompt, "output_parser", None) is not None:
                # programs attach their output parser to the template: format without it
                prompt = prompt.model_copy()
                prompt.output_parser = None
            return latest_user_text(prompt.format_messages(**prompt_args))
        except Exception:  # noqa: BLE001 - unusual template: score the messages as sent
            return None

    @contextmanager
    def _structured_scope(self, prompt: Any, prompt_args: Dict[str, Any]) -> Iterator[None]:
        with prompt_args_scope(self._vars(prompt, prompt_args)):
            with default_text_scope(self._template_text(prompt, prompt_args)):
                yield

    def structured_predict(
        self, output_cls: Any, prompt: Any, llm_kwargs: Optional[Dict[str, Any]] = None, **prompt_args: Any
    ) -> Any:
        with self._structured_scope(prompt, prompt_args):
            return super().structured_predict(output_cls, prompt, llm_kwargs=llm_kwargs, **prompt_args)

    async def astructured_predict(
        self, output_cls: Any, prompt: Any, llm_kwargs: Optional[Dict[str, Any]] = None, **prompt_args: Any
    ) -> Any:
        with self._structured_scope(prompt, prompt_args):
            return await super().astructured_predict(output_cls, prompt, llm_kwargs=llm_kwargs, **prompt_args)
