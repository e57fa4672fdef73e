"""A lean HTTP/1.1 client for the fast path: pooled keep-alive connections (asyncio protocols,
``httptools`` parsing the answers), one request at a time per connection.

It does what the fast path needs and no more: ``POST`` a body to a fixed URL (``http`` or
``https``, the system's or certifi's CA bundle), read the status and headers, then the body whole
or piece by piece with flow control. No redirects, cookies, proxies or compression (it asks for
``identity``). aiohttp's client took about a quarter of a fast-path request's CPU (request and
response objects, a writer task per request); this one takes about a tenth, most of it the socket
write itself (``py-spy``, ``benchmarks/server_throughput.py``'s load).

Every answer is untrusted: the status line and headers are bounded (``MAX_HEADER_BYTES``), the
body by the caller (``read(limit)``), and a stream stops reading from the socket while its
unread pieces pass ``HIGH_WATER`` bytes.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: bytes of an answer's status line and headers together, at most
MAX_HEADER_BYTES = 64 * 1024
#: unread body bytes at which a connection stops reading from its socket (resumed below LOW_WATER)
HIGH_WATER, LOW_WATER = 1024 * 1024, 256 * 1024
#: seconds an idle pooled connection is kept (upstreams close theirs after 5-75 s)
IDLE_SECONDS = 15.0


class HTTPConnectionError(Exception):
    """The connection failed, or closed (or sent an answer that is not HTTP) before the answer
    was whole. ``stale``: it was a pooled connection that failed before any byte of the answer
    (most likely closed by the upstream while idle), so sending again at once is reasonable."""

    stale = False


@dataclass(frozen=True)
class Endpoint:
    """One URL to ``POST`` to, parsed once: where to connect and the request's fixed head."""

    host: str
    port: int
    tls: bool
    head: bytes = field(repr=False)  # "POST path HTTP/1.1" and the fixed headers, CRLF-ended

    @classmethod
    def parse(cls, url: str, headers: dict[str, str]) -> Endpoint:
        """``url`` (``http(s)://host[:port]/path``) with ``headers`` (names and values without CR or
        LF; ValueError otherwise)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the upstream URL {url!r} is not http(s)://host/path")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.hostname
        authority = f"[{host}]" if ":" in host else host
        if parts.port:
            authority += f":{parts.port}"
        lines = [f"POST {path} HTTP/1.1", f"host: {authority}", "accept-encoding: identity"]
        for name, value in headers.items():
            if name.lower() in ("host", "content-length", "transfer-encoding", "connection", "accept-encoding"):
                continue
            if any(c in name + value for c in "\r\n\0"):
                raise ValueError(f"the upstream header {name!r} holds a line break; remove it")
            lines.append(f"{name}: {value}")
        return cls(host=host, port=port, tls=tls, head=("\r\n".join(lines) + "\r\n").encode("latin-1"))


class Response:
    """An upstream's answer: ``status``, ``headers`` (names lower-cased), then the body by
    ``read`` or ``pieces``; ``release`` when done (the connection goes back to the pool when the
    body was read whole, else it is closed)."""

    def __init__(self, connection: _Connection, status: int, headers: dict[str, str]) -> None:
        self._connection = connection
        self._released = False
        self.status = status
        self.headers = headers

    async def pieces(self) -> AsyncIterator[bytes]:
        """The body as it arrives; HTTPConnectionError if the connection ends before it is whole."""
        while True:
            piece = await self._connection.next_piece()
            if piece is None:
                return
            yield piece

    async def read(self, limit: int) -> bytes:
        """The body, or its first ``limit`` bytes and at least one more when it is longer (the rest
        is not read)."""
        out, size = [], 0
        async for piece in self.pieces():
            out.append(piece)
            size += len(piece)
            if size > limit:
                break
        return b"".join(out)

    def release(self) -> None:
        """Done with this answer (again: nothing)."""
        if not self._released:
            self._released = True
            self._connection.finish()


class _Connection(asyncio.Protocol):
    """One keep-alive connection: parses answers with ``httptools`` and hands the body over in
    pieces (pausing the socket above ``HIGH_WATER`` unread bytes)."""

    def __init__(self, pool: HTTPClient, key: tuple[str, int, bool]) -> None:
        import httptools

        self._pool, self._key = pool, key
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self.used = False  # it has carried a request before (a reused connection)
        self._received = False  # a byte of the current answer has arrived
        self._headers: dict[str, str] = {}
        self._header_bytes = 0  # bytes received before the answer's head was whole
        self._head_done = False
        self._head: asyncio.Future[Response] | None = None
        self._pieces: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._complete = False
        self._keep_alive = False
        self._failure: Exception | None = None
        self._wakeup: asyncio.Future[None] | None = None

    # ---------------------------------------------------------------- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        import httptools

        if self._head is None:  # nothing was asked: an answer now would be taken for the next one's
            self.close()
            return
        self._received = True
        if not self._head_done:  # bound what httptools buffers of a status line and headers
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES and self._head_ends_after(data):
                self._fail(HTTPConnectionError(
                    f"the upstream's answer headers are larger than {MAX_HEADER_BYTES} bytes"))
                return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            refused = exc.__context__  # what a callback below raised
            self._fail(refused if isinstance(refused, HTTPConnectionError)
                       else HTTPConnectionError(f"the upstream's answer is not valid HTTP ({exc})"))

    def _head_ends_after(self, data: bytes) -> bool:
        """The head is over the limit once the bytes before its end (the blank line, when it is
        in ``data``) are."""
        end = data.find(b"\r\n\r\n")
        return end < 0 or self._header_bytes - len(data) + end > MAX_HEADER_BYTES

    def connection_lost(self, exc: Exception | None) -> None:
        self._pool.forget(self)
        if not self._complete:
            reason = f": {exc}" if exc else ""
            self._fail(HTTPConnectionError(f"the upstream closed the connection before the answer was whole{reason}"))

    # ---------------------------------------------------------------- httptools callbacks
    def on_message_begin(self) -> None:
        if self._complete:  # a second answer to one request
            raise HTTPConnectionError("the upstream sent an answer nobody asked for")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            self._headers = {}
            return
        self._head_done = True
        encoding = self._headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            raise HTTPConnectionError(f"the upstream compressed its answer (content-encoding: {encoding}) though "
                                      "asked for identity")
        self._keep_alive = self._parser.should_keep_alive()  # (llhttp forgets it at the message's end)
        if self._head is not None and not self._head.done():
            self._head.set_result(Response(self, status, self._headers))

    def on_body(self, body: bytes) -> None:
        self._pieces.append(bytes(body))
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._head is not None and not self._head.done():  # an interim answer's end
            return
        self._complete = True
        self._wake()

    # ---------------------------------------------------------------- one request
    async def send(self, endpoint: Endpoint, body: bytes) -> Response:
        """Write the request; the answer's status and headers."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._head = loop.create_future()
        self._headers, self._header_bytes, self._received, self._complete = {}, 0, False, False
        self._head_done = self._keep_alive = False
        self._pieces.clear()
        self._buffered = 0
        self.transport.write(endpoint.head + b"content-length: %d\r\n\r\n" % len(body) + body)
        return await self._head

    async def next_piece(self) -> bytes | None:
        """The next body piece; None at the end."""
        while True:
            if self._pieces:
                piece = self._pieces.popleft()
                self._buffered -= len(piece)
                if self._paused and self._buffered < LOW_WATER and self.transport is not None:
                    self._paused = False
                    self.transport.resume_reading()
                return piece
            if self._complete:
                return None
            if self._failure is not None:
                raise self._failure
            self._wakeup = asyncio.get_running_loop().create_future()
            try:
                await self._wakeup
            finally:
                self._wakeup = None

    def finish(self) -> None:
        """The request is over: the connection goes back to the pool when its answer was read
        whole and both sides keep it open, else it is closed."""
        transport = self.transport
        reusable = (transport is not None and not transport.is_closing() and self._complete and not self._pieces
                    and self._failure is None and self._keep_alive)
        self._head = None
        if not reusable:
            self.close()
        self._pool.request_done(self if reusable else None)

    def stale(self) -> bool:
        """It failed before any byte of the answer, having carried a request before: most likely
        a pooled connection the upstream had closed."""
        return self.used and not self._received

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def _fail(self, error: Exception) -> None:
        if self._failure is None:
            self._failure = error
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        self._wake()
        self.close()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)


class HTTPClient:
    """Pooled connections to any number of endpoints, ``limit`` in use at once (more wait).
    ``tls`` verifies https upstreams (default: certifi's CA bundle, as the openai SDK, else the
    system's)."""

    def __init__(self, limit: int = 512, tls: ssl.SSLContext | None = None) -> None:
        self._idle: dict[tuple[str, int, bool], list[_Connection]] = {}
        self._limit = asyncio.Semaphore(limit)
        self._tls = tls
        self.closed = False

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            try:
                import certifi

                self._tls = ssl.create_default_context(cafile=certifi.where())
            except ImportError:  # pragma: no cover - certifi comes with the openai SDK
                self._tls = ssl.create_default_context()
        return self._tls

    async def post(self, endpoint: Endpoint, body: bytes) -> Response:
        """Send ``body`` to ``endpoint``; the answer's head (HTTPConnectionError on a connection
        that fails before it, ``stale`` when a pooled one failed before any answer byte). Never
        sends twice: retrying is the caller's choice."""
        await self._limit.acquire()
        connection: _Connection | None = None
        try:
            connection = await self._connection(endpoint)
            try:
                return await connection.send(endpoint, body)
            except HTTPConnectionError as exc:
                exc.stale = connection.stale()
                raise
        except BaseException:
            if connection is not None:
                connection.close()
            self._limit.release()
            raise

    def forget(self, connection: _Connection) -> None:
        """A connection closed: out of the pool."""
        idle = self._idle.get(connection._key)
        if idle and connection in idle:
            idle.remove(connection)

    def request_done(self, reusable: _Connection | None) -> None:
        """A request is over; ``reusable`` (its connection, when it may carry another) is kept."""
        self._limit.release()
        if reusable is None:
            return
        if self.closed:
            reusable.close()
            return
        reusable.used, reusable.idle_since = True, time.monotonic()
        self._idle.setdefault(reusable._key, []).append(reusable)

    async def _connection(self, endpoint: Endpoint) -> _Connection:
        idle = self._idle.get((endpoint.host, endpoint.port, endpoint.tls))
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            transport = connection.transport
            if transport is not None and not transport.is_closing() and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        return await self._connect(endpoint)

    async def _connect(self, endpoint: Endpoint) -> _Connection:
        key = (endpoint.host, endpoint.port, endpoint.tls)
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(self, key), endpoint.host, endpoint.port,
                ssl=self._tls_context() if endpoint.tls else None,
                server_hostname=endpoint.host if endpoint.tls else None,
            )
        except (OSError, ssl.SSLError) as exc:
            raise HTTPConnectionError(f"cannot connect to {endpoint.host}:{endpoint.port} ({exc})") from exc
        return connection

    async def aclose(self) -> None:
        self.closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
