"""The models an adapter routes between, written once for every adapter: the strong/weak pair or
N models by name (``routed_members``, ``members_by_label``), the name a model object goes by
(``model_name_of``), and the N-model keywords an adapter hands to ``RoutingPolicy.build``
(``multi_model_options``). Framework-free: model objects are opaque here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from routellm_core.errors import ConfigError
from routellm_core.routing.decision import STRONG, WEAK

M = TypeVar("M")

#: attributes a chat model / LLM object keeps its model name in (LangChain and LlamaIndex
#: clients), tried in this order
MODEL_NAME_ATTRS = ("model_name", "model", "model_id", "deployment_name")


def members_by_label(strong: Any, weak: Any, models: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The routed models by label: the ``models`` mapping itself, else ``{"strong", "weak"}``
    (no checks: ``routed_members`` checked them at construction)."""
    if models is not None:
        return models
    return {STRONG: strong, WEAK: weak}


def routed_members(
    strong: Any,
    weak: Any,
    models: Any,
    *,
    owner: str,
    models_keyword: str,
    kind: str,
) -> Mapping[str, Any]:
    """``members_by_label`` after checking the form: strong= and weak=, or ``models_keyword``=
    a dict of at least two. ConfigError names ``owner`` (the adapter class), the keyword and the
    ``kind`` of model expected (singular, e.g. ``"chat model"``)."""
    if models is not None:
        if strong is not None or weak is not None:
            raise ConfigError(f"give either strong= and weak=, or {models_keyword}={{...}}, not both.")
        if not isinstance(models, dict) or len(models) < 2:
            raise ConfigError(f"{owner} {models_keyword}= must map at least two names to {kind}s.")
    elif strong is None or weak is None:
        raise ConfigError(f"{owner} needs strong= and weak= {kind}s, or {models_keyword}={{name: {kind}}}.")
    return members_by_label(strong, weak, models)


def model_name_of(
    model: Any,
    attrs: Sequence[str] = MODEL_NAME_ATTRS,
    *,
    bound: Mapping[str, Any] | None = None,
    otherwise: Callable[[Any], str | None] | None = None,
) -> str | None:
    """The name ``model`` goes by, the one guess for every adapter: a ``model`` keyword bound to
    it (``bound``, a str), else the first non-empty string among its ``attrs``, else
    ``otherwise(model)`` (the framework's own fallback; None without one)."""
    if bound and isinstance(bound.get("model"), str):
        return bound["model"]
    for attr in attrs:
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return None if otherwise is None else otherwise(model)


def multi_model_options(
    models: Mapping[str, M] | None,
    name_of: Callable[[M], str | None],
    *,
    prices: Any = None,
    budget: float | None = None,
    shares: Mapping[str, float] | None = None,
    thresholds: Sequence[float] | None = None,
    tokens: Any = None,
    strategy: str = "auto",
    router_models: Mapping[str, str] | None = None,
    calibration_prompts: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The N-model keywords of ``RoutingPolicy.build`` for ``models`` ({} for the strong/weak
    pair): the labels in order, the options as given, and ``model_names`` (label -> the model's
    name, for labels where ``name_of`` finds one)."""
    if models is None:
        return {}
    names = {label: name for label, name in ((label, name_of(m)) for label, m in models.items()) if name}
    return {
        "models": list(models), "prices": prices, "budget": budget, "shares": shares,
        "thresholds": thresholds, "tokens": tokens, "strategy": strategy, "router_models": router_models,
        "calibration_prompts": calibration_prompts, "model_names": names,
    }
