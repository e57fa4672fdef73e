"""Does ``routellm serve --workers N`` scale? Throughput of the routed path at 1, 2, ... workers.

A zero-latency upstream (``benchmarks/server_throughput.py``'s: uvloop + httptools, keep-alive,
answers at once) runs in its own process; ``routellm serve`` (bundled default router,
``--strong-fraction 0.5``, ``openai:`` upstreams on it; its fast path, or the LangChain path with
``--no-fast-path``) runs with each worker count in turn, and ``wrk`` (which must be on the PATH)
sends non-streaming chat completions, each with a new prompt, on ``--connections`` keep-alive
connections for ``--seconds`` seconds. Printed: requests per second and wrk's latency percentiles per worker
count. The upstream and wrk share the machine's cores with the server: on a machine with fewer
cores than workers + 2 the figure is a lower bound.

    .venv/bin/python benchmarks/workers_scaling.py [--workers 1 2 4] [--connections 50] [--seconds 10] [--no-fast-path]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from benchmarks.server_throughput import KEY, LUA  # noqa: E402
from langchain_routellm.server.runner import free_port, wait_until_healthy  # noqa: E402

UPSTREAM = Path(__file__).resolve().parent / "server_throughput.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--no-fast-path", action="store_true", help="measure the LangChain path")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not on the PATH (apt-get install wrk)")
    port = free_port()
    upstream = subprocess.Popen([sys.executable, str(UPSTREAM), "--upstream", str(port)], stdout=subprocess.PIPE)
    upstream.stdout.readline()  # type: ignore[union-attr]
    env = {**os.environ, "OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
           "HF_HUB_OFFLINE": "1"}
    env.pop("ROUTELLM_SERVER_API_KEY", None)
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(f'model = "router-default"\npath = "/v1/chat/completions"\nkey = "{KEY}"\n' + LUA)
    path = "LangChain path" if args.no_fast_path else "fast path"
    print(f"wrk: {args.connections} connections, {args.seconds} s, POST /v1/chat/completions (router-default, "
          f"a new prompt each), {path}; {os.cpu_count()} cores")
    try:
        for workers in args.workers:
            serve_port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "routellm_core.cli", "serve", "--strong", "openai:gpt-4o", "--weak",
                 "openai:gpt-4o-mini", "--strong-fraction", "0.5", "--port", str(serve_port), "--workers",
                 str(workers), "--log-level", "warning", "--max-concurrency", "4096", "--no-access-log",
                 *(["--no-fast-path"] if args.no_fast_path else [])],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            try:
                wait_until_healthy(f"http://127.0.0.1:{serve_port}/health", proc, timeout=180)
                url = f"http://127.0.0.1:{serve_port}/v1/chat/completions"
                subprocess.run(["wrk", "-t1", "-c8", "-d2s", "-s", str(script), url], capture_output=True)  # warm-up
                out = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
                                      "-s", str(script), url], capture_output=True, text=True).stdout
            finally:
                proc.terminate()
                proc.wait(60)
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            print(f"  --workers {workers}: {float(rps.group(1)) if rps else float('nan'):8.1f} req/s   "
                  f"p50 {lat.get('50', '?')}  p99 {lat.get('99', '?')}"
                  + (f"  ({errors.group(1)} non-2xx)" if errors else ""))
    finally:
        upstream.terminate()
        upstream.wait(10)


if __name__ == "__main__":
    main()
