"""``RoutedChatModel``: a LangChain chat model that sends each call to a strong or a weak model.

The route is decided once per call by a ``routellm_core.RoutingPolicy`` (router + threshold);
the chosen model then does the work with its own native features (tool formats, structured
output, streaming, usage reporting).

How the call is delegated, and why
----------------------------------
The wrapper is itself the chat-model run that callbacks and LangSmith see. The chosen model is
driven through its *run-less* methods (``_generate_with_cache``/``_agenerate_with_cache`` for
plain calls, ``_stream``/``_astream`` for streaming), with the wrapper's own run manager.
Those methods open no second run, so:

* ``on_chat_model_start``/``on_llm_end`` fire once per call: ``get_usage_metadata_callback``
  and LangSmith count the tokens once, and the trace is one LLM run, not two nested ones;
* streamed tokens are emitted once (by the wrapper's run), so LangGraph's
  ``stream_mode="messages"`` shows each token once;
* the inner model still formats its own request (tools bound with its own ``bind_tools``,
  ``response_format``, stop sequences, per-call ``model`` override...), applies its cache and
  rate limiter, and reports its own ``model_name`` and ``usage_metadata``.

Calling the inner model's public ``invoke`` instead would open a nested run with its own
``on_llm_end``/``on_llm_new_token`` (double-counted usage, duplicate tokens in LangGraph), and
stripping its callbacks would lose tracing settings. ``with_structured_output`` is the one
exception: it returns a small routing runnable that invokes the chosen model's own
``with_structured_output(...)`` runnable publicly, so that model's run is the only chat-model
run (native JSON-schema/tool strategies and ``ls_structured_output_format`` intact).

The decision is made *before* the run starts in ``invoke``/``ainvoke``/``stream``/``astream``/
``batch``/``abatch`` and travels to ``_generate``/``_stream`` as a private keyword argument;
that puts it in the run's metadata (``metadata["routing"]``) and tags (``routellm:strong`` or
``routellm:weak``), and lets ``ls_provider``/``ls_model_name`` name the chosen model so
LangSmith prices the run correctly. Other entry points (``generate``, ``stream_events`` v3)
decide inside ``_generate``/``_stream``. Either way ``response_metadata["routing"]`` records it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding, RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import ensure_config, get_config_list, get_executor_for_config
from langchain_core.runnables.utils import gather_with_concurrency
from langchain_core.utils import from_env
from pydantic import ConfigDict, Field, PrivateAttr

from routellm_core import RoutingDecision, RoutingPolicy
from routellm_core.errors import ConfigError, InvalidPromptError, RouteLLMError, RoutingError
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.metadata import ROUTING_KEY, answering_model, routing_metadata
from routellm_core.utils.lru import ByteLRU, text_key

__all__ = ["RoutedChatModel", "RoutedRunnable"]

#: private per-call keyword that carries a decision made before the run started
DECISION_KW = "_routellm_decision"
#: run metadata key (also the response_metadata key) and tag prefix
METADATA_KEY = ROUTING_KEY
TAG_PREFIX = "routellm:"
#: memory budget of the sticky-routing memory, in bytes (keys are digests: ~200 bytes an entry)
_STICKY_MAX_BYTES = 2 * 2**20

Label = Literal["strong", "weak"]


def _unwrap(runnable: Any) -> tuple[BaseChatModel, dict[str, Any]]:
    """(chat model, bound kwargs) of a chat model or a ``RunnableBinding`` around one (such as
    the result of ``bind_tools``). Outer bindings' kwargs win, as when the binding runs."""
    kwargs: dict[str, Any] = {}
    while isinstance(runnable, RunnableBinding):
        kwargs = {**runnable.kwargs, **kwargs}
        runnable = runnable.bound
    if not isinstance(runnable, BaseChatModel):
        raise ConfigError(
            f"strong and weak must be LangChain chat models (BaseChatModel), or one with tools "
            f"bound; got {type(runnable).__name__}."
        )
    return runnable, kwargs


def _model_name(model: BaseChatModel, bound: dict[str, Any] | None = None) -> str:
    if bound and isinstance(bound.get("model"), str):
        return bound["model"]
    for attr in ("model_name", "model", "model_id", "deployment_name"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return model._llm_type


def _message_text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.text)


def _intersect_profiles(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    """What both models support: booleans AND-ed, limits (ints) at the smaller value, other
    values kept only where equal; keys only one profile knows are dropped."""
    if not a or not b:
        return None
    out: dict[str, Any] = {}
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        if isinstance(x, bool) and isinstance(y, bool):
            out[key] = x and y
        elif isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
            out[key] = min(x, y)
        elif x == y:
            out[key] = x
    return out or None


def _as_chunk(message: BaseMessage) -> AIMessageChunk:
    """An ``AIMessageChunk`` carrying a whole ``AIMessage`` (for models that cannot stream)."""
    if isinstance(message, AIMessageChunk):
        return message
    ai = message if isinstance(message, AIMessage) else AIMessage(content=message.content)
    return AIMessageChunk(
        content=ai.content,
        additional_kwargs=dict(ai.additional_kwargs),
        response_metadata=dict(ai.response_metadata),
        id=ai.id,
        name=ai.name,
        usage_metadata=ai.usage_metadata,
        tool_call_chunks=[
            tool_call_chunk(name=tc["name"], args=json.dumps(tc["args"]), id=tc.get("id"), index=i)
            for i, tc in enumerate(ai.tool_calls)
        ],
        chunk_position="last",
    )


class RoutedChatModel(BaseChatModel):
    """A chat model that routes every call to ``strong`` or ``weak`` with a RouteLLM router.

    ```python
    llm = RoutedChatModel(
        strong=ChatAnthropic(model="claude-sonnet-4-5"),
        weak=ChatOpenAI(model="gpt-4o-mini"),
        router="mf",             # name, checkpoint folder, hub id, Router or RoutingPolicy
        strong_fraction=0.3,     # or threshold=0.42
    )
    msg = llm.invoke("Explain the CAP theorem")
    msg.response_metadata["routing"]
    # {"model": "weak", "score": 0.12, "threshold": 0.31, "router": "mf",
    #  "model_name": "gpt-4o-mini"}
    ```

    The last human message is scored unless ``route_on`` is given (a function from the list of
    messages to the text to score, e.g. the user's question inside a RAG prompt). With
    ``sticky=True`` an agent run keeps its first decision: a call whose messages after the last
    human message include an AI message routed by this model reuses that route (and calls of
    one LangGraph ``thread_id`` on the same human message reuse theirs), so tool-call
    histories never switch provider mid-run.

    Errors of the chosen model surface unchanged, unless ``fallback_to_other=True``: the other
    model is then called and ``routing["fallback"]`` is ``True``. A router failure raises
    ``routellm_core.errors.RoutingError``; a call with no text to score raises
    ``InvalidPromptError``; bad settings raise ``ConfigError`` at construction.

    ``temperature``/``max_tokens``/``stop`` set here are passed to the chosen model on every
    call. ``timeout``/``max_retries`` are accepted for code that passes LangChain's standard
    parameters to every model, but the inner clients keep their own (they own the connection).
    """

    strong: Runnable[Any, Any]
    """The strong (better, costlier) chat model, or one with tools bound."""
    weak: Runnable[Any, Any]
    """The weak (cheaper) chat model, or one with tools bound."""
    router: Any = Field(default_factory=from_env("ROUTELLM_ROUTER", default="mf"))
    """Router name (``"mf"``, ``"random"``...), checkpoint folder, hub id, a ``Router`` or a
    ready ``RoutingPolicy``. Default: the ``ROUTELLM_ROUTER`` environment variable, else
    ``"mf"``."""
    threshold: float | None = None
    """Score cut-off in [0, 1]: strong iff score >= threshold."""
    strong_fraction: float | None = None
    """Share (0..1) of typical prompts to send to the strong model (sets the threshold)."""
    route_on: Callable[[list[BaseMessage]], str] | None = None
    """Text to score, from the call's messages (default: the last human message)."""
    sticky: bool = False
    """Keep the first decision within one agent run (see class docstring)."""
    fallback_to_other: bool = False
    """If the chosen model raises, call the other one instead of raising."""
    streaming: bool = False
    """Use the streaming path for ``invoke`` as well."""
    stop: list[str] | None = None
    """Default stop sequences passed to the chosen model."""
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float | None = None
    max_retries: int | None = None

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _policy: RoutingPolicy = PrivateAttr()
    _sticky_runs: ByteLRU[RoutingDecision] = PrivateAttr(default_factory=lambda: ByteLRU(_STICKY_MAX_BYTES))

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        _unwrap(self.strong)
        _unwrap(self.weak)
        if isinstance(self.router, RoutingPolicy):
            if self.threshold is not None or self.strong_fraction is not None:
                raise ConfigError(
                    "router is a ready RoutingPolicy, which already has a threshold; "
                    "do not also pass threshold or strong_fraction."
                )
            self._policy = self.router
        else:
            self._policy = RoutingPolicy(
                self.router, threshold=self.threshold, strong_fraction=self.strong_fraction
            )

    # ------------------------------------------------------------------ identity
    @property
    def policy(self) -> RoutingPolicy:
        """The routing policy (router + threshold) that decides every call."""
        return self._policy

    @property
    def _llm_type(self) -> str:
        return "routed-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        strong, sb = _unwrap(self.strong)
        weak, wb = _unwrap(self.weak)
        return {
            "strong_model": _model_name(strong, sb),
            "weak_model": _model_name(weak, wb),
            "router": self._policy.router_name,
            "threshold": self._policy.threshold,
        }

    def _resolve_model_profile(self) -> Any:
        strong, _ = _unwrap(self.strong)
        weak, _ = _unwrap(self.weak)
        return _intersect_profiles(
            cast("dict[str, Any] | None", strong.profile), cast("dict[str, Any] | None", weak.profile)
        )

    def _target(self, label: str) -> tuple[BaseChatModel, dict[str, Any]]:
        return _unwrap(self.strong if label == "strong" else self.weak)

    def _routing_info(self, decision: RoutingDecision) -> dict[str, Any]:
        model, bound = self._target(decision.model)
        return routing_metadata(decision, _model_name(model, bound))

    # ------------------------------------------------------------------ deciding
    def _routing_text(self, messages: Sequence[BaseMessage]) -> str:
        if self.route_on is not None:
            try:
                text = self.route_on(list(messages))
            except RouteLLMError:
                raise
            except Exception as exc:  # noqa: BLE001 - user code; keep the cause
                raise RoutingError(f"route_on raised {type(exc).__name__}: {exc}") from exc
            if not isinstance(text, str):
                raise InvalidPromptError(
                    f"route_on must return the text to score (a str), got {type(text).__name__}."
                )
            where = "route_on returned an empty text"
        else:
            for message in reversed(messages):
                if isinstance(message, HumanMessage) or message.type == "human":
                    text = _message_text(message)
                    break
            else:
                raise InvalidPromptError(
                    "RoutedChatModel scores the last human message, but the input has none; "
                    "include a HumanMessage, or pass route_on=... to pick the text to score."
                )
            where = "the last human message has no text"
        if not text.strip():
            raise InvalidPromptError(
                f"RoutedChatModel has nothing to score: {where}. The router needs the user's "
                "text to choose a model."
            )
        return text

    def _sticky_from_history(self, messages: Sequence[BaseMessage]) -> RoutingDecision | None:
        """The route of this run so far: an AI message after the last human message that this
        kind of model routed."""
        for message in reversed(messages):
            if isinstance(message, HumanMessage) or message.type == "human":
                return None
            if isinstance(message, AIMessage):
                info = message.response_metadata.get(METADATA_KEY)
                model = answering_model(info) if isinstance(info, dict) else None
                if model is not None:
                    try:
                        return RoutingDecision(
                            model=cast("Label", model),
                            score=float(info.get("score", 0.0)),
                            threshold=float(info.get("threshold", self._policy.threshold)),
                            router=str(info.get("router", self._policy.router_name)),
                        )
                    except (TypeError, ValueError):
                        return None
        return None

    @staticmethod
    def _run_key(messages: Sequence[BaseMessage], config: RunnableConfig | None) -> Any:
        if not config:
            return None
        thread = (config.get("configurable") or {}).get("thread_id") or (config.get("metadata") or {}).get(
            "thread_id"
        )
        if thread is None:
            return None
        for index in range(len(messages) - 1, -1, -1):
            message = messages[index]
            if isinstance(message, HumanMessage) or message.type == "human":
                return (str(thread), message.id or index, text_key(_message_text(message)))
        return None

    def _sticky_lookup(self, messages: Sequence[BaseMessage], config: RunnableConfig | None) -> Any:
        """(decision or None, run key) for sticky routing."""
        if not self.sticky:
            return None, None
        found = self._sticky_from_history(messages)
        key = self._run_key(messages, config)
        if found is None and key is not None:
            found = self._sticky_runs.get(key)
        return found, key

    def _remember(self, key: Any, decision: RoutingDecision) -> None:
        if key is not None:
            self._sticky_runs.put(key, decision)

    def decide(self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None) -> RoutingDecision:
        """The route for one call (this is what every call uses)."""
        found, key = self._sticky_lookup(messages, config)
        if found is not None:
            return found
        decision = self._policy.decide(self._routing_text(messages))
        self._remember(key, decision)
        return decision

    async def adecide(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None
    ) -> RoutingDecision:
        found, key = self._sticky_lookup(messages, config)
        if found is not None:
            return found
        decision = await self._policy.adecide(self._routing_text(messages))
        self._remember(key, decision)
        return decision

    def _batch_plan(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig]
    ) -> tuple[list[RoutingDecision | Exception | None], list[int], list[str], list[Any]]:
        """Sticky/invalid items resolved; the rest listed for one batched router pass."""
        out: list[RoutingDecision | Exception | None] = [None] * len(messages_list)
        todo: list[int] = []
        texts: list[str] = []
        keys: list[Any] = []
        for i, (messages, cfg) in enumerate(zip(messages_list, configs, strict=True)):
            try:
                found, key = self._sticky_lookup(messages, cfg)
                if found is not None:
                    out[i] = found
                    continue
                texts.append(self._routing_text(messages))
            except RouteLLMError as exc:
                out[i] = exc
                continue
            todo.append(i)
            keys.append(key)
        return out, todo, texts, keys

    def _finish_batch_plan(
        self,
        out: list[RoutingDecision | Exception | None],
        todo: list[int],
        decided: list[RoutingDecision],
        keys: list[Any],
    ) -> list[RoutingDecision | Exception]:
        for i, decision, key in zip(todo, decided, keys, strict=True):
            out[i] = decision
            self._remember(key, decision)
        return cast("list[RoutingDecision | Exception]", out)

    def decide_batch(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None = None
    ) -> list[RoutingDecision | Exception]:
        """Routes for many calls, scored in one router pass. Items with nothing to score get
        their ``InvalidPromptError`` in place of a decision."""
        configs = configs or [{} for _ in messages_list]
        out, todo, texts, keys = self._batch_plan(messages_list, configs)
        decided = self._policy.decide_batch(texts) if texts else []
        return self._finish_batch_plan(out, todo, decided, keys)

    async def adecide_batch(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None = None
    ) -> list[RoutingDecision | Exception]:
        configs = configs or [{} for _ in messages_list]
        out, todo, texts, keys = self._batch_plan(messages_list, configs)
        decided = await self._policy.adecide_batch(texts) if texts else []
        return self._finish_batch_plan(out, todo, decided, keys)

    def _with_routing(self, config: RunnableConfig | None, decision: RoutingDecision) -> RunnableConfig:
        """``config`` plus the decision in its metadata and tags (a new dict)."""
        config = ensure_config(config)
        return cast(
            "RunnableConfig",
            {
                **config,
                "metadata": {**(config.get("metadata") or {}), METADATA_KEY: self._routing_info(decision)},
                "tags": [*(config.get("tags") or []), TAG_PREFIX + decision.model],
            },
        )

    def _messages(self, input: LanguageModelInput) -> list[BaseMessage]:
        return self._convert_input(input).to_messages()

    # ------------------------------------------------------------------ public entry points
    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        if DECISION_KW not in kwargs:
            config = ensure_config(config)
            decision = self.decide(self._messages(input), config)
            config = self._with_routing(config, decision)
            kwargs[DECISION_KW] = decision
        return super().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        if DECISION_KW not in kwargs:
            config = ensure_config(config)
            decision = await self.adecide(self._messages(input), config)
            config = self._with_routing(config, decision)
            kwargs[DECISION_KW] = decision
        return await super().ainvoke(input, config, stop=stop, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        if DECISION_KW not in kwargs:
            config = ensure_config(config)
            decision = self.decide(self._messages(input), config)
            config = self._with_routing(config, decision)
            kwargs[DECISION_KW] = decision
        yield from super().stream(input, config, stop=stop, **kwargs)

    async def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        if DECISION_KW not in kwargs:
            config = ensure_config(config)
            decision = await self.adecide(self._messages(input), config)
            config = self._with_routing(config, decision)
            kwargs[DECISION_KW] = decision
        async for chunk in super().astream(input, config, stop=stop, **kwargs):
            yield chunk

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Score every prompt in one router pass, then run the calls concurrently."""
        if not inputs:
            return []
        if DECISION_KW in kwargs:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        configs = get_config_list(config, len(inputs))
        decisions = self.decide_batch([self._messages(x) for x in inputs], configs)
        if not return_exceptions:
            for d in decisions:
                if isinstance(d, Exception):
                    raise d

        def run(i: int) -> Any:
            decision = decisions[i]
            if isinstance(decision, Exception):
                return decision
            try:
                return self.invoke(
                    inputs[i], self._with_routing(configs[i], decision), **{**kwargs, DECISION_KW: decision}
                )
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        if len(inputs) == 1:
            return [run(0)]
        with get_executor_for_config(configs[0]) as executor:
            return list(executor.map(run, range(len(inputs))))

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Score every prompt in one router pass, then run the calls concurrently."""
        if not inputs:
            return []
        if DECISION_KW in kwargs:
            return await super().abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        configs = get_config_list(config, len(inputs))
        decisions = await self.adecide_batch([self._messages(x) for x in inputs], configs)
        if not return_exceptions:
            for d in decisions:
                if isinstance(d, Exception):
                    raise d

        async def run(i: int) -> Any:
            decision = decisions[i]
            if isinstance(decision, Exception):
                return decision
            try:
                return await self.ainvoke(
                    inputs[i], self._with_routing(configs[i], decision), **{**kwargs, DECISION_KW: decision}
                )
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        return list(
            await gather_with_concurrency(configs[0].get("max_concurrency"), *(run(i) for i in range(len(inputs))))
        )

    # ------------------------------------------------------------------ tracing params
    def _get_invocation_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        decision = kwargs.pop(DECISION_KW, None)
        params = super()._get_invocation_params(stop=stop, **kwargs)
        if isinstance(decision, RoutingDecision):
            params[METADATA_KEY] = self._routing_info(decision)
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        decision = kwargs.pop(DECISION_KW, None)
        stop = stop or self.stop or None
        if isinstance(decision, RoutingDecision):
            model, bound = self._target(decision.model)
            return model._get_ls_params(stop=stop, **{**self._call_defaults(), **bound, **kwargs})
        strong, sb = _unwrap(self.strong)
        weak, wb = _unwrap(self.weak)
        params = LangSmithParams(
            ls_provider="routellm",
            ls_model_name=kwargs.get("model")
            or f"routellm[{_model_name(strong, sb)}|{_model_name(weak, wb)}]",
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop:
            params["ls_stop"] = stop
        return params

    def _get_llm_string(self, stop: list[str] | None = None, **kwargs: Any) -> str:
        kwargs.pop(DECISION_KW, None)  # the route follows from the prompt; keep cache keys stable
        return super()._get_llm_string(stop=stop, **kwargs)

    # ------------------------------------------------------------------ delegation
    def _call_defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.temperature is not None:
            out["temperature"] = self.temperature
        if self.max_tokens is not None:
            out["max_tokens"] = self.max_tokens
        return out

    def _prepare(self, label: str, kwargs: dict[str, Any]) -> tuple[BaseChatModel, dict[str, Any]]:
        model, bound = self._target(label)
        return model, {**self._call_defaults(), **bound, **kwargs}

    def _attempts(self, decision: RoutingDecision) -> Attempts:
        """The models this call tries: the chosen one, then the other with ``fallback_to_other``."""
        return Attempts(decision.model, self.fallback_to_other)

    def _answer_info(self, decision: RoutingDecision, label: str, attempts: Attempts) -> dict[str, Any]:
        """Routing metadata of a response from ``label`` (with the fallback keys after a fallback)."""
        model, bound = self._target(label)
        return routing_metadata(decision, _model_name(model, bound), answered_by=label, error=attempts.first_error)

    @staticmethod
    def _annotate(result: ChatResult, info: dict[str, Any]) -> ChatResult:
        for generation in result.generations:
            generation.message.response_metadata = {**generation.message.response_metadata, METADATA_KEY: info}
        return ChatResult(generations=list(result.generations), llm_output=result.llm_output)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        decision = kwargs.pop(DECISION_KW, None) or self.decide(messages)
        stop = stop or self.stop or None
        attempts = self._attempts(decision)
        for label in attempts:
            model, call_kwargs = self._prepare(label, kwargs)
            try:
                result = model._generate_with_cache(messages, stop=stop, run_manager=run_manager, **call_kwargs)
            except Exception as exc:
                attempts.failed(exc)
                continue
            return self._annotate(result, self._answer_info(decision, label, attempts))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        decision = kwargs.pop(DECISION_KW, None) or await self.adecide(messages)
        stop = stop or self.stop or None
        attempts = self._attempts(decision)
        for label in attempts:
            model, call_kwargs = self._prepare(label, kwargs)
            try:
                result = await model._agenerate_with_cache(
                    messages, stop=stop, run_manager=run_manager, **call_kwargs
                )
            except Exception as exc:
                attempts.failed(exc)
                continue
            return self._annotate(result, self._answer_info(decision, label, attempts))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _inner_stream(
        model: BaseChatModel,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> Iterator[ChatGenerationChunk]:
        cannot_stream = type(model)._stream is BaseChatModel._stream
        if cannot_stream or model._streaming_disabled(**kwargs):
            result = model._generate_with_cache(messages, stop=stop, run_manager=run_manager, **kwargs)
            for generation in result.generations:
                yield ChatGenerationChunk(
                    message=_as_chunk(generation.message), generation_info=generation.generation_info
                )
            return
        if model.rate_limiter:
            model.rate_limiter.acquire(blocking=True)
        yield from model._stream(messages, stop=stop, run_manager=run_manager, **kwargs)

    @staticmethod
    async def _inner_astream(
        model: BaseChatModel,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> AsyncIterator[ChatGenerationChunk]:
        cls = type(model)
        cannot_stream = cls._astream is BaseChatModel._astream and cls._stream is BaseChatModel._stream
        if cannot_stream or model._streaming_disabled(**kwargs):
            result = await model._agenerate_with_cache(messages, stop=stop, run_manager=run_manager, **kwargs)
            for generation in result.generations:
                yield ChatGenerationChunk(
                    message=_as_chunk(generation.message), generation_info=generation.generation_info
                )
            return
        if model.rate_limiter:
            await model.rate_limiter.aacquire(blocking=True)
        async for chunk in model._astream(messages, stop=stop, run_manager=run_manager, **kwargs):
            yield chunk

    @staticmethod
    def _mark_first(chunk: ChatGenerationChunk, info: dict[str, Any]) -> ChatGenerationChunk:
        # routing info goes on one chunk only: chunk metadata is merged (strings concatenated)
        chunk.message.response_metadata = {**chunk.message.response_metadata, METADATA_KEY: info}
        return chunk

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        decision = kwargs.pop(DECISION_KW, None) or self.decide(messages)
        stop = stop or self.stop or None
        attempts = self._attempts(decision)
        for label in attempts:
            model, call_kwargs = self._prepare(label, kwargs)
            started = False
            try:
                for chunk in self._inner_stream(model, messages, stop, run_manager, call_kwargs):
                    if not started:
                        started = True
                        chunk = self._mark_first(chunk, self._answer_info(decision, label, attempts))
                    yield chunk
                return
            except Exception as exc:
                attempts.failed(exc, started=started)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        decision = kwargs.pop(DECISION_KW, None) or await self.adecide(messages)
        stop = stop or self.stop or None
        attempts = self._attempts(decision)
        for label in attempts:
            model, call_kwargs = self._prepare(label, kwargs)
            started = False
            try:
                async for chunk in self._inner_astream(model, messages, stop, run_manager, call_kwargs):
                    if not started:
                        started = True
                        chunk = self._mark_first(chunk, self._answer_info(decision, label, attempts))
                    yield chunk
                return
            except Exception as exc:
                attempts.failed(exc, started=started)

    # ------------------------------------------------------------------ declarative methods
    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind ``tools`` to both models, each with its own ``bind_tools`` (native tool
        formats); calls are still routed once each."""
        strong, _ = _unwrap(self.strong)
        weak, _ = _unwrap(self.weak)
        routed = self.model_copy(
            update={
                "strong": strong.bind_tools(tools, tool_choice=tool_choice, **kwargs),
                "weak": weak.bind_tools(tools, tool_choice=tool_choice, **kwargs),
            }
        )
        return routed.bind()

    def with_structured_output(
        self,
        schema: Any,
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Route each call, then run the chosen model's own ``with_structured_output(schema,
        ...)`` (so its native JSON-schema / tool-calling strategy is used)."""
        strong, _ = _unwrap(self.strong)
        weak, _ = _unwrap(self.weak)
        return RoutedRunnable(
            chooser=self,
            strong_runnable=strong.with_structured_output(schema, include_raw=include_raw, **kwargs),
            weak_runnable=weak.with_structured_output(schema, include_raw=include_raw, **kwargs),
        )


class RoutedRunnable(RunnableSerializable[LanguageModelInput, Any]):
    """Routes each input with ``chooser`` (a RoutedChatModel) and runs ``strong_runnable`` or
    ``weak_runnable`` on it, e.g. each model's ``with_structured_output(...)`` runnable.

    The chosen runnable gets the routing decision in its config metadata and tags; with
    ``chooser.fallback_to_other`` the other runnable is tried when the chosen one raises.
    """

    chooser: RoutedChatModel
    strong_runnable: Runnable[Any, Any]
    weak_runnable: Runnable[Any, Any]

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _pick(self, label: str) -> Runnable[Any, Any]:
        return self.strong_runnable if label == "strong" else self.weak_runnable


    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        config = ensure_config(config)
        decision = self.chooser.decide(self.chooser._messages(input), config)
        return self._invoke_decided(input, config, decision, kwargs)

    def _invoke_decided(
        self, input: Any, config: RunnableConfig | None, decision: RoutingDecision, kwargs: dict[str, Any]
    ) -> Any:
        attempts = self.chooser._attempts(decision)
        cfg = self.chooser._with_routing(config, decision)
        for label in attempts:
            try:
                return self._pick(label).invoke(input, cfg, **kwargs)
            except Exception as exc:
                attempts.failed(exc)
        raise AssertionError("unreachable")  # pragma: no cover

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        config = ensure_config(config)
        decision = await self.chooser.adecide(self.chooser._messages(input), config)
        return await self._ainvoke_decided(input, config, decision, kwargs)

    async def _ainvoke_decided(
        self, input: Any, config: RunnableConfig | None, decision: RoutingDecision, kwargs: dict[str, Any]
    ) -> Any:
        attempts = self.chooser._attempts(decision)
        cfg = self.chooser._with_routing(config, decision)
        for label in attempts:
            try:
                return await self._pick(label).ainvoke(input, cfg, **kwargs)
            except Exception as exc:
                attempts.failed(exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        config = ensure_config(config)
        decision = self.chooser.decide(self.chooser._messages(input), config)
        attempts = self.chooser._attempts(decision)
        cfg = self.chooser._with_routing(config, decision)
        for label in attempts:
            started = False
            try:
                for item in self._pick(label).stream(input, cfg, **kwargs):
                    started = True
                    yield item
                return
            except Exception as exc:
                attempts.failed(exc, started=started)

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        config = ensure_config(config)
        decision = await self.chooser.adecide(self.chooser._messages(input), config)
        attempts = self.chooser._attempts(decision)
        cfg = self.chooser._with_routing(config, decision)
        for label in attempts:
            started = False
            try:
                async for item in self._pick(label).astream(input, cfg, **kwargs):
                    started = True
                    yield item
                return
            except Exception as exc:
                attempts.failed(exc, started=started)

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        if not inputs:
            return []
        configs = get_config_list(config, len(inputs))
        decisions = self.chooser.decide_batch([self.chooser._messages(x) for x in inputs], configs)

        def run(i: int) -> Any:
            try:
                decision = decisions[i]
                if isinstance(decision, Exception):
                    raise decision
                return self._invoke_decided(inputs[i], configs[i], decision, kwargs)
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        with get_executor_for_config(configs[0]) as executor:
            return list(executor.map(run, range(len(inputs))))

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        if not inputs:
            return []
        configs = get_config_list(config, len(inputs))
        decisions = await self.chooser.adecide_batch([self.chooser._messages(x) for x in inputs], configs)

        async def run(i: int) -> Any:
            try:
                decision = decisions[i]
                if isinstance(decision, Exception):
                    raise decision
                return await self._ainvoke_decided(inputs[i], configs[i], decision, kwargs)
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        return list(
            await gather_with_concurrency(configs[0].get("max_concurrency"), *(run(i) for i in range(len(inputs))))
        )
