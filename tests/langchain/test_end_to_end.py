"""End-to-end: RoutedChatModel inside LCEL/RAG chains, create_agent loops (invoke, streaming,
structured output), LangGraph graphs, concurrent abatch, and the RouteLLM decision model in
ModelRouterMiddleware. Every model call goes over HTTP to the local provider server."""

from __future__ import annotations

import time
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelChoice, ModelRouterMiddleware
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.decisions import Choice, Noul, Score
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_openai import OpenAIEmbeddings

from langchain_routellm import RouteLLMDecisionModel
from routellm_core.errors import ConfigError
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.langchain.models import Joke, magic_function, STRONG_ANTHROPIC, WEAK_OPENAI, anthropic_chat, openai_chat, routed, router
from tests.provider_fixtures import FAKE_OPENAI_KEY
from tests.provider_server import ProviderServer


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny in {city}."


pytestmark = pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")

HARD_TOOL_TASK = HARD_EXAMPLE + " Then tell me the weather in 'Paris'."
EASY_TOOL_TASK = "hi there! what's the weather in 'Rome'?"


def chat_models(requests: list[Any]) -> list[str | None]:
    return [r.model for r in requests if r.endpoint in ("chat", "messages")]


# ---------------------------------------------------------------------------- LCEL / RAG
def test_rag_chain_routes_on_the_question(provider_server: ProviderServer) -> None:
    embeddings = OpenAIEmbeddings(model="text-embedding-3-small", base_url=provider_server.openai_base_url,
                                  api_key=FAKE_OPENAI_KEY, check_embedding_ctx_length=False)
    store = InMemoryVectorStore(embeddings)
    store.add_documents([
        Document("Proof sketch: assume sqrt(2) = p/q in lowest terms; then p and q are both even."),
        Document("Rigorous proofs of irrationality use contradiction and the fundamental theorem."),
        Document("Greetings are usually answered with a friendly hello and a question back."),
    ])
    retriever = store.as_retriever(search_kwargs={"k": 2})
    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer the question using only the context."),
        ("human", "Context:\n{context}\n\nQuestion: {question}"),
    ])

    def question_only(messages: list[Any]) -> str:
        return messages[-1].text.rsplit("Question:", 1)[-1].strip()

    llm = routed(strong=anthropic_chat(), route_on=question_only)
    chain = (
        {"context": retriever | (lambda docs: "\n".join(d.page_content for d in docs)),
         "question": RunnablePassthrough()}
        | prompt
        | llm
        | StrOutputParser()
    )
    provider_server.clear_requests()
    answer = chain.invoke(EASY_EXAMPLE)
    templated = prompt.invoke({"context": "\n".join([HARD_EXAMPLE] * 2), "question": EASY_EXAMPLE})
    assert llm.policy.decide(templated.to_messages()[-1].text).model == "strong"  # default would pick strong
    assert answer.startswith(f"[{WEAK_OPENAI}]")  # the question alone is easy
    chat_req = next(r for r in provider_server.requests if r.endpoint == "chat")
    assert "Context:" in chat_req.body["messages"][-1]["content"]  # retrieved context reached the model
    assert [r.endpoint for r in provider_server.requests] == ["embeddings", "chat"]

    assert chain.invoke("Prove rigorously that sqrt(2) is irrational.").startswith(f"[{STRONG_ANTHROPIC}]")
    assert chain.batch([EASY_EXAMPLE, HARD_EXAMPLE])[1].startswith(f"[{STRONG_ANTHROPIC}]")


def test_drop_in_for_existing_lcel_chain() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{q}")])
    for llm, name in ((openai_chat(), WEAK_OPENAI), (routed(), WEAK_OPENAI)):
        chain = prompt | llm.with_retry(stop_after_attempt=2) | StrOutputParser()
        assert chain.invoke({"q": EASY_EXAMPLE}).startswith(f"[{name}]")


# ---------------------------------------------------------------------------- agents
@pytest.mark.parametrize(("task", "expected"), [(HARD_TOOL_TASK, STRONG_ANTHROPIC), (EASY_TOOL_TASK, WEAK_OPENAI)])
def test_create_agent_loop_routes_calls_tool_and_answers(provider_server: ProviderServer, task: str,
                                                         expected: str) -> None:
    agent = create_agent(routed(strong=anthropic_chat(), sticky=True), tools=[get_weather, magic_function])
    with get_usage_metadata_callback() as cb:
        out = agent.invoke({"messages": [HumanMessage(task)]})
    msgs = out["messages"]
    assert [type(m).__name__ for m in msgs] == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert msgs[1].tool_calls[0]["name"] == "get_weather"
    assert isinstance(msgs[2], ToolMessage) and "It is sunny in" in msgs[2].text
    assert msgs[3].text == f"[{expected}] The tool returned: {msgs[2].text}"
    assert {m.response_metadata["routing"]["model_name"] for m in msgs if isinstance(m, AIMessage)} == {expected}
    assert chat_models(provider_server.requests) == [expected, expected]  # no provider switch mid-run
    total = sum(m.usage_metadata["total_tokens"] for m in msgs if isinstance(m, AIMessage))
    assert list(cb.usage_metadata) == [expected] and cb.usage_metadata[expected]["total_tokens"] == total


async def test_create_agent_async(provider_server: ProviderServer) -> None:
    agent = create_agent(routed(strong=anthropic_chat()), tools=[get_weather, magic_function])
    out = await agent.ainvoke({"messages": [HumanMessage(HARD_TOOL_TASK)]})
    assert out["messages"][-1].text.startswith(f"[{STRONG_ANTHROPIC}] The tool returned")
    assert chat_models(provider_server.requests) == [STRONG_ANTHROPIC] * 2


def _stream_messages(agent: Any, task: str) -> tuple[dict[str, str], dict[str, int], list[dict[str, Any]], Any]:
    texts: dict[str, str] = {}
    counts: dict[str, int] = {}
    metas: list[dict[str, Any]] = []
    for chunk, meta in agent.stream({"messages": [HumanMessage(task)]}, stream_mode="messages"):
        if isinstance(chunk, AIMessageChunk):
            texts[chunk.id] = texts.get(chunk.id, "") + chunk.text
            counts[chunk.id] = counts.get(chunk.id, 0) + 1
            metas.append(meta)
    final = agent.invoke({"messages": [HumanMessage(task)]})["messages"][-1]
    return texts, counts, metas, final


def test_agent_streaming_has_no_duplicate_tokens(provider_server: ProviderServer) -> None:
    tools = [get_weather, magic_function]
    texts, counts, metas, final = _stream_messages(create_agent(routed(), tools=tools), EASY_TOOL_TASK)
    bare_texts, bare_counts, _, bare_final = _stream_messages(create_agent(openai_chat(), tools=tools),
                                                              EASY_TOOL_TASK)
    assert list(texts.values())[-1] == final.text == bare_final.text  # each token once
    assert sorted(counts.values()) == sorted(bare_counts.values())  # same chunks as the bare model
    assert len(texts) == len(bare_texts) == 2
    assert all(m["routing"]["model"] == "weak" for m in metas)
    assert all("routellm:weak" in m["tags"] and m["ls_model_name"] == WEAK_OPENAI for m in metas)


async def test_agent_async_streaming(provider_server: ProviderServer) -> None:
    agent = create_agent(routed(strong=anthropic_chat()), tools=[get_weather])
    text = ""
    async for chunk, _meta in agent.astream({"messages": [HumanMessage(HARD_TOOL_TASK)]}, stream_mode="messages"):
        if isinstance(chunk, AIMessageChunk):
            text += chunk.text
    assert text.endswith("The tool returned: It is sunny in Paris.")
    assert text.count(f"[{STRONG_ANTHROPIC}]") == 1


@pytest.mark.parametrize(("task", "expected"), [(HARD_EXAMPLE, STRONG_ANTHROPIC), (EASY_EXAMPLE, WEAK_OPENAI)])
def test_agent_structured_output(provider_server: ProviderServer, task: str, expected: str) -> None:
    agent = create_agent(routed(strong=anthropic_chat()), tools=[get_weather], response_format=Joke)
    out = agent.invoke({"messages": [HumanMessage(task)]})
    assert isinstance(out["structured_response"], Joke)
    assert set(chat_models(provider_server.requests)) == {expected}


def test_langgraph_graph_node(provider_server: ProviderServer) -> None:
    from langgraph.graph import END, START, MessagesState, StateGraph

    llm = routed()

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [llm.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", call_model)
    graph.add_edge(START, "model")
    graph.add_edge("model", END)
    app = graph.compile()
    out = app.invoke({"messages": [HumanMessage(HARD_EXAMPLE)]})
    assert out["messages"][-1].response_metadata["routing"]["model"] == "strong"
    chunks = [c for c, _ in app.stream({"messages": [HumanMessage(EASY_EXAMPLE)]}, stream_mode="messages")]
    assert "".join(c.text for c in chunks) == f"[{WEAK_OPENAI}] Hello! You said: {EASY_EXAMPLE}"


# ---------------------------------------------------------------------------- concurrency
async def test_concurrent_abatch_sends_prompts_to_different_models(provider_server: ProviderServer) -> None:
    delay = 0.4
    provider_server.set_delay(STRONG_ANTHROPIC, delay)
    provider_server.set_delay(WEAK_OPENAI, delay)
    llm = routed(strong=anthropic_chat())
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE, HARD_EXAMPLE + " Be concise.", EASY_EXAMPLE + " ok?"]
    start = time.perf_counter()
    out = await llm.abatch(prompts)
    elapsed = time.perf_counter() - start
    assert [m.response_metadata["routing"]["model"] for m in out] == ["strong", "weak", "strong", "weak"]
    assert [m.response_metadata["model_name"] for m in out] == [STRONG_ANTHROPIC, WEAK_OPENAI] * 2
    assert sorted(chat_models(provider_server.requests)) == sorted([STRONG_ANTHROPIC, WEAK_OPENAI] * 2)
    assert elapsed < 3 * delay, f"calls ran one after another ({elapsed:.2f}s)"


# ---------------------------------------------------------------------------- decision model
def test_decision_model_answers_choice_and_noul() -> None:
    clf = RouteLLMDecisionModel(router=router(), threshold=0.5)
    questions = {"route": Choice(instructions="Which model?", criteria={"strong": "hard", "weak": "easy"}),
                 "needs_strong": Noul(instructions="Is the strong model needed?")}
    hard = clf.invoke({"state": HumanMessage(HARD_EXAMPLE), "questions": questions})
    easy = clf.invoke({"state": [HumanMessage(EASY_EXAMPLE)], "questions": questions})
    score = router().score(HARD_EXAMPLE)
    assert hard.choices["route"].choice == "strong" and easy.choices["route"].choice == "weak"
    assert hard.choices["route"].probabilities == pytest.approx({"strong": score, "weak": 1 - score})
    assert hard.nouls["needs_strong"].noul == pytest.approx(score)
    assert 0 < hard.choices["route"].confidence <= 1 and hard.model == "routellm-mf"
    with pytest.raises(ConfigError, match="labels"):
        clf.invoke({"state": EASY_EXAMPLE,
                    "questions": {"r": Choice(instructions="?", criteria={"fast": "", "smart": ""})}})
    renamed = RouteLLMDecisionModel(router=router(), threshold=0.5, strong_label="smart", weak_label="fast")
    assert renamed.invoke({"state": HARD_EXAMPLE, "questions": {"r": Choice(
        instructions="?", criteria={"fast": "", "smart": ""})}}).choices["r"].choice == "smart"
    with pytest.raises(ConfigError, match="Score"):
        clf.invoke({"state": EASY_EXAMPLE, "questions": {"s": Score(instructions="?", criteria=["a", "b"])}})


@pytest.mark.parametrize("use_async", [False, True])
async def test_model_router_middleware_with_routellm_classifier(provider_server: ProviderServer,
                                                                use_async: bool) -> None:
    middleware = ModelRouterMiddleware(
        choices={"strong": ModelChoice(model=anthropic_chat(), criteria="Hard reasoning."),
                 "weak": ModelChoice(model=openai_chat(), criteria="Small talk.")},
        instructions="Pick the cheapest model that answers well.",
        classifier=RouteLLMDecisionModel(router=router(), threshold=0.5),
    )
    agent = create_agent(openai_chat(), tools=[get_weather], middleware=[middleware])
    inp = {"messages": [HumanMessage(HARD_TOOL_TASK)]}
    out = await agent.ainvoke(inp) if use_async else agent.invoke(inp)
    assert out["model_route"].choice == "strong"
    assert out["messages"][-1].text.startswith(f"[{STRONG_ANTHROPIC}] The tool returned")
    assert chat_models(provider_server.requests) == [STRONG_ANTHROPIC] * 2
