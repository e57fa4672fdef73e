"""Latency that ``routellm serve`` adds over calling the upstream directly.

A zero-latency fake upstream (the package's OpenAI-compatible test server, ``routellm_core.testing``,
answering at once, keep-alive on) runs in its own process, and two routing servers (the bundled default
router, a ``pooled_ridge`` checkpoint, ``--strong-fraction 0.5``) in theirs:

* ``routed``: ``routellm serve`` with ``openai:`` upstreams on that fake, i.e. the real thing, on
  its fast path (the request forwarded over pooled keep-alive connections; see
  ``benchmarks/server_throughput.py`` for the LangChain path and throughput);
* ``routing layer``: the same app with in-process zero-latency LangChain chat models as upstreams
  (``benchmarks/langchain_overhead.py``), i.e. HTTP server + routing + the LangChain path alone.

This process times the real ``openai`` client, call by call interleaved, each call on a new
prompt: ``direct`` (``model="gpt-4o-mini"`` against the fake) and the two routed paths
(``model="router-default"``), plain and streaming (a stream is timed to its last chunk).
overhead = routed - direct, paired call by call (same iteration), reported as its p50 and p95;
the target is p50 < 2 ms. Also printed: the server process's CPU time per request.

    .venv/bin/python benchmarks/server_overhead.py [-n 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from langchain_routellm.server.runner import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = [
    "Explain the CAP theorem in two sentences. #{i}",
    "hi there, how are you today? #{i}",
    "Prove that the square root of {i} is irrational when {i} is not a perfect square.",
]
TARGET_MS = 2.0
FAKE_UPSTREAM = (
    "import sys; from routellm_core.testing import ProviderServer; "
    "s = ProviderServer(keep_alive=True).start(); print(s.port, flush=True); sys.stdin.read()"
)
IN_PROCESS_UPSTREAMS = """
import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + "/benchmarks"]
from langchain_overhead import ZeroLatencyChat
from langchain_routellm.server.app import create_app
from langchain_routellm.server.models import ServerSettings
from langchain_routellm.server.runner import serve
strong, weak = ZeroLatencyChat(model_name="fake-strong"), ZeroLatencyChat(model_name="fake-weak")
settings = ServerSettings(strong=strong, weak=weak, strong_fraction=0.5)
serve(create_app(settings), "127.0.0.1", int(sys.argv[2]), log_level="warning")
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 without psutil)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="calls per path (default 1000)")
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()

    from openai import OpenAI

    upstream = subprocess.Popen(
        [sys.executable, "-c", FAKE_UPSTREAM],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    upstream_url = f"http://127.0.0.1:{int(upstream.stdout.readline())}/v1"  # type: ignore[union-attr]
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": upstream_url, "HF_HUB_OFFLINE": "1"}
    ports = {"routed": free_port(), "routing layer": free_port()}
    servers = {
        "routed": subprocess.Popen(
            [
                sys.executable,
                "-m",
                "routellm_core.cli",
                "serve",
                "--strong",
                "openai:gpt-4o",
                "--weak",
                "openai:gpt-4o-mini",
                "--strong-fraction",
                "0.5",
                "--port",
                str(ports["routed"]),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        ),
        "routing layer": subprocess.Popen(
            [sys.executable, "-c", IN_PROCESS_UPSTREAMS, str(ROOT), str(ports["routing layer"])],
            env=env,
            cwd=ROOT,
        ),
    }
    cpu: dict[str, float] = {}
    try:
        for name, proc in servers.items():
            wait_until_healthy(f"http://127.0.0.1:{ports[name]}/health", proc)
        clients = {
            "direct": (OpenAI(base_url=upstream_url, api_key="sk-bench", max_retries=0), "gpt-4o-mini")
        }
        for name, port in ports.items():
            clients[name] = (
                OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-bench", max_retries=0),
                "router-default",
            )

        def call(target: str, prompt: str, stream: bool) -> None:
            client, model = clients[target]
            out = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], stream=stream
            )
            if stream:
                for _ in out:
                    pass

        names = [f"{kind} {target}" for kind in ("plain", "stream") for target in clients]
        times: dict[str, list[float]] = {name: [] for name in names}
        for i in range(args.warmup + args.n):
            if i == args.warmup:
                cpu = {name: cpu_seconds(proc.pid) for name, proc in servers.items()}
            for k in range(len(names)):  # rotate the order so drift hits every path alike
                name = names[(i + k) % len(names)]
                kind, target = name.split(" ", 1)
                prompt = PROMPTS[i % len(PROMPTS)].format(i=i) + f" ({name})"
                t = time.perf_counter()
                call(target, prompt, kind == "stream")
                if i >= args.warmup:
                    times[name].append((time.perf_counter() - t) * 1e3)
        cpu = {
            name: (cpu_seconds(proc.pid) - cpu[name]) / (2 * args.n) * 1e3 for name, proc in servers.items()
        }
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait(30)
        upstream.terminate()

    print(
        f"routellm serve overhead, router=default (pooled_ridge), n={args.n} calls per path, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'path':<22} {'p50 ms':>8} {'p95 ms':>8}")
    for name in names:
        print(f"{name:<22} {pct(times[name], 50):>8.2f} {pct(times[name], 95):>8.2f}")
    for target in servers:
        for kind in ("plain", "stream"):
            paired = list(np.subtract(times[f"{kind} {target}"], times[f"{kind} direct"]))
            p50, p95 = pct(paired, 50), pct(paired, 95)
            verdict = "OK" if p50 < TARGET_MS else "MISSED"
            print(
                f"overhead, {target} ({kind}): p50 {p50:.2f} ms, p95 {p95:.2f} ms  "
                f"[target p50 < {TARGET_MS:g} ms: {verdict}]"
            )
        if cpu.get(target):
            print(f"server CPU per request, {target} (plain and stream mixed): {cpu[target]:.2f} ms")


if __name__ == "__main__":
    main()
