"""Routing overhead of the default router, measured in one run on this machine.

Prints: p50/p95 latency of ``router.score`` for one short chat prompt and one GSM8K-length
prompt (warm, uncached: every call scores a new prompt), batched throughput for 1,000 short
prompts, the cold start of a fresh process (import + load_router(ROUTER) + first score) and the
bare ``import routellm_core`` time. ``--compare mf`` (the default) measures the bundled ``mf`` in the
same run and prints the ratios. With ``--compare-minilm`` the same figures for the full
sentence-transformers all-MiniLM-L6-v2 embedder (what the static default replaces).

    .venv/bin/python benchmarks/routing_overhead.py [--router default] [--compare mf] [--compare-minilm]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

SHORT = "Can you explain how HTTP cookies work, briefly? #{i}"
GSM8K_LIKE = (
    "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins "
    "for her friends every day with four. She sells the remainder at the farmers' market daily for "
    "$2 per fresh duck egg. How much in dollars does she make every day at the farmers' market? "
    "Her neighbour buys {i} extra eggs on Sundays at half price; how much more does she make a week?"
)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def latency(router, template: str, n: int, offset: int) -> list[float]:  # noqa: ANN001
    out = []
    for i in range(n):
        prompt = template.format(i=offset + i)
        t = time.perf_counter()
        router.score(prompt)
        out.append((time.perf_counter() - t) * 1e3)
    return out


def throughput(router, n: int, offset: int) -> float:  # noqa: ANN001
    prompts = [SHORT.format(i=offset + i) + " variant" for i in range(n)]
    t = time.perf_counter()
    router.score(prompts)
    return n / (time.perf_counter() - t)


def fresh_process(code: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={"HF_HUB_OFFLINE": "1", "PATH": ""})
        times.append(time.perf_counter() - t)
    return times


def measure(label: str, router, n: int, offset: int = 0) -> tuple[float, float]:  # noqa: ANN001
    """Print the latency and throughput figures; return (short-prompt p50 in ms, prompts/s)."""
    router.score("warm up")
    short = latency(router, SHORT, n, offset)
    long = latency(router, GSM8K_LIKE, n, offset)
    tput = throughput(router, 1000, offset + 10_000)
    print(f"[{label}]")
    print(f"  score(short prompt)        p50 {pct(short, 50):7.3f} ms   p95 {pct(short, 95):7.3f} ms   (n={n}, uncached)")
    print(f"  score(GSM8K-length prompt) p50 {pct(long, 50):7.3f} ms   p95 {pct(long, 95):7.3f} ms")
    print(f"  batched, 1,000 short prompts: {tput:,.0f} prompts/s")
    return pct(short, 50), tput


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--router", default="default")
    ap.add_argument("--compare", nargs="*", default=["mf"], metavar="ROUTER",
                    help="other routers measured in the same run, with ratios (default: mf)")
    ap.add_argument("-n", type=int, default=300, help="single-prompt calls per latency figure")
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--compare-minilm", action="store_true")
    ap.add_argument(
        "--compare-openai",
        action="store_true",
        help="RouteLLM's mf path: one OpenAI embeddings call per prompt, here to the tests' local "
        "server on loopback (a lower bound: a real API adds the network round trip)",
    )
    args = ap.parse_args()

    from routellm_core import load_router

    router = load_router(args.router)
    print(f"router={router.name} embedder={router.get_embedder().name} dim={router.get_embedder().dim}")
    p50, tput = measure(f"{args.router} ({router.name}, static MiniLM)", router, args.n)
    for k, other in enumerate(args.compare, 1):
        o50, otput = measure(f"{other} (same run)", load_router(other), args.n, offset=100_000 * k)
        print(f"  ratio {args.router}/{other}: short-prompt p50 x{p50 / o50:.2f}, throughput x{tput / otput:.2f}")

    cold = fresh_process(
        f"import routellm_core as r; x = r.load_router({args.router!r}); x.score('Explain the CAP theorem')",
        args.cold_runs,
    )
    imp = fresh_process("import routellm_core", args.cold_runs)
    base = fresh_process("pass", args.cold_runs)
    b = statistics.median(base)
    print("[cold start, fresh process, median of %d; interpreter start-up %.3f s subtracted]" % (args.cold_runs, b))
    print(f"  import + load_router({args.router!r}) + first score: {statistics.median(cold) - b:.3f} s")
    print(f"  import routellm_core:                           {statistics.median(imp) - b:.3f} s")

    if args.compare_minilm:
        from routellm_core.embeddings import SentenceTransformerEmbedder
        from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter

        t = time.perf_counter()
        emb = SentenceTransformerEmbedder()
        emb.embed(["warm up"])
        load_s = time.perf_counter() - t
        # same router shape on the full transformer's embeddings (weights are random: speed only)
        rng = np.random.default_rng(0)
        k = 64
        mf = MatrixFactorizationRouter.from_weights(["s", "w"], {
            "model_embeddings": rng.normal(size=(2, k)).astype(np.float32),
            "model_bias": np.zeros(2, np.float32),
            "classifier": np.ones(k, np.float32),
            "proj": rng.normal(size=(k, emb.dim)).astype(np.float32),
        }, embedder=emb, strong_model="s", weak_model="w", dim=k)
        print(f"[full sentence-transformers all-MiniLM-L6-v2, same mf head] (import + model load {load_s:.2f} s in-process)")
        measure("full MiniLM", mf, min(args.n, 100))

    if args.compare_openai:
        from routellm_core.embeddings import OpenAIEmbedder
        from routellm_core.testing import ProviderServer

        with ProviderServer() as srv:
            emb = OpenAIEmbedder(base_url=srv.openai_base_url, api_key="sk-local")
            short = []
            for i in range(min(args.n, 200)):
                t = time.perf_counter()
                emb.embed([SHORT.format(i=i)])
                short.append((time.perf_counter() - t) * 1e3)
        print("[RouteLLM-style mf: openai client, text-embedding-3-small, local loopback server]")
        print(f"  embed(short prompt)        p50 {pct(short, 50):7.3f} ms   p95 {pct(short, 95):7.3f} ms   (+ real network round trip)")


if __name__ == "__main__":
    main()
