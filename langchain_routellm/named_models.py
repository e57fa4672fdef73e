"""Chat models given by name, ``provider:model`` (``"anthropic:claude-sonnet-4-6"``,
``"openai:gpt-4o-mini"``), built with LangChain's ``init_chat_model``: what ``RoutedChatModel``
does with a string for ``strong``/``weak``/``models``, and ``routellm serve`` with its upstreams.

The ``langchain`` package (in the ``langchain`` extra) and the provider's integration package
(``langchain-openai``, ``langchain-anthropic``...) are imported on first use; keys and base URLs
come from the provider's usual environment variables.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from routellm_core.errors import ConfigError, install_hint

#: how a named model finds its provider's key and endpoint
KEY_HINT = (
    "Provider keys and base URLs come from the environment only (OPENAI_API_KEY, ANTHROPIC_API_KEY, "
    "OPENAI_BASE_URL, ANTHROPIC_BASE_URL, ...)."
)


def chat_model_from_name(spec: str, where: str, **kwargs: Any) -> BaseChatModel:
    """The chat model ``init_chat_model(spec, **kwargs)`` builds; ``where`` names the argument in
    errors (ConfigError: no langchain, no provider package, unknown provider, missing key). A
    ChatOpenAI-style model gets ``stream_usage=True``, so streams report token usage (ChatOpenAI
    leaves it off for a custom ``OPENAI_BASE_URL``)."""
    if not spec.strip():
        raise ConfigError(f"{where} is an empty model name; name it provider:model, e.g. openai:gpt-4o-mini.")
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise ConfigError(
            f"{where}: a provider:model name is built with langchain's init_chat_model, and langchain is not "
            f"installed ({exc}); install the extra: {install_hint('langchain')}, or pass a chat model object."
        ) from None
    try:
        model = init_chat_model(spec, **kwargs)
    except ImportError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - provider SDKs raise their own types for a missing key
        raise ConfigError(
            f"{where} could not be created: {type(exc).__name__}: {exc}. Name models provider:model, "
            f"e.g. openai:gpt-4o-mini or anthropic:claude-sonnet-4-6. {KEY_HINT}"
        ) from None
    if "stream_usage" in type(model).model_fields and not model.stream_usage:
        model = model.model_copy(update={"stream_usage": True})
    return model
