"""RoutedLLM copies and pickles keep their router and policy; a threshold set on an N-model
RoutedLLM is an error, not ignored; a fallback keeps every error (issue 20, rows 17, 18, 20)."""

from __future__ import annotations

import copy
import pickle
import warnings

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from llamaindex_routellm import RoutedLLM
from routellm_core.errors import ConfigError
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=text)]


@pytest.mark.parametrize("how", ["deepcopy", "pickle", "copy"])
def test_used_routed_llm_copies_and_pickles(openai_llm, router_path, provider_server, how) -> None:
    llm = RoutedLLM(strong=openai_llm("gpt-4o"), weak=openai_llm("gpt-4o-mini"), router=router_path, threshold=0.5)
    assert llm.chat(user(HARD_EXAMPLE)).additional_kwargs["routing"]["model"] == "strong"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clone = {"deepcopy": copy.deepcopy, "copy": copy.copy,
                 "pickle": lambda x: pickle.loads(pickle.dumps(x))}[how](llm)
    assert clone.chat(user(HARD_EXAMPLE)).additional_kwargs["routing"]["model"] == "strong"
    assert clone.chat(user(EASY_EXAMPLE)).additional_kwargs["routing"]["model"] == "weak"
    # the same checkpoint, not the bundled router of the same type name
    assert clone.policy.router.checkpoint_path_ == llm.policy.router.checkpoint_path_ == str(router_path)


def test_threshold_on_an_n_model_routed_llm_is_an_error(openai_llm, shared_router) -> None:
    llms = {"big": openai_llm("gpt-4o"), "mid": openai_llm("gpt-4o-mini"), "small": openai_llm("gpt-4.1-nano")}
    with pytest.raises(ConfigError, match="two models"):
        RoutedLLM(llms=llms, router=shared_router, thresholds=[0.9, 0.5], threshold=0.3)
    llm = RoutedLLM(llms=llms, router=shared_router, thresholds=[0.9, 0.5])
    llm.threshold = 0.3
    with pytest.raises(ConfigError, match="threshold was set to 0.3.*llms=") as info:
        llm.chat(user(EASY_EXAMPLE))
    assert "\n" not in str(info.value)
    # two models: a new threshold is followed, as before
    pair = RoutedLLM(strong=openai_llm("gpt-4o"), weak=openai_llm("gpt-4o-mini"), router=shared_router, threshold=0.5)
    pair.threshold = 0.0
    assert pair.policy.threshold == 0.0


def test_fallback_over_four_failing_llms_keeps_every_error(openai_llm, shared_router, provider_server) -> None:
    names = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"]
    for name in names:
        provider_server.fail_model(name, status=500)
    llms = {f"m{i}": openai_llm(n) for i, n in enumerate(names)}
    llm = RoutedLLM(llms=llms, router=shared_router, thresholds=[0.99, 0.98, 0.97], fallback_to_other=True)
    with pytest.raises(Exception) as info:
        llm.chat(user(EASY_EXAMPLE))
    assert len(info.value.earlier_attempt_errors) == 3 and len(info.value.__cause__.exceptions) == 3
    assert sorted(provider_server.models_called()) == sorted(names)
