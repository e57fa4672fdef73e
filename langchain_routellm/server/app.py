"""The Starlette app: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``.

Each chat request is checked (bearer key, size, body), turned into LangChain messages, and sent
through the ``RoutedChatModel`` its model name asks for. The routing decision comes back in
``x-routellm-*`` headers and in a ``"routing"`` field of the body (of the first chunk when
streaming). A stream's first chunk is awaited before the response starts, so an upstream that
fails at once still gets its own status code; later failures arrive as an OpenAI-style error
event.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.messages import AIMessageChunk
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from langchain_routellm.server import defaults
from langchain_routellm.server.errors import APIError, to_api_error
from langchain_routellm.server.models import RoutedModels, ServerSettings
from langchain_routellm.server.openai_format import (
    ChatRequest,
    StreamTranslator,
    completion_body,
    parse_chat_request,
    routing_headers,
)

_END = object()
#: chunks a stream may read ahead of a slow client
_STREAM_BUFFER = 32


def _sse(payload: Any) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n"


def error_response(error: APIError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


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


class RoutingServer:
    """The endpoints, over one ``RoutedModels``. ``in_flight`` counts open chat requests."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.models = RoutedModels(settings)
        self.in_flight = 0

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

    async def _read_json(self, request: Request) -> Any:
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
        parts, size = [], 0
        async for part in request.stream():
            size += len(part)
            if size > limit:
                raise too_large
            parts.append(part)
        try:
            return json.loads(b"".join(parts))
        except ValueError as exc:
            raise APIError(400, f"the request body is not valid JSON: {exc}", code="invalid_json") from None

    async def _take(self, queue: asyncio.Queue[Any]) -> list[Any]:
        """The next items of a stream: one awaited (504 after ``timeout``), plus any already
        there, so a burst of chunks goes out in one write. Ends at ``_END`` or an error."""
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
        self._authorize(request)
        chat = parse_chat_request(await self._read_json(request))
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        self.in_flight += 1
        streaming = False
        try:
            model = await self.models.for_request(chat)
            if chat.stream:
                response = await self._stream(
                    model.astream(chat.messages, **chat.call_kwargs), chat, completion_id, created
                )
                streaming = True  # the response's cleanup counts it out
                return response
            message = await asyncio.wait_for(
                model.ainvoke(chat.messages, **chat.call_kwargs), self.settings.timeout
            )
        except Exception as exc:
            raise to_api_error(exc) from exc
        finally:
            if not streaming:
                self.in_flight -= 1
        body = completion_body(message, completion_id=completion_id, created=created)
        return JSONResponse(body, headers=routing_headers(body["routing"]))

    async def _stream(
        self, stream: AsyncIterator[AIMessageChunk], chat: ChatRequest, completion_id: str, created: int
    ) -> Response:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=_STREAM_BUFFER)
        pump = asyncio.ensure_future(_pump(stream, queue))
        try:
            items = await self._take(queue)
            if isinstance(items[0], BaseException):
                raise items[0]
        except BaseException:
            pump.cancel()
            raise
        translator = StreamTranslator(completion_id, created, chat.include_usage)
        first_chunk = items[0] is not _END
        head = "".join(_sse(payload) for payload in translator.translate(items[0])) if first_chunk else ""

        async def events() -> AsyncIterator[str]:
            pending, out = items[1:] if first_chunk else items, head
            try:
                while True:
                    for item in pending:
                        if item is _END:
                            yield (
                                out
                                + "".join(_sse(payload) for payload in translator.finish())
                                + "data: [DONE]\n\n"
                            )
                            return
                        if isinstance(item, BaseException):
                            raise item
                        out += "".join(_sse(payload) for payload in translator.translate(item))
                    if out:
                        yield out
                    pending, out = await self._take(queue), ""
            except Exception as exc:  # noqa: BLE001 - the status line is sent: report in-band
                yield out + _sse(to_api_error(exc).body())

        def cleanup() -> None:
            pump.cancel()
            self.in_flight -= 1

        return _CleanupStreamingResponse(
            events(),
            cleanup,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", **routing_headers(translator.routing)},
        )

    async def list_models(self, request: Request) -> Response:
        self._authorize(request)
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "routellm"}
            for name in self.models.names()
        ]
        return JSONResponse({"object": "list", "data": data})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "in_flight": self.in_flight})


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
            Route("/health", server.health, methods=["GET"]),
        ],
        exception_handlers={APIError: _api_error, HTTPException: _http_error, Exception: _api_error},
    )
    app.state.server = server
    return app
