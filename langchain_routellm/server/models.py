"""What the server routes with: settings, the two upstream chat models, the served routers, and
one ``RoutedChatModel`` per requested model name.

Routing, fallback and the routing metadata are ``RoutedChatModel``'s own; this module only
builds it (one per router and threshold/share, kept in a small LRU) and binds each request's
tools and ``response_format`` to both upstreams with their own ``bind_tools`` and
``with_structured_output`` bindings, so each provider gets its native request format.
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

from routellm_core.checkpoints.loading import load_router
from routellm_core.errors import ConfigError, RouteLLMError
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.routing.policy import RoutingPolicy
from routellm_core.utils.lru import ByteLRU

from langchain_routellm import messages
from langchain_routellm.chat_models import RoutedChatModel
from langchain_routellm.named_models import chat_model_from_name
from langchain_routellm.server import defaults
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

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.routers.base import Router

#: distinct model names (router + threshold/share) whose RoutedChatModel is kept
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

    strong: str | BaseChatModel
    weak: str | BaseChatModel
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
    #: Redis URL: routes with a share keep it with one online controller shared by every process
    online_redis: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Every number checked now, so a bad flag stops the server at start (one line)."""
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


def upstream_model(spec: str | BaseChatModel, *, max_retries: int | None = None) -> BaseChatModel:
    """A chat model from a ``provider:model`` name (``init_chat_model``), or ``spec`` itself."""
    if isinstance(spec, BaseChatModel):
        return spec
    kwargs = {} if max_retries is None else {"max_retries": max_retries}
    return chat_model_from_name(spec, f"upstream {spec!r}", **kwargs)


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


class RoutedModels:
    """The upstreams, the served routers, and a RoutedChatModel for each model name asked for."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.strong = upstream_model(settings.strong, max_retries=settings.max_retries)
        self.weak = upstream_model(settings.weak, max_retries=settings.max_retries)
        self.routers = load_routers(settings.routers)
        self.default_router = next(iter(self.routers))
        RoutingPolicy(
            self.routers[self.default_router],
            threshold=settings.threshold,
            strong_fraction=settings.strong_fraction,
        )  # checks the server's own policy now
        self._cache: ByteLRU[RoutedChatModel] = ByteLRU(MODEL_CACHE_SIZE, sizeof=_one_entry)

    def names(self) -> list[str]:
        """The model names ``GET /v1/models`` lists (each also takes a threshold or share)."""
        return [PREFIX + DEFAULT, *(PREFIX + name for name in self.routers)]

    def check_name(self, model_name: str) -> None:
        """APIError 404/400 unless ``model_name`` is a name this server takes."""
        self.routed(model_name)

    def routed(self, model_name: str) -> RoutedChatModel:
        """The RoutedChatModel a model name asks for (APIError 404/400 for a bad name)."""
        spec = parse_model_name(model_name, self.routers, self.default_router)
        found = self._cache.get(spec)
        if found is not None:
            return found
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
        routed = RoutedChatModel(
            strong=self.strong, weak=self.weak, router=policy, fallback_to_other=self.settings.fallback
        )
        self._cache.put(spec, routed)
        return routed

    async def for_request(self, request: ChatRequest) -> RoutedChatModel:
        """The routed model for one request, with its tools and response format bound to both
        upstreams. A ``response_format`` only one upstream supports is an error (400) only when
        the route goes to the other one; then there is no fallback to the one that cannot."""
        routed = self.routed(request.model)
        if not request.tools and request.response_format is None:
            return routed
        update: dict[str, Any] = {}
        unsupported: dict[str, APIError] = {}
        for label, model in (("strong", self.strong), ("weak", self.weak)):
            try:
                update[label] = _bind_request(model, request)
            except APIError as exc:
                unsupported[label] = exc
        if unsupported:
            decision = await routed.adecide(request.messages)
            if decision.model in unsupported:
                raise unsupported[decision.model]
            update.update({label: getattr(self, label) for label in unsupported}, fallback_to_other=False)
        return routed.model_copy(update=update)
