"""The fast path's HTTP client (``server/upstream_http.py``) against a scripted TCP server in this
test (the network edge): keep-alive reuse, chunked answers, a pooled connection the upstream had
closed, bounds on untrusted answers, flow control, cancellation, TLS."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from langchain_routellm.server import upstream_http
from langchain_routellm.server.upstream_http import Endpoint, HTTPClient, HTTPConnectionError

BODY = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'
#: a connection handler: (reader, writer, index of the connection) -> None
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\n{head}\r\n".encode() + body


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """(head, body) of one request; (b"", b"") at the end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return b"", b""
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    return head, await reader.readexactly(length)


class Upstream:
    """A TCP server on a free loopback port running ``handler`` per connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler, self.connections, self.requests = handler, 0, []
        self.server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> Upstream:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer, self.connections)
            finally:
                writer.close()

        self.server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    def endpoint(self, **headers: str) -> Endpoint:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return Endpoint.parse(f"http://127.0.0.1:{port}/v1/chat/completions", headers)


def serving(*replies: bytes, record: list[bytes] | None = None) -> Handler:
    """Answers the requests of each connection with ``replies`` in turn (all connections share them)."""
    queue = list(replies)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, index: int) -> None:
        while queue:
            head, body = await read_request(reader)
            if not head:
                return
            if record is not None:
                record.append(head + body)
            writer.write(queue.pop(0))
            await writer.drain()

    return handler


async def post_read(client: HTTPClient, endpoint: Endpoint, limit: int = 1 << 20) -> tuple[int, bytes]:
    response = await client.post(endpoint, BODY)
    try:
        return response.status, await response.read(limit)
    finally:
        response.release()


async def test_keep_alive_connection_is_reused_and_the_request_is_well_formed():
    seen: list[bytes] = []
    async with Upstream(serving(*[answer(b'{"n":%d}' % i) for i in range(5)], record=seen)) as up:
        client = HTTPClient()
        endpoint = up.endpoint(authorization="Bearer k", **{"content-type": "application/json"})
        answers = [await post_read(client, endpoint) for _ in range(5)]
        await client.aclose()
    assert answers == [(200, b'{"n":%d}' % i) for i in range(5)]
    assert up.connections == 1
    head = seen[0].split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"post /v1/chat/completions http/1.1")
    assert b"authorization: bearer k" in head and b"accept-encoding: identity" in head
    assert b"content-length: %d" % len(BODY) in head and seen[0].endswith(BODY)


async def test_chunked_answer_by_pieces_then_the_connection_is_reused():
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    async with Upstream(serving(chunked, answer(b"next"))) as up:
        client = HTTPClient()
        response = await client.post(up.endpoint(), BODY)
        pieces = [p async for p in response.pieces()]
        response.release()
        assert b"".join(pieces) == b"hello world"
        assert await post_read(client, up.endpoint()) == (200, b"next")
        await client.aclose()
    assert up.connections == 1


async def test_connection_close_answer_is_not_pooled():
    async with Upstream(serving(answer(b"a", "connection: close"), answer(b"b"))) as up:
        client = HTTPClient()
        assert await post_read(client, up.endpoint()) == (200, b"a")
        assert await post_read(client, up.endpoint()) == (200, b"b")
        await client.aclose()
    assert up.connections == 2


async def test_pooled_connection_closed_by_the_upstream_is_stale_and_not_sent_again():
    async def handler(reader, writer, index):
        head, _ = await read_request(reader)
        if index == 1:  # answers once, then drops the next request unanswered (a keep-alive race)
            writer.write(answer(b"first"))
            await writer.drain()
            await read_request(reader)
            return
        writer.write(answer(b"second"))
        await writer.drain()

    async with Upstream(handler) as up:
        client = HTTPClient()
        assert await post_read(client, up.endpoint()) == (200, b"first")
        with pytest.raises(HTTPConnectionError) as err:
            await client.post(up.endpoint(), BODY)
        assert err.value.stale  # the caller may send it again at once (Passthrough does, within its retries)
        assert up.connections == 1
        assert await post_read(client, up.endpoint()) == (200, b"second")
        await client.aclose()
    assert up.connections == 2


async def test_new_connection_closed_without_an_answer_fails_and_is_not_sent_again():
    async def handler(reader, writer, index):
        await read_request(reader)

    async with Upstream(handler) as up:
        client = HTTPClient()
        with pytest.raises(HTTPConnectionError, match="closed the connection before the answer was whole") as err:
            await client.post(up.endpoint(), BODY)
        assert not err.value.stale
        await client.aclose()
    assert up.connections == 1


async def test_answer_that_ends_early_is_an_error():
    async with Upstream(serving(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this")) as up:
        client = HTTPClient()
        response = await client.post(up.endpoint(), BODY)
        with pytest.raises(HTTPConnectionError, match="before the answer was whole"):
            await response.read(1000)
        response.release()
        await client.aclose()


async def test_connection_refused_names_the_address():
    client = HTTPClient()
    with pytest.raises(HTTPConnectionError, match="cannot connect to 127.0.0.1:1"):
        await client.post(Endpoint.parse("http://127.0.0.1:1/v1/chat/completions", {}), BODY)


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", "not valid HTTP"),
        (answer(b"x", "content-encoding: gzip"), "content-encoding: gzip"),
        (b"HTTP/1.1 200 OK\r\n" + b"x-big: " + b"a" * (upstream_http.MAX_HEADER_BYTES + 10) + b"\r\n\r\n",
         "headers are larger than"),
    ],
)
async def test_untrusted_answer_heads_are_refused(reply, needle):
    async with Upstream(serving(reply)) as up:
        client = HTTPClient()
        with pytest.raises(HTTPConnectionError, match=needle):
            await client.post(up.endpoint(), BODY)
        await client.aclose()


async def test_interim_100_continue_is_skipped():
    async with Upstream(serving(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"real"))) as up:
        client = HTTPClient()
        assert await post_read(client, up.endpoint()) == (200, b"real")
        await client.aclose()


async def test_read_stops_past_its_limit_and_the_connection_is_dropped():
    big = b"x" * 200_000
    reply = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + b"".join(
        b"%x\r\n" % 1000 + big[i:i + 1000] + b"\r\n" for i in range(0, len(big), 1000)) + b"0\r\n\r\n"
    async with Upstream(serving(reply, answer(b"after"))) as up:
        client = HTTPClient()
        status, got = await post_read(client, up.endpoint(), limit=100)
        assert status == 200 and 100 < len(got) < len(big)
        assert await post_read(client, up.endpoint()) == (200, b"after")
        await client.aclose()
    assert up.connections == 2  # the half-read answer's connection was not reused


async def test_a_slow_reader_pauses_the_socket_and_gets_every_byte(monkeypatch):
    monkeypatch.setattr(upstream_http, "HIGH_WATER", 10_000)
    monkeypatch.setattr(upstream_http, "LOW_WATER", 2_000)
    big = bytes(range(256)) * 2_000  # 512 kB
    async with Upstream(serving(answer(big))) as up:
        client = HTTPClient()
        response = await client.post(up.endpoint(), BODY)
        await asyncio.sleep(0.2)  # the answer arrives while nobody reads it
        connection = response._connection
        assert connection._paused and connection._buffered < len(big)
        got = b"".join([p async for p in response.pieces()])
        response.release()
        await client.aclose()
    assert got == big


async def test_cancelled_call_closes_its_connection_and_frees_its_slot():
    hung_up = asyncio.Event()

    async def handler(reader, writer, index):
        await read_request(reader)
        if index == 1:  # never answers the first call; notices when its client goes
            await reader.read()
            hung_up.set()
            return
        writer.write(answer(b"ok"))
        await writer.drain()

    async with Upstream(handler) as up:
        client = HTTPClient(limit=1)
        call = asyncio.ensure_future(post_read(client, up.endpoint()))
        await asyncio.sleep(0.1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.wait_for(hung_up.wait(), 5)
        assert await asyncio.wait_for(post_read(client, up.endpoint()), 5) == (200, b"ok")
        await client.aclose()


async def test_calls_past_the_limit_wait_for_a_connection():
    async def handler(reader, writer, index):
        while True:
            head, _ = await read_request(reader)
            if not head:
                return
            await asyncio.sleep(0.05)
            writer.write(answer(b"%d" % index))
            await writer.drain()

    async with Upstream(handler) as up:
        client = HTTPClient(limit=2)
        answers = await asyncio.gather(*(post_read(client, up.endpoint()) for _ in range(6)))
        await client.aclose()
    assert all(status == 200 for status, _ in answers)
    assert up.connections == 2


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "line"),
    [
        ("https://api.example.com/v1/chat/completions", "api.example.com", 443, True, b"POST /v1/chat/completions "),
        ("http://h:8080/x?api-version=1", "h", 8080, False, b"POST /x?api-version=1 "),
        ("http://[::1]:9/p", "::1", 9, False, b"host: [::1]:9"),
    ],
)
def test_endpoint_parses_urls(url, host, port, tls, line):
    endpoint = Endpoint.parse(url, {"content-length": "5", "x-key": "v"})
    assert (endpoint.host, endpoint.port, endpoint.tls) == (host, port, tls)
    assert line in endpoint.head and b"x-key: v" in endpoint.head
    assert b"content-length" not in endpoint.head  # set per request


@pytest.mark.parametrize(("url", "headers", "needle"), [
    ("ftp://h/x", {}, "is not http"),
    ("http:///x", {}, "is not http"),
    ("http://h/x", {"x-bad": "a\r\nb: c"}, "line break"),
])
def test_endpoint_refuses_bad_urls_and_headers(url, headers, needle):
    with pytest.raises(ValueError, match=needle):
        Endpoint.parse(url, headers)


async def test_bytes_sent_on_an_idle_connection_drop_it():
    async def handler(reader, writer, index):
        await read_request(reader)
        writer.write(answer(b"one") + answer(b"unasked"))  # one answer too many
        await writer.drain()
        await read_request(reader)
        writer.write(answer(b"late"))

    async with Upstream(handler) as up:
        client = HTTPClient()
        assert await post_read(client, up.endpoint()) == (200, b"one")
        assert await post_read(client, up.endpoint()) == (200, b"one")  # a new connection, not "unasked"
        await client.aclose()
    assert up.connections == 2


def _self_signed(tmp_path) -> tuple[str, str]:
    """(certificate, key) files for 127.0.0.1, made here."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


async def test_https_upstream_is_verified(tmp_path):
    import ssl

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    handler = serving(answer(b"secret"), answer(b"never"))

    async def on_connect(reader, writer):
        try:
            await handler(reader, writer, 1)
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    endpoint = Endpoint.parse(f"https://127.0.0.1:{port}/v1/chat/completions", {})
    try:
        trusting = HTTPClient(tls=ssl.create_default_context(cafile=cert))
        assert await post_read(trusting, endpoint) == (200, b"secret")
        await trusting.aclose()
        default = HTTPClient()  # the CA bundle does not know this certificate
        with pytest.raises(HTTPConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await default.post(endpoint, BODY)
        await default.aclose()
    finally:
        server.close()


@pytest.mark.parametrize("retries", [0, 1])
async def test_passthrough_sends_again_on_a_stale_connection_only_within_its_retries(retries):
    from langchain_routellm.server.passthrough import OpenAIWire, Passthrough, UpstreamConnectionError

    async def handler(reader, writer, index):
        await read_request(reader)
        writer.write(answer(b'{"n":%d}' % index))
        await writer.drain()
        if index == 1:
            await read_request(reader)  # the second request on this connection goes unanswered

    async with Upstream(handler) as up:
        passthrough = Passthrough()
        wire = OpenAIWire(url=f"http://127.0.0.1:{up.endpoint().port}/v1/chat/completions", headers={},
                          max_retries=retries)
        assert await passthrough.complete(wire, BODY) == b'{"n":1}'
        if retries:
            assert await asyncio.wait_for(passthrough.complete(wire, BODY), 2) == b'{"n":2}'  # no back-off wait
        else:
            with pytest.raises(UpstreamConnectionError, match="closed the connection"):
                await passthrough.complete(wire, BODY)
        await passthrough.aclose()


def test_an_upstream_base_url_without_a_scheme_is_refused_at_start(monkeypatch):
    from routellm_core.errors import ConfigError

    from langchain_routellm.server.app import create_app
    from langchain_routellm.server.models import ServerSettings
    from tests.helpers import tiny_router_path

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "localhost:8000/v1")
    with pytest.raises(ConfigError, match=r"upstream 'gpt-4o'.*is not http\(s\)://host/path.*http://localhost:8000/v1"):
        create_app(ServerSettings(strong="openai:gpt-4o", weak="openai:gpt-4o-mini",
                                  routers=[f"tiny={tiny_router_path()}"]))
