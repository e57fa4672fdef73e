"""``routellm serve --workers N``: N worker processes serving one listening socket.

The parent binds the port once and starts N workers with the ``spawn`` start method (no state
forked from the parent); each worker builds its own app from the same ``ServerSettings`` (the
routers load in every worker) and serves the shared socket with this server's uvicorn set-up
(``runner.uvicorn_server``: header deadline, limits, graceful shutdown). The kernel hands each
new connection to one worker; a keep-alive connection stays with the worker that accepted it.

Each worker reports back once its app is built (or the one-line error that stopped it), so a
bad setting stops the command at start, as with one process. The parent then waits: SIGINT or
SIGTERM is passed on to every worker (each shuts down gracefully: open requests and streams
get ``--graceful-timeout`` seconds), and a worker that dies is replaced. Online controllers are
per worker (see docs/deploy.md; ``--online-redis`` shares one across workers and replicas).
``/metrics`` sums over the workers: the parent gives them one folder (prometheus-client's
multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``; a temporary one removed at the end unless the
operator set it) where each writes its counts.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from typing import Any

from routellm_core.errors import ConfigError, RouteLLMError

from langchain_routellm.server.models import ServerSettings

#: most worker processes one command may start
MAX_WORKERS = 64
#: seconds a worker may take to build its app (load the routers) before the start fails
START_TIMEOUT = 300.0
#: a worker that dies sooner than this after its start is not replaced (it would die again)
MIN_LIFETIME = 5.0


def check_workers(workers: Any) -> int:
    """``--workers``: an integer in 1..MAX_WORKERS (ConfigError otherwise)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise ConfigError(
            f"--workers must be an integer in 1..{MAX_WORKERS} (about one per CPU core), got {workers!r}."
        )
    return workers


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket the workers share (IPv6 for an address with a colon)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --port.") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker_main(
    index: int, settings: dict[str, Any], sock: socket.socket, serve_options: dict[str, Any], reports: Any
) -> None:
    """One worker: build the app, report, serve ``sock`` until SIGINT/SIGTERM."""
    from langchain_routellm.server.app import create_app
    from langchain_routellm.server.runner import log_access_to_stderr, settle_heap, uvicorn_server

    try:
        app = create_app(ServerSettings(**settings))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line, then exit
        line = str(exc) if isinstance(exc, RouteLLMError) else f"{type(exc).__name__}: {exc}"
        reports.put((index, os.getpid(), line))
        sys.exit(3)
    if app.state.server.settings.access_log:
        log_access_to_stderr()
    host, port = sock.getsockname()[:2]
    server = uvicorn_server(app, host, port, read_timeout=app.state.server.settings.read_timeout, **serve_options)
    settle_heap()
    reports.put((index, os.getpid(), None))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass


class WorkerPool:
    """N workers on one socket; ``run()`` blocks until SIGINT/SIGTERM and returns the exit code."""

    def __init__(self, settings: ServerSettings, sock: socket.socket, workers: int, *,
                 graceful_timeout: int | None, serve_options: dict[str, Any]) -> None:
        self.settings = asdict(settings)
        self.sock = sock
        self.workers = check_workers(workers)
        self.graceful_timeout = graceful_timeout
        self.serve_options = {"graceful_timeout": graceful_timeout, **serve_options}
        self._context = multiprocessing.get_context("spawn")
        self._reports = self._context.Queue()
        self._stop = threading.Event()
        self.processes: list[Any] = [None] * self.workers
        self._started_at = [0.0] * self.workers
        #: the metrics folder this pool made (and removes at the end); None when the operator set one
        self._metrics_dir: str | None = None

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p is not None]

    def _start(self, index: int) -> None:
        process = self._context.Process(
            target=_worker_main,
            args=(index, self.settings, self.sock, self.serve_options, self._reports),
            name=f"routellm-serve-worker-{index}",
            daemon=False,
        )
        process.start()
        self.processes[index] = process
        self._started_at[index] = time.monotonic()

    def _wait_ready(self, indices: list[int]) -> str | None:
        """Wait until the workers ``indices`` report; the first error (one line), else None."""
        waiting = set(indices)
        deadline = time.monotonic() + START_TIMEOUT
        while waiting:
            if self._stop.is_set():
                return "stopped by a signal while the workers started"
            try:
                index, pid, error = self._reports.get(timeout=0.2)
            except queue.Empty:
                dead = [i for i in waiting if not self.processes[i].is_alive()]
                if dead:
                    return f"worker {dead[0]} exited with {self.processes[dead[0]].exitcode} before it was ready"
                if time.monotonic() > deadline:
                    return f"the workers were not ready within {START_TIMEOUT:g} s"
                continue
            if error is not None:
                return error
            waiting.discard(index)
        return None

    def _share_metrics(self) -> None:
        """Give the workers one metrics folder (they inherit the environment at spawn)."""
        from langchain_routellm.server.observability import MULTIPROCESS_ENV, multiprocess_dir

        if multiprocess_dir() is None:
            self._metrics_dir = tempfile.mkdtemp(prefix="routellm-metrics-")
            os.environ[MULTIPROCESS_ENV[0]] = self._metrics_dir

    def _worker_gone(self, pid: int | None) -> None:
        """Drop a dead worker's live gauges (its in-flight count) from the shared metrics."""
        from langchain_routellm.server.observability import multiprocess_dir, prometheus_available

        folder = multiprocess_dir()
        if pid is None or folder is None or not prometheus_available():
            return
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, folder)

    def start(self) -> None:
        """Start every worker and wait until each has built its app; ConfigError (the worker's
        one-line error) if one cannot, after stopping the others."""
        self._share_metrics()
        for index in range(self.workers):
            self._start(index)
        error = self._wait_ready(list(range(self.workers)))
        if error is not None:
            self.stop()
            raise ConfigError(error)

    def _handle_signal(self, signum: int, frame: Any) -> None:
        self._stop.set()

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM: then every worker shuts down gracefully. Returns 0, or 1
        when a worker kept dying at start."""
        previous = {sig: signal.signal(sig, self._handle_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            while not self._stop.wait(0.5):
                for index, process in enumerate(self.processes):
                    if process.is_alive():
                        continue
                    lived = time.monotonic() - self._started_at[index]
                    print(f"routellm serve: worker {process.pid} exited with {process.exitcode} after "
                          f"{lived:.0f} s; starting another", file=sys.stderr)
                    self._worker_gone(process.pid)
                    if lived < MIN_LIFETIME:
                        print("routellm serve: it died at start; stopping", file=sys.stderr)
                        self.stop()
                        return 1
                    self._start(index)
                    error = self._wait_ready([index])
                    if error is not None:
                        print(f"routellm serve: {error}; stopping", file=sys.stderr)
                        self.stop()
                        return 1
            self.stop()
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """SIGTERM to every worker (a graceful shutdown each), wait, then kill what is left."""
        for process in self.processes:
            if process is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + (self.graceful_timeout or 0) + 10.0
        for process in self.processes:
            if process is None:
                continue
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)
        self.sock.close()
        if self._metrics_dir is not None:
            from langchain_routellm.server.observability import MULTIPROCESS_ENV

            shutil.rmtree(self._metrics_dir, ignore_errors=True)
            if os.environ.get(MULTIPROCESS_ENV[0]) == self._metrics_dir:
                del os.environ[MULTIPROCESS_ENV[0]]
            self._metrics_dir = None
