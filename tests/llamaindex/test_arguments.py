"""RoutedLLM refuses a misspelt keyword naming the closest valid one, and a model name string
with the LLM object to build instead (issue 24: LlamaIndex has no init_chat_model)."""

from __future__ import annotations

import pytest
from llama_index.core.llms import MockLLM

from llamaindex_routellm import RoutedLLM
from routellm_core.errors import ConfigError, UnknownArgumentError


def test_a_misspelt_keyword_names_the_closest_valid_one(shared_router) -> None:
    with pytest.raises(UnknownArgumentError, match=r"^RoutedLLM got an unknown argument 'strong_fractio'; did you mean 'strong_fraction'\?$"):
        RoutedLLM(strong=MockLLM(), weak=MockLLM(), router=shared_router, strong_fractio=0.3)
    with pytest.raises(UnknownArgumentError, match="did you mean 'system_prompt'"):  # an LLM field
        RoutedLLM(strong=MockLLM(), weak=MockLLM(), router=shared_router, system_promt="Be brief.")
    llm = RoutedLLM(strong=MockLLM(), weak=MockLLM(), router=shared_router, system_prompt="Be brief.")
    assert llm.system_prompt == "Be brief."


@pytest.mark.parametrize("kwargs", [
    {"strong": "anthropic:claude-sonnet-4-6", "weak": MockLLM()},
    {"llms": {"big": MockLLM(), "small": "openai:gpt-4o-mini"}},
])
def test_a_model_name_string_says_which_llm_object_to_pass(shared_router, kwargs) -> None:
    with pytest.raises(ConfigError, match=r"pass a LlamaIndex LLM object.*OpenAI\(model='gpt-4o-mini'\)"):
        RoutedLLM(router=shared_router, **kwargs)
