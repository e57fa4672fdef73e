"""``routellm_core.routing.members``: the routed models' form, names and N-model options, the
one implementation both adapters use."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from routellm_core.errors import ConfigError
from routellm_core.routing.members import (
    members_by_label,
    model_name_of,
    multi_model_options,
    routed_members,
)

FORM = {"owner": "Routed", "models_keyword": "models", "kind": "chat model"}


def test_routed_members_pair_and_n_models() -> None:
    assert routed_members("s", "w", None, **FORM) == {"strong": "s", "weak": "w"}
    models = {"a": 1, "b": 2, "c": 3}
    assert routed_members(None, None, models, **FORM) is models
    assert members_by_label(None, None, models) is models
    assert dict(members_by_label("s", "w", None)) == {"strong": "s", "weak": "w"}


@pytest.mark.parametrize(
    ("strong", "weak", "models", "message"),
    [
        ("s", None, {"a": 1, "b": 2}, r"give either strong= and weak=, or models=\{\.\.\.\}, not both"),
        (None, None, {"a": 1}, r"Routed models= must map at least two names to chat models"),
        (None, None, ["a", "b"], r"at least two names"),
        ("s", None, None, r"Routed needs strong= and weak= chat models, or models=\{name: chat model\}"),
    ],
)
def test_routed_members_names_the_mistake(strong, weak, models, message) -> None:
    with pytest.raises(ConfigError, match=message):
        routed_members(strong, weak, models, **FORM)


def test_model_name_of_tries_the_attributes_in_order() -> None:
    assert model_name_of(SimpleNamespace(model_name="a", model="b")) == "a"
    assert model_name_of(SimpleNamespace(model_name="a", model="b"), ("model", "model_name")) == "b"
    assert model_name_of(SimpleNamespace(model=object(), deployment_name="dep")) == "dep"
    assert model_name_of(SimpleNamespace(model_name="")) is None
    assert model_name_of(object()) is None


def test_multi_model_options() -> None:
    assert multi_model_options(None, str, prices={"a": 1.0}) == {}
    models = {"big": SimpleNamespace(model="gpt-big"), "small": SimpleNamespace()}
    out = multi_model_options(models, model_name_of, prices={"big": 2.0, "small": 1.0}, budget=1.5)
    assert out == {
        "models": ["big", "small"], "prices": {"big": 2.0, "small": 1.0}, "budget": 1.5, "shares": None,
        "thresholds": None, "tokens": None, "strategy": "auto", "router_models": None,
        "calibration_prompts": None, "model_names": {"big": "gpt-big"},
    }
