"""RoutedChatModel copies and pickles (state rebuilt on load), and a fallback over four failing
models keeps every error (issue 20, rows 17, 18)."""

from __future__ import annotations

import copy
import itertools
import pickle
from typing import Any

import pytest

from langchain_routellm import RoutedChatModel
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_router_path
from tests.langchain.models import STRONG_OPENAI, WEAK_OPENAI, openai_chat, routed
from tests.provider_server import ProviderServer


def _picklable_chat(model: str) -> Any:
    """A chat model that pickles (ChatOpenAI holds a client with locks, so it does not)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(model)))


@pytest.mark.parametrize("how", ["deepcopy", "pickle", "copy"])
@pytest.mark.parametrize("router", ["object", "folder"])
def test_copies_and_pickles_route_like_the_original(provider_server: ProviderServer, how: str, router: str) -> None:
    members = {}
    if how == "pickle":
        members = {"strong": _picklable_chat("s"), "weak": _picklable_chat("w")}
    llm = routed(**({"router": str(tiny_router_path())} if router == "folder" else {}), sticky=True, **members)
    assert llm.invoke(HARD_EXAMPLE).response_metadata["routing"]["model"] == "strong"  # used before copying
    clone = {"deepcopy": copy.deepcopy, "copy": copy.copy,
             "pickle": lambda x: pickle.loads(pickle.dumps(x))}[how](llm)
    assert isinstance(clone, RoutedChatModel) and clone is not llm
    assert clone.invoke(HARD_EXAMPLE).response_metadata["routing"]["model"] == "strong"
    assert clone.invoke(EASY_EXAMPLE).response_metadata["routing"]["model"] == "weak"
    assert clone.policy.threshold == llm.policy.threshold
    assert clone.policy.router.checkpoint_path_ == llm.policy.router.checkpoint_path_
    if how == "deepcopy":  # the router's weights and the chat clients are shared, not copied
        assert clone.policy.router is llm.policy.router and clone.strong is llm.strong


def test_pickling_with_an_unpicklable_chat_model_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="'strong' model \\(ChatOpenAI\\) cannot be") as info:
        pickle.dumps(routed())
    assert "copy.deepcopy works" in str(info.value)


def test_online_policy_state_is_copied_not_shared(provider_server: ProviderServer) -> None:
    llm = routed(threshold=None, strong_fraction=0.5, online=True, strong=_picklable_chat("s"),
                 weak=_picklable_chat("w"))
    llm.invoke(EASY_EXAMPLE)
    clone = copy.deepcopy(llm)
    assert clone.policy.online is not llm.policy.online and clone.policy.online.calls == llm.policy.online.calls
    clone.invoke(EASY_EXAMPLE)
    assert clone.policy.online.calls == llm.policy.online.calls + 1
    assert pickle.loads(pickle.dumps(llm)).policy.online.calls == llm.policy.online.calls


def test_fallback_over_four_failing_models_keeps_every_error(provider_server: ProviderServer) -> None:
    names = ["gpt-a", "gpt-b", "gpt-c", "gpt-d"]
    for name in names:
        provider_server.fail_model(name, status=500)
    prices = {f"m{i}": (10 - 2 * i, 10 - 2 * i) for i in range(4)}
    llm = RoutedChatModel(models={f"m{i}": openai_chat(n) for i, n in enumerate(names)}, router=routed().router,
                          prices=prices, thresholds=[0.99, 0.98, 0.97], fallback_to_other=True)
    with pytest.raises(Exception) as info:
        llm.invoke(EASY_EXAMPLE)
    earlier = info.value.earlier_attempt_errors
    assert len(earlier) == 3 and len(info.value.__cause__.exceptions) == 3
    assert sorted(provider_server.models_called()) == sorted(names)
    assert STRONG_OPENAI and WEAK_OPENAI  # (the default pair is not involved)
