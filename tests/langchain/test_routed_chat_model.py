"""Behaviour of RoutedChatModel: routing, observability, delegation, errors, configuration."""

from __future__ import annotations

import subprocess
import sys
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler, get_usage_metadata_callback
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableBinding

from langchain_routellm import RoutedChatModel
from routellm_core import RoutingPolicy, load_router
from routellm_core.errors import ConfigError, InvalidPromptError, RoutingError, UnknownRouterError
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.langchain.models import (
    Joke,
    magic_function,
    STRONG_ANTHROPIC,
    STRONG_OPENAI,
    WEAK_OPENAI,
    anthropic_chat,
    openai_chat,
    routed,
    router,
)
from tests.provider_server import ProviderServer


class Recorder(BaseCallbackHandler):
    """Records chat-model run events."""

    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.ends: list[Any] = []
        self.tokens: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: UUID, tags: Any = None,
                            metadata: Any = None, invocation_params: Any = None, **kwargs: Any) -> None:
        self.starts.append({"tags": tags or [], "metadata": metadata or {}, "params": invocation_params or {}})

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.tokens.append(token if isinstance(token, str) else str(token))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.ends.append(response)


# ---------------------------------------------------------------------------- routing
@pytest.mark.parametrize(("prompt", "label", "model_name"), [(HARD_EXAMPLE, "strong", STRONG_OPENAI),
                                                              (EASY_EXAMPLE, "weak", WEAK_OPENAI)])
def test_invoke_routes_and_records_decision(provider_server: ProviderServer, prompt: str, label: str,
                                            model_name: str) -> None:
    llm = routed()
    msg = llm.invoke(prompt)
    routing = msg.response_metadata["routing"]
    assert routing["model"] == label and routing["model_name"] == model_name
    assert routing["router"] == "mf" and routing["threshold"] == 0.5 and 0.0 <= routing["score"] <= 1.0
    assert routing == {**llm.policy.decide(prompt).to_dict(), "model_name": model_name}
    assert provider_server.models_called() == [model_name]
    assert msg.text.startswith(f"[{model_name}]")
    assert msg.response_metadata["model_name"] == model_name  # inner metadata preserved
    assert msg.usage_metadata and msg.usage_metadata["total_tokens"] > 0


def test_strong_on_anthropic_and_weak_on_openai(provider_server: ProviderServer) -> None:
    llm = routed(strong=anthropic_chat())
    hard, easy = llm.invoke(HARD_EXAMPLE), llm.invoke(EASY_EXAMPLE)
    assert hard.response_metadata["routing"]["model_name"] == STRONG_ANTHROPIC
    assert hard.response_metadata["model_provider"] == "anthropic"
    assert easy.response_metadata["model_provider"] == "openai"
    assert [r.endpoint for r in provider_server.requests] == ["messages", "chat"]


def test_stream_routes_once_and_marks_one_chunk(provider_server: ProviderServer) -> None:
    llm = routed(strong=anthropic_chat())
    chunks = list(llm.stream(HARD_EXAMPLE))
    assert sum("routing" in c.response_metadata for c in chunks) == 1
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert full.response_metadata["routing"]["model"] == "strong"
    assert full.response_metadata["model_name"] == STRONG_ANTHROPIC
    assert full.text == f"[{STRONG_ANTHROPIC}] Hello! You said: {HARD_EXAMPLE}"
    assert full.usage_metadata and full.usage_metadata["input_tokens"] > 0
    assert provider_server.requests[-1].stream


async def test_async_paths(provider_server: ProviderServer) -> None:
    llm = routed()
    msg = await llm.ainvoke(HARD_EXAMPLE)
    assert msg.response_metadata["routing"]["model"] == "strong"
    text = ""
    async for chunk in llm.astream(EASY_EXAMPLE):
        text += chunk.text
    assert text.startswith(f"[{WEAK_OPENAI}]")
    assert provider_server.models_called() == [STRONG_OPENAI, WEAK_OPENAI]


def test_decides_once_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = routed()
    calls: list[str] = []
    real = llm.policy.decide
    monkeypatch.setattr(llm.policy, "decide", lambda text: calls.append(text) or real(text))
    llm.invoke(HARD_EXAMPLE)
    list(llm.stream(HARD_EXAMPLE))
    llm.invoke(HARD_EXAMPLE, config={"callbacks": [Recorder()]})
    llm.bind_tools([magic_function]).invoke(HARD_EXAMPLE)
    llm.generate([[HumanMessage(HARD_EXAMPLE)]])  # decided inside _generate
    assert calls == [HARD_EXAMPLE] * 5


def test_route_on_scores_chosen_text(provider_server: ProviderServer) -> None:
    seen: list[list[Any]] = []

    def question(messages: list[Any]) -> str:
        seen.append(messages)
        return messages[-1].text.rsplit("Question:", 1)[-1]

    llm = routed(route_on=question)
    prompt = f"Context: {HARD_EXAMPLE} {HARD_EXAMPLE}\nQuestion: {EASY_EXAMPLE}"
    assert llm.policy.decide(prompt).model == "strong"  # the whole prompt would go to strong
    msg = llm.invoke([SystemMessage("Answer from context."), HumanMessage(prompt)])
    assert msg.response_metadata["routing"]["model"] == "weak"
    assert len(seen) == 1 and len(seen[0]) == 2


def test_scores_last_human_message_not_system_or_ai() -> None:
    llm = routed()
    msgs = [SystemMessage(HARD_EXAMPLE), HumanMessage(HARD_EXAMPLE), AIMessage(HARD_EXAMPLE),
            HumanMessage(EASY_EXAMPLE)]
    assert llm.invoke(msgs).response_metadata["routing"]["model"] == "weak"


# ---------------------------------------------------------------------------- observability
def test_run_metadata_tags_and_ls_params_name_the_choice(provider_server: ProviderServer) -> None:
    rec = Recorder()
    llm = routed(strong=anthropic_chat())
    llm.invoke(HARD_EXAMPLE, config={"callbacks": [rec], "tags": ["mine"], "metadata": {"user": "u1"}})
    llm.invoke(EASY_EXAMPLE, config={"callbacks": [rec]})
    (hard, easy) = rec.starts
    assert hard["metadata"]["routing"]["model"] == "strong" and hard["metadata"]["user"] == "u1"
    assert "routellm:strong" in hard["tags"] and "mine" in hard["tags"]
    assert hard["metadata"]["ls_provider"] == "anthropic"
    assert hard["metadata"]["ls_model_name"] == STRONG_ANTHROPIC
    assert hard["params"]["routing"]["model_name"] == STRONG_ANTHROPIC
    assert easy["metadata"]["routing"]["model"] == "weak" and "routellm:weak" in easy["tags"]
    assert easy["metadata"]["ls_provider"] == "openai"
    assert easy["metadata"]["ls_model_name"] == WEAK_OPENAI


def test_one_run_per_call_and_usage_counted_once(provider_server: ProviderServer) -> None:
    rec = Recorder()
    bare = openai_chat(WEAK_OPENAI)
    with get_usage_metadata_callback() as bare_cb:
        bare_msg = bare.invoke(EASY_EXAMPLE)
    llm = routed()
    with get_usage_metadata_callback() as cb:
        msg = llm.invoke(EASY_EXAMPLE, config={"callbacks": [rec]})
    assert len(rec.starts) == 1 and len(rec.ends) == 1
    assert cb.usage_metadata == bare_cb.usage_metadata == {WEAK_OPENAI: msg.usage_metadata}
    assert msg.usage_metadata == bare_msg.usage_metadata
    with get_usage_metadata_callback() as cb:
        list(llm.stream(EASY_EXAMPLE))
    assert cb.usage_metadata == bare_cb.usage_metadata


@pytest.mark.parametrize("mode", ["stream", "invoke_with_streaming_handler"])
def test_tokens_emitted_once(provider_server: ProviderServer, mode: str) -> None:
    from langchain_core.tracers._streaming import _StreamingCallbackHandler

    class StreamingRecorder(Recorder, _StreamingCallbackHandler):
        def tap_output_aiter(self, run_id: Any, output: Any) -> Any:
            return output

        def tap_output_iter(self, run_id: Any, output: Any) -> Any:
            return output

    def run(model: Any) -> tuple[list[str], str]:
        rec = StreamingRecorder()
        if mode == "stream":
            text = "".join(c.text for c in model.stream(EASY_EXAMPLE, config={"callbacks": [rec]}))
        else:
            text = model.invoke(EASY_EXAMPLE, config={"callbacks": [rec]}).text
        assert len(rec.starts) == 1
        return rec.tokens, text

    bare_tokens, bare_text = run(openai_chat(WEAK_OPENAI))
    tokens, text = run(routed())
    assert "".join(tokens) == text == bare_text == "".join(bare_tokens)
    assert len(tokens) == len(bare_tokens) > 2
    assert provider_server.requests[-1].stream


# ---------------------------------------------------------------------------- batch
def test_batch_scores_in_one_router_pass(provider_server: ProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = routed()
    sizes: list[int] = []
    real = llm.policy.router.score

    def spy(prompts: Any, **kw: Any) -> Any:
        sizes.append(1 if isinstance(prompts, str) else len(prompts))
        return real(prompts, **kw)

    monkeypatch.setattr(llm.policy.router, "score", spy)
    out = llm.batch([HARD_EXAMPLE, EASY_EXAMPLE, EASY_EXAMPLE], config={"max_concurrency": 2})
    assert sizes == [3]
    assert [m.response_metadata["routing"]["model"] for m in out] == ["strong", "weak", "weak"]
    assert sorted(provider_server.models_called()) == sorted([STRONG_OPENAI, WEAK_OPENAI, WEAK_OPENAI])


async def test_abatch_scores_in_one_router_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = routed()
    sizes: list[int] = []
    real = llm.policy.router.score
    monkeypatch.setattr(llm.policy.router, "score",
                        lambda p, **kw: sizes.append(1 if isinstance(p, str) else len(p)) or real(p, **kw))
    out = await llm.abatch([EASY_EXAMPLE, HARD_EXAMPLE])
    assert sizes == [2]
    assert [m.response_metadata["routing"]["model"] for m in out] == ["weak", "strong"]


def test_batch_return_exceptions_keeps_good_items() -> None:
    llm = routed()
    out = llm.batch([HARD_EXAMPLE, "   "], return_exceptions=True)
    assert isinstance(out[0], AIMessage) and isinstance(out[1], InvalidPromptError)
    with pytest.raises(InvalidPromptError):
        llm.batch([HARD_EXAMPLE, "   "])


# ---------------------------------------------------------------------------- tools & structured output
def test_bind_tools_uses_each_providers_native_format(provider_server: ProviderServer) -> None:
    llm = routed(strong=anthropic_chat())
    bound = llm.bind_tools([magic_function], tool_choice="any")
    assert isinstance(bound, RunnableBinding)
    hard = bound.invoke(HARD_EXAMPLE + " Use magic_function(3).")
    easy = bound.invoke(EASY_EXAMPLE)
    assert hard.tool_calls[0]["name"] == easy.tool_calls[0]["name"] == "magic_function"
    assert hard.response_metadata["routing"]["model"] == "strong"
    assert easy.response_metadata["routing"]["model"] == "weak"
    anthropic_body, openai_body = (r.body for r in provider_server.requests)
    assert anthropic_body["tools"][0]["input_schema"]["properties"]["input"]["type"] == "integer"
    assert anthropic_body["tool_choice"] == {"type": "any"}
    assert openai_body["tools"][0]["type"] == "function" and openai_body["tool_choice"] == "required"


def test_structured_output_delegates_to_chosen_model(provider_server: ProviderServer) -> None:
    llm = routed(strong=anthropic_chat())
    chat = llm.with_structured_output(Joke)
    rec = Recorder()
    hard = chat.invoke(HARD_EXAMPLE, config={"callbacks": [rec]})
    easy = chat.invoke(EASY_EXAMPLE, config={"callbacks": [rec]})
    assert isinstance(hard, Joke) and isinstance(easy, Joke)
    assert [s["metadata"]["routing"]["model"] for s in rec.starts] == ["strong", "weak"]
    assert provider_server.models_called() == [STRONG_ANTHROPIC, WEAK_OPENAI]
    assert provider_server.requests[1].body["response_format"]["type"] == "json_schema"
    streamed = list(chat.stream(HARD_EXAMPLE))
    assert isinstance(streamed[-1], Joke)
    raw = llm.with_structured_output(Joke, include_raw=True).invoke(EASY_EXAMPLE)
    assert isinstance(raw["parsed"], Joke) and raw["raw"].response_metadata["model_name"] == WEAK_OPENAI


async def test_structured_output_batches() -> None:
    chat = routed().with_structured_output(Joke)
    assert all(isinstance(j, Joke) for j in chat.batch([HARD_EXAMPLE, EASY_EXAMPLE]))
    assert all(isinstance(j, Joke) for j in await chat.abatch([HARD_EXAMPLE, EASY_EXAMPLE]))
    assert isinstance(await chat.ainvoke(EASY_EXAMPLE), Joke)


def test_call_params_are_forwarded(provider_server: ProviderServer) -> None:
    llm = routed(stop=["STOP"], temperature=0.3, max_tokens=50)
    llm.invoke(EASY_EXAMPLE)
    body = provider_server.requests[-1].body
    assert body["stop"] == ["STOP"] and body["temperature"] == 0.3
    assert body.get("max_completion_tokens", body.get("max_tokens")) == 50
    llm.invoke(EASY_EXAMPLE, stop=["you"])
    assert provider_server.requests[-1].body["stop"] == ["you"]


def test_streaming_flag_streams_invoke(provider_server: ProviderServer) -> None:
    msg = routed(streaming=True).invoke(EASY_EXAMPLE)
    assert provider_server.requests[-1].stream and msg.text.startswith(f"[{WEAK_OPENAI}]")


# ---------------------------------------------------------------------------- sticky routing
def test_sticky_keeps_the_runs_first_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = routed(sticky=True)
    bound = llm.bind_tools([magic_function])
    first = bound.invoke([HumanMessage(HARD_EXAMPLE + " Use magic_function(3).")])
    assert first.response_metadata["routing"]["model"] == "strong"
    history = [HumanMessage(HARD_EXAMPLE + " Use magic_function(3)."), first,
               ToolMessage("5", tool_call_id=first.tool_calls[0]["id"])]
    monkeypatch.setattr(llm.policy, "threshold", 0.999)  # a fresh decision would now be "weak"
    assert llm.policy.decide(HARD_EXAMPLE).model == "weak"
    assert bound.invoke(history).response_metadata["routing"]["model"] == "strong"
    not_sticky = routed(sticky=False).bind_tools([magic_function])
    monkeypatch.setattr(not_sticky.bound.policy, "threshold", 0.999)
    assert not_sticky.invoke(history).response_metadata["routing"]["model"] == "weak"
    # a new human turn is a new run: decided again
    assert bound.invoke([*history, AIMessage("done"), HumanMessage(HARD_EXAMPLE)]).response_metadata[
        "routing"]["model"] == "weak"


def test_sticky_by_thread_id(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = routed(sticky=True)
    human = HumanMessage(HARD_EXAMPLE, id="h1")
    cfg = {"configurable": {"thread_id": "t-1"}}
    assert llm.invoke([human], config=cfg).response_metadata["routing"]["model"] == "strong"
    monkeypatch.setattr(llm.policy, "threshold", 0.999)
    # the AI message carries no routing metadata, so only the thread remembers the route
    call = {"name": "magic_function", "args": {"input": 3}, "id": "c1", "type": "tool_call"}
    plain_history = [human, AIMessage("", tool_calls=[call]), ToolMessage("5", tool_call_id="c1")]
    assert llm.invoke(plain_history, config=cfg).response_metadata["routing"]["model"] == "strong"
    assert llm.invoke(plain_history, config={"configurable": {"thread_id": "t-2"}}).response_metadata[
        "routing"]["model"] == "weak"


# ---------------------------------------------------------------------------- errors
def test_inner_errors_surface_unchanged(provider_server: ProviderServer) -> None:
    provider_server.fail_model(WEAK_OPENAI)
    with pytest.raises(Exception) as bare_exc:
        openai_chat(WEAK_OPENAI).invoke(EASY_EXAMPLE)
    with pytest.raises(Exception) as routed_exc:
        routed().invoke(EASY_EXAMPLE)
    assert type(routed_exc.value) is type(bare_exc.value)
    assert str(routed_exc.value) == str(bare_exc.value)
    with pytest.raises(type(bare_exc.value)):
        list(routed().stream(EASY_EXAMPLE))


@pytest.mark.parametrize("how", ["invoke", "stream", "ainvoke", "astream", "structured"])
async def test_fallback_to_other(provider_server: ProviderServer, how: str) -> None:
    provider_server.fail_model(WEAK_OPENAI)
    llm = routed(strong=anthropic_chat(), fallback_to_other=True)
    if how == "invoke":
        msg = llm.invoke(EASY_EXAMPLE)
    elif how == "ainvoke":
        msg = await llm.ainvoke(EASY_EXAMPLE)
    elif how == "stream":
        chunks = list(llm.stream(EASY_EXAMPLE))
        msg = chunks[0]
        for c in chunks[1:]:
            msg = msg + c
    elif how == "astream":
        chunks = [c async for c in llm.astream(EASY_EXAMPLE)]
        msg = chunks[0]
        for c in chunks[1:]:
            msg = msg + c
    else:
        assert isinstance(llm.with_structured_output(Joke).invoke(EASY_EXAMPLE), Joke)
        assert provider_server.models_called() == [WEAK_OPENAI, STRONG_ANTHROPIC]
        return
    routing = msg.response_metadata["routing"]
    assert routing["model"] == "weak" and routing["fallback"] is True and routing["answered_by"] == "strong"
    assert routing["model_name"] == STRONG_ANTHROPIC and "500" in routing["fallback_error"]
    assert msg.text.startswith(f"[{STRONG_ANTHROPIC}]")
    assert provider_server.models_called() == [WEAK_OPENAI, STRONG_ANTHROPIC]


def test_fallback_fails_when_both_fail(provider_server: ProviderServer) -> None:
    provider_server.fail_model(WEAK_OPENAI)
    provider_server.fail_model(STRONG_OPENAI)
    with pytest.raises(Exception, match="500"):
        routed(fallback_to_other=True).invoke(EASY_EXAMPLE)


def test_prompt_errors(provider_server: ProviderServer) -> None:
    llm = routed()
    with pytest.raises(InvalidPromptError, match="no text"):
        llm.invoke("   ")
    with pytest.raises(InvalidPromptError, match="has none"):
        llm.invoke([SystemMessage("You are helpful.")])
    with pytest.raises(InvalidPromptError, match="route_on"):
        routed(route_on=lambda m: 3).invoke(EASY_EXAMPLE)
    with pytest.raises(RoutingError, match="route_on raised"):
        routed(route_on=lambda m: 1 / 0).invoke(EASY_EXAMPLE)
    assert provider_server.requests == []  # nothing was sent


def test_router_crash_is_a_routing_error(provider_server: ProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = routed()

    def boom(*a: Any, **k: Any) -> Any:
        raise ValueError("broken weights")

    monkeypatch.setattr(llm.policy.router, "_score", boom)
    with pytest.raises(RoutingError, match="broken weights"):
        llm.invoke(HARD_EXAMPLE)
    with pytest.raises(RoutingError):
        llm.batch([HARD_EXAMPLE, EASY_EXAMPLE])
    assert provider_server.requests == []


def test_bad_configuration_raises_clearly() -> None:
    strong, weak = openai_chat(STRONG_OPENAI), openai_chat(WEAK_OPENAI)
    with pytest.raises(ConfigError, match="not both"):
        RoutedChatModel(strong=strong, weak=weak, router=router(), threshold=0.5, strong_fraction=0.3)
    with pytest.raises(ConfigError, match="threshold"):
        RoutedChatModel(strong=strong, weak=weak, router=router(), threshold=1.5)
    with pytest.raises(UnknownRouterError):
        RoutedChatModel(strong=strong, weak=weak, router="no-such-router")
    with pytest.raises(ConfigError, match="chat models"):
        RoutedChatModel(strong=strong | (lambda m: m), weak=weak, router=router())
    with pytest.raises(ConfigError, match="RoutingPolicy"):
        RoutedChatModel(strong=strong, weak=weak, router=RoutingPolicy(router(), threshold=0.5), threshold=0.2)


# ---------------------------------------------------------------------------- configuration
def test_router_forms_and_strong_fraction() -> None:
    from tests.helpers import tiny_router_path

    by_path = routed(router=str(tiny_router_path()), threshold=None, strong_fraction=0.3)
    assert by_path.policy.threshold == pytest.approx(router().threshold_for(0.3))
    policy = RoutingPolicy(router(), threshold=0.2)
    assert routed(router=policy, threshold=None).policy is policy
    rnd = routed(router=load_router("random"), threshold=0.5)
    assert rnd.invoke(EASY_EXAMPLE).response_metadata["routing"]["router"] == "random"


def test_identity_and_profile() -> None:
    llm = routed(strong=anthropic_chat())
    assert llm._llm_type == "routed-chat-model"
    params = llm._identifying_params
    assert params["strong_model"] == STRONG_ANTHROPIC and params["weak_model"] == WEAK_OPENAI
    strong_p, weak_p, prof = anthropic_chat().profile, openai_chat().profile, llm.profile
    assert prof is not None and strong_p and weak_p
    assert prof["max_input_tokens"] == min(strong_p["max_input_tokens"], weak_p["max_input_tokens"])
    for key in ("tool_calling", "image_inputs", "structured_output"):
        assert prof[key] == (strong_p[key] and weak_p[key])
    assert "name" not in prof  # differing descriptive values are dropped
    assert llm._get_ls_params()["ls_provider"] == "routellm"


def test_import_is_light() -> None:
    code = (
        "import sys, langchain_routellm\n"
        "assert 'langchain_core' not in sys.modules\n"
        "from langchain_routellm import RoutedChatModel, RouteLLMDecisionModel\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers')]\n"
        "assert not heavy, heavy\n"
        "assert 'routellm_core.routers.matrix_factorization' not in sys.modules\n"
    )
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env={"PYTHONPATH": root, "PATH": ""})
