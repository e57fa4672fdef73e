"""Many replicas behind a load balancer, each with its own online controller: how close do the
global shares and spend stay to target? A simulation.

4 replicas take 50% / 25% / 15% / 10% of the calls. The traffic drifts as in
``online_budget_simulation.py`` (the share of hard prompts goes 10% -> 60% over the first 60% of
the calls, jumps to 80%, drops to 30% after 85%). Two load balancers:

* ``random``: each call goes to a replica at random with those weights (round robin, least
  connections): every replica sees the same mix, the small ones fewer calls of it;
* ``affinity``: sticky sessions / per-tenant routing: hard prompts go 60/30/5/5 to the replicas,
  chat prompts 40/20/25/15, so the replicas see different mixes and their loads move with the drift.

Each replica is a ``RoutingPolicy`` with ``online=True`` and its own controller (the default of
``routellm serve``: per process). Compared with one controller that sees every call (what the
shared Redis controller, ``online={"redis_url": ...}``, does: the same update, applied atomically
to one state) and with fixed cut-offs. Scores are the bundled default router's real scores of the
prompts (computed once in a batch, looked up per call); every policy is calibrated on the chat pool,
before the drift, as a deployment would be.

Policies: three models (opus / sonnet / mini) with target shares 10% / 30% / 60%; the same three
under a budget of 0.008 USD per call; two models with ``strong_fraction=0.3``. Printed per
policy, after a warm-up of 2,000 calls: the global share of each model in every window of 1,000
calls (max and mean distance from target) and, for the budget, the global spend per call.

    .venv/bin/python benchmarks/replica_simulation.py                          # templated prompts
    .venv/bin/python benchmarks/replica_simulation.py --data ../shared/data    # real prompts
    .venv/bin/python benchmarks/replica_simulation.py --redis redis://localhost:6379/0   # + the real
        shared controller: 4 policies on one Redis key (a fresh key per run; one round trip a call)
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))
from online_budget_simulation import BUDGET, MODELS, PRICES, WARMUP, WINDOW, Lookup, traffic, traffic_arguments  # noqa: E402

LOAD = (0.50, 0.25, 0.15, 0.10)
AFFINITY = {True: (0.60, 0.30, 0.05, 0.05), False: (0.40, 0.20, 0.25, 0.15)}  # hard, chat


def assign(is_hard: np.ndarray, balancer: str, rng: np.random.Generator) -> np.ndarray:
    """The replica of each call."""
    if balancer == "random":
        return rng.choice(len(LOAD), size=len(is_hard), p=LOAD)
    out = np.empty(len(is_hard), dtype=np.int64)
    for hard, weights in AFFINITY.items():
        mask = is_hard == hard
        out[mask] = rng.choice(len(weights), size=int(mask.sum()), p=weights)
    return out


def run(policies: list[Any], replica: np.ndarray, stream: list[str], lookup: Lookup) -> list[str]:
    """Each call decided by its replica's policy, in arrival order."""
    for p in policies:
        p.router = lookup
    return [policies[r].decide(prompt).model for r, prompt in zip(replica.tolist(), stream)]


def report(label: str, chosen: list[str], targets: dict[str, float], costs: dict[str, float] | None,
           seconds: float) -> dict[str, float]:
    names = list(targets)
    idx = np.array([names.index(m) for m in chosen])[WARMUP:]
    usable = len(idx) // WINDOW * WINDOW
    blocks = idx[:usable].reshape(-1, WINDOW)
    per_window = np.stack([(blocks == j).mean(axis=1) for j in range(len(names))], axis=1)
    target = np.array([targets[m] for m in names])
    dev = np.abs(per_window - target)
    overall = np.bincount(idx, minlength=len(names)) / len(idx)
    print(f"  {label:<22} " + "  ".join(
        f"{m} {100 * overall[j]:5.1f}% (max {100 * dev[:, j].max():4.1f}, mean {100 * dev[:, j].mean():4.2f})"
        for j, m in enumerate(names)) + f"  [{1e6 * seconds / len(chosen):.0f} us/call]")
    out = {"max_dev": float(dev.max()), "mean_dev": float(dev.mean())}
    if costs is not None:
        c = np.array([costs[m] for m in names])[idx[:usable]].reshape(-1, WINDOW).mean(axis=1)
        print(f"  {'':<22} spend per call {c.mean():.5f} USD (budget {BUDGET}); windows {c.min():.5f}..{c.max():.5f},"
              f" max |dev| {100 * np.abs(c - BUDGET).max() / BUDGET:.1f}% of the budget")
        out["spend_dev"] = float(np.abs(c - BUDGET).max() / BUDGET)
        out["spend_overall_dev"] = float(abs(c.mean() - BUDGET) / BUDGET)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    traffic_arguments(ap)
    ap.add_argument("--redis", default=None, metavar="URL",
                    help="also run 4 replicas sharing one controller in this Redis (online redis_url)")
    args = ap.parse_args()

    from routellm_core import RoutingPolicy, load_router

    drift = traffic(args)
    chat, what, stream, router, lookup = drift.chat, drift.what, drift.stream, drift.router, drift.lookup
    is_hard, rng = drift.is_hard, drift.rng
    calibrated = load_router("default")  # the two-model form reads the router's own calibration
    calibrated.calibrate(chat)
    print(f"{args.calls:,} calls from {what}; hard share 10% -> 60% (first 60%), 80%, 30% after 85%;")
    print(f"4 replicas with {', '.join(f'{100 * w:.0f}%' for w in LOAD)} of the calls; figures after a "
          f"{WARMUP:,}-call warm-up, per {WINDOW:,}-call window of the global traffic (points of share).\n")

    three = {"models": MODELS, "calibration_prompts": chat}
    budget_policy = RoutingPolicy(router, prices=PRICES, budget=BUDGET, tokens=(500, 300), **three)
    costs = dict(zip(budget_policy.candidates.names, budget_policy.candidates.costs))
    setups = [
        ("three models, shares 10/30/60", {"opus": 0.1, "sonnet": 0.3, "mini": 0.6}, None,
         lambda online: RoutingPolicy(router, shares={"opus": 0.1, "sonnet": 0.3}, online=online, **three)),
        (f"three models, budget {BUDGET} USD/call", budget_policy.target_shares, costs,
         lambda online: RoutingPolicy(router, prices=PRICES, budget=BUDGET, tokens=(500, 300), online=online,
                                      **three)),
        ("two models, strong_fraction=0.3", {"strong": 0.3, "weak": 0.7}, None,
         lambda online: RoutingPolicy(calibrated, strong_fraction=0.3, online=online)),
    ]
    run_id = uuid.uuid4().hex[:8]
    results: dict[str, dict[str, float]] = {}
    for balancer in ("random", "affinity"):
        replica = assign(is_hard, balancer, rng)
        loads = np.bincount(replica, minlength=len(LOAD)) / len(replica)
        print(f"== load balancer: {balancer} (replica loads {', '.join(f'{100 * x:.1f}%' for x in loads)})")
        for title, targets, cost, make in setups:
            print(f" {title} (targets {', '.join(f'{m} {100 * s:.1f}%' for m, s in targets.items())})")
            modes = [
                ("fixed cut-offs", [make(False)] * len(LOAD)),
                ("one global controller", [make(True)] * len(LOAD)),
                ("4 per-replica", [make(True) for _ in LOAD]),
            ]
            if args.redis:
                key = f"replica-sim-{run_id}-{balancer}-{len(results)}"
                online = {"redis_url": args.redis, "key": key, "redis_timeout": 5.0}
                modes.append(("4 sharing Redis", [make(online) for _ in LOAD]))
            for label, policies in modes:
                start = time.perf_counter()
                chosen = run(policies, replica, stream, lookup)
                results[f"{balancer}/{title}/{label}"] = report(label, chosen, targets, cost,
                                                                time.perf_counter() - start)
        print()
    per = {k: v for k, v in results.items() if k.endswith("per-replica")}
    one = {k: v for k, v in results.items() if k.endswith("global controller")}
    print("largest distance of a model's global share from its target in any 1,000-call window after warm-up:")
    print(f"  4 per-replica controllers: {100 * max(v['max_dev'] for v in per.values()):.1f} points "
          f"(mean {100 * np.mean([v['mean_dev'] for v in per.values()]):.2f});  one global controller: "
          f"{100 * max(v['max_dev'] for v in one.values()):.1f} points "
          f"(mean {100 * np.mean([v['mean_dev'] for v in one.values()]):.2f})")
    shared = {k: v for k, v in results.items() if k.endswith("sharing Redis")}
    if shared:
        print(f"  4 replicas sharing one controller in Redis: {100 * max(v['max_dev'] for v in shared.values()):.1f} "
              f"points (mean {100 * np.mean([v['mean_dev'] for v in shared.values()]):.2f})")
    spend = [v for k, v in per.items() if "spend_dev" in v]
    print(f"  budget, 4 per-replica controllers: spend per call off the budget by at most "
          f"{100 * max(v['spend_dev'] for v in spend):.1f}% in a window, "
          f"{100 * max(v['spend_overall_dev'] for v in spend):.1f}% over the whole run")


if __name__ == "__main__":
    main()
