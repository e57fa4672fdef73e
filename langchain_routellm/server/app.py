"""The Starlette app: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``,
``GET /metrics``.

Each chat request is checked (bearer key, size, body), turned into LangChain messages, and sent
through the ``RoutedChatModel`` its model name asks for. The routing decision comes back in
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
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from langchain_routellm.chat_models import DECISION_KW
from langchain_routellm.server import defaults
from langchain_routellm.server.errors import APIError, to_api_error
from langchain_routellm.server.models import RoutedModels, ServerSettings
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


async def _pump(stream: AsyncIterator[AIMessageChunk], queue: asyncio.Queue[Any]) -> None:
    """Run the routed stream in one task (its context stays whole), handing chunks over."""
    try:
        async for chunk in stream:
            await queue.put(chunk)
        await queue.put(_END)
    except Exception as exc:  # noqa: BLE001 - handed to the response, which maps it
        await queue.put(exc)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]


def _prompt_text(messages: list[BaseMessage]) -> str | None:
    """The last user message's text (logged only with ``--log-prompts``)."""
    for message in reversed(messages):
        if message.type == "human":
            return str(message.text)
    return None


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
        self.in_flight = 0
        #: set when the graceful-shutdown time is up: open streams end with an error event
        self.closing = False
        self._streams: set[asyncio.Queue[Any]] = set()
        self.metrics = Metrics(lambda: self.in_flight) if prometheus_available() else None
        self.observer = Observer(self.metrics, log_prompts=settings.log_prompts)

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
        too_large = APIError(
            413,
            f"the request body is larger than this server's limit of {limit} bytes; "
            "send less, or start the server with a larger --max-request-bytes.",
            code="request_too_large",
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large

        async def read() -> bytes:
            parts, size = [], 0
            async for part in request.stream():
                size += len(part)
                if size > limit:
                    raise too_large
                parts.append(part)
            return b"".join(parts)

        try:
            return await asyncio.wait_for(read(), self.settings.read_timeout)
        except asyncio.TimeoutError:
            raise APIError(
                408,
                f"the request body did not arrive within {self.settings.read_timeout:g} s (--read-timeout).",
                code="request_timeout",
            ) from None

    def _parse(self, raw: bytes) -> ChatRequest:
        """Decode and check a body (CPU work: in a worker thread for large bodies)."""
        try:
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
        paid upstream call stops, and ``_ClientGone`` is raised) or ``timeout`` passes (504)."""
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
                items = [await asyncio.wait_for(queue.get(), self.settings.timeout)]
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
            obs.prompt = _prompt_text(chat.messages)
        try:
            self.models.check_name(chat.model)
            obs.route = self.observer.route_label(chat.model)
            model = await self.models.for_request(chat)
        except APIError:
            raise
        except Exception as exc:
            raise to_api_error(exc) from exc
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        self.in_flight += 1
        streaming = False
        try:
            started = time.perf_counter()
            decision = await model.adecide(chat.messages)
            obs.routing_seconds = time.perf_counter() - started
            # the decision made here is handed to the call (as RoutedChatModel hands its own),
            # with the run metadata and tags it would have set
            config = model._with_routing(None, decision)
            kwargs = {**chat.call_kwargs, DECISION_KW: decision}
            obs.upstream_start = time.perf_counter()
            if chat.stream:
                response = await self._stream(
                    request, model.astream(chat.messages, config, **kwargs), chat, completion_id, created, obs
                )
                streaming = True  # the response's cleanup counts it out
                return response
            message = await self._until_answered(request, model.ainvoke(chat.messages, config, **kwargs))
            obs.upstream_done()
            body = completion_body(message, completion_id=completion_id, created=created)
            obs.routing = body["routing"]
            obs.usage(body.get("usage"))
            set_span_attributes(obs.route, obs.routing)
            content = _json_bytes(body)
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
        return Response(
            content, media_type="application/json", headers=routing_headers(body["routing"])
        )

    async def _stream(
        self,
        request: Request,
        stream: AsyncIterator[AIMessageChunk],
        chat: ChatRequest,
        completion_id: str,
        created: int,
        obs: Observation,
    ) -> Response:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=_STREAM_BUFFER)
        pump = asyncio.ensure_future(_pump(stream, queue))
        try:
            items = await self._until_answered(request, self._take(queue))
            if items[0] is _CLOSING:
                raise _closing_error()
            if isinstance(items[0], BaseException):
                raise items[0]
            translator = StreamTranslator(completion_id, created, chat.include_usage)
            first_chunk = items[0] is not _END
            head = "".join(_sse(payload) for payload in translator.translate(items[0])) if first_chunk else ""
            obs.routing = translator.routing
            set_span_attributes(obs.route, obs.routing)
            _encode(head)
        except BaseException:
            pump.cancel()
            raise
        self._streams.add(queue)

        async def events() -> AsyncIterator[bytes]:
            pending, out = items[1:] if first_chunk else items, head
            try:
                while True:
                    for item in pending:
                        if item is _END:
                            obs.upstream_done()
                            obs.usage(translator.usage)
                            yield _encode(
                                out
                                + "".join(_sse(payload) for payload in translator.finish())
                                + "data: [DONE]\n\n"
                            )
                            return
                        if item is _CLOSING:
                            raise _closing_error()
                        if isinstance(item, BaseException):
                            raise item
                        out += "".join(_sse(payload) for payload in translator.translate(item))
                    if out:
                        yield _encode(out)
                    pending, out = await self._take(queue), ""
            except _Unencodable:
                obs.error = _invalid_unicode().code
                yield (_sse(_invalid_unicode().body()) + "data: [DONE]\n\n").encode()
            except Exception as exc:  # noqa: BLE001 - the status line is sent: report in-band
                error = to_api_error(exc, upstream=True)
                obs.error = error.code
                try:
                    yield _encode(out) + (_sse(error.body()) + "data: [DONE]\n\n").encode()
                except _Unencodable:
                    yield (_sse(error.body()) + "data: [DONE]\n\n").encode()

        def cleanup() -> None:
            pump.cancel()
            self._streams.discard(queue)
            self.in_flight -= 1
            self.observer.finish(obs)

        return _CleanupStreamingResponse(
            events(),
            cleanup,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", **routing_headers(translator.routing)},
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


def create_app(settings: ServerSettings) -> Starlette:
    """The OpenAI-compatible routing app (ASGI). Loads the routers and builds the upstreams now,
    so a bad setting fails here with a ConfigError rather than on the first request."""
    server = RoutingServer(settings)
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", server.chat_completions, methods=["POST"]),
            Route("/v1/models", server.list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", server.get_model, methods=["GET"]),
            Route("/health", server.health, methods=["GET"]),
            Route("/metrics", server.metrics_endpoint, methods=["GET"]),
        ],
        exception_handlers={APIError: _api_error, HTTPException: _http_error, Exception: _api_error},
    )
    app.state.server = server
    return app
