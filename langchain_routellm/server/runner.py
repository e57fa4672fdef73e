"""Running the app with uvicorn: in the foreground (``routellm serve``) or in a background
thread on a free loopback port (notebooks, tests, benchmarks).

Shutdown is graceful either way: uvicorn stops accepting connections, lets open requests and
streams finish (up to ``graceful_timeout`` seconds), then exits. In the foreground SIGINT and
SIGTERM start it; ``BackgroundServer.stop()`` starts it from code.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.request
from typing import Any

import uvicorn
from starlette.applications import Starlette

from langchain_routellm.server import defaults


def uvicorn_server(
    app: Starlette,
    host: str,
    port: int,
    *,
    graceful_timeout: int | None = defaults.GRACEFUL_TIMEOUT,
    log_level: str = "info",
    access_log: bool = True,
    configure_logging: bool = True,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` (not started). ``configure_logging=False`` leaves the
    process's logging set-up alone (uvicorn's own otherwise)."""
    extra: dict[str, Any] = {} if configure_logging else {"log_config": None}
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=graceful_timeout,
        lifespan="off",
        **extra,
    )
    return uvicorn.Server(config)


def serve(app: Starlette, host: str, port: int, **kwargs: Any) -> None:
    """Serve until SIGINT/SIGTERM, then shut down gracefully and return (Ctrl-C prints no
    traceback: uvicorn raises the SIGINT it handled again once it has shut down)."""
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
