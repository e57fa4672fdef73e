"""Throughput and added latency of ``routellm serve`` against a zero-latency upstream, side by side
in one run: the upstream called directly, ``routellm serve`` on its fast path, the same server
with ``--no-fast-path`` (every call through LangChain's ``ChatOpenAI``), and LiteLLM's proxy
(no routing at all) when ``--litellm`` names its ``litellm`` command.

The upstream is a minimal OpenAI-compatible HTTP/1.1 server in its own process (uvloop +
httptools, answers at once, keep-alive), so it is never the bottleneck. The load generator is
``wrk`` (C; ``apt-get install wrk``), one process per measurement, with a Lua script that sends
each request with a new prompt (so no cache helps the router). Every server is one process (one
worker). Per target:

* ``sequential``: ``wrk -t1 -c1`` (one request at a time): p50 latency; added = target - direct;
* ``concurrent``: ``wrk -t2 -c50``: requests per second and p50 latency;
* ``routellm fast path, no log``: the fast path with ``--no-access-log`` (no JSON access-log line);
* ``CPU ms/req``: the server process's CPU time (user + system, psutil) over both runs, per
  request: what one request costs whatever else the machine runs (1000 / it is the rate one free
  core would serve).

    .venv/bin/python benchmarks/server_throughput.py [--seconds 10] [--litellm /tmp/litellm-venv/bin/litellm]

The figures depend on the machine (and on what else runs on it): compare the rows of one run.
Targets (one worker, 2 cores): fast path >= 2,000 req/s at 50 concurrent and <= 1 ms added p50
sequential.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RPS, TARGET_ADDED_MS = 2000.0, 1.0
#: the bearer key every request sends (LiteLLM's proxy refuses to start without a master key)
KEY = "sk-bench-" + "0123456789abcdef" * 4
LUA = """
counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"model":"%s","messages":[{"role":"user","content":"Explain the CAP theorem in two sentences, take %d."}]}',
    model, counter)
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                   ["Authorization"] = "Bearer " .. key}, body)
end
"""


# ---------------------------------------------------------------------------- the upstream
def run_upstream(port: int) -> None:
    """A zero-latency OpenAI-compatible chat completions server on ``port`` (this process)."""
    import asyncio

    import httptools
    import orjson

    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass

    def completion(model: str) -> bytes:
        return orjson.dumps({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! A short answer."},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
        })

    def stream(model: str, usage: bool) -> bytes:
        base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": model}
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {"content": "Hello! A short answer."}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ]
        if usage:
            chunks.append({**base, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 5,
                                                           "total_tokens": 17}})
        return b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"

    class Upstream(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport  # type: ignore[assignment]
            self.parser = httptools.HttpRequestParser(self)
            self.body: list[bytes] = []

        def data_received(self, data: bytes) -> None:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.transport.close()

        def on_message_begin(self) -> None:
            self.body = []

        def on_body(self, body: bytes) -> None:
            self.body.append(body)

        def on_message_complete(self) -> None:
            try:
                request = orjson.loads(b"".join(self.body) or b"{}")
            except orjson.JSONDecodeError:
                request = {}
            model = str(request.get("model") or "fake")
            if request.get("stream"):
                usage = bool((request.get("stream_options") or {}).get("include_usage"))
                payload, kind = stream(model, usage), b"text/event-stream"
            else:
                payload, kind = completion(model), b"application/json"
            self.transport.write(  # type: ignore[attr-defined]
                b"HTTP/1.1 200 OK\r\ncontent-type: " + kind + b"\r\ncontent-length: "
                + str(len(payload)).encode() + b"\r\n\r\n" + payload
            )
            if not self.parser.should_keep_alive():
                self.transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Upstream, "127.0.0.1", port, backlog=1024)
        print("ready", flush=True)
        await server.serve_forever()

    asyncio.run(main())


# ---------------------------------------------------------------------------- measuring
def wrk(url: str, model: str, threads: int, connections: int, seconds: float, script: Path) -> dict[str, float]:
    """One wrk run: requests/s, p50 latency (ms), non-2xx responses."""
    env = {**os.environ}
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, env=env, check=True,
        input=None,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    count = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "errors": float(errors.group(1)) if errors else 0.0,
            "requests": float(count.group(1)) if count else 0.0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}  # type: ignore[dict-item]


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def cpu_seconds(proc: subprocess.Popen[bytes] | None) -> float:
    """User + system CPU seconds of a server process and its children (0 without psutil)."""
    if proc is None:
        return 0.0
    try:
        import psutil
    except ImportError:  # pragma: no cover
        return 0.0
    process = psutil.Process(proc.pid)
    total = 0.0
    for p in (process, *process.children(recursive=True)):
        try:
            times = p.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status: it is up
                return
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {timeout:g} s")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--litellm", help="LiteLLM's `litellm` command (pip install 'litellm[proxy]'), to add it")
    parser.add_argument("--upstream", type=int, help=argparse.SUPPRESS)  # internal: run the upstream
    args = parser.parse_args()
    if args.upstream:
        run_upstream(args.upstream)
        return
    if shutil.which("wrk") is None:
        sys.exit("this benchmark needs wrk: apt-get install wrk (or brew install wrk).")

    up_port = free_port()
    upstream = subprocess.Popen([sys.executable, __file__, "--upstream", str(up_port)], stdout=subprocess.PIPE)
    upstream.stdout.readline()  # type: ignore[union-attr]
    up = f"http://127.0.0.1:{up_port}/v1"
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": up, "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "LITELLM_MASTER_KEY": KEY}
    serve = [sys.executable, "-c", "from routellm_core.cli import main; main()", "serve",
             "--strong", "openai:fake-strong", "--weak", "openai:fake-weak", "--strong-fraction", "0.5",
             "--log-level", "warning"]
    targets: dict[str, tuple[str, str, list[str] | None]] = {"direct upstream": (up, "fake-weak", None)}
    ports = {}
    for name, extra in (("routellm fast path", []), ("routellm fast path, no log", ["--no-access-log"]),
                        ("routellm LangChain path", ["--no-fast-path"])):
        ports[name] = free_port()
        targets[name] = (f"http://127.0.0.1:{ports[name]}/v1", "router-default",
                         [*serve, *extra, "--port", str(ports[name])])
    if args.litellm:
        ports["LiteLLM proxy"] = free_port()
        targets["LiteLLM proxy"] = (
            f"http://127.0.0.1:{ports['LiteLLM proxy']}/v1", "fake-weak",
            [args.litellm, "--model", "openai/fake-weak", "--api_base", up, "--port", str(ports["LiteLLM proxy"]),
             "--num_workers", "1"],
        )
    results: dict[str, dict[str, dict[str, float]]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="routellm-bench-"))
    try:
        for name, (base, model, command) in targets.items():
            proc = None
            if command is not None:  # one server at a time, so each has the machine to itself
                proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        cwd=ROOT)
                wait_ready(base.rsplit("/v1", 1)[0] + ("/health" if "routellm" in name else "/health/liveliness"),
                           proc)
            try:
                script = tmp / f"{len(results)}.lua"
                path = "/v1/chat/completions"
                script.write_text(f'model = "{model}"\npath = "{path}"\nkey = "{KEY}"\n' + LUA)
                url = base.rsplit("/v1", 1)[0] + path
                wrk(url, model, 1, 1, 2, script)  # warm-up
                cpu = cpu_seconds(proc)
                results[name] = {
                    "sequential": wrk(url, model, 1, 1, args.seconds, script),
                    "concurrent": wrk(url, model, 2, args.connections, args.seconds, script),
                }
                done = results[name]["sequential"]["requests"] + results[name]["concurrent"]["requests"]
                results[name]["cpu_ms"] = {"value": (cpu_seconds(proc) - cpu) / max(done, 1) * 1e3}
            finally:
                if proc is not None:
                    proc.terminate()
                    proc.wait(30)
    finally:
        upstream.terminate()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"routellm serve throughput, zero-latency upstream, wrk, {args.seconds:g} s a run, one worker, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'target':<28} {'seq p50 ms':>10} {'added ms':>9} {'req/s @' + str(args.connections):>10} "
          f"{'p50 ms':>8} {'CPU ms/req':>10} {'errors':>7}")
    direct = results["direct upstream"]["sequential"]["p50"]
    for name, r in results.items():
        seq, con = r["sequential"], r["concurrent"]
        added = seq["p50"] - direct
        cpu_ms = r["cpu_ms"]["value"]
        print(f"{name:<28} {seq['p50']:>10.2f} {added:>9.2f} {con['rps']:>10.0f} {con['p50']:>8.2f} "
              f"{(f'{cpu_ms:.3f}' if cpu_ms else '-'):>10} {int(seq['errors'] + con['errors']):>7} "
              f"{con['socket_errors']}")
    fast = results["routellm fast path"]
    ok_rps = fast["concurrent"]["rps"] >= TARGET_RPS
    ok_added = fast["sequential"]["p50"] - direct <= TARGET_ADDED_MS
    print(f"fast path: {fast['concurrent']['rps']:.0f} req/s [target >= {TARGET_RPS:.0f}: {'OK' if ok_rps else 'MISSED'}], "
          f"added p50 {fast['sequential']['p50'] - direct:.2f} ms [target <= {TARGET_ADDED_MS:g}: "
          f"{'OK' if ok_added else 'MISSED'}]")
    slow = results["routellm LangChain path"]["concurrent"]["rps"]
    print(f"fast path / LangChain path throughput: {fast['concurrent']['rps'] / slow:.1f}x")


if __name__ == "__main__":
    main()
