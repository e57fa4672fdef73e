"""LlamaIndex adapter edges (issue 12): RoutedLLMs naming the same checkpoint share one loaded
router (one copy of the weights and embedder), each with its own threshold."""

from __future__ import annotations

from llama_index.core.llms import MockLLM

from llamaindex_routellm import RoutedLLM
from tests.helpers import tiny_router_path


def test_llms_naming_one_checkpoint_share_one_router() -> None:
    path = str(tiny_router_path())
    a = RoutedLLM(strong=MockLLM(), weak=MockLLM(), router=path, threshold=0.5)
    b = RoutedLLM(strong=MockLLM(), weak=MockLLM(), router=path, threshold=0.7)
    assert a.policy.router is b.policy.router
    assert (a.policy.threshold, b.policy.threshold) == (0.5, 0.7)
