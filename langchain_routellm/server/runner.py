"""Running the app with uvicorn: in the foreground (``routellm serve``) or in a background
thread on a free loopback port (notebooks, tests, benchmarks).

Shutdown is graceful either way: uvicorn stops accepting connections, lets open requests and
streams finish (up to ``graceful_timeout`` seconds), then exits. In the foreground SIGINT and
SIGTERM start it; ``BackgroundServer.stop()`` starts it from code.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
import subprocess
import threading
import time
import urllib.request
from typing import Any

import uvicorn
from starlette.applications import Starlette

from langchain_routellm.server import defaults


def guarded_protocol(base: type[asyncio.Protocol], read_timeout: float, max_header_bytes: int) -> type:
    """uvicorn's HTTP protocol ``base`` with a header deadline: a connection that has not sent a
    request's line and headers within ``read_timeout`` seconds (from connecting, or from the
    first byte of a next keep-alive request), or sends more than ``max_header_bytes`` of them,
    is closed. uvicorn bounds only idle keep-alive time; this bounds slow or endless headers."""

    class GuardedProtocol(base):  # type: ignore[valid-type, misc]
        _header_timer: asyncio.TimerHandle | None = None
        _header_cycle: Any = None
        _header_bytes = 0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def _waiting_for_headers(self) -> bool:
            cycle = self.cycle
            return cycle is None or cycle.response_complete

        def _arm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._header_cycle, self._header_bytes = self.cycle, 0
            cycle = self.cycle

            def expire() -> None:
                self._header_timer = None
                if self.cycle is cycle and not self.transport.is_closing():
                    self.transport.close()

            self._header_timer = self.loop.call_later(read_timeout, expire)

        def data_received(self, data: bytes) -> None:
            waiting = self._waiting_for_headers()
            if waiting and (self._header_timer is None or self._header_cycle is not self.cycle):
                self._arm()
            super().data_received(data)
            if waiting and self.cycle is self._header_cycle:  # the headers are still incomplete
                self._header_bytes += len(data)
                if self._header_bytes > max_header_bytes and not self.transport.is_closing():
                    self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            super().connection_lost(exc)

    GuardedProtocol.__name__ = GuardedProtocol.__qualname__ = f"Guarded{base.__name__}"
    return GuardedProtocol


class RoutingUvicornServer(uvicorn.Server):
    """uvicorn's server that tells the routing app when its graceful shutdown begins, so that
    streams still open when ``--graceful-timeout`` is up end with an error event rather than
    being cut."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        state = getattr(self.config.app, "state", None)
        begin = getattr(getattr(state, "server", None), "begin_shutdown", None)
        if begin is not None:
            begin(self.config.timeout_graceful_shutdown)
        await super().shutdown(sockets)
        close = getattr(getattr(state, "server", None), "aclose", None)
        if close is not None:
            await close()


def uvicorn_server(
    app: Starlette,
    host: str,
    port: int,
    *,
    graceful_timeout: int | None = defaults.GRACEFUL_TIMEOUT,
    log_level: str = "info",
    access_log: bool = True,
    configure_logging: bool = True,
    read_timeout: float | None = None,
    keep_alive_timeout: float = defaults.KEEP_ALIVE_TIMEOUT,
    max_concurrency: int | None = defaults.MAX_CONCURRENCY,
    max_header_bytes: int = defaults.MAX_HEADER_BYTES,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` (not started), with this server's connection limits:
    ``read_timeout`` for a request's headers, ``keep_alive_timeout`` for idle connections,
    ``max_concurrency`` open connections and requests (more get 503), ``max_header_bytes``.
    ``configure_logging=False`` leaves the process's logging set-up alone (uvicorn's own
    otherwise)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    if read_timeout is None:  # the app's own setting (ServerSettings.read_timeout)
        settings = getattr(getattr(getattr(app, "state", None), "server", None), "settings", None)
        read_timeout = getattr(settings, "read_timeout", defaults.READ_TIMEOUT)
    extra: dict[str, Any] = {} if configure_logging else {"log_config": None}
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=graceful_timeout,
        timeout_keep_alive=keep_alive_timeout,  # type: ignore[arg-type]
        limit_concurrency=max_concurrency,
        h11_max_incomplete_event_size=max_header_bytes,
        http=guarded_protocol(AutoHTTPProtocol, read_timeout, max_header_bytes),
        lifespan="off",
        # the app reads no client address or scheme, so X-Forwarded-* headers are not parsed on
        # every request (uvicorn's default parses them from 127.0.0.1)
        proxy_headers=False,
        **extra,
    )
    return RoutingUvicornServer(config)


def log_access_to_stderr() -> None:
    """The JSON access-log lines, one per line on stderr, unless logging is set up already."""
    from langchain_routellm.server.observability import ACCESS_LOGGER

    logger = logging.getLogger(ACCESS_LOGGER)
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


#: allocations between two collections of the youngest generation (Python's default is 700)
GC_YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Tune the garbage collector for serving, once the app is built: the objects made at start
    (routers, vocabularies, modules: about 240,000) move to a permanent generation
    (``gc.freeze``), so collections no longer walk them (a full one took 128 ms), and the youngest
    generation is collected every ``GC_YOUNG_THRESHOLD`` allocations rather than 700: reference
    counting frees a request's garbage (681 young collections over 5,000 requests freed nothing).
    Together about a third of a fast-path request's CPU. Affects the whole process: call it from
    a process that serves, not from a notebook or test."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def serve(app: Starlette, host: str, port: int, **kwargs: Any) -> None:
    """Serve until SIGINT/SIGTERM, then shut down gracefully and return (Ctrl-C prints no
    traceback: uvicorn raises the SIGINT it handled again once it has shut down)."""
    settle_heap()
    try:
        uvicorn_server(app, host, port, **kwargs).run()
    except KeyboardInterrupt:
        pass


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for starting ``routellm serve`` as a process)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[Any] | None = None, timeout: float = 60.0) -> None:
    """Poll ``url`` (a ``/health`` endpoint) until it answers 200; RuntimeError if ``process``
    exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {timeout:g} s")


class BackgroundServer:
    """The app served by uvicorn in a daemon thread; use as a context manager.

    ```python
    with BackgroundServer(create_app(settings)) as srv:
        OpenAI(base_url=srv.base_url, api_key="...")   # http://127.0.0.1:<free port>/v1
    ```
    """

    def __init__(self, app: Starlette, host: str = defaults.HOST, port: int = 0, **kwargs: Any) -> None:
        options = {"log_level": "warning", "access_log": False, "configure_logging": False, **kwargs}
        self.app = app
        self.server = uvicorn_server(app, host, port, **options)
        self._host = host
        self._port = port
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread = threading.Thread(target=self.server.run, name="routellm-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the routing server did not start on {self._host} (is the port taken?)")
            time.sleep(0.01)
        self._port = int(self.server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful shutdown: open requests finish first."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def port(self) -> int:
        """The port it listens on (the free one it got, for port 0)."""
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL to give OpenAI clients as ``base_url``."""
        return f"{self.url}/v1"

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
