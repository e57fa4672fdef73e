"""The fast path: a request for an upstream that speaks the OpenAI wire format is forwarded as
it came (its ``model`` swapped for the upstream's) over pooled keep-alive connections
(``upstream_http``), and the
answer goes back as the upstream sent it, with the server's ``routing`` field added to the
completion object (to the first chunk of a stream). No LangChain object is built.

``OpenAIWire`` is one such upstream (base URL, key, extra headers); ``Passthrough`` owns the
connection pool and opens calls. Errors are raised as exceptions that ``errors.to_api_error`` maps the
way it maps the SDKs' (``UpstreamHTTPError`` carries the upstream's status and message;
``UpstreamConnectionError`` a connection that failed or a stream that ended early), so both
paths give a client the same error, and a fallback (``Attempts``) sees a failure before the
first byte of the answer on either.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from routellm_core.errors import ConfigError

from langchain_routellm.server.upstream_http import Endpoint, HTTPClient, HTTPConnectionError

#: retries of a call (like the openai SDK's default) when ``--max-retries`` is not given
DEFAULT_RETRIES = 2
#: HTTP statuses a call is retried on (the openai SDK's set)
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
#: seconds of the first retry's back-off (doubled each retry, with jitter), and its cap
RETRY_BASE, RETRY_CAP = 0.5, 8.0
#: longest upstream error message kept, in characters
MAX_MESSAGE_CHARS = 500
#: largest answer (or stream event) read from an upstream, in bytes
MAX_ANSWER_BYTES = 64 * 1024 * 1024
#: pooled connections to all upstreams together
POOL_SIZE = 512
_DONE = b"data: [DONE]"


class UpstreamHTTPError(Exception):
    """The upstream answered with an HTTP error status (``status_code``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status_code = status
        self.message = message


class UpstreamConnectionError(Exception):
    """The connection to the upstream failed, or its answer ended before it was whole."""


class UpstreamInvalidResponse(ValueError):
    """The upstream's answer is not a chat completion (not JSON, not an object)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid response: {reason}")


@dataclass(frozen=True)
class OpenAIWire:
    """Where and how to call one OpenAI-compatible upstream: ``url`` of its chat completions,
    the request ``headers`` (key included; never logged)."""

    url: str
    headers: dict[str, str] = field(repr=False)
    max_retries: int = DEFAULT_RETRIES
    #: ``url`` and ``headers`` parsed once (ValueError for a URL that is not http(s))
    endpoint: Endpoint = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint", Endpoint.parse(self.url, self.headers))

    @classmethod
    def from_chat_model(cls, chat: Any, max_retries: int | None) -> OpenAIWire | None:
        """The wire settings of a LangChain ``ChatOpenAI`` (its SDK client's base URL and key, as
        the environment or its arguments set them); None for any other model. ConfigError for a
        base URL that is not ``http(s)://host/...`` or a header with a line break."""
        client = getattr(chat, "root_async_client", None)
        if type(chat).__name__ != "ChatOpenAI" or client is None:
            return None
        base = str(client.base_url).rstrip("/")
        headers = {"content-type": "application/json", "authorization": f"Bearer {client.api_key}"}
        if getattr(chat, "openai_organization", None):
            headers["openai-organization"] = str(chat.openai_organization)
        headers.update({str(k): str(v) for k, v in (getattr(chat, "default_headers", None) or {}).items()})
        retries = DEFAULT_RETRIES if max_retries is None else max_retries
        try:
            return cls(url=f"{base}/chat/completions", headers=headers, max_retries=retries)
        except ValueError as exc:
            raise ConfigError(
                f"upstream {getattr(chat, 'model_name', '?')!r}: {exc} (its base URL is {base!r}; give it with "
                "the scheme, e.g. http://localhost:8000/v1)."
            ) from None


def _error_message(status: int, raw: bytes) -> str:
    """The upstream's own error message (OpenAI's ``error.message``), else its text."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message:
            return message[:MAX_MESSAGE_CHARS]
    text = raw.decode("utf-8", "replace").strip()
    return (text or f"HTTP {status}")[:MAX_MESSAGE_CHARS]


def with_routing(obj: bytes, routing: bytes) -> bytes:
    """``obj`` (a JSON object's bytes) with ``"routing": routing`` added as its last field."""
    end = obj.rstrip()
    if not end.endswith(b"}"):
        raise UpstreamInvalidResponse("the answer is not a JSON object")
    head = end[:-1].rstrip()
    return head + (b',"routing":' if not head.endswith(b"{") else b'"routing":') + routing + b"}"


class Passthrough:
    """The pooled connections of every fast-path call of a server (made on first use, in the
    server's event loop; ``aclose`` at shutdown)."""

    def __init__(self) -> None:
        self._pool: HTTPClient | None = None

    def _client(self) -> HTTPClient:
        if self._pool is None or self._pool.closed:
            self._pool = HTTPClient(limit=POOL_SIZE)
        return self._pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def _post(self, wire: OpenAIWire, body: bytes) -> Any:
        """The upstream's response (status < 400, body unread); retries like the SDK."""
        attempt = 0
        while True:
            try:
                response = await self._client().post(wire.endpoint, body)
            except HTTPConnectionError as exc:
                if attempt < wire.max_retries:
                    attempt += 1
                    if not exc.stale:  # a pooled connection closed while idle: a new one at once
                        await _backoff(attempt)
                    continue
                raise UpstreamConnectionError(str(exc)) from exc
            if response.status < 400:
                return response
            try:
                raw = (await response.read(MAX_MESSAGE_CHARS * 8))[: MAX_MESSAGE_CHARS * 8]
            except HTTPConnectionError:
                raw = b""
            response.release()
            if response.status in RETRY_STATUSES and attempt < wire.max_retries:
                attempt += 1
                await _backoff(attempt, response.headers.get("retry-after"))
                continue
            raise UpstreamHTTPError(response.status, _error_message(response.status, raw))

    async def complete(self, wire: OpenAIWire, body: bytes) -> bytes:
        """The upstream's whole answer to a plain (not streamed) call."""
        response = await self._post(wire, body)
        try:
            raw = await response.read(MAX_ANSWER_BYTES)
        except HTTPConnectionError as exc:
            raise UpstreamConnectionError(f"the answer ended incomplete ({exc})") from exc
        finally:
            response.release()
        if len(raw) > MAX_ANSWER_BYTES:
            raise UpstreamInvalidResponse(f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
        return raw

    async def stream(self, wire: OpenAIWire, body: bytes) -> AsyncIterator[bytes]:
        """The upstream's server-sent events, whole events at a time (each ends ``\\n\\n``), up
        to and with ``data: [DONE]``; UpstreamConnectionError if the stream ends before it."""
        response = await self._post(wire, body)
        buffer = b""
        try:
            async for piece in response.pieces():
                buffer += piece.replace(b"\r\n", b"\n") if b"\r" in piece else piece
                end = buffer.rfind(b"\n\n")
                if end < 0:
                    if len(buffer) > MAX_ANSWER_BYTES:
                        raise UpstreamInvalidResponse(f"a stream event is larger than {MAX_ANSWER_BYTES} bytes")
                    continue
                events, buffer = buffer[: end + 2], buffer[end + 2 :]
                yield events
                if events.rstrip().endswith(_DONE):
                    return
        except HTTPConnectionError as exc:
            raise UpstreamConnectionError(f"the stream ended incomplete ({exc})") from exc
        finally:
            response.release()
        raise UpstreamConnectionError("the stream ended incomplete (no data: [DONE] from the upstream)")


async def _backoff(attempt: int, retry_after: str | None = None) -> None:
    delay = min(RETRY_CAP, RETRY_BASE * 2 ** (attempt - 1)) * (0.75 + random.random() / 2)
    if retry_after:
        try:
            delay = min(RETRY_CAP, max(0.0, float(retry_after)))
        except ValueError:
            pass
    await asyncio.sleep(delay)


class EventEditor:
    """Edits a fast-path stream on its way to the client: ``routing`` (JSON bytes) added to the
    first ``data:`` event; the usage-only event dropped unless the client asked for it
    (``include_usage``; the server always asks the upstream, to count tokens); ``usage`` read."""

    def __init__(self, routing: bytes, include_usage: bool) -> None:
        self.routing = routing
        self.include_usage = include_usage
        self.first = True
        self.usage: dict[str, Any] | None = None

    def edit(self, events: bytes) -> bytes:
        """``events`` (whole events) as the client gets them."""
        if not self.first and b'"usage"' not in events:
            return events
        out = []
        for event in events.split(b"\n\n"):
            if not event.startswith(b"data:") or event.startswith(_DONE):
                if event:
                    out.append(event + b"\n\n")
                continue
            start = event.find(b"{")
            if start < 0:
                out.append(event + b"\n\n")
                continue
            if b'"usage"' in event and b'"usage":null' not in event and b'"usage": null' not in event:
                try:
                    payload = orjson.loads(event[start:])
                except orjson.JSONDecodeError as exc:
                    raise UpstreamInvalidResponse(f"a stream event is not JSON ({exc})") from None
                usage = payload.get("usage") if isinstance(payload, dict) else None
                if isinstance(usage, dict):
                    self.usage = usage
                    if not self.include_usage and not payload.get("choices"):
                        continue  # the usage-only event the client did not ask for
            if self.first:
                event = b"data: " + with_routing(event[start:], self.routing)
                self.first = False
            out.append(event + b"\n\n")
        return b"".join(out)
