"""The real ``openai`` client against the routing server over a loopback socket; the upstreams
are the local provider server (Anthropic strong, OpenAI weak). Every test runs on both paths:
``fast`` (the OpenAI upstream's calls forwarded as they came) and ``langchain`` (every call
through the LangChain chat models, ``fast_path=False``)."""

from __future__ import annotations

import json
import threading
import time

import httpx
import openai
import pytest

from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.server.conftest import ROUTED, STRONG, WEAK, client, make_server, routing_and_text, user

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
PERSON_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "person",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture(scope="module", params=[True, False], ids=["fast", "langchain"])
def fast_path(request):
    return request.param


@pytest.fixture(scope="module")
def routing_server(fast_path):
    """The shared routing server of this module, on the path under test."""
    srv = make_server(fast_path=fast_path)
    yield srv
    srv.stop()


@pytest.fixture
def server_factory(server_factory, fast_path):
    """The conftest's factory, on the path under test unless a test says otherwise."""
    return lambda **settings: server_factory(**{"fast_path": fast_path, **settings})


@pytest.mark.parametrize(
    ("prompt", "side", "upstream"), [(HARD_EXAMPLE, "strong", STRONG), (EASY_EXAMPLE, "weak", WEAK)]
)
def test_plain_completion_is_routed_and_says_so(openai_client, provider_server, prompt, side, upstream):
    raw = openai_client.chat.completions.with_raw_response.create(model=ROUTED, messages=user(prompt))
    completion = raw.parse()
    assert completion.choices[0].message.content == f"[{upstream}] Hello! You said: {prompt}"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == upstream
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    routing = completion.model_extra["routing"]
    assert routing["model"] == side and routing["model_name"] == upstream and routing["router"] == "mf"
    assert routing["threshold"] == 0.5 and (routing["score"] >= 0.5) == (side == "strong")
    assert raw.headers["x-routellm-model"] == side
    assert raw.headers["x-routellm-model-name"] == upstream
    assert float(raw.headers["x-routellm-score"]) == pytest.approx(routing["score"], abs=1e-6)
    assert provider_server.models_called() == [upstream]


@pytest.mark.parametrize(("prompt", "upstream"), [(HARD_EXAMPLE, STRONG), (EASY_EXAMPLE, WEAK)])
def test_streaming_matches_the_plain_answer_and_ends_with_usage(openai_client, prompt, upstream):
    with openai_client.chat.completions.with_streaming_response.create(
        model=ROUTED, messages=user(prompt), stream=True, stream_options={"include_usage": True}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-routellm-model-name"] == upstream
        chunks = list(response.parse())
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].model_extra["routing"]["model_name"] == upstream
    assert all(c.model == upstream for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"[{upstream}] Hello! You said: {prompt}"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_stream_without_usage_request_has_no_usage_chunk(openai_client):
    chunks = list(
        openai_client.chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE), stream=True)
    )
    assert all(c.choices for c in chunks) and all(c.usage is None for c in chunks)


@pytest.mark.parametrize(("prompt", "upstream"), [(HARD_EXAMPLE, STRONG), (EASY_EXAMPLE, WEAK)])
def test_tool_call_and_tool_result_round_trip(openai_client, provider_server, prompt, upstream):
    messages = user(f"{prompt} Also, what is the weather in 'Paris'?")
    first = openai_client.chat.completions.create(model=ROUTED, messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls" and first.model == upstream
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"},
    ]
    second = openai_client.chat.completions.create(model=ROUTED, messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].message.content == f"[{upstream}] The tool returned: sunny, 21 C"
    assert provider_server.models_called() == [upstream, upstream]


@pytest.mark.parametrize(("prompt", "upstream"), [(HARD_EXAMPLE, STRONG), (EASY_EXAMPLE, WEAK)])
def test_streamed_tool_calls_assemble(openai_client, prompt, upstream):
    stream = openai_client.chat.completions.create(
        model=ROUTED,
        messages=user(f"{prompt} Weather in 'Oslo'?"),
        tools=[WEATHER_TOOL],
        tool_choice="required",
        stream=True,
    )
    deltas = [tc for c in stream for tc in (c.choices[0].delta.tool_calls or [])]
    assert {d.index for d in deltas} == {0}
    assert deltas[0].id and deltas[0].function.name == "get_weather"
    assert json.loads("".join(d.function.arguments or "" for d in deltas)) == {"city": "Oslo"}


@pytest.mark.parametrize("prompt", [HARD_EXAMPLE, EASY_EXAMPLE])
def test_json_schema_response_format_on_both_upstreams(openai_client, provider_server, prompt):
    completion = openai_client.chat.completions.create(
        model=ROUTED, messages=user(prompt), response_format=PERSON_FORMAT
    )
    assert set(json.loads(completion.choices[0].message.content)) == {"name", "age"}
    body = provider_server.requests[-1].body
    native = body.get("response_format") or body.get("output_config")  # each provider's own field
    assert native and "age" in json.dumps(native)


def test_json_object_where_the_upstream_supports_it(openai_client):
    ok = openai_client.chat.completions.create(
        model=ROUTED, messages=user(f"{EASY_EXAMPLE} 'mood'"), response_format={"type": "json_object"}
    )
    assert json.loads(ok.choices[0].message.content) == {"mood": f"mood from {WEAK}"}
    with pytest.raises(openai.BadRequestError) as err:  # Anthropic has no JSON mode
        openai_client.chat.completions.create(
            model=ROUTED, messages=user(HARD_EXAMPLE), response_format={"type": "json_object"}
        )
    assert err.value.code == "unsupported_response_format" and "json_object" in err.value.message


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(
    ("status", "error"),
    [(429, openai.RateLimitError), (500, openai.InternalServerError), (503, openai.InternalServerError)],
)
def test_upstream_errors_keep_their_status(openai_client, provider_server, status, error, stream):
    provider_server.fail_model(STRONG, status=status)
    with pytest.raises(error) as err:
        openai_client.chat.completions.create(model=ROUTED, messages=user(HARD_EXAMPLE), stream=stream)
    assert err.value.status_code == status
    body = err.value.body
    assert body["type"] == ("rate_limit_error" if status == 429 else "server_error")
    assert body["code"] == ("rate_limit_exceeded" if status == 429 else "upstream_error")
    assert f"HTTP {status}" in body["message"] and "scripted failure" in body["message"]
    assert openai_client.chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE)).model == WEAK


@pytest.mark.parametrize("upstream", [STRONG, WEAK])
def test_upstream_failing_mid_stream_ends_the_stream_with_an_error_event(
    openai_client, provider_server, upstream
):
    provider_server.cut_streams(upstream, after=3)
    prompt = HARD_EXAMPLE if upstream == STRONG else EASY_EXAMPLE
    stream = openai_client.chat.completions.create(model=ROUTED, messages=user(prompt), stream=True)
    received = []
    with pytest.raises(openai.APIError) as err:
        for chunk in stream:
            received.append(chunk)
    assert received and received[0].model_extra["routing"]["model_name"] == upstream  # the answer had begun
    assert err.value.code == "upstream_connection_error" and "incomplete" in err.value.message


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_slow_upstream_times_out_with_504(server_factory, provider_server, stream):
    srv = server_factory(timeout=0.3)
    provider_server.set_delay(WEAK, 6.0)
    start = time.monotonic()
    with pytest.raises(openai.APIStatusError) as err:
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE), stream=stream)
    assert err.value.status_code == 504 and err.value.code == "upstream_timeout"
    assert time.monotonic() - start < 5.0  # the server's 0.3 s, not the upstream's 6 s (wide: a loaded CI)


def test_upstream_client_timeout_is_504(server_factory, provider_server):
    from langchain_openai import ChatOpenAI

    weak = ChatOpenAI(
        model=WEAK, base_url=provider_server.openai_base_url, api_key="sk-test", timeout=0.2, max_retries=0
    )
    srv = server_factory(weak=weak)
    provider_server.set_delay(WEAK, 1.0)
    with pytest.raises(openai.APIStatusError) as err:
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
    assert err.value.status_code == 504


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_fallback_answers_with_the_other_upstream(server_factory, provider_server, stream):
    srv = server_factory(fallback=True)
    provider_server.fail_model(STRONG, status=500)
    raw = client(srv.base_url).chat.completions.with_raw_response.create(
        model=ROUTED, messages=user(HARD_EXAMPLE), stream=stream
    )
    assert raw.headers["x-routellm-fallback"] == "true"
    assert raw.headers["x-routellm-decision"] == "strong" and raw.headers["x-routellm-model"] == "weak"
    routing, text = routing_and_text(raw, stream)
    assert text.startswith(f"[{WEAK}]")
    assert (
        routing["fallback"] is True
        and routing["answered_by"] == "weak"
        and "500" in routing["fallback_error"]
    )
    assert provider_server.models_called() == [STRONG, WEAK]


def test_bearer_key_is_required_and_never_echoed(server_factory):
    key = "server-key-0123456789"
    srv = server_factory(api_key=key)
    wrong = "wrong-key-9876543210"
    with pytest.raises(openai.AuthenticationError) as err:
        client(srv.base_url, api_key=wrong).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
    assert err.value.code == "invalid_api_key"
    assert wrong not in err.value.response.text and key not in err.value.response.text
    anonymous = httpx.post(f"{srv.base_url}/chat/completions", json={"model": ROUTED, "messages": user("hi")})
    assert anonymous.status_code == 401 and key not in anonymous.text
    with pytest.raises(openai.AuthenticationError):
        client(srv.base_url, api_key=wrong).models.list()
    assert (
        client(srv.base_url, api_key=key)
        .chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
        .model
        == WEAK
    )
    assert httpx.get(f"{srv.url}/health").json()["status"] == "ok"  # no key needed
    assert key not in repr(srv.app.state.server.settings)


def test_request_body_over_the_limit_is_413(server_factory):
    srv = server_factory(max_request_bytes=2000)
    with pytest.raises(openai.APIStatusError) as err:
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user("x" * 5000))
    assert err.value.status_code == 413 and err.value.code == "request_too_large"
    assert "--max-request-bytes" in err.value.message
    chunked = httpx.post(
        f"{srv.base_url}/chat/completions", content=iter([b"{" + b" " * 1500, b" " * 1500 + b"}"])
    )
    assert chunked.status_code == 413  # no Content-Length: counted while reading


@pytest.mark.parametrize(
    ("model", "error", "code"),
    [
        ("gpt-4o", openai.NotFoundError, "model_not_found"),
        ("router-nope-0.5", openai.NotFoundError, "model_not_found"),
        ("router-tiny-1.5", openai.BadRequestError, "invalid_model_name"),
        ("router-tiny-share-abc", openai.BadRequestError, "invalid_model_name"),
    ],
)
def test_bad_model_names(openai_client, model, error, code):
    with pytest.raises(error) as err:
        openai_client.chat.completions.create(model=model, messages=user(EASY_EXAMPLE))
    assert err.value.code == code and model in err.value.message and "router-" in err.value.message


@pytest.mark.parametrize(
    ("model", "side"),
    [
        ("router-tiny-share-1", "strong"),
        ("router-default-0", "weak"),
        ("router-tiny-0.99999", "weak"),
        ("router-default", "weak"),
    ],
)
def test_model_name_sets_the_policy(openai_client, model, side):
    completion = openai_client.chat.completions.create(model=model, messages=user(EASY_EXAMPLE))
    assert completion.model_extra["routing"]["model"] == side


def test_models_endpoint_lists_the_served_routers(openai_client):
    assert [m.id for m in openai_client.models.list()] == ["router-default", "router-tiny"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"model": ROUTED, "messages": []}).encode(), "messages must be a non-empty list"),
        (json.dumps({"model": ROUTED, "messages": user("hi"), "n": 2}).encode(), "n must be 1"),
        (
            json.dumps({"model": ROUTED, "messages": [{"role": "robot", "content": "hi"}]}).encode(),
            "messages[0].role",
        ),
        (
            json.dumps({"model": ROUTED, "messages": [{"role": "system", "content": "be brief"}]}).encode(),
            "no user message",
        ),
    ],
)
def test_bad_requests_get_openai_style_400(routing_server, body, needle):
    response = httpx.post(f"{routing_server.base_url}/chat/completions", content=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and needle in error["message"]


def test_unknown_path_and_method_get_openai_style_errors(routing_server):
    missing = httpx.get(f"{routing_server.base_url}/embeddings")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = httpx.get(f"{routing_server.base_url}/chat/completions")
    assert wrong.status_code == 405 and wrong.json()["error"]["type"] == "invalid_request_error"


def test_graceful_shutdown_lets_open_requests_finish(server_factory, provider_server):
    srv = server_factory()
    provider_server.set_delay(WEAK, 0.5)
    results: list[str] = []
    worker = threading.Thread(
        target=lambda: results.append(
            client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE)).model
        )
    )
    worker.start()
    deadline = time.monotonic() + 5
    while not provider_server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    srv.stop()  # while the request is in flight
    worker.join(5)
    assert results == [WEAK]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{srv.url}/health")


def test_fast_path_forwards_the_body_as_it_came(openai_client, provider_server, fast_path):
    openai_client.chat.completions.create(
        model=ROUTED, messages=user(EASY_EXAMPLE), seed=7, temperature=0.25, max_completion_tokens=50
    )
    body = provider_server.requests[-1].body
    assert body["model"] == WEAK and body["temperature"] == 0.25
    if fast_path:  # fields the LangChain path does not know pass through unchanged
        assert body["seed"] == 7 and body["max_completion_tokens"] == 50
    else:
        assert "seed" not in body


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("prompt", [HARD_EXAMPLE, EASY_EXAMPLE])
def test_both_paths_give_the_same_decision_and_headers(server_factory, prompt, stream):
    fast, slow = server_factory(fast_path=True), server_factory(fast_path=False)
    headers = []
    for srv in (fast, slow):
        raw = client(srv.base_url).chat.completions.with_raw_response.create(
            model=ROUTED, messages=user(prompt), stream=stream
        )
        headers.append({k: v for k, v in raw.headers.items() if k.startswith("x-routellm-")})
        if stream:
            chunks = list(raw.parse())
            routing = chunks[0].model_extra["routing"]
            assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).endswith(prompt)
        else:
            routing = raw.parse().model_extra["routing"]
        assert routing["model"] == headers[-1]["x-routellm-decision"]
    assert headers[0] == headers[1] and set(headers[0]) >= {"x-routellm-model", "x-routellm-score"}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_each_request_is_decided_once(server_factory, stream):
    srv = server_factory(fallback=True)
    policy = srv.app.state.server.models.route(ROUTED).policy
    calls = []
    decide = policy.adecide

    async def counted(text):
        calls.append(text)
        return await decide(text)

    policy.adecide = counted
    # the strong upstream (Anthropic) has no JSON mode: the route is checked against it with the
    # one decision made, and the request is answered by the weak model it chose
    prompt = f"{EASY_EXAMPLE} 'mood'"
    answer = client(srv.base_url).chat.completions.create(
        model=ROUTED, messages=user(prompt), response_format={"type": "json_object"}, stream=stream,
    )
    if stream:
        list(answer)
    assert calls == [prompt]
