"""LangChain adapter edges (issue 12): when both models fail under ``fallback_to_other`` the
error chain keeps both; sticky-routing memory is bounded by bytes; RoutedChatModels naming the
same checkpoint share one loaded router."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from langchain_routellm import RoutedChatModel
from tests.helpers import EASY_EXAMPLE, tiny_router_path
from tests.langchain.models import STRONG_OPENAI, WEAK_OPENAI, Joke, openai_chat, routed
from tests.provider_server import ProviderServer


def _both_fail(server: ProviderServer) -> None:
    server.fail_model(WEAK_OPENAI, status=500)  # EASY_EXAMPLE is routed to weak first
    server.fail_model(STRONG_OPENAI, status=503)


@pytest.mark.parametrize("how", ["invoke", "ainvoke", "stream", "astream", "structured"])
async def test_both_models_failing_keeps_both_errors(provider_server: ProviderServer, how: str) -> None:
    _both_fail(provider_server)
    llm = routed(fallback_to_other=True)
    with pytest.raises(Exception) as info:
        if how == "invoke":
            llm.invoke(EASY_EXAMPLE)
        elif how == "ainvoke":
            await llm.ainvoke(EASY_EXAMPLE)
        elif how == "stream":
            list(llm.stream(EASY_EXAMPLE))
        elif how == "astream":
            [c async for c in llm.astream(EASY_EXAMPLE)]
        else:
            llm.with_structured_output(Joke).invoke(EASY_EXAMPLE)
    last, first = info.value, info.value.__cause__
    assert getattr(last, "status_code", None) == 503, repr(last)  # the fallback (strong) model's error
    assert first is not None and getattr(first, "status_code", None) == 500, repr(first)  # the chosen one's
    assert provider_server.models_called() == [WEAK_OPENAI, STRONG_OPENAI]


def test_sticky_memory_is_bounded_by_bytes() -> None:
    from langchain_routellm.chat_models import _STICKY_MAX_BYTES

    llm = routed(sticky=True)
    megabyte = "x" * 2**20
    for i in range(30):  # 30 runs whose human message is 1 MB each
        llm.decide([HumanMessage(f"{i} {megabyte}")], {"configurable": {"thread_id": f"t{i}"}})
    assert len(llm._sticky_runs) == 30
    assert llm._sticky_runs.nbytes < 50_000 <= _STICKY_MAX_BYTES  # digests, not 30 MB of copies


def test_models_naming_one_checkpoint_share_one_router() -> None:
    path = str(tiny_router_path())
    a = RoutedChatModel(strong=openai_chat(STRONG_OPENAI), weak=openai_chat(), router=path, threshold=0.5)
    b = RoutedChatModel(strong=openai_chat(STRONG_OPENAI), weak=openai_chat(), router=path, strong_fraction=0.3)
    assert a.policy.router is b.policy.router
    assert a.policy.threshold != b.policy.threshold  # each keeps its own policy


def test_the_chosen_models_streaming_settings_are_kept(provider_server: ProviderServer) -> None:
    """The chosen model runs inside the routed run (usage counted once), yet its own
    ``disable_streaming`` still decides whether its request streams."""
    llm = routed(weak=openai_chat(WEAK_OPENAI, disable_streaming=True))
    text = "".join(c.text for c in llm.stream(EASY_EXAMPLE))
    assert text.startswith(f"[{WEAK_OPENAI}]") and provider_server.requests[-1].stream is False
    list(routed().stream(EASY_EXAMPLE))
    assert provider_server.requests[-1].stream is True
