"""``RoutedChatModel``: a LangChain chat model that sends each call to a strong or a weak model,
or to one of N models (``models={...}``) under a budget or target shares.

The adapter only translates: LangChain messages -> the text to score, a
``routellm_core.RoutingPolicy`` decides, the chosen model does the work with its own native
features (tool formats, structured output, streaming, usage reporting), and the decision is
attached as ``response_metadata["routing"]`` (``routellm_core.routing.metadata``). The fallback
rule is core's ``Attempts``.

Where LangChain's own machinery is not enough (each kept for a behaviour a test pins down):

* **Decided before the run starts.** ``invoke``/``ainvoke``/``stream``/``astream`` decide, then
  call LangChain's implementation with the decision: that puts it in the run's metadata
  (``metadata["routing"]``), tags (``routellm:strong``/``routellm:weak``) and LangSmith
  ``ls_provider``/``ls_model_name`` of the chosen model (``_get_ls_params`` asks the chosen
  model), so LangSmith prices the run right
  (``test_run_metadata_tags_and_ls_params_name_the_choice``,
  ``test_agent_streaming_has_no_duplicate_tokens``). ``batch``/``abatch`` score all prompts in
  one router pass, then run LangChain's batch (``test_batch_scores_in_one_router_pass``). Other
  entry points (``generate``, ``stream_events`` v3) decide inside ``_generate``/``_stream``.
* **One run per call.** The chosen model runs inside this model's run, run-less, through the
  private members ``chosen_model`` uses (and explains): its public ``invoke``/``stream`` would
  open a second LLM run, counting usage and streaming tokens twice.
* **Structured output** is LangChain's own routing runnable (``structured_output``), with core's
  fallback rule in place of ``with_fallbacks`` (see there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config, get_config_list
from langchain_core.utils import from_env
from pydantic import ConfigDict, Field, PrivateAttr

from langchain_routellm import chosen_model
from langchain_routellm.chat_members import built_from_names, check_picklable, model_name, unwrap
from langchain_routellm.deciding import BATCH_DECISION, OWNER, Decider, batch_configs
from langchain_routellm.sticky_routes import StickyRoutes
from langchain_routellm.structured_output import routed_structured_output
from routellm_core.errors import ConfigError
from routellm_core.utils.arguments import check_keywords
from routellm_core.utils.copies import deepcopy_sharing
from routellm_core.routing.capabilities import shared_capabilities
from routellm_core.routing.decision import STRONG, WEAK, RoutingDecision
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.members import members_by_label, multi_model_options, routed_members
from routellm_core.routing.metadata import ROUTING_KEY, RoutedCall
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.policy.routing_policy import RoutingPolicy

__all__ = ["RoutedChatModel"]

#: private per-call keyword that carries the call routed before the run started (a ``RoutedCall``)
ROUTE_KW = "_routellm_route"
#: run metadata key (also the response_metadata key) and tag prefix
METADATA_KEY = ROUTING_KEY
TAG_PREFIX = "routellm:"
#: LangChain's standard connection parameters: accepted (code may pass them to every model) and
#: dropped, since the inner models own their connections
_STANDARD_CONNECTION_PARAMS = ("api_key", "base_url")
#: memory budget of the sticky-routing memory, in bytes (keys are digests: ~200 bytes an entry)
_STICKY_MAX_BYTES = 2 * 2**20


class RoutedChatModel(BaseChatModel):
    """A chat model that routes every call to ``strong`` or ``weak`` (or one of ``models``) with
    a RouteLLM router.

    ```python
    llm = RoutedChatModel(
        strong=ChatAnthropic(model="claude-sonnet-4-6"),   # or "anthropic:claude-sonnet-4-6"
        weak=ChatOpenAI(model="gpt-4o-mini"),              # or "openai:gpt-4o-mini"
        router="mf",             # name, checkpoint folder, hub id, Router or RoutingPolicy
        strong_fraction=0.3,     # or threshold=0.42
    )
    msg = llm.invoke("Explain the CAP theorem")
    msg.response_metadata["routing"]
    # {"model": "weak", "score": 0.12, "threshold": 0.31, "router": "mf",
    #  "model_name": "gpt-4o-mini"}
    ```

    Any number of models: give ``models={name: chat model}`` instead of ``strong``/``weak``, with
    ``prices={name: (input, output)}`` (USD per 1M tokens) and ``budget=`` (expected USD per
    call) or ``shares={name: share of calls}``; ``online=True`` keeps the target on live
    traffic. ``response_metadata["routing"]["model"]`` is then the chosen name, with its
    ``tier``, the score(s), ``expected_cost`` and ``strongest_cost`` (see
    ``routellm_core.RoutingPolicy`` for every option).

    The last human message is scored unless ``route_on`` is given (a function from the list of
    messages to the text to score, e.g. the user's question inside a RAG prompt; returning None
    or blank text scores the last human message). With ``sticky=True`` an agent run keeps its
    first decision: a call whose messages after the last human message include an AI message
    routed by this model reuses that route (and calls of one LangGraph ``thread_id`` on the same
    human message reuse theirs), so tool-call histories never switch provider mid-run.

    Errors of the chosen model surface unchanged, unless ``fallback_to_other=True``: the other
    model is then called and ``routing["fallback"]`` is ``True``. A router failure raises
    ``routellm_core.errors.RoutingError``; a call with no text to score raises
    ``InvalidPromptError``; bad settings raise ``ConfigError`` at construction.

    ``temperature``/``max_tokens``/``stop`` set here are passed to the chosen model on every
    call. ``timeout``/``max_retries`` (and ``api_key``/``base_url``, not stored) are accepted for
    code that passes LangChain's standard parameters to every model, but the inner clients keep
    their own (they own the connection). Any other unknown keyword raises
    ``UnknownArgumentError`` naming the closest valid one.
    """

    strong: Runnable[Any, Any] | None = None
    """The strong (better, costlier) chat model, or one with tools bound; a ``"provider:model"``
    name (``"anthropic:claude-sonnet-4-6"``) is built with LangChain's ``init_chat_model``."""
    weak: Runnable[Any, Any] | None = None
    """The weak (cheaper) chat model, or one with tools bound, or a ``"provider:model"`` name."""
    models: dict[str, Runnable[Any, Any]] | None = None
    """N models by name (instead of strong/weak): strongest first, unless ``prices`` order them;
    each a chat model or a ``"provider:model"`` name."""
    prices: dict[str, Any] | None = None
    """``{name: (input, output)}`` USD per 1M tokens (or one number for both)."""
    budget: float | None = None
    """Expected USD per call (needs ``prices``)."""
    shares: dict[str, float] | None = None
    """Target share of calls per model (models not named split the rest)."""
    thresholds: list[float] | None = None
    """N - 1 score cut-offs of the tiers, strongest first."""
    tokens: tuple[float | str, float] | None = None
    """Typical (input, output) tokens of a call, for expected costs; ``("prompt", output)``
    prices each call by its own prompt's input tokens (quality strategy)."""
    strategy: str = "auto"
    """``"auto"``, ``"tiers"`` (the router's one score split into tiers) or ``"quality"``
    (a router predicting each model's quality, traded against price)."""
    router_models: dict[str, str] | None = None
    """The names the router knows the models by, where they differ."""
    calibration_prompts: list[str] | None = None
    """Typical prompts to calibrate the cut-offs on (default: the router's calibration)."""
    online: Any = False
    """Move the cut-offs with live traffic so realised shares / spend stay on target."""
    router: Any = Field(default_factory=from_env("ROUTELLM_ROUTER", default=DEFAULT_ROUTER))
    """Router name (``"mf"``, ``"random"``...), checkpoint folder, hub id, a ``Router`` or a
    ready ``RoutingPolicy``. Default: the ``ROUTELLM_ROUTER`` environment variable, else
    ``"default"``, the bundled default router (today a ``pooled_ridge`` checkpoint)."""
    threshold: float | None = None
    """Score cut-off in [0, 1]: strong iff score >= threshold."""
    strong_fraction: float | None = None
    """Share (0..1) of typical prompts to send to the strong model (sets the threshold)."""
    route_on: Callable[[list[BaseMessage]], str | None] | None = None
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
    _sticky_runs: StickyRoutes = PrivateAttr(default_factory=lambda: StickyRoutes(_STICKY_MAX_BYTES))

    def __init__(self, **data: Any) -> None:
        check_keywords(type(self).__name__, data, {*type(self).model_fields, *_STANDARD_CONNECTION_PARAMS})
        data = built_from_names({k: v for k, v in data.items() if k not in _STANDARD_CONNECTION_PARAMS})
        super().__init__(**data)
        members = routed_members(
            self.strong, self.weak, self.models, owner=OWNER, models_keyword="models", kind="chat model"
        )
        for member in members.values():
            unwrap(member)
        multi = multi_model_options(
            self.models, lambda member: model_name(*unwrap(member)), prices=self.prices, budget=self.budget,
            shares=self.shares, thresholds=self.thresholds, tokens=self.tokens, strategy=self.strategy,
            router_models=self.router_models, calibration_prompts=self.calibration_prompts,
        )
        self._policy = RoutingPolicy.build(
            self.router, threshold=self.threshold, strong_fraction=self.strong_fraction, online=self.online, **multi
        )

    # ------------------------------------------------------------------ copies
    def __getstate__(self) -> dict[str, Any]:
        """Pickles keep the fields and the policy (its router included); the sticky-run memory
        is per object and starts empty on load."""
        state = super().__getstate__()
        state["__pydantic_private__"] = {"_policy": self._policy}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._sticky_runs = StickyRoutes(_STICKY_MAX_BYTES)

    def __reduce_ex__(self, protocol: Any) -> Any:
        check_picklable(self._members(), protocol)
        return super().__reduce_ex__(protocol)

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> RoutedChatModel:
        """A deep copy shares the chat models and the router (clients and read-only weights) and
        copies its own settings and the policy, its online state included."""
        return deepcopy_sharing(self, (self._policy.router, *self._members().values()), memo)

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
        if self.models is None:
            return {
                "strong_model": self._model_name(STRONG),
                "weak_model": self._model_name(WEAK),
                "router": self._policy.router_name,
                "threshold": self._policy.threshold,
            }
        return {
            "models": {label: self._model_name(label) for label in self._policy.labels},
            "router": self._policy.router_name,
            "strategy": self._policy.strategy,
        }

    def _members(self) -> Mapping[str, Runnable[Any, Any]]:
        """The routed models by label: ``strong``/``weak``, or the names of ``models``."""
        return members_by_label(self.strong, self.weak, self.models)

    def _resolve_model_profile(self) -> Any:
        profiles = [cast("dict[str, Any] | None", self._target(label)[0].profile) for label in self._members()]
        return shared_capabilities(*profiles) or None

    def _target(self, label: str) -> tuple[BaseChatModel, dict[str, Any]]:
        return unwrap(self._members()[label])

    def _model_name(self, label: str) -> str:
        return model_name(*self._target(label))

    # ------------------------------------------------------------------ deciding
    def _decider(self) -> Decider:
        # (a private attribute of a pydantic model costs microseconds: touched only when sticky)
        return Decider(self._policy, self._sticky_runs if self.sticky else None, self.route_on)

    def decide(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None
    ) -> RoutingDecision:
        """The route for one call (this is what every call uses)."""
        return self._decider().decide(messages, config)

    async def adecide(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None
    ) -> RoutingDecision:
        return await self._decider().adecide(messages, config)

    def decide_batch(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None = None
    ) -> list[RoutingDecision | Exception]:
        """Routes for many calls, scored in one router pass. Items with nothing to score get
        their ``InvalidPromptError`` in place of a decision."""
        return self._decider().decide_batch(messages_list, configs)

    async def adecide_batch(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None = None
    ) -> list[RoutingDecision | Exception]:
        return await self._decider().adecide_batch(messages_list, configs)

    def _messages(self, input: LanguageModelInput) -> list[BaseMessage]:
        return self._convert_input(input).to_messages()

    def _routed_call(self, decision: RoutingDecision) -> RoutedCall:
        """The call ``decision`` routes, with its routing metadata (built here, once a call)."""
        return RoutedCall.of(decision, self._model_name(decision.model))

    @staticmethod
    def _run_config(call: RoutedCall) -> dict[str, Any]:
        """The run metadata and tags that name the route of ``call``."""
        return {"metadata": {METADATA_KEY: call.metadata}, "tags": [TAG_PREFIX + call.decision.model]}

    def _config_and_kwargs(
        self, config: RunnableConfig | None, kwargs: dict[str, Any], decision: RoutingDecision | Exception
    ) -> tuple[RunnableConfig, dict[str, Any]]:
        """(``config`` plus the route in its metadata and tags, ``kwargs`` plus the routed call):
        new dicts; a decision that is an error (a batch item's) is raised."""
        if isinstance(decision, Exception):
            raise decision
        call = self._routed_call(decision)
        config = ensure_config(config)
        run = self._run_config(call)
        return cast("RunnableConfig", {
            **config,
            "metadata": {**(config.get("metadata") or {}), **run["metadata"]},
            "tags": [*(config.get("tags") or []), *run["tags"]],
        }), {**kwargs, ROUTE_KW: call}

    def with_decision(self, decision: RoutingDecision) -> Runnable[LanguageModelInput, AIMessage]:
        """This model with the route of its next calls already decided (e.g. by ``adecide``, for
        a caller that needs the decision before the call, as ``routellm serve`` does): calls
        through the returned runnable (``invoke``, ``ainvoke``, ``stream``, ``astream``) go to
        ``decision.model`` without scoring again, with the same run metadata, tags and response
        metadata as a routed call."""
        if not isinstance(decision, RoutingDecision) or decision.model not in self._policy.labels:
            raise ConfigError(
                f"with_decision takes a RoutingDecision for one of {list(self._policy.labels)} (from "
                f"decide/adecide), got {decision!r}."
            )
        call = self._routed_call(decision)
        return self.bind(**{ROUTE_KW: call}).with_config(cast("RunnableConfig", self._run_config(call)))

    # ------------------------------------------------------------------ entry points: decide first
    def invoke(self, input: LanguageModelInput, config: RunnableConfig | None = None, *,
               stop: list[str] | None = None, **kwargs: Any) -> AIMessage:
        if ROUTE_KW not in kwargs:
            config = ensure_config(config)
            carried = config["configurable"].pop(BATCH_DECISION, None)  # from batch()
            decision = carried or self.decide(self._messages(input), config)
            config, kwargs = self._config_and_kwargs(config, kwargs, decision)
        return super().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(self, input: LanguageModelInput, config: RunnableConfig | None = None, *,
                      stop: list[str] | None = None, **kwargs: Any) -> AIMessage:
        if ROUTE_KW not in kwargs:
            config = ensure_config(config)
            carried = config["configurable"].pop(BATCH_DECISION, None)  # from abatch()
            decision = carried or await self.adecide(self._messages(input), config)
            config, kwargs = self._config_and_kwargs(config, kwargs, decision)
        return await super().ainvoke(input, config, stop=stop, **kwargs)

    def stream(self, input: LanguageModelInput, config: RunnableConfig | None = None, *,
               stop: list[str] | None = None, **kwargs: Any) -> Iterator[AIMessageChunk]:
        if ROUTE_KW not in kwargs:
            decision = self.decide(self._messages(input), config)
            config, kwargs = self._config_and_kwargs(config, kwargs, decision)
        yield from super().stream(input, config, stop=stop, **kwargs)

    async def astream(self, input: LanguageModelInput, config: RunnableConfig | None = None, *,
                      stop: list[str] | None = None, **kwargs: Any) -> AsyncIterator[AIMessageChunk]:
        if ROUTE_KW not in kwargs:
            decision = await self.adecide(self._messages(input), config)
            config, kwargs = self._config_and_kwargs(config, kwargs, decision)
        async for chunk in super().astream(input, config, stop=stop, **kwargs):
            yield chunk

    def batch(
        self, inputs: list[LanguageModelInput], config: RunnableConfig | list[RunnableConfig] | None = None,
        *, return_exceptions: bool = False, **kwargs: Any,
    ) -> list[AIMessage]:
        """Score every prompt in one router pass, then run the calls concurrently."""
        if not inputs or ROUTE_KW in kwargs:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        configs = get_config_list(config, len(inputs))
        decisions = self.decide_batch([self._messages(x) for x in inputs], configs)
        configs = batch_configs(configs, decisions, return_exceptions)
        return super().batch(inputs, configs, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self, inputs: list[LanguageModelInput], config: RunnableConfig | list[RunnableConfig] | None = None,
        *, return_exceptions: bool = False, **kwargs: Any,
    ) -> list[AIMessage]:
        """Score every prompt in one router pass, then run the calls concurrently."""
        if not inputs or ROUTE_KW in kwargs:
            return await super().abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        configs = get_config_list(config, len(inputs))
        decisions = await self.adecide_batch([self._messages(x) for x in inputs], configs)
        configs = batch_configs(configs, decisions, return_exceptions)
        return await super().abatch(inputs, configs, return_exceptions=return_exceptions, **kwargs)

    # ------------------------------------------------------------------ tracing params
    def _get_invocation_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        call = kwargs.pop(ROUTE_KW, None)
        params = super()._get_invocation_params(stop=stop, **kwargs)
        if isinstance(call, RoutedCall):
            params[METADATA_KEY] = call.metadata
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        call = kwargs.pop(ROUTE_KW, None)
        stop = stop or self.stop or None
        if isinstance(call, RoutedCall):  # the chosen model's provider and name
            return chosen_model.ls_params(*self._prepare(call.decision.model, kwargs), stop)
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "routellm"
        pair = f"routellm[{'|'.join(self._model_name(label) for label in self._policy.labels)}]"
        params["ls_model_name"] = kwargs.get("model") or pair
        return params

    def _get_llm_string(self, stop: list[str] | None = None, **kwargs: Any) -> str:
        kwargs.pop(ROUTE_KW, None)  # the route follows from the prompt; keep cache keys stable
        return super()._get_llm_string(stop=stop, **kwargs)

    # ------------------------------------------------------------------ delegation
    def _prepare(self, label: str, kwargs: dict[str, Any]) -> tuple[BaseChatModel, dict[str, Any]]:
        """The model for ``label`` and its call kwargs: our defaults, its bound kwargs, the call's."""
        model, bound = self._target(label)
        call = {**bound, **kwargs}
        if self.temperature is not None:
            call.setdefault("temperature", self.temperature)
        if self.max_tokens is not None:
            call.setdefault("max_tokens", self.max_tokens)
        return model, call

    def _attempts(self, model: str) -> Attempts:
        return Attempts(model, self.fallback_to_other, others=self._policy.fallback_order(model))

    def _start(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> tuple[RoutedCall, Attempts]:
        """The call routed before the run started (or, for ``generate`` & co., routed now) and
        the models it tries."""
        call = kwargs.pop(ROUTE_KW, None) or self._routed_call(self.decide(messages))
        return call, self._attempts(call.decision.model)

    async def _astart(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> tuple[RoutedCall, Attempts]:
        call = kwargs.pop(ROUTE_KW, None) or self._routed_call(await self.adecide(messages))
        return call, self._attempts(call.decision.model)

    def _response_routing(self, call: RoutedCall, attempts: Attempts) -> dict[str, Any]:
        """Routing metadata of the response, from the model that answered (a copy per response)."""
        return dict(call.answered(attempts.label, attempts.first_error, self._model_name))

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        call, attempts = self._start(messages, kwargs)
        stop = stop or self.stop or None
        result = attempts.call(
            lambda label: chosen_model.generate(*self._prepare(label, kwargs), messages, stop, run_manager)
        )
        return chosen_model.with_routing(result, self._response_routing(call, attempts))

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        call, attempts = await self._astart(messages, kwargs)
        stop = stop or self.stop or None
        result = await attempts.acall(
            lambda label: chosen_model.agenerate(*self._prepare(label, kwargs), messages, stop, run_manager)
        )
        return chosen_model.with_routing(result, self._response_routing(call, attempts))

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call, attempts = self._start(messages, kwargs)
        stop = stop or self.stop or None
        chunks = attempts.stream(
            lambda label: chosen_model.stream(*self._prepare(label, kwargs), messages, stop, run_manager)
        )
        for chunk in chunks:  # the first chunk carries the routing metadata
            yield chosen_model.chunk_with_routing(chunk, self._response_routing(call, attempts))
            break
        yield from chunks

    async def _astream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call, attempts = await self._astart(messages, kwargs)
        stop = stop or self.stop or None
        chunks = await attempts.astream(
            lambda label: chosen_model.astream(*self._prepare(label, kwargs), messages, stop, run_manager)
        )
        first = True
        async for chunk in chunks:
            yield chosen_model.chunk_with_routing(chunk, self._response_routing(call, attempts)) if first else chunk
            first = False

    # ------------------------------------------------------------------ declarative methods
    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | dict[str, Any] | bool | None = None,
                   **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind ``tools`` to every routed model, each with its own ``bind_tools`` (native tool
        formats); calls are still routed once each."""
        bound = {
            label: self._target(label)[0].bind_tools(tools, tool_choice=tool_choice, **kwargs)
            for label in self._members()
        }
        return self.model_copy(update=bound if self.models is None else {"models": bound}).bind()

    def with_structured_output(self, schema: Any, *, include_raw: bool = False,
                               **kwargs: Any) -> Runnable[LanguageModelInput, Any]:
        """Route each call, then run the chosen model's own ``with_structured_output(schema,
        ...)`` (so its native JSON-schema / tool-calling strategy is used)."""
        return routed_structured_output(self, schema, include_raw, **kwargs)
