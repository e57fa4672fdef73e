"""``routellm serve --workers N``: N processes sharing one port, as a real command, with the real
``openai`` client over loopback; each worker answers, and all stop on one signal."""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from routellm_core.errors import ConfigError
from tests.helpers import EASY_PROMPTS, HARD_PROMPTS, tiny_router_path
from tests.server.conftest import ROUTED, STRONG, WEAK, client, metric, parse_metrics, upstream_env

pytest.importorskip("starlette")
from langchain_routellm.server.runner import free_port, wait_until_healthy  # noqa: E402


def _serve(provider_server, port: int, log: Path, *extra: str) -> subprocess.Popen:
    """``routellm serve`` as a process; stdout and stderr go to ``log`` (a pipe that nobody
    reads while requests run could fill up and block the server)."""
    env = {**os.environ, **upstream_env(provider_server)}
    env.pop("ROUTELLM_SERVER_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "routellm_core.cli", "serve", "--strong", f"anthropic:{STRONG}",
         "--weak", f"openai:{WEAK}", "--router", f"tiny={tiny_router_path()}", "--threshold", "0.5",
         "--port", str(port), "--max-retries", "0", "--graceful-timeout", "5", *extra],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
    )


def _health_pid(port: int) -> int:
    """/health on a new connection (so the kernel may hand it to any worker)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/health", headers={"connection": "close"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.loads(response.read())["pid"])


def _metrics(port: int) -> str:
    """/metrics on a new connection (any worker)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"connection": "close"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


@pytest.mark.timeout(180)
def test_two_workers_share_the_port_answer_and_stop_together(provider_server, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    proc = _serve(provider_server, port, log, "--workers", "2")
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/health", proc, timeout=120)
        children = {c.pid for c in psutil.Process(proc.pid).children() if c.is_running()}
        # a worker answers /health as soon as its own app is built: wait until both do
        seen: set[int] = set()
        deadline = time.monotonic() + 90  # the second worker may still be loading its routers
        with ThreadPoolExecutor(8) as pool:
            while len(seen) < 2 and time.monotonic() < deadline:
                seen.update(pool.map(lambda _: _health_pid(port), range(16)))
                time.sleep(0.05)
        assert len(seen) == 2 and seen <= children, (seen, children)  # two workers, not the parent
        assert proc.pid not in seen

        prompts = [(HARD_PROMPTS if i % 2 else EASY_PROMPTS)[i % 5].format(n=i) for i in range(12)]

        def ask(prompt: str):
            with client(f"http://127.0.0.1:{port}/v1") as api:  # one connection per client
                return prompt, api.chat.completions.create(model=ROUTED, messages=[{"role": "user", "content": prompt}])

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(ask, prompts))
        sides = set()
        for prompt, reply in answers:
            routing = reply.model_extra["routing"]
            upstream = STRONG if routing["model"] == "strong" else WEAK
            assert reply.model == upstream
            assert reply.choices[0].message.content == f"[{upstream}] Hello! You said: {prompt}"
            sides.add(routing["model"])
        assert sides == {"strong", "weak"}
        assert len(provider_server.requests) == len(prompts)
        # /metrics on any worker counts every worker's requests (one shared metrics folder)
        strong_calls = sum(r.model_extra["routing"]["model"] == "strong" for _, r in answers)
        for _ in range(6):
            samples = parse_metrics(_metrics(port))
            assert metric(samples, "routellm_requests_total", route=ROUTED, status="200") == len(prompts)
            assert metric(samples, "routellm_decisions_total", route=ROUTED, model="strong") == strong_calls
            assert metric(samples, "routellm_in_flight") == 0
        metrics_dir = Path(psutil.Process(min(seen)).environ()["PROMETHEUS_MULTIPROC_DIR"])
        assert any(metrics_dir.iterdir())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    err = log.read_text()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert "workers=2" in err and "2 workers stopped" in err
    assert err.count("Shutting down") == 2  # each worker shut down gracefully
    for pid in seen:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not metrics_dir.exists()  # the pool's metrics folder is removed at the end
    access = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert sorted(line["decision"] for line in access) == sorted(
        r.model_extra["routing"]["model"] for _, r in answers
    )


@pytest.mark.timeout(120)
def test_a_worker_that_cannot_build_its_app_stops_the_command_with_one_line(provider_server, tmp_path):
    port = free_port()
    env = {**os.environ, **upstream_env(provider_server)}
    proc = subprocess.run(
        [sys.executable, "-m", "routellm_core.cli", "serve", "--strong", f"anthropic:{STRONG}",
         "--weak", f"openai:{WEAK}", "--router", str(tmp_path / "missing"), "--port", str(port), "--workers", "2"],
        env=env, capture_output=True, text=True, timeout=110,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "missing" in proc.stderr


@pytest.mark.parametrize("workers", [0, -1, 65])
def test_bad_worker_counts_are_refused(workers):
    from langchain_routellm.server.workers import check_workers

    with pytest.raises(ConfigError, match="--workers must be an integer in 1..64"):
        check_workers(workers)


def test_a_taken_port_is_one_line(provider_server):
    from langchain_routellm.server.workers import bind_socket

    taken = bind_socket("127.0.0.1", 0)
    try:
        with pytest.raises(ConfigError, match="cannot listen on 127.0.0.1:.*pick another --port"):
            bind_socket("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
