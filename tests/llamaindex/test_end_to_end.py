"""End to end: query engines, agents and concurrent calls with RoutedLLM over real clients
talking to the local provider server (and scripted completion-only models for ReAct)."""

from __future__ import annotations

import asyncio

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.agent.workflow import (
    AgentStream,
    AgentWorkflow,
    FunctionAgent,
    ReActAgent,
    ToolCallResult,
)
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from llamaindex_routellm import RoutedLLM, RoutingQueryEngine, route_on_query
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.llamaindex.support import ScriptedCompletionLLM
from tests.llamaindex.test_real_clients import EASY_TOOL_Q, HARD_TOOL_Q, STRONG_CLAUDE

DOCS = [
    "The square root of 2 is irrational: assume p/q in lowest terms, then p^2 = 2 q^2, so p is "
    "even, and then q is even too, a contradiction. Proofs by contradiction like this are rigorous.",
    "Cats are popular pets. Good names for a cat include Luna, Milo and Oliver.",
    "To greet a friend, say hello and ask how they are doing today.",
]
CAT_Q = "What is a good name for a cat?"

# llama-index-workflows inspects agents with inspect.getmembers, which trips pydantic's
# deprecation warnings on every agent built: upstream noise, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*deprecated.*:pydantic.warnings.PydanticDeprecatedSince20",
    "ignore:.*deprecated.*:pydantic.warnings.PydanticDeprecatedSince211",
    "ignore:is_running called from within a step:DeprecationWarning",
)


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@pytest.fixture(scope="module")
def index(embed_model) -> VectorStoreIndex:
    return VectorStoreIndex.from_documents([Document(text=t) for t in DOCS], embed_model=embed_model)


@pytest.fixture
def openai_pair(make_routed, openai_llm):
    def make(**kwargs) -> RoutedLLM:
        return make_routed(openai_llm("gpt-4o"), openai_llm("gpt-4o-mini"), **kwargs)

    return make


# ----------------------------------------------------------------------------- query engines
@pytest.mark.parametrize("mode", ["compact", "refine", "tree_summarize"])
def test_query_engine_routes_on_the_users_query(index, openai_pair, provider_server, mode) -> None:
    llm = openai_pair(route_on=route_on_query)
    engine = index.as_query_engine(llm=llm, similarity_top_k=2, response_mode=mode)
    for question, model in ((EASY_EXAMPLE, "gpt-4o-mini"), (CAT_Q, "gpt-4o-mini"), (HARD_EXAMPLE, "gpt-4o")):
        provider_server.clear_requests()
        response = engine.query(question)
        called = provider_server.models_called("chat")
        assert called and set(called) == {model}, (question, called)
        assert str(response).startswith(f"[{model}]")
        assert response.source_nodes  # real retrieval happened


def test_without_the_hook_the_templated_context_is_scored(index, openai_pair, provider_server) -> None:
    """Why route_on_query exists: the small-talk question comes with retrieved math context, and
    scoring the whole templated prompt sends it to the strong model."""
    engine = index.as_query_engine(llm=openai_pair(), similarity_top_k=2)
    provider_server.clear_requests()
    engine.query(EASY_EXAMPLE)
    assert provider_server.models_called("chat") == ["gpt-4o"]


async def test_routing_query_engine_concurrent_aqueries(index, openai_pair, provider_server) -> None:
    llm = openai_pair()  # no hook: the wrapper alone makes the query the routed text
    engine = RoutingQueryEngine(index.as_query_engine(llm=llm, similarity_top_k=2))
    provider_server.set_delay("gpt-4o-mini", 0.15)  # easy answers finish last
    questions = [EASY_EXAMPLE, HARD_EXAMPLE, CAT_Q] * 2
    responses = await asyncio.gather(*[engine.aquery(q) for q in questions])
    for q, r in zip(questions, responses):
        model = "gpt-4o" if q == HARD_EXAMPLE else "gpt-4o-mini"
        assert str(r).startswith(f"[{model}]"), (q, str(r)[:60])
    assert sorted(provider_server.models_called("chat")) == ["gpt-4o"] * 2 + ["gpt-4o-mini"] * 4


def test_settings_llm_used_implicitly(index, openai_pair, embed_model, provider_server) -> None:
    llm = openai_pair(route_on=route_on_query)
    Settings.llm = llm
    Settings.embed_model = embed_model
    assert Settings.llm is llm
    engine = VectorStoreIndex.from_documents([Document(text=t) for t in DOCS]).as_query_engine()
    provider_server.clear_requests()
    assert str(engine.query(CAT_Q)).startswith("[gpt-4o-mini]")
    assert str(engine.query(HARD_EXAMPLE)).startswith("[gpt-4o]")
    assert provider_server.models_called("chat") == ["gpt-4o-mini", "gpt-4o"]


# ----------------------------------------------------------------------------- agents
async def test_function_agent_streams_tool_call_and_answer(
    make_routed, anthropic_llm, openai_llm, provider_server, events
) -> None:
    llm = make_routed(anthropic_llm(STRONG_CLAUDE), openai_llm("gpt-4o-mini"))
    agent = FunctionAgent(tools=[multiply], llm=llm, streaming=True)
    for question, model, args, result in (
        (HARD_TOOL_Q, STRONG_CLAUDE, {"a": 6, "b": 7}, "42"),
        (EASY_TOOL_Q, "gpt-4o-mini", {"a": 2, "b": 3}, "6"),
    ):
        provider_server.clear_requests()
        handler = agent.run(user_msg=question)
        deltas, tool_results = [], []
        async for ev in handler.stream_events():
            if isinstance(ev, AgentStream):
                deltas.append(ev.delta)
            elif isinstance(ev, ToolCallResult):
                tool_results.append((ev.tool_name, ev.tool_kwargs, ev.tool_output.content))
        response = await handler
        assert tool_results == [("multiply", args, result)]
        assert provider_server.models_called() == [model, model]  # the tool turn and the answer
        assert all(r.stream for r in provider_server.requests)
        assert len([d for d in deltas if d]) > 1  # streamed in pieces
        assert str(response) == f"[{model}] The tool returned: {result}"
    methods = {e.method for e in events.of("RoutingDecisionEvent")}
    assert methods == {"astream_chat_with_tools"}


def test_agent_workflow_picks_the_agent_kind(make_routed, openai_pair, mocks) -> None:
    fc = AgentWorkflow.from_tools_or_functions([multiply], llm=openai_pair())
    assert [type(a).__name__ for a in fc.agents.values()] == ["FunctionAgent"]
    plain = make_routed(ScriptedCompletionLLM(name="s"), ScriptedCompletionLLM(name="w"))
    react = AgentWorkflow.from_tools_or_functions([multiply], llm=plain)
    assert [type(a).__name__ for a in react.agents.values()] == ["ReActAgent"]


async def test_react_agent_over_completion_only_models(make_routed) -> None:
    strong = ScriptedCompletionLLM(
        name="strong",
        script=[
            'Thought: I need the multiply tool.\nAction: multiply\nAction Input: {"a": 6, "b": 7}',
            "Thought: I can answer without using any more tools.\nAnswer: 42 (strong)",
        ],
    )
    weak = ScriptedCompletionLLM(
        name="weak", script=["Thought: I can answer without using any more tools.\nAnswer: hello (weak)"]
    )
    llm = make_routed(strong, weak)
    assert not llm.metadata.is_function_calling_model and not llm.metadata.is_chat_model
    agent = ReActAgent(tools=[multiply], llm=llm)
    handler = agent.run(user_msg=HARD_EXAMPLE)
    results = [ev async for ev in handler.stream_events() if isinstance(ev, ToolCallResult)]
    response = await handler
    assert str(response) == "42 (strong)"
    assert [r.tool_output.content for r in results] == ["42"]
    # the second step sees the tool output as an "Observation:" user message; the turn stays
    # on the model the user's question was routed to
    assert len(strong.prompts) == 2 and "Observation: 42" in strong.prompts[1]
    assert weak.prompts == []
    assert str(await agent.run(user_msg=EASY_EXAMPLE)) == "hello (weak)"
    assert len(weak.prompts) == 1 and len(strong.prompts) == 2


async def test_react_agent_over_real_clients(openai_pair, provider_server) -> None:
    agent = ReActAgent(tools=[multiply], llm=openai_pair())
    response = await agent.run(user_msg=EASY_EXAMPLE)
    assert str(response).startswith("[gpt-4o-mini]")
    response = await agent.run(user_msg=HARD_EXAMPLE)
    assert str(response).startswith("[gpt-4o]")
    assert provider_server.models_called("chat") == ["gpt-4o-mini", "gpt-4o"]


# ----------------------------------------------------------------------------- concurrency
async def test_concurrent_async_calls_routed_differently(openai_pair, provider_server) -> None:
    llm = openai_pair()
    provider_server.set_delay("gpt-4o", 0.2)  # strong answers come back last
    texts = [HARD_EXAMPLE, EASY_EXAMPLE] * 4

    async def streamed(text: str):
        chunks = [c async for c in await llm.astream_chat([ChatMessage(role=MessageRole.USER, content=text)])]
        return chunks[-1]

    responses = await asyncio.gather(
        *[llm.achat([ChatMessage(role=MessageRole.USER, content=t)]) for t in texts[:4]],
        *[streamed(t) for t in texts[4:]],
    )
    for text, r in zip(texts, responses):
        model = "gpt-4o" if text == HARD_EXAMPLE else "gpt-4o-mini"
        assert r.additional_kwargs["routing"]["model_name"] == model
        assert r.message.content == f"[{model}] Hello! You said: {text}"
    assert sorted(provider_server.models_called("chat")) == ["gpt-4o"] * 4 + ["gpt-4o-mini"] * 4
