"""Observability of the routing server, with the real ``openai`` client over a loopback socket:
Prometheus ``/metrics`` counts match the requests sent, one JSON access-log line per request
(no prompt text unless asked), the decision on the current OpenTelemetry span."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.server.conftest import ROUTED, STRONG, WEAK, client, metric, parse_metrics

pytest.importorskip("prometheus_client.parser")

from langchain_routellm.server.observability import ACCESS_LOGGER, MAX_ROUTE_LABELS  # noqa: E402


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def scrape(srv: Any, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``GET /metrics`` parsed: {(sample name, sorted labels): value}."""
    response = httpx.get(f"{srv.url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse_metrics(response.text)


def test_metrics_count_the_requests_sent(server_factory, provider_server):
    srv = server_factory()
    before = scrape(srv)
    assert metric(before, "routellm_requests_total", route=ROUTED, status="200") == 0
    assert metric(before, "routellm_in_flight") == 0
    oai = client(srv.base_url)
    prompt_tokens = {STRONG: 0, WEAK: 0}
    completion_tokens = {STRONG: 0, WEAK: 0}
    sent = [HARD_EXAMPLE] * 3 + [EASY_EXAMPLE] * 4
    for prompt in sent:
        reply = oai.chat.completions.create(model=ROUTED, messages=user(prompt))
        prompt_tokens[reply.model] += reply.usage.prompt_tokens
        completion_tokens[reply.model] += reply.usage.completion_tokens
    for prompt in (HARD_EXAMPLE, EASY_EXAMPLE):
        chunks = list(oai.chat.completions.create(
            model=ROUTED, messages=user(prompt), stream=True, stream_options={"include_usage": True}
        ))
        prompt_tokens[chunks[0].model] += chunks[-1].usage.prompt_tokens
        completion_tokens[chunks[0].model] += chunks[-1].usage.completion_tokens
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="router-nosuch", messages=user(EASY_EXAMPLE))
    with pytest.raises(openai.BadRequestError):
        oai.chat.completions.create(model=ROUTED, messages=[{"role": "user", "content": 3}])

    deadline = time.monotonic() + 5  # a stream is counted by its cleanup, just after its last byte
    while metric(after := scrape(srv), "routellm_requests_total", route=ROUTED, status="200") < 9:
        assert time.monotonic() < deadline, after
        time.sleep(0.05)
    assert metric(after, "routellm_requests_total", route=ROUTED, status="200") == 9
    assert metric(after, "routellm_requests_total", route="invalid", status="404") == 1
    assert metric(after, "routellm_requests_total", route="none", status="400") == 1
    assert metric(after, "routellm_decisions_total", route=ROUTED, model="strong") == 4
    assert metric(after, "routellm_decisions_total", route=ROUTED, model="weak") == 5
    assert not any(name == "routellm_fallbacks_total" for name, _ in after)
    for model in (STRONG, WEAK):
        assert prompt_tokens[model] > 0
        assert metric(after, "routellm_tokens_total", model=model, kind="prompt") == prompt_tokens[model]
        completion = metric(after, "routellm_tokens_total", model=model, kind="completion")
        assert completion == completion_tokens[model]
    assert metric(after, "routellm_routing_seconds_count") == 9
    assert metric(after, "routellm_upstream_seconds_count", model=STRONG) == 4
    assert metric(after, "routellm_upstream_seconds_count", model=WEAK) == 5
    assert metric(after, "routellm_upstream_seconds_sum", model=WEAK) > 0
    assert metric(after, "routellm_in_flight") == 0
    assert provider_server.models_called().count(STRONG) == 4


def test_fallbacks_are_counted_by_the_model_that_answered(server_factory, provider_server):
    srv = server_factory(fallback=True)
    provider_server.fail_model(STRONG, status=500)
    reply = client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(HARD_EXAMPLE))
    assert reply.model == WEAK
    samples = scrape(srv)
    assert metric(samples, "routellm_fallbacks_total", route=ROUTED, model="weak") == 1
    assert metric(samples, "routellm_decisions_total", route=ROUTED, model="strong") == 1
    assert metric(samples, "routellm_upstream_seconds_count", model=WEAK) == 1


def test_each_server_has_its_own_registry(server_factory, provider_server):
    first, second = server_factory(), server_factory()
    client(first.base_url).chat.completions.create(model=ROUTED, messages=user(EASY_EXAMPLE))
    assert metric(scrape(first), "routellm_requests_total", route=ROUTED, status="200") == 1
    assert metric(scrape(second), "routellm_requests_total", route=ROUTED, status="200") == 0


def test_metrics_need_the_bearer_key_when_the_server_has_one(server_factory):
    key = "server-key-0123456789"
    srv = server_factory(api_key=key)
    refused = httpx.get(f"{srv.url}/metrics")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    assert key not in refused.text
    assert "routellm_requests" in httpx.get(
        f"{srv.url}/metrics", headers={"authorization": f"Bearer {key}"}
    ).text
    assert httpx.get(f"{srv.url}/health").status_code == 200


def test_route_labels_are_bounded(server_factory, provider_server):
    srv = server_factory()
    observer = srv.app.state.server.observer
    for i in range(MAX_ROUTE_LABELS + 5):
        observer.route_label(f"router-tiny-0.{i:03d}")
    assert observer.route_label("router-tiny-0.999") == "other"
    assert observer.route_label("router-tiny-0.000") == "router-tiny-0.000"


# ------------------------------------------------------------------------------ access log
class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return [json.loads(line) for line in self.messages]


@pytest.fixture
def access_lines() -> Iterator[_Lines]:
    logger = logging.getLogger(ACCESS_LOGGER)
    handler, level = _Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_access_log_line_has_the_decision_and_no_prompt(
    server_factory, provider_server, access_lines, stream
):
    srv = server_factory()
    raw = client(srv.base_url).chat.completions.with_raw_response.create(
        model=ROUTED, messages=user(HARD_EXAMPLE), stream=stream
    )
    if stream:
        list(raw.parse())
    (line,) = access_lines.wait_for(1)
    assert line["route"] == ROUTED and line["status"] == 200 and line["stream"] is stream
    assert line["decision"] == "strong" and line["model"] == "strong" and line["model_name"] == STRONG
    assert line["router"] == "mf" and line["threshold"] == 0.5 and line["fallback"] is False
    assert line["score"] == pytest.approx(float(raw.headers["x-routellm-score"]), abs=1e-6)
    assert line["latency_ms"] > 0 and line["routing_ms"] > 0 and line["upstream_ms"] > 0
    assert line["latency_ms"] >= line["upstream_ms"]
    assert "prompt" not in line and HARD_EXAMPLE not in access_lines.messages[0]


def test_access_log_has_the_prompt_only_with_log_prompts(server_factory, provider_server, access_lines):
    srv = server_factory(log_prompts=True)
    client(srv.base_url).chat.completions.create(
        model=ROUTED, messages=[{"role": "system", "content": "be brief"}, *user(EASY_EXAMPLE)]
    )
    (line,) = access_lines.wait_for(1)
    assert line["prompt"] == EASY_EXAMPLE and line["decision"] == "weak"


def test_no_access_log_writes_no_line_and_still_counts(server_factory, provider_server, access_lines):
    srv = server_factory(access_log=False)
    answer = client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(HARD_EXAMPLE))
    assert answer.model_extra["routing"]["model"] == "strong"
    assert metric(scrape(srv), "routellm_requests_total", route=ROUTED, status="200") == 1
    time.sleep(0.2)
    assert access_lines.messages == []


def test_log_prompts_needs_the_access_log() -> None:
    from langchain_routellm.server.models import ServerSettings
    from routellm_core.errors import ConfigError

    with pytest.raises(ConfigError, match="--no-access-log"):
        ServerSettings(strong="openai:a", weak="openai:b", log_prompts=True, access_log=False)


def test_access_log_line_of_a_refused_request(server_factory, provider_server, access_lines):
    srv = server_factory(fallback=True)
    provider_server.fail_model(STRONG, status=500)
    provider_server.fail_model(WEAK, status=503)
    with pytest.raises(openai.InternalServerError):
        client(srv.base_url).chat.completions.create(model=ROUTED, messages=user(HARD_EXAMPLE))
    with pytest.raises(openai.NotFoundError):
        client(srv.base_url).chat.completions.create(model="router-nosuch", messages=user(HARD_EXAMPLE))
    failed, unknown = access_lines.wait_for(2)
    assert failed["status"] == 503 and failed["error"] == "upstream_error" and failed["route"] == ROUTED
    assert unknown["status"] == 404 and unknown["error"] == "model_not_found"
    assert unknown["route"] == "invalid"
    assert unknown["decision"] is None and HARD_EXAMPLE not in json.dumps([failed, unknown])


# ------------------------------------------------------------------------------ OpenTelemetry
def _recording_span() -> Any:
    """The tracing backend's edge: a span that records its attributes (what an SDK's span with
    an exporter does), made current by ``_SpanMiddleware`` as an ASGI instrumentation would."""
    from opentelemetry import trace

    class RecordingSpan(trace.NonRecordingSpan):
        def __init__(self) -> None:
            super().__init__(trace.INVALID_SPAN_CONTEXT)
            self.attributes: dict[str, Any] = {}

        def is_recording(self) -> bool:
            return True

        def set_attribute(self, key: str, value: Any) -> None:
            self.attributes[key] = value

    return RecordingSpan()

class _SpanMiddleware:
    spans: list[Any] = []

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from opentelemetry import trace

        span = _recording_span()
        self.spans.append((scope.get("path"), span))
        with trace.use_span(span, end_on_exit=False):
            await self.app(scope, receive, send)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_decision_is_set_on_the_current_span(server_factory, provider_server, stream):
    pytest.importorskip("opentelemetry.trace")
    srv = server_factory()
    srv.app.add_middleware(_SpanMiddleware)  # before its first request, as an instrumentation does
    _SpanMiddleware.spans = []
    chunks = client(srv.base_url).chat.completions.create(
        model=ROUTED, messages=user(EASY_EXAMPLE), stream=stream
    )
    if stream:
        list(chunks)
    (attrs,) = [span.attributes for path, span in _SpanMiddleware.spans if path == "/v1/chat/completions"]
    assert attrs["routellm.route"] == ROUTED and attrs["routellm.decision"] == "weak"
    assert attrs["routellm.model_name"] == WEAK and attrs["routellm.router"] == "mf"
    assert attrs["routellm.threshold"] == 0.5 and attrs["routellm.fallback"] is False
    assert 0 <= attrs["routellm.score"] < 0.5
    assert EASY_EXAMPLE not in json.dumps(attrs)
