"""What the server tells operators about each chat request: Prometheus metrics (``GET /metrics``),
one structured JSON access-log line (logger ``routellm.serve.access``) and, when
``opentelemetry-api`` is installed, the routing decision as attributes of the current span.

Every label takes values from a bounded set, so no client can grow the metrics without limit:
``route`` is the model name the client asked for when the server took it (at most
``MAX_ROUTE_LABELS`` distinct names, then ``"other"``), ``"invalid"`` for a name it refused and
``"none"`` before a name was read; ``model`` is an upstream's name (``--strong`` / ``--weak``).
Prompt text is never logged unless the operator asks (``--log-prompts``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:  # pragma: no cover
    from prometheus_client import CollectorRegistry

#: the access log's logger: one JSON object per chat request, at INFO
ACCESS_LOGGER = "routellm.serve.access"
#: distinct ``route`` label values kept; later names are counted as "other"
MAX_ROUTE_LABELS = 64
#: characters of prompt text an access-log line keeps with ``--log-prompts``
MAX_LOGGED_PROMPT_CHARS = 4000
#: route label of a request refused before its model name was read / with a name the server refused
NO_ROUTE, INVALID_ROUTE, OTHER_ROUTE = "none", "invalid", "other"
#: seconds: buckets of the routing-latency histogram (router scoring: microseconds to a model's ms)
ROUTING_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
#: seconds: buckets of the upstream-latency histogram (an LLM call: ms to minutes)
UPSTREAM_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
#: the content type of Prometheus's text format
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

access_log = logging.getLogger(ACCESS_LOGGER)


#: the environment variables of prometheus-client's multiprocess mode (``--workers N`` sets the first)
MULTIPROCESS_ENV = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")


def multiprocess_dir() -> str | None:
    """The folder where the processes of ``--workers N`` share their metrics (None: one process)."""
    return next((os.environ[name] for name in MULTIPROCESS_ENV if os.environ.get(name)), None)


def prometheus_available() -> bool:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return False
    return True


class Metrics:
    """The server's Prometheus metrics, in a registry of its own (several servers in one process
    do not clash). ``in_flight`` is read from ``in_flight()`` at scrape time.

    Under ``--workers N`` (prometheus-client's multiprocess mode: ``multiprocess_dir()`` set before
    the process started) every worker writes its values to files in that folder and a scrape of
    any worker renders the sum over all of them; the in-flight gauge is then kept up to date with
    ``set_in_flight`` (the live workers' sum)."""

    def __init__(self, in_flight: Any) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

        # multiprocess mode is chosen when prometheus_client is first imported; both must agree
        self.shared = multiprocess_dir() is not None and values.ValueClass is not values.MutexValue
        self.registry: CollectorRegistry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "routellm_requests", "Chat completion requests by route (the model asked for) and HTTP status.",
            ["route", "status"], registry=r,
        )
        self.decisions = Counter(
            "routellm_decisions", "Routing decisions by route and the model the router chose.",
            ["route", "model"], registry=r,
        )
        self.fallbacks = Counter(
            "routellm_fallbacks", "Answers given by another model than the chosen one (--fallback).",
            ["route", "model"], registry=r,
        )
        self.tokens = Counter(
            "routellm_tokens",
            "Tokens the upstreams reported, by upstream model and kind (prompt, completion).",
            ["model", "kind"], registry=r,
        )
        self.spend = Counter(
            "routellm_spend_usd",
            "Spend in USD of the tokens the upstreams reported, at each model's configured price, by upstream "
            "model (only models with a price).",
            ["model"], registry=r,
        )
        self.routing_seconds = Histogram(
            "routellm_routing_seconds", "Time to route one request (router scoring), in seconds.",
            registry=r, buckets=ROUTING_BUCKETS,
        )
        self.upstream_seconds = Histogram(
            "routellm_upstream_seconds",
            "Time of the upstream call (to the whole answer; a stream to its last chunk), by the model "
            "that answered, in seconds.",
            ["model"], registry=r, buckets=UPSTREAM_BUCKETS,
        )
        gauge = Gauge("routellm_in_flight", "Chat completion requests being answered now.", registry=r,
                      multiprocess_mode="livesum")
        #: the gauge ``set_in_flight`` writes (multiprocess mode only; else it is read at scrape time)
        self.in_flight_gauge = gauge if self.shared else None
        if not self.shared:
            gauge.set_function(in_flight)

    def set_in_flight(self, value: int) -> None:
        if self.in_flight_gauge is not None:
            self.in_flight_gauge.set(value)

    def render(self) -> bytes:
        """The text format: this process's metrics, or every worker's summed (multiprocess mode)."""
        from prometheus_client import CollectorRegistry, generate_latest

        if not self.shared:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)


@dataclass
class Observation:
    """One chat request as it goes: filled in by the endpoint, recorded once by ``finish``."""

    start: float = field(default_factory=time.perf_counter)
    route: str = NO_ROUTE
    stream: bool = False
    status: int = 0
    routing: dict[str, Any] | None = None
    routing_seconds: float | None = None
    upstream_start: float | None = None
    upstream_seconds: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    #: USD per 1M input and output tokens of the model that answered (None: no price)
    price: tuple[float, float] | None = None
    error: str | None = None
    prompt: str | None = None
    _done: bool = False

    def upstream_done(self) -> None:
        if self.upstream_start is not None and self.upstream_seconds is None:
            self.upstream_seconds = time.perf_counter() - self.upstream_start

    @property
    def spend(self) -> float | None:
        """USD of this call's tokens at the answering model's price (None without a price or usage)."""
        if self.price is None or (self.prompt_tokens is None and self.completion_tokens is None):
            return None
        return ((self.prompt_tokens or 0) * self.price[0] + (self.completion_tokens or 0) * self.price[1]) / 1e6

    def usage(self, usage: dict[str, Any] | None) -> None:
        """Take OpenAI-style ``usage`` (``prompt_tokens``/``completion_tokens``), if any."""
        if usage:
            self.prompt_tokens = _int(usage.get("prompt_tokens"))
            self.completion_tokens = _int(usage.get("completion_tokens"))


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class Observer:
    """Records finished requests into ``metrics`` (None: Prometheus not installed) and the access
    log; keeps the set of route labels bounded."""

    def __init__(self, metrics: Metrics | None, *, log_prompts: bool = False, access_log: bool = True) -> None:
        self.metrics = metrics
        self.log_prompts = log_prompts
        #: write the JSON access-log line (when the access logger is enabled for INFO)
        self.access_log = access_log
        self._routes: set[str] = set()
        self._lock = threading.Lock()
        #: labelled children already made, by (metric, labels): ``labels()`` costs microseconds
        #: a call (every label set is bounded, so this is too)
        self._children: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def route_label(self, name: str) -> str:
        """``name`` as a label value: itself for the first ``MAX_ROUTE_LABELS`` names, then "other"."""
        with self._lock:
            if name in self._routes:
                return name
            if len(self._routes) < MAX_ROUTE_LABELS:
                self._routes.add(name)
                return name
        return OTHER_ROUTE

    def finish(self, obs: Observation) -> None:
        """Count and log ``obs`` (once; later calls do nothing)."""
        if obs._done:
            return
        obs._done = True
        obs.upstream_done()
        latency = time.perf_counter() - obs.start
        routing = obs.routing or {}
        chosen = routing.get("model")
        answered = routing.get("answered_by") or chosen
        model_name = routing.get("model_name")
        fallback = bool(routing.get("fallback"))
        m = self.metrics
        if m is not None:
            child = self._child
            child(m.requests, obs.route, str(obs.status)).inc()
            if chosen is not None:
                child(m.decisions, obs.route, str(chosen)).inc()
            if fallback:
                child(m.fallbacks, obs.route, str(answered)).inc()
            if obs.routing_seconds is not None:
                m.routing_seconds.observe(obs.routing_seconds)
            if model_name is not None:
                name = str(model_name)
                if obs.upstream_seconds is not None:
                    child(m.upstream_seconds, name).observe(obs.upstream_seconds)
                if obs.prompt_tokens:
                    child(m.tokens, name, "prompt").inc(obs.prompt_tokens)
                if obs.completion_tokens:
                    child(m.tokens, name, "completion").inc(obs.completion_tokens)
                spend = obs.spend
                if spend is not None:
                    child(m.spend, name).inc(spend)
        if self.access_log and access_log.isEnabledFor(logging.INFO):
            line: dict[str, Any] = {
                "ts": round(time.time(), 3),
                "route": obs.route,
                "status": obs.status,
                "stream": obs.stream,
                "decision": chosen,
                "model": answered,
                "model_name": model_name,
                "router": routing.get("router"),
                "score": routing.get("score"),
                "threshold": routing.get("threshold"),
                "fallback": fallback,
                "latency_ms": round(latency * 1000, 3),
                "routing_ms": _ms(obs.routing_seconds),
                "upstream_ms": _ms(obs.upstream_seconds),
                "prompt_tokens": obs.prompt_tokens,
                "completion_tokens": obs.completion_tokens,
            }
            if obs.spend is not None:
                line["spend_usd"] = round(obs.spend, 8)
            if obs.error is not None:
                line["error"] = obs.error
            if self.log_prompts and obs.prompt is not None:
                line["prompt"] = obs.prompt[:MAX_LOGGED_PROMPT_CHARS]
            access_log.info(orjson.dumps(line, default=str).decode())


#: attribute names set on the current OpenTelemetry span
SPAN_ATTRIBUTES = ("route", "decision", "model_name", "router", "score", "threshold", "fallback")


def set_span_attributes(route: str, routing: dict[str, Any] | None) -> None:
    """Put the decision on the current OpenTelemetry span as ``routellm.*`` attributes, when
    ``opentelemetry-api`` is installed and a span is recording (an exporter is configured);
    nothing otherwise."""
    if not routing:
        return
    try:
        from opentelemetry import trace
    except ImportError:
        return
    span = trace.get_current_span()
    if not span.is_recording():
        return
    values = {
        "route": route,
        "decision": routing.get("model"),
        "model_name": routing.get("model_name"),
        "router": routing.get("router"),
        "score": routing.get("score"),
        "threshold": routing.get("threshold"),
        "fallback": bool(routing.get("fallback")),
    }
    for key, value in values.items():
        if isinstance(value, (str, bool, int, float)):
            span.set_attribute(f"routellm.{key}", value)
