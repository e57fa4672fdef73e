"""LangChain integration of RouteLLM routing.

* ``RoutedChatModel``: a drop-in chat model that sends each call to a strong or a weak model.
* ``RouteLLMDecisionModel``: the router as a ``BaseDecisionModel`` for LangChain's
  ``ModelRouterMiddleware`` (needs langchain-core with ``langchain_core.decisions``).

Importing this package is light: classes (and langchain-core) load on first attribute access,
and routers load their checkpoints only when a model is constructed. Without LangChain installed,
that first access raises an ImportError naming the extra: ``pip install 'routellm-plugins[langchain]'``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from routellm_core.errors import missing_extra_error

if TYPE_CHECKING:  # pragma: no cover
    from langchain_routellm.chat_models import RoutedChatModel
    from langchain_routellm.decision_model import RouteLLMDecisionModel

__version__ = "0.1.0"

_EXPORTS = {
    "RoutedChatModel": "langchain_routellm.chat_models",
    "RouteLLMDecisionModel": "langchain_routellm.decision_model",
}

__all__ = ["RouteLLMDecisionModel", "RoutedChatModel"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'langchain_routellm' has no attribute {name!r}")
    try:
        imported = importlib.import_module(module)
    except ImportError as exc:
        raise missing_extra_error(exc, name, "langchain", ("langchain", "langchain_core", "pydantic")) from exc
    value = getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
