"""Hostile clients and broken upstreams against the real server over loopback sockets (issue 20,
rows 3-6, 8-12, 19, 20). Clients are the real ``openai`` SDK, or httpx / raw sockets where the
wire itself is the point; broken upstreams are a small raw HTTP server here that answers
exactly the bytes a test scripts."""

from __future__ import annotations

import json
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
import pytest

from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_router_path
from tests.server.conftest import ROUTED, STRONG, WEAK, client, upstream_env

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def chunk(content: str, finish: str | None = None) -> bytes:
    delta = {"content": content} if content else {}
    body = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "raw-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def completion(content: str) -> bytes:
    body = {"id": "x", "object": "chat.completion", "created": 1, "model": "raw-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}
    return json.dumps(body).encode()


class RawUpstream:
    """An OpenAI-style upstream that answers each POST with scripted bytes: ``reply`` is
    (status, content type, [parts]), with a float part meaning "wait that many seconds, watching
    whether the client hangs up". ``hung_up`` counts calls whose client went away mid-answer."""

    def __init__(self) -> None:
        self.reply: tuple[int, str, list[Any]] = (200, "application/json", [completion("hi")])
        self.hung_up = 0
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                outer.calls += 1
                status, ctype, parts = outer.reply
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("connection", "close")
                if ctype == "text/event-stream":
                    self.end_headers()
                else:
                    size = sum(len(p) for p in parts if isinstance(p, bytes))
                    self.send_header("content-length", str(size))
                    self.end_headers()
                try:
                    for part in parts:
                        if isinstance(part, bytes):
                            self.wfile.write(part)
                            self.wfile.flush()
                        elif self._client_left_within(part):
                            outer.hung_up += 1
                            return
                except OSError:
                    outer.hung_up += 1

            def _client_left_within(self, seconds: float) -> bool:
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    ready, _, _ = select.select([self.connection], [], [], 0.05)
                    if ready and not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                return False

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def chat_model(self, model: str) -> Any:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=model, base_url=self.base_url, api_key="sk-test", max_retries=0)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def raw_upstream() -> Iterator[RawUpstream]:
    upstream = RawUpstream()
    yield upstream
    upstream.stop()


_started: list[Any] = []


def start(server_kwargs: dict[str, Any] | None = None, **settings: Any) -> Any:
    """A routing server (tiny router as ``tiny``, upstreams on the local provider server unless
    given) with ``settings`` and uvicorn ``server_kwargs``; stopped after the test."""
    from langchain_routellm.server.app import create_app
    from langchain_routellm.server.models import ServerSettings
    from langchain_routellm.server.runner import BackgroundServer
    from tests.provider_server import shared_server

    params = {"strong": f"anthropic:{STRONG}", "weak": f"openai:{WEAK}", "routers": [f"tiny={tiny_router_path()}"],
              "threshold": 0.5, "max_retries": 0, **settings}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in upstream_env(shared_server()).items():
            mp.setenv(key, value)
        app = create_app(ServerSettings(**params))
    srv = BackgroundServer(app, **(server_kwargs or {})).start()
    _started.append(srv)
    return srv


@pytest.fixture(autouse=True)
def _stop_started() -> Iterator[None]:
    yield
    while _started:
        _started.pop().stop(timeout=10)


def raw_server(upstream: RawUpstream, **settings: Any) -> Any:
    return start(strong=upstream.chat_model("raw-strong"), weak=upstream.chat_model("raw-weak"), **settings)


def post(srv: Any, body: Any, http: httpx.Client | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (http or httpx).post(f"{srv.base_url}/chat/completions", content=content,
                                headers={"content-type": "application/json"}, timeout=30)


# ------------------------------------------------------------------ row 6: null = not given
@pytest.mark.parametrize("prompt, upstream", [(EASY_EXAMPLE, "openai"), (HARD_EXAMPLE, "anthropic")])
def test_explicit_null_is_not_given(routing_server, provider_server, prompt, upstream):
    body = {"model": ROUTED, "messages": user(prompt), "max_tokens": 5, "max_completion_tokens": None,
            "temperature": None, "stop": None, "tools": None, "tool_choice": None, "stream": None, "n": None}
    assert post(routing_server, body).status_code == 200
    sent = provider_server.requests[-1]
    assert sent.provider == upstream
    assert (sent.body.get("max_completion_tokens") or sent.body.get("max_tokens")) == 5


# ------------------------------------------------------------------ rows 11, 9: one strict schema
@pytest.mark.parametrize(
    "extra, field",
    [
        ({"stream": "false"}, "stream"),
        ({"stop": {"a": 1}}, "stop"),
        ({"max_tokens": -5}, "max_tokens"),
        ({"max_tokens": "ten"}, "max_tokens"),
        ({"max_tokens": 1e30}, "max_tokens"),
        ({"max_completion_tokens": 2.5}, "max_completion_tokens"),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": 7}, "temperature"),
        ({"top_p": -1}, "top_p"),
        ({"n": True}, "n"),
        ({"n": 2}, "n"),
        ({"tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
        ({"stream_options": "x"}, "stream_options"),
        ({"tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "function": "f"}}, "tool_choice"),
        ({"response_format": {"type": "json_schema", "json_schema": "x"}}, "response_format"),
        ({"tools": [{"type": "function", "function": {"parameters": {}}}]}, "tools[0].function.name"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "banana"}}}]},
         "tools[0].function.parameters.type"),
        ({"response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": {
            "type": "object", "properties": {"a": {"type": "banana"}}}}}}, "response_format.json_schema.schema"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0]"),
        ({"messages": [{"role": "assistant", "content": "x", "tool_calls": [{"function": {}}]},
                       {"role": "user", "content": "hi"}]}, "messages[0].tool_calls[0].function.name"),
        ({"model": 5}, "model"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}, "messages[0].content[0].text"),
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "messages[0].content[0].text"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": 5}]}]},
         "messages[0].content[0].image_url"),
        ({"messages": [{"role": "user", "content": [{"type": "banana"}]}]}, "messages[0].content[0]"),
        ({"messages": [{"role": "user", "content": "hi", "name": 5}]}, "messages[0].name"),
    ],
)
def test_bad_fields_get_400_naming_the_field_and_keep_the_connection(routing_server, extra, field):
    with httpx.Client(timeout=30) as http:
        response = post(routing_server, {"model": ROUTED, "messages": user(EASY_EXAMPLE), **extra}, http)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error" and field in error["message"], error
        assert "_" + "ImageURL" not in error["message"] and (error["param"] or "").startswith(field.split("[")[0])
        assert "Traceback" not in response.text and response.headers.get("connection") != "close"
        # the same keep-alive connection serves the next request
        again = post(routing_server, {"model": ROUTED, "messages": user(EASY_EXAMPLE)}, http)
        assert again.status_code == 200


def test_bad_field_through_the_openai_client(routing_server):
    with pytest.raises(openai.BadRequestError) as err:
        client(routing_server.base_url).chat.completions.create(
            model=ROUTED, messages=user(EASY_EXAMPLE), max_tokens=-5)
    assert "max_tokens" in err.value.message and err.value.body["param"] == "max_tokens"


def test_deep_nesting_is_400_not_500(routing_server):
    deep = b'{"model": "' + ROUTED.encode() + b'", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with httpx.Client(timeout=30) as http:
        response = post(routing_server, deep, http)
        assert response.status_code == 400 and "levels deep" in response.json()["error"]["message"]
        assert post(routing_server, {"model": ROUTED, "messages": user(EASY_EXAMPLE)}, http).status_code == 200
    moderately = {"model": ROUTED, "messages": user(EASY_EXAMPLE), "metadata": json.loads("[" * 80 + "]" * 80)}
    response = post(routing_server, moderately)
    assert response.status_code == 400 and "--max-nesting" in response.json()["error"]["message"]


def test_tool_choice_naming_a_listed_tool_is_accepted(routing_server):
    body = {"model": ROUTED, "messages": user(f"{EASY_EXAMPLE} weather in Paris"), "tools": [WEATHER_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    assert post(routing_server, body).status_code == 200


# ------------------------------------------------------------------ row 3: limits, event loop free
def test_content_parts_and_messages_are_limited(routing_server):
    parts = [{"type": "text", "text": "x"}] * 100_000
    response = post(routing_server, {"model": ROUTED, "messages": [{"role": "user", "content": parts}]})
    assert response.status_code == 400 and "--max-content-parts" in response.json()["error"]["message"]
    many = [{"role": "user", "content": "hi"}] * 130_000
    response = post(routing_server, {"model": ROUTED, "messages": many})
    assert response.status_code in (400, 413)
    assert "--max-messages" in response.text or "--max-request-bytes" in response.text


def test_limits_are_configurable(raw_upstream):
    srv = raw_server(raw_upstream, max_messages=2, max_content_parts=3, max_nesting=8)
    assert post(srv, {"model": ROUTED, "messages": user("a") * 3}).json()["error"]["param"] == "messages"
    parts = [{"type": "text", "text": "x"}] * 4
    assert "limit of 3" in post(srv, {"model": ROUTED, "messages": [{"role": "user", "content": parts}]}).text
    assert post(srv, {"model": ROUTED, "messages": user("a") * 2}).status_code == 200


def test_health_answers_while_a_large_request_is_checked(raw_upstream):
    """A body at the size limit is decoded and checked in a worker thread: /health (on the
    event loop) answers while it is."""
    srv = raw_server(raw_upstream, max_messages=1000)
    text = "word " * 700
    body = {"model": ROUTED, "messages": [{"role": "user", "content": text}] * 999}
    results: dict[str, Any] = {}

    def big() -> None:
        results["big"] = post(srv, body).status_code

    thread = threading.Thread(target=big)
    thread.start()
    health = [httpx.get(f"{srv.url}/health", timeout=30).status_code for _ in range(5)]
    thread.join(60)
    assert health == [200] * 5 and results["big"] == 200


# ------------------------------------------------------------------ row 8: invalid upstream answers
@pytest.mark.parametrize(
    "reply",
    [
        (200, "application/json", [b"<html>oops"]),
        (200, "application/json", [b""]),
        (200, "application/json", [b'{"foo": 1}']),
        (200, "application/json", [b'{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]}']),
        (200, "application/json", [b"[1, 2]"]),
    ],
    ids=["not-json", "empty", "wrong-shape", "no-choices", "a-list"],
)
def test_invalid_upstream_answer_is_502(raw_upstream, reply):
    srv = raw_server(raw_upstream)
    raw_upstream.reply = reply
    with pytest.raises(openai.APIStatusError) as err:
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
    assert err.value.status_code == 502 and err.value.code == "upstream_invalid_response"
    assert "the request was fine" in err.value.message


# ------------------------------------------------------------------ row 19: upstream auth errors
@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_upstream_auth_error_bodies_are_not_passed_on(raw_upstream, caplog, status, stream):
    srv = raw_server(raw_upstream)
    secret = "Incorrect API key provided: sk-proj-abc1********************xyz9"
    raw_upstream.reply = (status, "application/json", [json.dumps({"error": {"message": secret}}).encode()])
    with caplog.at_level(logging.WARNING, logger="routellm.serve"):
        with pytest.raises(openai.APIStatusError) as err:
            client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE), stream=stream)
    assert err.value.status_code == 502 and err.value.code == "upstream_authentication_failed"
    assert "sk-proj" not in json.dumps(err.value.body) and "xyz9" not in err.value.message
    assert "server log" in err.value.message
    assert "sk-proj-abc1" in caplog.text  # the operator still sees it


# ------------------------------------------------------------------ row 10: lone surrogate mid-stream
def test_lone_surrogate_mid_stream_is_an_error_event(raw_upstream):
    srv = raw_server(raw_upstream)
    bad = b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,' \
          b'"delta":{"content":"bad \\ud800 x"},"finish_reason":null}]}\n\n'
    raw_upstream.reply = (200, "text/event-stream", [chunk("hello"), 0.2, bad, chunk("", "stop"), b"data: [DONE]\n\n"])
    stream = client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE), stream=True)
    received = []
    with pytest.raises(openai.APIError) as err:
        for c in stream:
            received.append(c)
    assert received and received[0].choices[0].delta.content == "hello"
    assert err.value.code == "upstream_invalid_response" and "not valid Unicode" in err.value.message


def test_lone_surrogate_in_a_plain_answer_is_502(raw_upstream):
    srv = raw_server(raw_upstream)
    raw_upstream.reply = (200, "application/json", [completion("a \ud800 b").replace(b"\\\\ud800", b"\\ud800")])
    with pytest.raises(openai.APIStatusError) as err:
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
    assert err.value.status_code == 502 and "not valid Unicode" in err.value.message


# ------------------------------------------------------------------ row 12: flags checked at start
@pytest.mark.parametrize(
    "flags, needle",
    [
        (["--timeout", "nan"], "--timeout"),
        (["--timeout", "0"], "--timeout"),
        (["--timeout", "-1"], "--timeout"),
        (["--max-retries", "-5"], "--max-retries"),
        (["--max-request-bytes", "0"], "--max-request-bytes"),
        (["--max-messages", "0"], "--max-messages"),
        (["--max-nesting", "1"], "--max-nesting"),
        (["--read-timeout", "inf"], "--read-timeout"),
        (["--keep-alive-timeout", "0"], "--keep-alive-timeout"),
        (["--max-concurrency", "0"], "--max-concurrency"),
        (["--graceful-timeout", "-1"], "--graceful-timeout"),
        (["--port", "70000"], "--port"),
    ],
)
def test_bad_serve_flags_stop_at_start_with_one_line(capsys, flags, needle):
    from routellm_core.cli import main

    assert main(["serve", "--strong", "openai:a", "--weak", "openai:b", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_limits_are_in_help(capsys):
    from routellm_core.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    for flag in ("--max-messages", "--max-content-parts", "--max-nesting", "--read-timeout",
                 "--keep-alive-timeout", "--max-concurrency", "--max-header-bytes", "--max-request-bytes"):
        assert flag in text


# ------------------------------------------------------------------ row 4: connection limits
def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
    except OSError:
        return True


def test_half_sent_headers_are_dropped_after_the_read_timeout(raw_upstream):
    srv = raw_server(raw_upstream, read_timeout=0.5)
    socks = []
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    silent = socket.create_connection(("127.0.0.1", srv.port))  # sends nothing at all
    try:
        assert all(_closed_within(s, 5) for s in [*socks, silent])
    finally:
        for s in [*socks, silent]:
            s.close()
    assert httpx.get(f"{srv.url}/health").status_code == 200


def test_oversized_headers_close_the_connection(raw_upstream):
    srv = raw_server(raw_upstream)
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(100):
                s.sendall(b"X-Filler: " + b"a" * 4000 + b"\r\n")
        except OSError:
            pass
        assert _closed_within(s, 5)


def test_idle_keep_alive_connection_is_closed(raw_upstream):
    srv = start(server_kwargs={"keep_alive_timeout": 0.5}, strong=raw_upstream.chat_model("s"),
                weak=raw_upstream.chat_model("w"))
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        assert b"200 OK" in s.recv(4096)
        assert _closed_within(s, 5)


def test_concurrency_limit_answers_503(raw_upstream):
    srv = start(server_kwargs={"max_concurrency": 3}, strong=raw_upstream.chat_model("s"),
                weak=raw_upstream.chat_model("w"))
    held = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(3)]
    try:
        time.sleep(0.2)
        response = httpx.get(f"{srv.url}/health", timeout=10)
        assert response.status_code == 503
    finally:
        for s in held:
            s.close()


# ------------------------------------------------------------------ row 5: client gone, call stops
def test_upstream_call_is_cancelled_when_a_plain_client_gives_up(raw_upstream):
    srv = raw_server(raw_upstream)
    raw_upstream.reply = (200, "application/json", [20.0, completion("late")])
    impatient = client(srv.base_url, timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (raw_upstream.hung_up < 1 or srv.app.state.server.in_flight):
        time.sleep(0.05)
    assert raw_upstream.hung_up == 1, "the upstream call was not cancelled"
    assert srv.app.state.server.in_flight == 0


# ------------------------------------------------------------------ row 20: streams at shutdown
def test_stream_past_the_graceful_timeout_ends_with_an_error_event(raw_upstream):
    srv = start(server_kwargs={"graceful_timeout": 2}, strong=raw_upstream.chat_model("s"),
                weak=raw_upstream.chat_model("w"))
    raw_upstream.reply = (200, "text/event-stream", [chunk("first"), 30.0, chunk("never"), b"data: [DONE]\n\n"])
    stream = client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE), stream=True)
    received = [next(iter(stream))]
    stopper = threading.Thread(target=srv.stop)
    stopper.start()
    with pytest.raises(openai.APIError) as err:
        for c in stream:
            received.append(c)
    stopper.join(30)
    assert received[0].choices[0].delta.content == "first"
    assert err.value.code == "server_shutting_down" and "--graceful-timeout" in err.value.message
    deadline = time.monotonic() + 5
    while raw_upstream.hung_up < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert raw_upstream.hung_up == 1  # the upstream stream was stopped too


# ------------------------------------------------------------------ row 20: models endpoint, digits
def test_models_endpoint_per_id(routing_server):
    oa = client(routing_server.base_url)
    assert oa.models.retrieve("router-tiny").id == "router-tiny"
    assert oa.models.retrieve("router-default-0.3").id == "router-default-0.3"
    with pytest.raises(openai.NotFoundError):
        oa.models.retrieve("gpt-4o")
    with pytest.raises(openai.BadRequestError):
        oa.models.retrieve("router-tiny-7")


@pytest.mark.parametrize("name", ["router-tiny-\u0660.\u0665", "router-default-\u0966.\u0969", "router-tiny-0.5\n",
                                  "router-tiny-share-\uff10.\uff15"])
def test_only_ascii_digits_in_model_names(routing_server, name):
    response = post(routing_server, {"model": name, "messages": user(EASY_EXAMPLE)})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_model_name"


# ------------------------------------------------------------------ row 7: a share of 0 is a cap
#: scores above every calibration prompt of the tiny router (so above the old "share 0" cut-off)
HARDEST = "Prove that the square root of 2 is irrational using a rigorous argument. Derive the closed form " \
          "of the integral and prove convergence."


@pytest.mark.parametrize("model", ["router-default-0", "router-tiny-share-0", "router-default-share-0.0"])
def test_share_zero_never_reaches_the_strong_model(routing_server, provider_server, model):
    from tests.helpers import tiny_router

    router = tiny_router()
    assert router.score(HARDEST) > router.calibration_quantiles_[-1]
    oa = client(routing_server.base_url)
    for prompt in (HARDEST, HARD_EXAMPLE, "1+1=" * 2000):
        answer = oa.chat.completions.create(model=model, messages=user(prompt))
        assert answer.model == WEAK and answer.model_extra["routing"]["model"] == "weak"
    assert set(provider_server.models_called()) == {WEAK}


# ------------------------------------------------------------------ row 18: every attempt's error
def test_server_fallback_error_names_every_attempt(server_factory, provider_server):
    srv = server_factory(fallback=True)
    provider_server.fail_model(STRONG, status=503)
    provider_server.fail_model(WEAK, status=500)
    with pytest.raises(openai.APIStatusError) as err:
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(HARD_EXAMPLE))
    assert err.value.status_code == 500 and "HTTP 500" in err.value.message
    assert "tried before it failed too: 503 upstream_error" in err.value.message


def test_lone_surrogate_from_the_client_is_400(routing_server):
    body = b'{"model": "' + ROUTED.encode() + b'", "messages": [{"role": "system", "content": "x \\ud800 y"},' \
           b' {"role": "user", "content": "hi there, how are you?"}]}'
    response = post(routing_server, body)
    assert response.status_code == 400 and "lone surrogate" in response.json()["error"]["message"]


def test_slow_body_gets_408(raw_upstream):
    srv = raw_server(raw_upstream, read_timeout=0.5)
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                  b"content-length: 1000\r\n\r\n{\"model\": ")
        s.settimeout(10)
        head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 408") and b"--read-timeout" in head
