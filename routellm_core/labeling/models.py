"""The models a labelling run calls: LangChain chat models given as ``"provider:model"``
strings (built with ``langchain.chat_models.init_chat_model``, imported only here, inside the
functions) or as model objects. Each gets the name it has in the battles and the settings that
key its replies in the cache.

Problems are one-line ``ConfigError``s raised before any call: a spec without a provider, an
unknown provider, LangChain or the provider's package not installed, a missing API key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from routellm_core.errors import ConfigError

#: options that change where or how a call is made, not what the model answers (left out of the
#: cache key, so a rerun through another endpoint or with other timeouts reuses the replies)
_TRANSPORT = ("key", "url", "base", "timeout", "retries", "headers", "client", "organization", "proxy")


@dataclass
class LabelModel:
    """A model to call: ``name`` (in the battles), the LangChain chat model, cache settings."""

    name: str
    model: Any
    settings: dict[str, Any] = field(default_factory=dict)


def _is_transport(key: str) -> bool:
    return any(part in key.lower() for part in _TRANSPORT)


def _secret_empty(value: Any) -> bool:
    if value is None:
        return True
    getter = getattr(value, "get_secret_value", None)
    text = getter() if callable(getter) else value
    return isinstance(text, str) and not text.strip()


def check_api_key(model: Any, label: str, provider: str | None = None) -> None:
    """A ConfigError when ``model`` has an ``*api_key`` field that is empty (the provider would
    refuse every call)."""
    fields = getattr(type(model), "model_fields", None) or {}
    for name in fields:
        if name.endswith("api_key") and _secret_empty(getattr(model, name, None)):
            env = f"{(provider or name.removesuffix('_api_key')).upper()}_API_KEY"
            raise ConfigError(f"{label}: no API key for {provider or name}; set {env} (or pass api_key=...).")


def resolve_model(spec: Any, *, role: str, options: dict[str, Any] | None = None) -> LabelModel:
    """A ``LabelModel`` from ``"provider:model"`` (or ``"name=provider:model"`` to name it), a
    LangChain chat model object, or a ``(name, object)`` pair. ``options`` go to
    ``init_chat_model`` (e.g. ``base_url``, ``temperature``)."""
    options = dict(options or {})
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        name, obj = spec
        return _from_object(obj, role, name)
    if not isinstance(spec, str):
        return _from_object(spec, role, None)
    name, sep, target = spec.partition("=")
    if not sep:
        name, target = "", spec
    provider, colon, model_name = target.partition(":")
    if not colon or not provider or not model_name:
        raise ConfigError(f"{role} {spec!r}: give a model as provider:model, e.g. openai:gpt-4o-mini or anthropic:claude-sonnet-4-6.")
    try:
        from langchain.chat_models import init_chat_model
    except ImportError:
        raise ConfigError(f"{role} {spec!r}: calling models needs LangChain: pip install 'routellm-plugins[langchain]'.") from None
    try:
        model = init_chat_model(target, **options)
    except ValueError as exc:
        msg = str(exc)
        if "provider" in msg.lower():
            raise ConfigError(f"{role} {spec!r}: unknown provider {provider!r}; use a LangChain provider such as openai, anthropic, google_genai, mistralai, groq, ollama.") from None
        raise ConfigError(f"{role} {spec!r}: {msg.splitlines()[0]}") from None
    except ImportError as exc:
        raise ConfigError(f"{role} {spec!r}: the {provider} integration is not installed ({exc}); pip install langchain-{provider.replace('_', '-')}.") from None
    except Exception as exc:  # noqa: BLE001 - providers raise their own types for missing credentials
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "key" in text.lower() or "credential" in text.lower():
            raise ConfigError(f"{role} {spec!r}: no API key for {provider}; set {provider.upper()}_API_KEY ({text}).") from None
        raise ConfigError(f"{role} {spec!r}: cannot build the model: {type(exc).__name__}: {text}") from None
    check_api_key(model, f"{role} {spec!r}", provider)
    settings = {"spec": target, **{k: v for k, v in sorted(options.items()) if not _is_transport(k)}}
    return LabelModel(name=name or model_name, model=model, settings=settings)


def _from_object(obj: Any, role: str, name: str | None) -> LabelModel:
    if not hasattr(obj, "ainvoke"):
        raise ConfigError(f"{role}: {type(obj).__name__} is not a chat model; give a LangChain chat model or 'provider:model'.")
    model_name = name or getattr(obj, "model_name", None) or getattr(obj, "model", None) or type(obj).__name__
    check_api_key(obj, f"{role} {model_name!r}")
    settings: dict[str, Any] = {"class": type(obj).__name__, "model": str(getattr(obj, "model_name", None) or getattr(obj, "model", None) or model_name)}
    for key in ("temperature", "max_tokens", "top_p", "reasoning_effort"):
        value = getattr(obj, key, None)
        if value is not None and not callable(value):
            settings[key] = value
    return LabelModel(name=str(model_name), model=obj, settings=settings)


def reply_text(message: Any) -> str:
    """The text of a LangChain reply (string content, or its text blocks)."""
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    from routellm_core.labeling.inputs import message_text

    return message_text(content)


def reply_usage(message: Any) -> tuple[int | None, int | None]:
    """(input, output) tokens the provider reported, or (None, None)."""
    usage = getattr(message, "usage_metadata", None) or {}
    try:
        return int(usage["input_tokens"]), int(usage["output_tokens"])
    except (KeyError, TypeError, ValueError):
        return None, None

