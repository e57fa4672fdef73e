"""Routing overhead among five candidate models, per call, measured in one run on this machine.

For each policy over five priced models, on new prompts (no embedding cache hits), interleaved
call by call:

* ``decide``: ``policy.decide(prompt)``, the whole decision (scoring + rule + decision object);
* ``scoring``: the router's own work for that prompt (``router.score`` for tiers,
  ``router.quality`` of the five models for the quality strategy);
* ``policy``: ``policy.decide`` with the router's answer looked up instead of computed: what
  routing among five models adds on top of scoring (tier rule or trade-off, online update,
  metadata).

Policies: tiers with the bundled default router (budget, and online shares); quality with an
``mf`` head over five models (the bundled static embedder; random weights, speed only) and with a
``quality_ridge`` trained on small synthetic battles of five models (budget, and online budget);
and the two-model form for comparison. No data files are read.

    .venv/bin/python benchmarks/multimodel_overhead.py [-n 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

MODELS = ["opus", "sonnet", "gpt4o", "haiku", "mini"]
PRICES = {"opus": (15, 75), "sonnet": (3, 15), "gpt4o": (2.5, 10), "haiku": (0.8, 4), "mini": (0.15, 0.6)}
PROMPTS = [
    "Explain the CAP theorem in two sentences. #{i}",
    "hi there, how are you today? #{i}",
    "Prove that the square root of {i} is irrational when {i} is not a perfect square.",
    "Write a Python function that returns the {i}th Fibonacci number, with tests.",
]


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def mf_five() -> Any:
    from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter

    rng = np.random.default_rng(0)
    k, d = 64, 256
    return MatrixFactorizationRouter.from_weights(MODELS, {
        "model_embeddings": rng.normal(size=(5, k)).astype(np.float32),
        "model_bias": rng.normal(size=5).astype(np.float32),
        "classifier": np.ones(k, np.float32),
        "proj": (rng.normal(size=(k, d)) / 16).astype(np.float32),
    }, dim=k)


def quality_ridge_five() -> Any:
    from routellm_core.data.battles import Battles
    from routellm_core.routers.quality_ridge import QualityRidgeRouter

    rng = np.random.default_rng(0)
    rows = []
    for i in range(400):
        prompt = PROMPTS[i % 4].format(i=i)
        for a in range(5):
            for b in range(a + 1, 5):
                rows.append({"prompt": prompt, "model_a": MODELS[a], "model_b": MODELS[b],
                             "winner": "model_a" if rng.random() < 0.6 else "model_b"})
    return QualityRidgeRouter().fit(Battles.from_records(rows))


class Stub:
    """A router whose ``score``/``quality`` answers come from a table (the policy-only figure)."""

    def __init__(self, router: Any, table: dict[str, Any]) -> None:
        self._router, self._table = router, table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._router, name)

    def score(self, prompts: Any, **kw: Any) -> Any:
        return self._table[prompts] if isinstance(prompts, str) else np.array([self._table[p] for p in prompts])

    def quality(self, prompts: Any, models: Any = None) -> Any:
        return np.atleast_2d(self._table[prompts] if isinstance(prompts, str) else [self._table[p] for p in prompts])


def run(label: str, policy: Any, n: int, offset: int) -> tuple[float, float, float, float]:
    router = policy.router
    quality = policy.strategy == "quality"
    columns = getattr(policy, "_quality_columns", None)

    def scoring(p: str) -> Any:
        return router.quality(p, columns)[0] if quality else router.score(p)

    decide, score, rule = [], [], []
    stub_table: dict[str, Any] = {}
    stubbed = type(policy).__new__(type(policy))
    stubbed.__dict__.update(policy.__dict__)
    stubbed.router = Stub(router, stub_table)
    for i in range(n):
        p = PROMPTS[i % 4].format(i=offset + i)
        t = time.perf_counter()
        policy.decide(p)
        decide.append((time.perf_counter() - t) * 1e3)
        q = PROMPTS[i % 4].format(i=offset + n + i)
        t = time.perf_counter()
        stub_table[q] = scoring(q)
        score.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        stubbed.decide(q)
        rule.append((time.perf_counter() - t) * 1e3)
    print(f"{label:<46} {pct(decide, 50):7.3f} {pct(decide, 95):7.3f} {pct(score, 50):8.3f} "
          f"{pct(rule, 50):8.3f} {pct(rule, 95):7.3f}")
    return pct(decide, 50), pct(score, 50), pct(rule, 50), pct(rule, 95)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="calls per figure (default 2000)")
    args = ap.parse_args()

    from routellm_core import RoutingPolicy, load_router

    default = load_router("default")
    mf, qr = mf_five(), quality_ridge_five()
    cases = [
        ("two models, default router, strong_fraction", RoutingPolicy(default, strong_fraction=0.3)),
        ("5 models, tiers, default router, budget", RoutingPolicy(default, models=MODELS, prices=PRICES, budget=0.004)),
        ("5 models, tiers, default router, online shares",
         RoutingPolicy(default, models=MODELS, shares={"opus": 0.1, "sonnet": 0.2}, online=True)),
        ("5 models, quality, mf head, no budget", RoutingPolicy(mf, models=MODELS, prices=PRICES)),
        ("5 models, quality, mf head, online budget",
         RoutingPolicy(mf, models=MODELS, prices=PRICES, budget=0.004, online=True)),
        ("5 models, quality, quality_ridge, budget",
         RoutingPolicy(qr, models=MODELS, prices=PRICES, budget=0.004)),
        ("5 models, quality, quality_ridge, online budget",
         RoutingPolicy(qr, models=MODELS, prices=PRICES, budget=0.004, online=True)),
    ]
    print(f"per call, ms (n={args.n} new prompts each; 'policy' = decide with the router's answer looked up)")
    print(f"{'policy':<46} {'decide':>7} {'p95':>7} {'scoring':>8} {'policy':>8} {'p95':>7}")
    for k, (label, policy) in enumerate(cases):
        policy.decide("warm up")
        run(label, policy, args.n, 10_000 * (k + 1))


if __name__ == "__main__":
    main()
