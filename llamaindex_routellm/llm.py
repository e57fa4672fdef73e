"""``RoutedLLM``: a LlamaIndex LLM that sends each call to a strong or a weak LLM, or to one of N
LLMs (``llms={...}``) under a budget or target shares.

The adapter only translates: LlamaIndex messages -> the text to score, a
``routellm_core.RoutingPolicy`` decides, the chosen LLM answers through its public methods
(``chat``, ``stream_complete``, ``achat_with_tools``...), and the decision is reported:

- on the response: ``response.additional_kwargs["routing"]`` (``{"model", "model_name",
  "score", "threshold", "router"}``; plus ``fallback``/``answered_by``/``fallback_error`` after a
  fallback, see ``routellm_core.routing.metadata``), on every streamed chunk too;
- as instrumentation events (``RoutingDecisionEvent``, ``RoutingFallbackEvent``) through
  LlamaIndex's dispatcher, inside the RoutedLLM call's span (the chosen LLM's span is its child).

The fallback rule is core's ``Attempts``. Tool calls go through LlamaIndex's own
``FunctionCallingLLM`` methods: ``_prepare_chat_with_tools`` only records the request, and the
``chat``-family call it feeds hands it whole to the chosen LLM's ``chat_with_tools``-family
method (so its provider-specific tool format is used, and a fallback can re-send it).

One hand-written path, kept because LlamaIndex's machinery double-reports here: the chosen LLM
already reports its call (its ``llm_chat_callback``/``llm_completion_callback`` fire
``LLMChatStartEvent`` & co. and ``CBEventType.LLM`` to its callback manager). Decorating
RoutedLLM's methods as well would report every call twice: two ``LLMChatStartEvent``
(``test_instrumentation_event_and_single_llm_events``) and tokens counted twice when
``Settings.callback_manager`` is shared by all three LLMs
(``test_token_counting_counts_each_call_once[settings]``). So RoutedLLM sends one
``CBEventType.LLM`` event per call, through the public ``CallbackManager`` API, only to those of
its handlers that the chosen LLM's manager lacks; and acquires its own rate limiter once a call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
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
from llama_index.core.bridge.pydantic import BaseModel, Field, PrivateAttr, SerializeAsAny
from llama_index.core.callbacks import CallbackManager, EventPayload
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import LLM, ToolSelection

from llamaindex_routellm.calls import TOOLS_KW, Call, atagged, chat_call, complete_call, tagged
from llamaindex_routellm.context import PromptScopes, current_default_text, current_routing_text
from llamaindex_routellm.events import LLMCallEvent, RoutingDecisionEvent, RoutingFallbackEvent
from llamaindex_routellm.messages import ToolRequest, latest_user_text, routing_of, tag, user_messages
from routellm_core.errors import ConfigError
from routellm_core.utils.arguments import check_keywords, keyword_names
from routellm_core.utils.copies import deepcopy_sharing
from routellm_core.routing.capabilities import shared_capabilities
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.members import members_by_label, model_name_of, multi_model_options, routed_members
from routellm_core.routing.metadata import RoutedCall, answering_model
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.policy.routing_policy import RoutingPolicy
from routellm_core.routing.prompts import pick_text

if TYPE_CHECKING:  # pragma: no cover
    from llama_index.core.tools.types import BaseTool

    from routellm_core.routers.base import Router

dispatcher = get_dispatcher(__name__)

#: a ``route_on`` hook: the messages of a call -> the text to score (None/"": use the default)
RouteOn = Callable[[Sequence[ChatMessage]], Optional[str]]



class RoutedLLM(PromptScopes, FunctionCallingLLM):
    """A drop-in LLM that routes every call to ``strong`` or ``weak`` (or one of ``llms``) with a
    RouteLLM router.

    Args:
        strong, weak: any LlamaIndex LLMs (``OpenAI``, ``Anthropic``, ``MockLLM``...).
        llms: instead of strong/weak, N LLMs by name, with ``prices={name: (input, output)}``
            (USD per 1M tokens) and ``budget=`` (expected USD per call) or
            ``shares={name: share of calls}``; also ``thresholds``, ``tokens``, ``strategy``,
            ``router_models``, ``calibration_prompts`` (see ``routellm_core.RoutingPolicy``).
            The routing dict then names the chosen LLM (``model``), its ``tier``, the score(s),
            ``expected_cost`` and ``strongest_cost``.
        online: move the cut-offs with live traffic so the realised shares / spend stay on target
            (``policy.realised_shares``, in the routing dict too).
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

    strong: Optional[SerializeAsAny[LLM]] = Field(default=None, description="LLM for prompts the router scores as hard.")
    weak: Optional[SerializeAsAny[LLM]] = Field(default=None, description="LLM for the other prompts.")
    llms: Optional[Dict[str, SerializeAsAny[LLM]]] = Field(
        default=None, description="N LLMs by name, instead of strong/weak (strongest first unless priced)."
    )
    prices: Optional[Dict[str, Any]] = Field(default=None, description="USD per 1M (input, output) tokens per LLM.")
    budget: Optional[float] = Field(default=None, description="Expected USD per call.")
    shares: Optional[Dict[str, float]] = Field(default=None, description="Target share of calls per LLM.")
    strategy: Optional[str] = Field(default=None, description="'tiers' or 'quality' (N LLMs).")
    online: bool = Field(default=False, description="Keep the target on live traffic.")
    router: str = Field(default=DEFAULT_ROUTER, description="Name of the router that scores prompts.")
    threshold: float = Field(default=0.5, description="Score at or above which a call goes to strong.")
    strong_fraction: Optional[float] = Field(default=None, description="Requested share of strong calls.")
    fallback_to_other: bool = Field(default=False, description="On an error, try the other LLM.")
    route_on: Optional[Callable[..., Optional[str]]] = Field(
        default=None, exclude=True, description="messages -> text to score (default: latest user message)."
    )

    _policy: RoutingPolicy = PrivateAttr()
    #: ``threshold`` as the policy was built with it (a later change is followed, or refused)
    _built_threshold: float = PrivateAttr(default=0.5)

    def __init__(
        self,
        strong: Optional[LLM] = None,
        weak: Optional[LLM] = None,
        router: Union[str, Router, RoutingPolicy, Any] = DEFAULT_ROUTER,
        *,
        llms: Optional[Dict[str, LLM]] = None,
        prices: Optional[Dict[str, Any]] = None,
        budget: Optional[float] = None,
        shares: Optional[Dict[str, float]] = None,
        thresholds: Optional[Sequence[float]] = None,
        tokens: Optional[Any] = None,
        strategy: str = "auto",
        router_models: Optional[Dict[str, str]] = None,
        calibration_prompts: Optional[Sequence[str]] = None,
        online: Any = False,
        threshold: Optional[float] = None,
        strong_fraction: Optional[float] = None,
        route_on: Optional[RouteOn] = None,
        fallback_to_other: bool = False,
        callback_manager: Optional[CallbackManager] = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:  # the other LLM fields (system_prompt, output_parser...) pass through
            check_keywords(type(self).__name__, kwargs, {*keyword_names(RoutedLLM.__init__), *type(self).model_fields})
        members = routed_members(
            strong, weak, llms, owner="RoutedLLM", models_keyword="llms", kind="LlamaIndex LLM"
        )
        for label, llm in members.items():
            where = f"{label}=" if llms is None else f"llms[{label!r}]"
            if isinstance(llm, str):
                raise ConfigError(
                    f"RoutedLLM {where} got the name {llm!r}; pass a LlamaIndex LLM object instead (LlamaIndex "
                    "has no 'provider:model' constructor), e.g. OpenAI(model='gpt-4o-mini') from llama_index.llms.openai or "
                    "Anthropic(model='claude-sonnet-4-6') from llama_index.llms.anthropic."
                )
            if not isinstance(llm, LLM):
                raise ConfigError(
                    f"RoutedLLM {where} must be a LlamaIndex LLM (e.g. OpenAI(...), Anthropic(...)), "
                    f"got {type(llm).__name__}."
                )
        if route_on is not None and not callable(route_on):
            raise ConfigError(f"route_on must be a function messages -> str, got {type(route_on).__name__}.")
        multi = multi_model_options(
            llms, type(self)._model_name, prices=prices, budget=budget, shares=shares,
            thresholds=thresholds, tokens=tokens, strategy=strategy, router_models=router_models,
            calibration_prompts=calibration_prompts,
        )
        policy = RoutingPolicy.build(router, threshold=threshold, strong_fraction=strong_fraction, online=online,
                                     **multi)
        super().__init__(
            strong=strong,
            weak=weak,
            llms=llms,
            prices=prices,
            budget=budget,
            shares=shares,
            strategy=policy.strategy,
            online=policy.online is not None,
            router=policy.router_name,
            threshold=policy.threshold,
            strong_fraction=policy.strong_fraction,
            fallback_to_other=bool(fallback_to_other),
            route_on=route_on,
            callback_manager=callback_manager,
            **kwargs,
        )
        self._policy = policy
        self._built_threshold = self.threshold

    @classmethod
    def class_name(cls) -> str:
        return "RoutedLLM"

    # ------------------------------------------------------------------ copies
    def __getstate__(self) -> Dict[str, Any]:
        """Pickles keep the fields and the policy (its router included)."""
        state = super().__getstate__()
        state["__pydantic_private__"] = {**(state.get("__pydantic_private__") or {}), "_policy": self._policy}
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        # LlamaIndex's BaseComponent calls __init__(**fields) here, which would rebuild the policy
        # from the router's *name* (another router for a folder or a Router object): restore the
        # fields and the policy as they were instead
        if "_policy" not in (state.get("__pydantic_private__") or {}):
            raise TypeError("this RoutedLLM pickle holds no routing policy; pickle it again with this version.")
        BaseModel.__setstate__(self, state)

    def __deepcopy__(self, memo: Optional[Dict[int, Any]] = None) -> "RoutedLLM":
        """A deep copy shares the LLMs and the router (clients and read-only weights) and copies
        its own settings and the policy, its online state included."""
        shared = (self._policy.router, *self._members().values(), self.callback_manager)
        return deepcopy_sharing(self, shared, memo)

    @property
    def policy(self) -> RoutingPolicy:
        """The routellm_core policy that makes every decision (two models, not online: follows
        ``self.threshold`` if it is changed after construction)."""
        if self.threshold != self._built_threshold:
            if self._policy.candidates is not None or self._policy.online is not None:
                raise ConfigError(
                    f"threshold was set to {self.threshold!r}, but this RoutedLLM "
                    f"{'routes among llms=' if self._policy.candidates is not None else 'moves its cut-off online'}, "
                    "where one threshold means nothing; build a new RoutedLLM with thresholds=[...], shares= or budget=."
                )
            self._policy = self._policy.with_threshold(self.threshold)
            self._built_threshold = self.threshold
            self.strong_fraction = None
        return self._policy

    # ------------------------------------------------------------------ metadata
    def _members(self) -> Mapping[str, LLM]:
        """The routed LLMs by label: ``strong``/``weak``, or the names of ``llms``."""
        return members_by_label(self.strong, self.weak, self.llms)

    @property
    def metadata(self) -> LLMMetadata:
        each = [llm.metadata for llm in self._members().values()]
        shared = shared_capabilities(*(m.model_dump() for m in each))
        shared["is_function_calling_model"] = bool(
            shared.get("is_function_calling_model") and self._all_function_calling()
        )
        shared["model_name"] = f"routellm:{self.router}({'|'.join(str(m.model_name) for m in each)})"
        shared.setdefault("system_role", MessageRole.SYSTEM)
        return LLMMetadata(**shared)

    def to_payload(self) -> Dict[str, Any]:
        out = super().to_payload()
        out.update(router=self.router, threshold=self.threshold)
        if self.llms is None:
            out.update(strong_model=self._model_name(self.strong), weak_model=self._model_name(self.weak))  # type: ignore[arg-type]
        else:
            out.update(models={k: self._model_name(v) for k, v in self.llms.items()}, strategy=self.strategy)
        return out

    def _all_function_calling(self) -> bool:
        return all(isinstance(llm, FunctionCallingLLM) for llm in self._members().values())

    def _require_function_calling(self) -> None:
        for label, llm in self._members().items():
            if not isinstance(llm, FunctionCallingLLM):
                raise ConfigError(
                    f"RoutedLLM cannot call tools: the {label} LLM ({type(llm).__name__}) is not a "
                    "FunctionCallingLLM. Tool calling needs every routed LLM to support it; use a "
                    "ReActAgent (plain chat) with these LLMs instead."
                )

    @staticmethod
    def _model_name(llm: LLM) -> Optional[str]:
        return model_name_of(llm, ("model", "model_name"), otherwise=_metadata_name)

    def _llm_for(self, model: str) -> LLM:
        return self._members()[model]

    # ------------------------------------------------------------------ deciding
    def _text_to_score(self, messages: Sequence[ChatMessage]) -> str:
        return pick_text(
            messages, lambda m: current_default_text() or latest_user_text(m), route_on=self.route_on,
            override=current_routing_text(), owner="RoutedLLM",
        )

    def _label_name(self, label: str) -> Optional[str]:
        return self._model_name(self._llm_for(label))

    def _reported(self, decision: RoutingDecision, method: str) -> RoutedCall:
        """The call ``decision`` routes (its routing dict built once), reported as an event."""
        call = RoutedCall.of(decision, self._label_name(decision.model))
        dispatcher.event(RoutingDecisionEvent(**call.metadata, method=method))
        return call

    def _route(self, messages: Sequence[ChatMessage], method: str) -> RoutedCall:
        return self._reported(self.policy.decide(self._text_to_score(messages)), method)

    async def _aroute(self, messages: Sequence[ChatMessage], method: str) -> RoutedCall:
        return self._reported(await self.policy.adecide(self._text_to_score(messages)), method)

    def decide(self, messages: Union[str, Sequence[ChatMessage]]) -> RoutingDecision:
        """The decision a call with these messages (or this prompt) would get; calls no LLM."""
        if isinstance(messages, str):
            messages = [ChatMessage(role=MessageRole.USER, content=messages)]
        return self.policy.decide(self._text_to_score(messages))

    # ------------------------------------------------------------------ calling
    def _attempts(self, decision: RoutingDecision, method: str) -> Attempts:
        """The LLMs this call tries (core's fallback rule); a fallback is reported as an event."""

        def on_fallback(to: str, error: BaseException) -> None:
            dispatcher.event(RoutingFallbackEvent(
                from_model=decision.model, to_model=to, to_model_name=self._label_name(to),
                error=f"{type(error).__name__}: {error}", method=method,
            ))

        return Attempts(decision.model, self.fallback_to_other, on_fallback=on_fallback,
                        others=self.policy.fallback_order(decision.model))

    def _attempt(
        self, routed: RoutedCall, attempts: Attempts, call: Call
    ) -> tuple[LLM, Dict[str, Any], LLMCallEvent]:
        """The LLM being tried, the routing dict of its answer, and the call's legacy event."""
        llm = self._llm_for(attempts.label)
        meta = routed.answered(attempts.label, attempts.first_error, self._label_name)
        payload = {EventPayload.ADDITIONAL_KWARGS: call.kwargs, EventPayload.SERIALIZED: self.to_payload()}
        event = LLMCallEvent(self.callback_manager, llm.callback_manager, payload, call.kind, call.data)
        return llm, meta, event

    def _call(self, routed: RoutedCall, call: Call) -> Any:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        attempts = self._attempts(routed.decision, call.method)

        def attempt(label: str) -> Any:
            llm, meta, event = self._attempt(routed, attempts, call)
            with event:
                return event.done(tag(call.fn(llm), meta))

        return attempts.call(attempt)

    async def _acall(self, routed: RoutedCall, call: Call) -> Any:
        if self.rate_limiter is not None:
            await self.rate_limiter.async_acquire()
        attempts = self._attempts(routed.decision, call.method)

        async def attempt(label: str) -> Any:
            llm, meta, event = self._attempt(routed, attempts, call)
            with event:
                return event.done(tag(await call.fn(llm), meta))

        return await attempts.acall(attempt)

    def _stream(self, routed: RoutedCall, call: Call) -> Iterator[Any]:
        """Open the chosen LLM's stream now and pass its chunks through, tagged; a fallback
        happens only before the first chunk (core's rule)."""
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        attempts = self._attempts(routed.decision, call.method)

        def open_stream(label: str) -> Iterator[Any]:
            llm, meta, event = self._attempt(routed, attempts, call)
            try:
                chunks = iter(call.fn(llm))
            except Exception as exc:
                event.fail(exc)
                raise
            return tagged(chunks, meta, event)

        return attempts.stream(open_stream)

    async def _astream(self, routed: RoutedCall, call: Call) -> AsyncIterator[Any]:
        if self.rate_limiter is not None:
            await self.rate_limiter.async_acquire()
        attempts = self._attempts(routed.decision, call.method)

        async def open_stream(label: str) -> AsyncIterator[Any]:
            llm, meta, event = self._attempt(routed, attempts, call)
            try:
                chunks = (await call.fn(llm)).__aiter__()
            except Exception as exc:
                event.fail(exc)
                raise
            return atagged(chunks, meta, event)

        return await attempts.astream(open_stream)

    # ------------------------------------------------------------------ chat / complete
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        call = chat_call("chat", messages, kwargs)
        return self._call(self._route(messages, call.method), call)

    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        call = chat_call("achat", messages, kwargs)
        return await self._acall(await self._aroute(messages, call.method), call)

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        call = chat_call("stream_chat", messages, kwargs)
        return self._stream(self._route(messages, call.method), call)

    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        call = chat_call("astream_chat", messages, kwargs)
        return await self._astream(await self._aroute(messages, call.method), call)

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        call = complete_call("complete", prompt, formatted, kwargs)
        return self._call(self._route(user_messages(prompt), call.method), call)

    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        call = complete_call("acomplete", prompt, formatted, kwargs)
        return await self._acall(await self._aroute(user_messages(prompt), call.method), call)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        call = complete_call("stream_complete", prompt, formatted, kwargs)
        return self._stream(self._route(user_messages(prompt), call.method), call)

    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        call = complete_call("astream_complete", prompt, formatted, kwargs)
        return await self._astream(await self._aroute(user_messages(prompt), call.method), call)

    # ------------------------------------------------------------------ tools
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
        """Record the tool request for the ``chat``-family call that follows (LlamaIndex's
        ``chat_with_tools`` & co. call this, then ``chat(**prepared)``): that call routes on the
        messages and gives the request whole to the chosen LLM, which prepares its own
        provider-specific tool kwargs."""
        self._require_function_calling()
        messages, request = ToolRequest.of(
            tools, user_msg, chat_history, tool_required, verbose=verbose,
            allow_parallel_tool_calls=allow_parallel_tool_calls, **kwargs,
        )
        return {"messages": messages, TOOLS_KW: request}

    def _validate_chat_with_tools_response(
        self, response: ChatResponse, tools: Sequence[BaseTool], allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        return response  # the chosen LLM's own chat_with_tools has validated it

    def _llm_for_response(self, response: Any) -> List[LLM]:
        """The LLM(s) to ask about a response: the tagged one, else each in turn (strongest
        first; one when all are of the same type)."""
        model = answering_model(routing_of(response), self.policy.labels)
        if model is not None:
            return [self._llm_for(model)]
        members = [self._llm_for(label) for label in self.policy.labels]
        return members[:1] if len({type(m) for m in members}) == 1 else members

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> List[ToolSelection]:
        """Answered by the LLM that produced ``response`` (its routing tag says which): each
        provider stores tool calls its own way. An untagged response is tried on strong, then weak
        (with N LLMs: strongest first)."""
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


def _metadata_name(llm: LLM) -> Optional[str]:
    """LlamaIndex's own name of ``llm`` (its metadata), else its class name."""
    try:
        return llm.metadata.model_name
    except Exception:  # noqa: BLE001 - an LLM whose metadata needs a network or a key
        return type(llm).__name__
