"""The Starlette app: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``,
``GET /metrics``.

Each chat request is checked (bearer key, size, body) and decided once by the ``RoutingPolicy``
of the route its model name asks for; ``UpstreamCall`` then sends it to the chosen upstream (and,
with fallback, the next ones), as it came over the fast path (``passthrough``) when that upstream
speaks the OpenAI wire format, else as LangChain messages through its chat model. The routing decision comes back in
``x-routellm-*`` headers and in a ``"routing"`` field of the body (of the first chunk when
streaming). A stream's first chunk is awaited before the response starts, so an upstream that
fails at once still gets its own status code; later failures arrive as an OpenAI-style error
event. Each chat request is routed first (timed), then answered; it is counted in the metrics
and logged once it ends (a stream when its last chunk is sent: ``observability``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.metadata import routing_metadata

from langchain_routellm.server import defaults
from langchain_routellm.server.errors import APIError, to_api_error
from langchain_routellm.server.models import Route as ModelRoute
from langchain_routellm.server.models import RoutedModels, ServerSettings, Upstream, bind_request
from langchain_routellm.server.observability import (
    INVALID_ROUTE,
    METRICS_CONTENT_TYPE,
    Metrics,
    Observation,
    Observer,
    prometheus_available,
    set_span_attributes,
)
from langchain_routellm.server.openai_format import (
    ChatRequest,
    StreamTranslator,
    completion_body,
    parse_chat_request,
    routing_headers,
)
from langchain_routellm.server.passthrough import EventEditor, Passthrough, UpstreamInvalidResponse, with_routing
from langchain_routellm.server.schema import RequestLimits

_END = object()
#: put in a stream's queue when the server's graceful shutdown time is up
_CLOSING = object()
#: chunks a stream may read ahead of a slow client
_STREAM_BUFFER = 32
#: request bodies larger than this are decoded and checked in a worker thread, so that no
#: client can hold the event loop (and every other request, /health too) with a big body
INLINE_PARSE_BYTES = 64 * 1024
#: seconds before the graceful-shutdown deadline at which open streams are ended (with an
#: error event), so that they end cleanly before uvicorn cancels them
_CLOSE_MARGIN = 1.0
#: seconds a request's upstream work runs before the server starts watching for the client going
#: away (a client gone sooner is noticed then, and its upstream call cancelled)
DISCONNECT_WATCH_AFTER = 0.05
#: HTTP status logged for a request whose client went away before the answer (nginx's)
CLIENT_CLOSED = 499


class _ClientGone(Exception):
    """The client closed the connection before its answer was ready."""


class _Unencodable(Exception):
    """An upstream answer holds text that is not valid Unicode (a lone surrogate)."""


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Unencodable() from None


def _invalid_unicode() -> APIError:
    return APIError(
        502,
        "the upstream model's answer holds text that is not valid Unicode (a lone surrogate); the request "
        "was fine, retry it.",
        code="upstream_invalid_response",
    )


def _closing_error() -> APIError:
    return APIError(
        503,
        "the server is shutting down and its --graceful-timeout is up, so this stream was ended early; "
        "retry the request.",
        code="server_shutting_down",
        type="server_error",
    )


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (its body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _sse(payload: Any) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n"


def error_response(error: APIError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


def _json_bytes(payload: Any) -> bytes:
    """``payload`` as UTF-8 JSON (as JSONResponse renders it); ``_Unencodable`` for text that is
    not valid Unicode."""
    return _encode(json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")))


class _CleanupStreamingResponse(StreamingResponse):
    """A StreamingResponse that runs ``cleanup`` however it ends (also when the client goes
    away before the body starts)."""

    def __init__(self, content: AsyncIterator[str], cleanup: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._cleanup = cleanup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._cleanup()


async def _pump(opener: Awaitable[AsyncIterator[Any]], queue: asyncio.Queue[Any]) -> None:
    """Open the routed stream (``Attempts.astream``: falls back while nothing is streamed) and
    run it in one task (its context stays whole), handing items over."""
    stream: AsyncIterator[Any] | None = None
    try:
        stream = await opener
        async for chunk in stream:
            await queue.put(chunk)
        await queue.put(_END)
    except Exception as exc:  # noqa: BLE001 - handed to the response, which maps it
        await queue.put(exc)
    finally:
        if stream is not None:
            await stream.aclose()  # type: ignore[attr-defined]


def _prompt_text(chat: ChatRequest) -> str | None:
    """The last user message's text (logged only with ``--log-prompts``)."""
    try:
        return chat.prompt_text()
    except APIError:
        return None


if sys.version_info >= (3, 11):

    async def _within(work: Awaitable[Any], seconds: float | None) -> Any:
        """``await work``, TimeoutError after ``seconds`` (in this task: no task per call)."""
        async with asyncio.timeout(seconds):
            return await work

else:  # pragma: no cover - Python 3.10

    async def _within(work: Awaitable[Any], seconds: float | None) -> Any:
        return await asyncio.wait_for(work, seconds)


def _dumps(payload: Any) -> bytes:
    return orjson.dumps(payload, default=str, option=orjson.OPT_SERIALIZE_NUMPY)


def _answer_usage(raw: bytes) -> dict[str, Any] | None:
    """The ``usage`` of a fast-path answer; UpstreamInvalidResponse unless it is a completion."""
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UpstreamInvalidResponse(f"the answer is not JSON ({exc})") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("choices"), list):
        raise UpstreamInvalidResponse("the answer is not a chat completion object (no choices)")
    usage = answer.get("usage")
    return usage if isinstance(usage, dict) else None


class UpstreamCall:
    """One request's upstream call, both paths: the ``attempts`` (the chosen model, then with
    fallback the others in the policy's order), and for each label either the fast path (the
    body forwarded, model swapped) or the LangChain path (the chat model with the request's tools
    and response format bound). A response format the chosen model cannot produce is a 400; a
    fallback model that cannot is skipped."""

    def __init__(self, route: ModelRoute, chat: ChatRequest, decision: RoutingDecision, passthrough: Passthrough) -> None:
        self.route, self.chat, self.decision, self.passthrough = route, chat, decision, passthrough
        self.bound: dict[str, Any] = {}
        usable = []
        for label in (decision.model, *route.fallback_labels(decision)):
            upstream = route.upstreams[label]
            if upstream.wire is None:
                try:
                    self.bound[label] = bind_request(upstream, chat)
                except APIError:
                    if label == decision.model:
                        raise
                    continue
            usable.append(label)
        self.attempts = Attempts(decision.model, len(usable) > 1, others=usable[1:])

    @property
    def answering(self) -> Upstream:
        """The upstream answering (after a fallback, not the chosen one)."""
        return self.route.upstreams[self.attempts.label]

    def routing(self) -> dict[str, Any]:
        label = self.attempts.label
        return routing_metadata(
            self.decision, self.route.upstreams[label].name, answered_by=label, error=self.attempts.first_error
        )

    def _body(self, upstream: Upstream) -> bytes:
        body = dict(self.chat.body)
        body["model"] = upstream.name
        if self.chat.stream and not self.chat.include_usage:  # usage for the metrics, dropped on the way back
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        return orjson.dumps(body)

    async def complete(self, label: str) -> Any:
        upstream = self.route.upstreams[label]
        if upstream.wire is not None:
            return await self.passthrough.complete(upstream.wire, self._body(upstream))
        return await self.bound[label].ainvoke(self.chat.messages, **self.chat.call_kwargs)

    def open_stream(self, label: str) -> AsyncIterator[Any]:
        upstream = self.route.upstreams[label]
        if upstream.wire is not None:
            return self.passthrough.stream(upstream.wire, self._body(upstream))
        return self.bound[label].astream(self.chat.messages, **self.chat.call_kwargs)


class _Events:
    """A stream's items as the bytes the client gets."""

    usage: dict[str, Any] | None = None

    def feed(self, item: Any) -> bytes:
        raise NotImplementedError

    def end(self) -> bytes:
        raise NotImplementedError


class _LangChainEvents(_Events):
    def __init__(self, translator: StreamTranslator) -> None:
        self.translator = translator

    def feed(self, item: Any) -> bytes:
        return _encode("".join(_sse(payload) for payload in self.translator.translate(item)))

    def end(self) -> bytes:
        return _encode("".join(_sse(payload) for payload in self.translator.finish()) + "data: [DONE]\n\n")

    @property  # type: ignore[override]
    def usage(self) -> dict[str, Any] | None:
        return self.translator.usage


class _PassthroughEvents(_Events):
    def __init__(self, editor: EventEditor) -> None:
        self.editor = editor

    def feed(self, item: Any) -> bytes:
        return self.editor.edit(item)

    def end(self) -> bytes:
        return b""  # the upstream's own [DONE] went out with its last events

    @property  # type: ignore[override]
    def usage(self) -> dict[str, Any] | None:
        return self.editor.usage


class RoutingServer:
    """The endpoints, over one ``RoutedModels``. ``in_flight`` counts open chat requests;
    ``metrics`` is None when prometheus-client is not installed."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.models = RoutedModels(settings)
        self.limits = RequestLimits(
            max_messages=settings.max_messages,
            max_content_parts=settings.max_content_parts,
            max_nesting=settings.max_nesting,
        )
        self._in_flight = 0
        #: set when the graceful-shutdown time is up: open streams end with an error event
        self.closing = False
        self._streams: set[asyncio.Queue[Any]] = set()
        self.metrics = Metrics(lambda: self.in_flight) if prometheus_available() else None
        #: the fast path's pooled HTTP client (its session opens on first use)
        self.passthrough = Passthrough()
        self.observer = Observer(self.metrics, log_prompts=settings.log_prompts, access_log=settings.access_log)

    @property
    def in_flight(self) -> int:
        """Chat requests being answered now (streams until they end)."""
        return self._in_flight

    @in_flight.setter
    def in_flight(self, value: int) -> None:
        self._in_flight = value
        if self.metrics is not None and self.metrics.shared:
            self.metrics.set_in_flight(value)

    async def aclose(self) -> None:
        """Close the fast path's connections (after the server has shut down)."""
        await self.passthrough.aclose()

    def begin_shutdown(self, graceful_timeout: float | None) -> None:
        """Called as the server starts its graceful shutdown: open streams get until
        ``graceful_timeout`` (less a margin), then end with an error event and ``[DONE]``."""
        if graceful_timeout is None:
            return
        delay = max(0.0, float(graceful_timeout) - min(_CLOSE_MARGIN, float(graceful_timeout) / 4))
        asyncio.get_running_loop().call_later(delay, self._close_streams)

    def _close_streams(self) -> None:
        self.closing = True
        for queue in list(self._streams):
            try:
                queue.put_nowait(_CLOSING)
            except asyncio.QueueFull:
                pass  # its reader is not waiting; it sees ``closing`` after the items queued

    # ------------------------------------------------------------------ checks
    def _authorize(self, request: Request) -> None:
        key = self.settings.api_key
        if not key:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
            raise APIError(
                401,
                "invalid or missing API key: send the key this server was started with "
                f"(--api-key or ${defaults.API_KEY_ENV}) as 'Authorization: Bearer <key>'.",
                code="invalid_api_key",
            )

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_request_bytes

        def too_large() -> APIError:  # made only when needed: this runs on every request
            return APIError(
                413,
                f"the request body is larger than this server's limit of {limit} bytes; "
                "send less, or start the server with a larger --max-request-bytes.",
                code="request_too_large",
            )

        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large()

        async def read() -> bytes:
            parts, size = [], 0
            async for part in request.stream():
                size += len(part)
                if size > limit:
                    raise too_large()
                parts.append(part)
            return b"".join(parts)

        try:
            return await _within(read(), self.settings.read_timeout)
        except asyncio.TimeoutError:
            raise APIError(
                408,
                f"the request body did not arrive within {self.settings.read_timeout:g} s (--read-timeout).",
                code="request_timeout",
            ) from None

    def _parse(self, raw: bytes) -> ChatRequest:
        """Decode and check a body (CPU work: in a worker thread for large bodies)."""
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None  # json's own reading gives the error its usual wording
        try:
            if body is None:
                body = json.loads(raw)
        except RecursionError:
            raise APIError(
                400,
                f"the request nests objects and arrays more than {self.limits.max_nesting} levels deep; "
                "flatten it, or start the server with a larger --max-nesting.",
                code="invalid_request",
            ) from None
        except ValueError as exc:
            raise APIError(400, f"the request body is not valid JSON: {exc}", code="invalid_json") from None
        return parse_chat_request(body, self.limits)

    async def _until_answered(self, request: Request, work: Any) -> Any:
        """``await work`` unless the client goes away first (then the work is cancelled, so a
        paid upstream call stops, and ``_ClientGone`` is raised) or ``timeout`` passes (504).
        On Python 3.11+ the work runs in this task, and the task that watches the connection
        starts only once the work has taken ``DISCONNECT_WATCH_AFTER`` seconds: most answers
        come sooner, and a watcher task per request costs about a twentieth of a fast-path
        request's CPU; a client gone earlier is noticed then."""
        if sys.version_info < (3, 11):
            return await self._until_answered_310(request, work)
        current = asyncio.current_task()
        assert current is not None
        gone: list[bool] = []
        watch: list[asyncio.Future[Any]] = []

        def hang_up(watcher: asyncio.Future[Any]) -> None:
            if not watcher.cancelled() and watcher.exception() is None:
                gone.append(True)
                current.cancel()

        def start_watching() -> None:
            watcher = asyncio.ensure_future(_disconnected(request))
            watcher.add_done_callback(hang_up)
            watch.append(watcher)

        timer = asyncio.get_running_loop().call_later(DISCONNECT_WATCH_AFTER, start_watching)
        try:
            async with asyncio.timeout(self.settings.timeout):  # type: ignore[attr-defined]
                return await work
        except asyncio.CancelledError:
            if gone and current.uncancel() == 0:  # type: ignore[attr-defined]
                raise _ClientGone() from None
            raise
        finally:
            timer.cancel()
            for watcher in watch:
                watcher.remove_done_callback(hang_up)
                watcher.cancel()

    async def _until_answered_310(self, request: Request, work: Any) -> Any:
        task = asyncio.ensure_future(work)
        watch = asyncio.ensure_future(_disconnected(request))
        try:
            done, _ = await asyncio.wait(
                (task, watch), timeout=self.settings.timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except BaseException:
            task.cancel()
            raise
        finally:
            watch.cancel()
        if task in done:
            return task.result()
        task.cancel()
        if watch in done:
            raise _ClientGone()
        raise TimeoutError()

    async def _take(self, queue: asyncio.Queue[Any]) -> list[Any]:
        """The next items of a stream: one awaited (504 after ``timeout``), plus any already
        there, so a burst of chunks goes out in one write. Ends at ``_END`` or an error."""
        if self.closing:
            return [_CLOSING]
        if queue.empty():
            try:
                items = [await _within(queue.get(), self.settings.timeout)]
            except asyncio.TimeoutError:
                raise to_api_error(TimeoutError()) from None
        else:
            items = [queue.get_nowait()]
        while not queue.empty() and items[-1] is not _END and not isinstance(items[-1], BaseException):
            items.append(queue.get_nowait())
        return items

    # ------------------------------------------------------------------ endpoints
    async def chat_completions(self, request: Request) -> Response:
        """The endpoint, counted and logged: a stream when it ends (its cleanup), else now."""
        obs = Observation()
        try:
            response = await self._chat_completions(request, obs)
        except BaseException as exc:
            if isinstance(exc, Exception):
                error = exc if isinstance(exc, APIError) else to_api_error(exc)
                obs.status, obs.error = error.status, error.code
            else:  # cancelled: the client or the server went away
                obs.status, obs.error = CLIENT_CLOSED, "cancelled"
            self.observer.finish(obs)
            raise
        obs.status = response.status_code
        if not isinstance(response, _CleanupStreamingResponse):
            self.observer.finish(obs)
        return response

    async def _chat_completions(self, request: Request, obs: Observation) -> Response:
        self._authorize(request)
        raw = await self._read_body(request)
        if len(raw) > INLINE_PARSE_BYTES:
            chat = await asyncio.to_thread(self._parse, raw)
        else:
            chat = self._parse(raw)
        obs.stream, obs.route = chat.stream, INVALID_ROUTE
        if self.observer.log_prompts:
            obs.prompt = _prompt_text(chat)
        route = self.models.route(chat.model)  # APIError 404/400 for a name it does not take
        obs.route = self.observer.route_label(chat.model)
        text = chat.prompt_text()  # APIError 400 without a user message to score
        self.in_flight += 1
        streaming = False
        try:
            started = time.perf_counter()
            decision = await route.policy.adecide(text)  # the one decision of this request
            obs.routing_seconds = time.perf_counter() - started
            call = UpstreamCall(route, chat, decision, self.passthrough)
            obs.upstream_start = time.perf_counter()
            if chat.stream:
                response = await self._stream(request, call, chat, obs)
                streaming = True  # the response's cleanup counts it out
                return response
            result = await self._until_answered(request, call.attempts.acall(call.complete))
            obs.upstream_done()
            routing = call.routing()
            obs.routing, obs.price = routing, call.answering.price
            set_span_attributes(obs.route, routing)
            if isinstance(result, bytes):  # the fast path: the upstream's answer, plus routing
                usage = _answer_usage(result)
                content = with_routing(result, _dumps(routing))
            else:
                completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
                body = completion_body(result, completion_id=completion_id, created=created, routing=routing)
                usage = body.get("usage")
                content = _json_bytes(body)
            obs.usage(usage)
        except _ClientGone:
            return Response(status_code=CLIENT_CLOSED)
        except _Unencodable:
            raise _invalid_unicode() from None
        except APIError:
            raise
        except Exception as exc:
            raise to_api_error(exc, upstream=True) from exc
        finally:
            if not streaming:
                self.in_flight -= 1
        return Response(content, media_type="application/json", headers=routing_headers(routing))

    async def _stream(self, request: Request, call: UpstreamCall, chat: ChatRequest, obs: Observation) -> Response:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=_STREAM_BUFFER)
        pump = asyncio.ensure_future(_pump(call.attempts.astream(call.open_stream), queue))
        try:
            items = await self._until_answered(request, self._take(queue))
            if items[0] is _CLOSING:
                raise _closing_error()
            if isinstance(items[0], BaseException):
                raise items[0]
            routing = call.routing()  # the model answering is known once the first item is here
            obs.routing, obs.price = routing, call.answering.price
            set_span_attributes(obs.route, routing)
            if items[0] is _END or not isinstance(items[0], bytes):
                events: _Events = _LangChainEvents(
                    StreamTranslator(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), chat.include_usage, routing)
                )
            else:
                events = _PassthroughEvents(EventEditor(_dumps(routing), chat.include_usage))
            first_chunk = items[0] is not _END
            head = events.feed(items[0]) if first_chunk else b""
        except BaseException:
            pump.cancel()
            raise
        self._streams.add(queue)

        async def body() -> AsyncIterator[bytes]:
            pending, out = items[1:] if first_chunk else items, head
            try:
                while True:
                    for item in pending:
                        if item is _END:
                            obs.upstream_done()
                            obs.usage(events.usage)
                            yield out + events.end()
                            return
                        if item is _CLOSING:
                            raise _closing_error()
                        if isinstance(item, BaseException):
                            raise item
                        out += events.feed(item)
                    if out:
                        yield out
                    pending, out = await self._take(queue), b""
            except _Unencodable:
                obs.error = _invalid_unicode().code
                yield (_sse(_invalid_unicode().body()) + "data: [DONE]\n\n").encode()
            except Exception as exc:  # noqa: BLE001 - the status line is sent: report in-band
                error = to_api_error(exc, upstream=True)
                obs.error = error.code
                yield out + (_sse(error.body()) + "data: [DONE]\n\n").encode()

        def cleanup() -> None:
            pump.cancel()
            self._streams.discard(queue)
            self.in_flight -= 1
            self.observer.finish(obs)

        return _CleanupStreamingResponse(
            body(),
            cleanup,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", **routing_headers(routing)},
        )

    async def list_models(self, request: Request) -> Response:
        self._authorize(request)
        return JSONResponse({"object": "list", "data": [_model_entry(name) for name in self.models.names()]})

    async def get_model(self, request: Request) -> Response:
        """``GET /v1/models/{id}``: a model name this server takes (listed or with a number)."""
        self._authorize(request)
        name = request.path_params["model"]
        self.models.check_name(name)  # APIError 404/400 for a name it does not take
        return JSONResponse(_model_entry(name))

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "in_flight": self.in_flight, "pid": os.getpid()})

    async def metrics_endpoint(self, request: Request) -> Response:
        """``GET /metrics``: Prometheus's text format; behind the bearer key like the API."""
        self._authorize(request)
        if self.metrics is None:
            raise APIError(
                501,
                "GET /metrics needs the prometheus-client package: pip install prometheus-client "
                "(it is in the serve extra).",
                code="metrics_unavailable",
            )
        return Response(self.metrics.render(), media_type=METRICS_CONTENT_TYPE)


def _model_entry(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "routellm"}


async def _api_error(request: Request, exc: Exception) -> Response:
    return error_response(to_api_error(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
    return error_response(
        APIError(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}", code=code)
    )


#: the path of the chat endpoint, which ``RoutingApp`` serves without Starlette's router
CHAT_PATH = "/v1/chat/completions"


class RoutingApp(Starlette):
    """The Starlette app, with ``POST /v1/chat/completions`` dispatched straight to the endpoint
    (every error answered as the exception handlers answer it), skipping the middleware and the
    router, which cost about a tenth of a fast-path request's CPU. Once middleware is added (an
    OpenTelemetry instrumentation, say) every request goes through it, as Starlette sends them."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"] == CHAT_PATH and scope["method"] == "POST"
                and not self.user_middleware):
            scope["app"] = self
            try:
                response = await self.state.server.chat_completions(Request(scope, receive, send))
            except Exception as exc:  # noqa: BLE001 - answered as the app's exception handlers answer
                response = error_response(to_api_error(exc))
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: ServerSettings) -> Starlette:
    """The OpenAI-compatible routing app (ASGI). Loads the routers and builds the upstreams now,
    so a bad setting fails here with a ConfigError rather than on the first request."""
    server = RoutingServer(settings)
    app = RoutingApp(
        routes=[
            Route(CHAT_PATH, server.chat_completions, methods=["POST"]),
            Route("/v1/models", server.list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", server.get_model, methods=["GET"]),
            Route("/health", server.health, methods=["GET"]),
            Route("/metrics", server.metrics_endpoint, methods=["GET"]),
        ],
        exception_handlers={APIError: _api_error, HTTPException: _http_error, Exception: _api_error},
    )
    app.state.server = server
    return app
