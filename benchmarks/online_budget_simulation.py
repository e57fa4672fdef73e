"""Does a target share (or budget) hold on live traffic whose prompt mix drifts? A simulation.

100,000 calls are drawn from two prompt pools, chat and hard (maths, code, exam questions); the
share of hard prompts drifts from 10% to 60% over the first 60,000 calls, jumps to 80%, and drops
to 30% after 85,000. Every call is decided by a ``RoutingPolicy`` with the bundled default router
(its real scores of the pool's prompts, computed once in a batch and looked up per call, so the
run is fast), calibrated on chat prompts only, as a deployment calibrated before the drift would
be. Each policy runs twice, with fixed cut-offs and with ``online=True``:

* three models (opus / sonnet / mini), target shares 10% / 30% / 60%;
* the same three under a budget of 0.008 USD per call (prices per 1M tokens: 15/75, 3/15,
  0.15/0.6; 500 input and 300 output tokens a call);
* two models, ``strong_fraction=0.3``.

Printed per policy, after a warm-up of 2,000 calls: the realised share of each model in every
window of 1,000 calls, its largest and mean distance from the target, the share over all calls,
and the realised spend for the budget run.

    .venv/bin/python benchmarks/online_budget_simulation.py              # templated prompt pools
    .venv/bin/python benchmarks/online_budget_simulation.py --data ../shared/data   # real prompts
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

MODELS = ["opus", "sonnet", "mini"]
PRICES = {"opus": (15, 75), "sonnet": (3, 15), "mini": (0.15, 0.6)}
SHARES = {"opus": 0.1, "sonnet": 0.3}
BUDGET = 0.008
WARMUP = 2_000
WINDOW = 1_000

CHAT = ["hi there, how are you today {i}?", "Write a short thank-you note to my colleague {i}.",
        "What is a good name for a cat? Give {i} ideas.", "Summarise this in one line: the meeting moved to {i} pm.",
        "Tell me a joke about {i} penguins.", "Translate 'good morning, friend {i}' into French.",
        "Suggest a weekend plan for a family of {i}.", "What should I cook tonight with rice and {i} eggs?"]
HARD = ["Prove that the square root of {i} is irrational when {i} is not a perfect square.",
        "A train leaves at {i}:00 at 80 km/h and another at {i}:30 at 100 km/h; when does the second catch up?",
        "Write a Python function that returns the {i}th Fibonacci number in O(log n) time, with tests.",
        "Derive the closed form of sum_(k=1)^{i} k^3 and prove it by induction.",
        "Which of the following is a primary function of the Golgi apparatus? A) ... (question {i})",
        "Solve the recurrence T(n) = 2T(n/2) + n log n with T(1) = {i}."]


def read_prompts(path: Path, limit: int) -> list[str]:
    out: list[str] = []
    with (gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")) as fh:
        for line in fh:
            p = json.loads(line)["prompt"]
            if p not in out:
                out.append(p)
            if len(out) >= limit:
                break
    return out


def pools(data: str | None) -> tuple[list[str], list[str], str]:
    if data is None:
        chat = [t.format(i=i) for i in range(400) for t in CHAT[i % len(CHAT):][:1]]
        hard = [t.format(i=i) for i in range(400) for t in HARD[i % len(HARD):][:1]]
        return chat, hard, "templated prompts (400 chat, 400 hard)"
    root = Path(data)
    chat = read_prompts(root / "preferences/qlora_oa_gpt4_pairwise.jsonl.gz", 400) + read_prompts(
        root / "preferences/arena_hard_auto_arena_bench_v1.jsonl.gz", 300)
    hard = read_prompts(root / "benchmarks/gsm8k.jsonl", 600) + read_prompts(root / "benchmarks/mmlu.jsonl", 600)
    return chat, hard, f"{len(chat)} chat prompts (OASST, Arena) and {len(hard)} hard ones (GSM8K, MMLU) from {data}"


def hard_share(t: np.ndarray, n: int) -> np.ndarray:
    x = t / n
    share = 0.1 + 0.5 * np.minimum(x, 0.6) / 0.6
    share = np.where(x >= 0.6, 0.8, share)
    return np.where(x >= 0.85, 0.3, share)


class Lookup:
    """The router with its scores of the pool precomputed (identical numbers, looked up); put in
    place of a built policy's router."""

    def __init__(self, router: Any, prompts: list[str]) -> None:
        self._router = router
        self._table = dict(zip(prompts, np.asarray(router.score(prompts), dtype=np.float64).tolist()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._router, name)

    def score(self, prompts: Any, **kw: Any) -> Any:
        if isinstance(prompts, str):
            return self._table[prompts]
        return np.array([self._table[p] for p in prompts])


def simulate(label: str, policy: Any, stream: list[str], targets: dict[str, float], costs: dict[str, float] | None,
             lookup: Lookup) -> dict[str, Any]:
    policy.router = lookup
    t0 = time.perf_counter()
    chosen = [policy.decide(p).model for p in stream]
    seconds = time.perf_counter() - t0
    names = list(targets)
    idx = np.array([names.index(m) for m in chosen])
    blocks = idx[WARMUP:].reshape(-1, WINDOW)
    per_window = np.stack([(blocks == j).mean(axis=1) for j in range(len(names))], axis=1)
    target = np.array([targets[m] for m in names])
    dev = np.abs(per_window - target)
    overall = np.bincount(idx[WARMUP:], minlength=len(names)) / (len(idx) - WARMUP)
    print(f"  {label:<8} " + "  ".join(
        f"{m} {100 * overall[j]:5.1f}% (max |dev| {100 * dev[:, j].max():4.1f}, mean {100 * dev[:, j].mean():4.2f})"
        for j, m in enumerate(names)) + f"   [{1e6 * seconds / len(stream):.0f} us/call]")
    out = {"max_dev": float(dev.max()), "overall": overall.tolist()}
    if costs is not None:
        c = np.array([costs[m] for m in names])[idx[WARMUP:]].reshape(-1, WINDOW).mean(axis=1)
        print(f"  {'':<8} spend per call: mean {c.mean():.5f} USD (budget {BUDGET}), windows "
              f"{c.min():.5f}..{c.max():.5f}, max |dev| {100 * np.abs(c - BUDGET).max() / BUDGET:.1f}% of the budget")
        out["spend_dev"] = float(np.abs(c - BUDGET).max() / BUDGET)
    return out


def traffic_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of the drifting traffic (``traffic``)."""
    ap.add_argument("--data", default=None, help="the shared data folder (default: templated prompt pools)")
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)


@dataclass
class Traffic:
    """The drifting traffic of one run: the chat and hard prompt pools (and where they come
    from), the stream of prompts and which of them are hard, the generator that drew them (for
    what a caller draws next), the bundled default router and its scores of every pooled prompt."""

    chat: list[str]
    hard: list[str]
    what: str
    stream: list[str]
    is_hard: np.ndarray
    rng: np.random.Generator
    router: Any
    lookup: Lookup


def traffic(args: argparse.Namespace) -> Traffic:
    """``args.calls`` prompts whose hard share drifts (``hard_share``), from ``pools(args.data)``."""
    from routellm_core import load_router

    chat, hard, what = pools(args.data)
    rng = np.random.default_rng(args.seed)
    t = np.arange(args.calls)
    is_hard = rng.random(args.calls) < hard_share(t, args.calls)
    stream = [hard[rng.integers(len(hard))] if h else chat[rng.integers(len(chat))] for h in is_hard]
    router = load_router("default")
    return Traffic(chat, hard, what, stream, is_hard, rng, router, Lookup(router, chat + hard))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    traffic_arguments(ap)
    args = ap.parse_args()

    from routellm_core import RoutingPolicy, load_router

    drift = traffic(args)
    chat, hard, what, stream, router, lookup = drift.chat, drift.hard, drift.what, drift.stream, drift.router, drift.lookup
    calibration = chat  # calibrated before the drift: chat traffic only
    print(f"{args.calls:,} calls from {what}; hard share 10% -> 60% (calls 0-60k), 80% (60k-85k), 30% after;")
    print(f"calibrated on the chat pool; figures after a {WARMUP:,}-call warm-up, per {WINDOW:,}-call window.\n")

    results = {}
    three = {"models": MODELS, "calibration_prompts": calibration}
    shares = {"opus": 0.1, "sonnet": 0.3, "mini": 0.6}
    print(f"three models, target shares {shares}")
    for mode in ("fixed", "online"):
        policy = RoutingPolicy(router, shares=SHARES, online=mode == "online", **three)
        results[f"shares/{mode}"] = simulate(mode, policy, stream, shares, None, lookup)
    budget_policy = RoutingPolicy(router, prices=PRICES, budget=BUDGET, tokens=(500, 300), **three)
    costs = dict(zip(budget_policy.candidates.names, budget_policy.candidates.costs))
    targets = budget_policy.target_shares
    print(f"\nthree models, budget {BUDGET} USD per call (-> target shares "
          + ", ".join(f"{m} {100 * s:.1f}%" for m, s in targets.items()) + ")")
    for mode in ("fixed", "online"):
        policy = RoutingPolicy(router, prices=PRICES, budget=BUDGET, tokens=(500, 300), online=mode == "online",
                               **three)
        results[f"budget/{mode}"] = simulate(mode, policy, stream, targets, costs, lookup)
    print("\ntwo models, strong_fraction=0.3")
    calibrated = load_router("default")  # a fresh copy, calibrated on the chat pool like the others
    calibrated.calibrate(calibration)
    for mode in ("fixed", "online"):
        policy = RoutingPolicy(calibrated, strong_fraction=0.3, online=mode == "online")
        results[f"pair/{mode}"] = simulate(mode, policy, stream, {"strong": 0.3, "weak": 0.7}, None, lookup)
    worst = max(r["max_dev"] for k, r in results.items() if k.endswith("online"))
    print(f"\nonline mode: largest distance of any model's share from its target in any 1,000-call window "
          f"after warm-up: {100 * worst:.1f} points (target: within 2).")


if __name__ == "__main__":
    main()
