"""Routing overhead of the transformer classifier router (``bert``) next to ``mf``, measured in
one run on this machine, in the style of ``routing_overhead.py``.

Prints, per router: p50/p95 latency of ``router.score`` for one short chat prompt and one
GSM8K-length prompt (warm, every call a new prompt), batched throughput for N short prompts, the
cold start of a fresh process (import + ``load_router(folder)`` + first score) and the size of the
checkpoint folder. ``bert`` is a checkpoint given with ``--bert DIR`` (e.g. from
``routellm train bert``), or else the local all-MiniLM-L6-v2 with an untrained 3-way head (the
speed is the same; the scores are meaningless). ``mf`` is the bundled default.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/classifier_overhead.py [--bert DIR] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from routing_overhead import GSM8K_LIKE, SHORT, latency, pct, throughput  # noqa: E402


def fresh_process(code: str, runs: int, threads: int) -> list[float]:
    env = {"HF_HUB_OFFLINE": "1", "PATH": "", "OMP_NUM_THREADS": str(threads), "TOKENIZERS_PARALLELISM": "false"}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        times.append(time.perf_counter() - t)
    return times


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def measure(label: str, router, folder: Path, n: int, batch: int, cold_runs: int, threads: int, base: float) -> None:  # noqa: ANN001
    router.score("warm up")
    short = latency(router, SHORT, n, 0)
    long = latency(router, GSM8K_LIKE, n, 0)
    tput = throughput(router, batch, 10_000)
    cold = fresh_process(
        f"import routellm_core as r; x = r.load_router({str(folder)!r}); x.score('Explain the CAP theorem')",
        cold_runs,
        threads,
    )
    print(f"[{label}]  checkpoint {folder_mb(folder):.1f} MB")
    print(f"  score(short prompt)        p50 {pct(short, 50):8.3f} ms   p95 {pct(short, 95):8.3f} ms   (n={n})")
    print(f"  score(GSM8K-length prompt) p50 {pct(long, 50):8.3f} ms   p95 {pct(long, 95):8.3f} ms")
    print(f"  batched, {batch:,} short prompts: {tput:,.0f} prompts/s")
    print(f"  cold start (import + load_router + first score): {statistics.median(cold) - base:.2f} s "
          f"(median of {cold_runs}, interpreter start-up subtracted)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bert", default=None, help="bert checkpoint folder (default: MiniLM + untrained head)")
    ap.add_argument("-n", type=int, default=100, help="single-prompt calls per latency figure")
    ap.add_argument("--batch", type=int, default=1000, help="prompts in the throughput figure")
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="torch / OpenMP threads")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    torch.set_num_threads(args.threads)
    from routellm_core import load_router
    from routellm_core.loading.loader import bundled_checkpoint_dir
    from routellm_core.routers.transformers.bert import BertRouter

    base = statistics.median(fresh_process("pass", args.cold_runs, args.threads))
    print(f"torch threads={torch.get_num_threads()}  cpu_count={os.cpu_count()}  "
          f"cuda={torch.cuda.is_available()}  interpreter start-up {base:.3f} s")

    mf = load_router("mf")
    measure(f"mf (bundled, embedder {mf.get_embedder().name})", mf, bundled_checkpoint_dir("mf"), args.n * 3,
            args.batch, args.cold_runs, args.threads, base)

    if args.bert:
        folder = Path(args.bert)
        bert = load_router(str(folder))
        label = f"bert ({folder.name}, base {bert.base_model})"
    else:
        bert = BertRouter(strong_model="strong", weak_model="weak", device="cpu")
        bert._load_base()  # local all-MiniLM-L6-v2 + a fresh 3-way head: speed only
        folder = Path(tempfile.mkdtemp(prefix="bert-bench-")) / "bert"
        bert.save(folder)
        label = "bert (all-MiniLM-L6-v2 + untrained head, speed only)"
    print(f"bert: max_length={bert.max_length}  layers={bert.model_.config.num_hidden_layers}  "
          f"hidden={bert.model_.config.hidden_size}  device={next(bert.model_.parameters()).device}")
    measure(label, bert, folder, args.n, args.batch, args.cold_runs, args.threads, base)


if __name__ == "__main__":
    main()
