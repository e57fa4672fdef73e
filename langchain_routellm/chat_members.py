"""The chat models a ``RoutedChatModel`` routes between, as LangChain holds them: the model behind
a binding (``unwrap``), the name it goes by (``model_name``), ``provider:model`` strings built
as chat models (``built_from_names``), and the pickling check (``check_picklable``)."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableBinding

from langchain_routellm.named_models import chat_model_from_name
from routellm_core.errors import ConfigError
from routellm_core.routing.members import model_name_of


def unwrap(runnable: Any) -> tuple[BaseChatModel, dict[str, Any]]:
    """(chat model, bound kwargs) of a chat model or a ``RunnableBinding`` around one (such as
    the result of ``bind_tools``). Outer bindings' kwargs win, as when the binding runs."""
    kwargs: dict[str, Any] = {}
    while isinstance(runnable, RunnableBinding):
        kwargs = {**runnable.kwargs, **kwargs}
        runnable = runnable.bound
    if not isinstance(runnable, BaseChatModel):
        raise ConfigError(
            f"strong, weak and models must be LangChain chat models (BaseChatModel), one with tools "
            f"bound, or a 'provider:model' name such as 'openai:gpt-4o-mini'; got {type(runnable).__name__}."
        )
    return runnable, kwargs


def _llm_type(model: BaseChatModel) -> str:
    return model._llm_type


def model_name(model: BaseChatModel, bound: dict[str, Any] | None = None) -> str:
    """The model's name: core's one guess (``model_name_of``: a bound ``model=`` keyword, the
    model's name attributes), else its ``_llm_type``."""
    return model_name_of(model, bound=bound, otherwise=_llm_type) or model._llm_type


def built_from_names(data: dict[str, Any], owner: str = "RoutedChatModel") -> dict[str, Any]:
    """``data`` with every ``"provider:model"`` string of strong/weak/models built as a chat model;
    ConfigError for a value that is neither a name nor a runnable."""

    def built(value: Any, where: str) -> Any:
        if isinstance(value, str):
            return chat_model_from_name(value, f"{owner} {where}={value!r}")
        if value is not None and not isinstance(value, Runnable):
            raise ConfigError(
                f"{owner} {where}= must be a LangChain chat model (e.g. ChatOpenAI(...)), one with tools "
                f"bound, or a 'provider:model' name such as 'openai:gpt-4o-mini'; got {type(value).__name__}."
            )
        return value

    out = dict(data)
    for key in ("strong", "weak"):
        if key in out:
            out[key] = built(out[key], key)
    models = out.get("models")
    if isinstance(models, dict):
        out["models"] = {name: built(m, f"models[{name!r}]") for name, m in models.items()}
    return out


def check_picklable(members: Mapping[str, Any], protocol: Any) -> None:
    """TypeError naming the first routed model that cannot be pickled (a RoutedChatModel pickles
    its models)."""
    for label, member in members.items():
        try:
            pickle.dumps(member, protocol)
        except Exception as exc:  # noqa: BLE001 - any reason a member cannot be pickled
            raise TypeError(
                f"this RoutedChatModel cannot be pickled because its {label!r} model "
                f"({type(member).__name__}) cannot be ({type(exc).__name__}: {exc}); copy.deepcopy works "
                "(it shares the chat models), or pickle the settings and build it again."
            ) from None
