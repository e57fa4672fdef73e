"""RoutedChatModel takes ``provider:model`` names (built with ``init_chat_model``), and both
LangChain classes refuse a misspelt keyword naming the closest valid one (issue 24). The named
models are real ChatAnthropic / ChatOpenAI clients that find the local provider server through
the providers' standard environment variables, as a user's would find a proxy."""

from __future__ import annotations

import pytest
from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI

from routellm_core.errors import ConfigError, UnknownArgumentError
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.langchain.models import openai_chat, router


@pytest.fixture
def provider_env(provider_server, monkeypatch):  # noqa: F811
    for key, value in provider_server.environment().items():
        monkeypatch.setenv(key, value)
    return provider_server


def test_strong_and_weak_as_provider_model_names_route_to_real_clients(provider_env):
    from langchain_routellm import RoutedChatModel

    llm = RoutedChatModel(strong="anthropic:claude-sonnet-4-6", weak="openai:gpt-4o-mini", router=router(),
                          threshold=0.5)
    assert isinstance(llm.strong, ChatAnthropic) and isinstance(llm.weak, ChatOpenAI)
    hard, easy = llm.invoke(HARD_EXAMPLE), llm.invoke(EASY_EXAMPLE)
    assert hard.response_metadata["routing"]["model_name"] == "claude-sonnet-4-6"
    assert hard.text.startswith("[claude-sonnet-4-6]")
    assert easy.response_metadata["routing"]["model"] == "weak" and easy.text.startswith("[gpt-4o-mini]")
    assert [(r.provider, r.model) for r in provider_env.requests] == [
        ("anthropic", "claude-sonnet-4-6"), ("openai", "gpt-4o-mini")
    ]
    chunks = list(llm.stream(EASY_EXAMPLE))  # a named OpenAI model reports usage when streaming
    assert sum(c.usage_metadata["total_tokens"] for c in chunks if c.usage_metadata) > 0


def test_models_mapping_takes_names_and_objects_mixed(provider_env):
    from langchain_routellm import RoutedChatModel

    llm = RoutedChatModel(
        models={"sonnet": "anthropic:claude-sonnet-4-6", "big": openai_chat("gpt-4o"), "mini": "openai:gpt-4o-mini"},
        prices={"sonnet": (3, 15), "big": (2.5, 10), "mini": (0.15, 0.6)},
        router=router(),
    )
    assert isinstance(llm.models["sonnet"], ChatAnthropic) and isinstance(llm.models["mini"], ChatOpenAI)
    routing = llm.invoke(HARD_EXAMPLE).response_metadata["routing"]
    assert routing["model"] in {"sonnet", "big", "mini"}
    assert provider_env.requests[-1].model == routing["model_name"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strong": "nosuchprovider:model-x", "weak": "openai:gpt-4o-mini"},
         r"RoutedChatModel strong='nosuchprovider:model-x' could not be created: .*provider:model"),
        ({"strong": "anthropic:claude-sonnet-4-6", "weak": "  "}, r"RoutedChatModel weak='  ' is an empty model name"),
        ({"models": {"a": "openai:gpt-4o", "b": "nosuchprovider:x"}}, r"models\['b'\]='nosuchprovider:x'"),
        ({"strong": 3, "weak": "openai:gpt-4o-mini"}, r"a 'provider:model' name such as 'openai:gpt-4o-mini'; got int"),
    ],
)
def test_bad_model_names_are_one_clear_config_error(provider_env, kwargs, message):
    from langchain_routellm import RoutedChatModel

    with pytest.raises(ConfigError, match=message):
        RoutedChatModel(router=router(), **kwargs)


def test_a_named_model_without_its_key_says_where_keys_come_from(provider_env, monkeypatch):
    from langchain_routellm import RoutedChatModel

    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        RoutedChatModel(strong="anthropic:claude-sonnet-4-6", weak="openai:gpt-4o-mini", router=router())


def test_routed_chat_model_refuses_a_misspelt_keyword():
    from langchain_routellm import RoutedChatModel

    with pytest.raises(
        UnknownArgumentError,
        match=r"^RoutedChatModel got an unknown argument 'strong_fractio'; did you mean 'strong_fraction'\?$",
    ):
        RoutedChatModel(strong=openai_chat("gpt-4o"), weak=openai_chat(), router=router(), strong_fractio=0.3)
    with pytest.raises(UnknownArgumentError, match="did you mean 'fallback_to_other'"):
        RoutedChatModel(strong=openai_chat("gpt-4o"), weak=openai_chat(), router=router(), fallback_to_othre=True)
    # LangChain's own fields still pass
    RoutedChatModel(strong=openai_chat("gpt-4o"), weak=openai_chat(), router=router(), tags=["x"], verbose=False)


def test_decision_model_refuses_a_misspelt_keyword():
    from langchain_routellm import RouteLLMDecisionModel

    with pytest.raises(UnknownArgumentError, match=r"RouteLLMDecisionModel got an unknown argument 'treshold'; did you mean 'threshold'\?"):
        RouteLLMDecisionModel(router=router(), treshold=0.5)
    assert RouteLLMDecisionModel(router=router(), threshold=0.5, strong_label="hard").strong_label == "hard"
