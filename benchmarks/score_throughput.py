"""Throughput and memory of ``routellm score`` on a large generated log (streaming).

Writes a JSON Lines log of N generated chat-like prompts (default 1,000,000; varied length and
wording, every prompt distinct) to a temporary folder, then runs the same code as
``routellm score LOG --router ROUTER --out scores.csv --prices ...`` in this process and prints
prompts/s (reading, scoring, writing), the peak resident memory of the process before and after
scoring (``ru_maxrss``), and the report. Writing the log is not timed.

    .venv/bin/python benchmarks/score_throughput.py [--rows 1000000] [--router default] [--batch-size 4096]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

TOPICS = ["HTTP cookies", "a binary search tree", "photosynthesis", "the French revolution", "compound interest",
          "a Python decorator", "Bayes' theorem", "TCP congestion control", "the Krebs cycle", "a haiku about rain",
          "SQL joins", "the derivative of x^3 * sin(x)", "black holes", "a cover letter", "Rust lifetimes"]
ASKS = ["Explain {t} briefly.", "Can you help me understand {t}? I have an exam on {n} topics tomorrow.",
        "Write a short paragraph about {t} for a {n}-year-old.",
        ("Compare {t} with something simpler and give {n} examples, with code if it helps:\n```\nx = {n}\n```"),
        "hi! quick one about {t} (#{n})",
        ("I am working on a project where {t} matters. Step by step, what are the {n} most important things to "
         "check, and why? Please be precise and cite numbers where you can.")]


def write_log(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(rows):
            text = rng.choice(ASKS).format(t=rng.choice(TOPICS), n=i)
            fh.write(json.dumps({"id": i, "prompt": text}) + "\n")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--router", default="default")
    ap.add_argument("--batch-size", type=int, default=4096)
    args = ap.parse_args()

    from routellm_core.loading.loader import load_router
    from routellm_core.evaluation.log_scoring import score_log

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        t = time.perf_counter()
        write_log(log, args.rows)
        print(f"wrote {args.rows:,} prompts ({log.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
        router = load_router(args.router)
        router.score(["warm-up"])  # build the embedder before timing
        rss_before = peak_rss_mib()
        t = time.perf_counter()
        with open(Path(tmp) / "scores.csv", "w", encoding="utf-8") as out:
            result = score_log(router, log, out, threshold=router.default_threshold(), batch_size=args.batch_size)
        seconds = time.perf_counter() - t
        rss_after = peak_rss_mib()
    report = result.report((2.5, 10.0), (0.15, 0.6), 300.0)
    print(f"router {args.router}, {result.n:,} prompts, batch {args.batch_size}: {seconds:.1f} s, "
          f"{result.n / seconds:,.0f} prompts/s (read + score + write)")
    print(f"peak RSS: {rss_before:.0f} MiB after loading the router, {rss_after:.0f} MiB after scoring")
    print(f"strong share {report['strong_share']:.3f}; expected spend ${report['expected_spend']:.2f} vs "
          f"${report['all_strong_spend']:.2f} all-strong (gpt-4o / gpt-4o-mini prices, 300 output tokens)")


if __name__ == "__main__":
    main()
