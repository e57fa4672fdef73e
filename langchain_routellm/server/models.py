"""What the server routes with: settings, the upstream models, the served routers, and one
``Route`` (a ``RoutingPolicy`` plus the upstream of each of its labels) per model name a client
sends.

The upstreams come from ``--strong``/``--weak`` (labels ``strong``/``weak``; the model names
``router-*`` pick a router and a threshold or share, one Route each, kept in a small LRU) or
from a config file (``config.py``: N models, named routes). Each ``Upstream`` has its LangChain
chat model and, when it speaks the OpenAI wire format (``openai:`` named models), the fast
path's ``OpenAIWire``. A request's tools and ``response_format`` are bound to a LangChain
upstream with its own ``bind_tools`` / ``with_structured_output`` bindings, so each provider gets
its native request format.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from routellm_core.loading.loader import load_router
from routellm_core.errors import ConfigError, RouteLLMError
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.routing.decision import STRONG, WEAK, RoutingDecision
from routellm_core.policy.routing_policy import RoutingPolicy
from routellm_core.utils.lru import ByteLRU

from langchain_routellm import chat_members as messages
from langchain_routellm.named_models import chat_model_from_name
from langchain_routellm.server import defaults
from langchain_routellm.server.config import ServeConfig, entry_kwargs
from langchain_routellm.server.errors import APIError
from langchain_routellm.server.model_names import (
    DEFAULT,
    PREFIX,
    ROUTER_NAME,
    ModelSpec,
    check_router_name,
    parse_model_name,
)
from langchain_routellm.server.openai_format import ChatRequest
from langchain_routellm.server.passthrough import OpenAIWire

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.routers.base import Router

#: distinct model names (router + threshold/share) whose Route is kept
MODEL_CACHE_SIZE = 256


def _one_entry(key: Any, value: Any) -> int:
    """The routed-model cache counts entries, not bytes (``ByteLRU``'s ``sizeof``)."""
    return 1


@dataclass
class ServerSettings:
    """Everything ``routellm serve`` takes.

    ``strong``/``weak``: ``provider:model`` names as ``init_chat_model`` reads them (or ready
    chat models). ``routers``: router specs, ``NAME=SPEC`` or ``SPEC`` (a name such as ``default``,
    a checkpoint folder, a hub id); the first is ``router-default``. ``threshold`` /
    ``strong_fraction``: the policy of a model name without a number. ``timeout``: seconds a
    request (or, streaming, each next chunk) may take before the client gets 504.
    """

    strong: str | BaseChatModel | None = None
    weak: str | BaseChatModel | None = None
    routers: Sequence[str] = (DEFAULT_ROUTER,)
    threshold: float | None = None
    strong_fraction: float | None = None
    fallback: bool = False
    api_key: str | None = field(default=None, repr=False)
    timeout: float | None = defaults.TIMEOUT
    max_retries: int | None = None
    max_request_bytes: int = defaults.MAX_REQUEST_BYTES
    max_messages: int = defaults.MAX_MESSAGES
    max_content_parts: int = defaults.MAX_CONTENT_PARTS
    max_nesting: int = defaults.MAX_NESTING
    read_timeout: float = defaults.READ_TIMEOUT
    #: put the last user message's text in each access-log line (off: no prompt text is logged)
    log_prompts: bool = False
    #: one JSON access-log line per chat request (off: none; about a tenth of the fast path's CPU)
    access_log: bool = True
    #: forward requests for OpenAI-wire upstreams as they came (off: every call goes through LangChain)
    fast_path: bool = True
    #: N models and named routes (``--config``), instead of ``strong``/``weak``
    config: ServeConfig | None = None
    #: Redis URL: routes with a share keep it with one online controller shared by every process
    online_redis: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Every number checked now, so a bad flag stops the server at start (one line)."""
        if self.log_prompts and not self.access_log:
            raise ConfigError("--log-prompts puts prompts in the access log, which --no-access-log turns off; "
                              "give one of them.")
        if self.config is None and (self.strong is None or self.weak is None):
            raise ConfigError("name the upstreams: --strong and --weak, or --config routellm.yaml.")
        if self.config is not None and (self.strong is not None or self.weak is not None):
            raise ConfigError("give --strong/--weak or --config, not both: the config file names the models.")
        if self.timeout is not None:
            self.timeout = _positive("timeout", self.timeout)
        self.read_timeout = _positive("read_timeout", self.read_timeout)
        if self.max_retries is not None:
            self.max_retries = _count("max_retries", self.max_retries, minimum=0)
        self.max_request_bytes = _count("max_request_bytes", self.max_request_bytes, minimum=1024)
        self.max_messages = _count("max_messages", self.max_messages)
        self.max_content_parts = _count("max_content_parts", self.max_content_parts)
        self.max_nesting = _count("max_nesting", self.max_nesting, minimum=4, maximum=500)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _positive(name: str, value: Any) -> float:
    """A finite number of seconds > 0 (ConfigError naming the flag otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{_flag(name)} must be a finite number of seconds > 0, got {value!r}.")
    return float(value)


def _count(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer in [minimum, maximum] (ConfigError naming the flag otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (
        maximum is not None and value > maximum
    ):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise ConfigError(f"{_flag(name)} must be an integer >= {minimum}{upper}, got {value!r}.")
    return value


def upstream_model(
    spec: str | BaseChatModel, *, max_retries: int | None = None, where: str | None = None, **kwargs: Any
) -> BaseChatModel:
    """A chat model from a ``provider:model`` name (``init_chat_model``; ``kwargs``: its base URL
    or key), or ``spec`` itself."""
    if isinstance(spec, BaseChatModel):
        return spec
    if max_retries is not None:
        kwargs["max_retries"] = max_retries
    return chat_model_from_name(spec, where or f"upstream {spec!r}", **kwargs)


def load_routers(specs: Sequence[str]) -> dict[str, Router]:
    """The served routers by the name clients use: ``NAME=SPEC``, or a plain router name, or
    (for a folder or hub id) the router's own name."""
    if not specs:
        raise ConfigError("serve at least one router, e.g. --router mf.")
    out: dict[str, Router] = {}
    for spec in specs:
        name, sep, target = spec.partition("=")
        if not sep:
            # "default" names the bundled default router; clients call it by its type name
            name, target = (spec if ROUTER_NAME.match(spec) and spec != DEFAULT else ""), spec
        router = load_router(target)
        name = check_router_name(name or router.name)
        if name in out:
            raise ConfigError(
                f"two routers are named {name!r}; name them apart, e.g. --router {name} "
                f"--router mine=./my-router."
            )
        out[name] = router
    return out


def _structured_output_kwargs(model: BaseChatModel, response_format: dict[str, Any]) -> dict[str, Any]:
    """The call options with which ``model`` itself produces ``response_format`` output: what its
    own ``with_structured_output`` binds (OpenAI ``response_format``, Anthropic
    ``output_config``...). APIError 400 if the model cannot."""
    kind = response_format["type"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "json_object":
                runnable = model.with_structured_output(None, method="json_mode")
            else:
                spec = response_format["json_schema"]
                schema = {"title": spec.get("name") or "response", **spec["schema"]}
                if spec.get("description"):
                    schema["description"] = spec["description"]
                strict = (
                    spec.get("strict")
                    and "strict" in inspect.signature(model.with_structured_output).parameters
                )
                runnable = model.with_structured_output(
                    schema, method="json_schema", **({"strict": True} if strict else {})
                )
        _, kwargs = messages.unwrap(getattr(runnable, "first", runnable))
    except (ValueError, TypeError, NotImplementedError, ConfigError) as exc:
        kwargs, reason = {}, f": {exc}"
    else:
        reason = ""
    kwargs = {k: v for k, v in kwargs.items() if not k.startswith("ls_")}
    if not kwargs:
        raise APIError(
            400,
            f"response_format {kind} is not supported by the upstream {messages.model_name(model)!r} "
            f"({type(model).__name__}){reason}",
            code="unsupported_response_format",
        )
    return kwargs


def _bind_request(model: BaseChatModel, request: ChatRequest) -> Runnable[Any, Any]:
    """``model`` with the request's tools (its own ``bind_tools``) and response format bound."""
    bound: Runnable[Any, Any] = model
    if request.tools and request.tool_choice != "none":
        bound = model.bind_tools(request.tools, tool_choice=request.tool_choice)
    if request.response_format is not None:
        bound = bound.bind(**_structured_output_kwargs(model, request.response_format))
    return bound


@dataclass
class Upstream:
    """One upstream model: ``label`` (``strong``/``weak``, or its name in the config file),
    ``name`` (the model name it answers as), its LangChain ``chat`` model, the fast path's
    ``wire`` (None: not OpenAI-compatible, or given as a ready chat model), and its ``price``
    (USD per 1M input and output tokens, or None)."""

    label: str
    name: str
    chat: BaseChatModel
    wire: OpenAIWire | None = None
    price: tuple[float, float] | None = None


def make_upstream(label: str, spec: str | BaseChatModel, *, max_retries: int | None, fast_path: bool,
                  price: tuple[float, float] | None = None, **kwargs: Any) -> Upstream:
    """The Upstream for a ``provider:model`` name (its wire settings when it is an OpenAI one)
    or a ready chat model (always the LangChain path: it may carry settings a pass-through would
    not honour)."""
    if isinstance(spec, BaseChatModel):
        return Upstream(label, messages.model_name(spec), spec, None, price)
    chat = upstream_model(spec, max_retries=max_retries, **kwargs)
    wire = OpenAIWire.from_chat_model(chat, max_retries) if fast_path else None
    return Upstream(label, messages.model_name(chat), chat, wire, price)


@dataclass
class Route:
    """What one model name routes with: its ``policy``, the ``upstreams`` by the policy's labels,
    and whether a failed call falls back to the next model (``fallback``)."""

    name: str
    policy: RoutingPolicy
    upstreams: dict[str, Upstream]
    fallback: bool

    def fallback_labels(self, decision: RoutingDecision) -> list[str]:
        """The labels a failed call falls back to, in order (none without ``fallback``)."""
        return self.policy.fallback_order(decision.model) if self.fallback else []


class RoutedModels:
    """The upstreams, the served routers, and a Route for each model name asked for."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.named: dict[str, Route] = {}
        self._cache: ByteLRU[Route] = ByteLRU(MODEL_CACHE_SIZE, sizeof=_one_entry)
        config = settings.config
        if config is None:
            assert settings.strong is not None and settings.weak is not None
            self.upstreams = {
                STRONG: make_upstream(STRONG, settings.strong, max_retries=settings.max_retries,
                                      fast_path=settings.fast_path),
                WEAK: make_upstream(WEAK, settings.weak, max_retries=settings.max_retries,
                                    fast_path=settings.fast_path),
            }
            self.routers = load_routers(settings.routers)
            self.default_router = next(iter(self.routers))
            RoutingPolicy(
                self.routers[self.default_router],
                threshold=settings.threshold,
                strong_fraction=settings.strong_fraction,
            )  # checks the server's own policy now
            return
        self.upstreams = {}
        for label, entry in config.models.items():
            where = f"{config.path}, line {entry.line}: models.{label}"
            try:
                self.upstreams[label] = make_upstream(
                    label, entry.model, max_retries=settings.max_retries, fast_path=settings.fast_path,
                    price=entry.price, where=where, **entry_kwargs(entry),
                )
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}" if where not in str(exc) else str(exc)) from None
        self.routers = {}
        for item in config.routers:
            name, _, spec = item.partition("=")
            try:
                self.routers[name] = load_router(spec)
            except RouteLLMError as exc:
                raise ConfigError(f"{config.path}: routers.{name}: {exc}") from None
        self.default_router = next(iter(self.routers))
        for name, entry in config.routes.items():
            router = self.routers[entry.router or self.default_router]
            try:
                policy = RoutingPolicy(router, models=list(entry.models), **entry.options)
            except RouteLLMError as exc:
                raise ConfigError(f"{config.path}, line {entry.line}: route {name!r}: {exc}") from None
            upstreams = {label: self.upstreams[label] for label in entry.models}
            self.named[name] = Route(name, policy, upstreams, entry.fallback)

    @property
    def pair(self) -> bool:
        """Whether ``router-*`` names are served (upstreams from --strong/--weak)."""
        return self.settings.config is None

    def names(self) -> list[str]:
        """The model names ``GET /v1/models`` lists (a ``router-*`` name also takes a threshold or share)."""
        pair = [PREFIX + DEFAULT, *(PREFIX + name for name in self.routers)] if self.pair else []
        return [*pair, *self.named]

    def check_name(self, model_name: str) -> None:
        """APIError 404/400 unless ``model_name`` is a name this server takes."""
        self.route(model_name)

    def route(self, model_name: str) -> Route:
        """The Route a model name asks for (APIError 404/400 for a bad name)."""
        found = self.named.get(model_name) if isinstance(model_name, str) else None
        if found is not None:
            return found
        if not self.pair:
            raise APIError(
                404,
                f"model {model_name!r} not found: this server's routes are {', '.join(self.named)} "
                "(GET /v1/models lists them).",
                code="model_not_found",
            )
        spec = parse_model_name(model_name, self.routers, self.default_router)
        cached = self._cache.get(spec)
        if cached is not None:
            return cached
        threshold, fraction = spec.threshold, spec.strong_fraction
        if threshold is None and fraction is None:
            threshold, fraction = self.settings.threshold, self.settings.strong_fraction
        online = None
        if self.settings.online_redis is not None and fraction is not None and threshold is None:
            key = f"routellm-serve:{spec.router}:share-{fraction:g}"  # one shared controller per route
            online = {"redis_url": self.settings.online_redis, "key": key}
        try:
            policy = RoutingPolicy(self.routers[spec.router], threshold=threshold, strong_fraction=fraction,
                                   online=online)
        except RouteLLMError as exc:
            raise APIError(400, f"model {model_name!r}: {exc}", code="invalid_model_name") from None
        route = Route(model_name, policy, dict(self.upstreams), self.settings.fallback)
        self._cache.put(spec, route)
        return route


def bind_request(upstream: Upstream, request: ChatRequest) -> Runnable[Any, Any]:
    """The upstream's chat model with the request's tools and response format bound (APIError
    400 when it cannot produce that response format)."""
    if not request.tools and request.response_format is None:
        return upstream.chat
    return _bind_request(upstream.chat, request)
