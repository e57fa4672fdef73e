"""N-model routing on task families nobody trained on: leave one task family out.

For each task of a multi-model outcome file (default: LLMRouter's 13 tasks, 9 models, LLMRouter's
price table), a quality router is trained on the rows of every *other* task and scored on the held
-out task's rows; the figure is the share of the AIQ headroom from the random mix (the single
models' hull) to the oracle that the router recovers on that task, then the mean over tasks and
the pooled figure (every task's held-out predictions together). This is issue 19's N-model
validation ("leave one task family out of the multi-model files"); the data are research and
evaluation only, nothing trained here is shipped.

    .venv/bin/python benchmarks/multimodel_family_out.py --data ../shared/data [--routers quality_ridge ...] [--json out.json]

A router spec is a registered router name with ``key=value`` options, e.g.
``quality_ridge:alpha=30`` or, the best figure so far (docs/benchmarks.md),
``quality_ridge:prices=benchmarks/prices/llmrouter.json,embedding_rank=10,text_weight=0,stats_weight=0,embedding_weight=1,alpha=1``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

from routellm_core.cli.common import parse_key_values
from routellm_core.cli.evaluate_multimodel import read_prices
from routellm_core.data import read_golden
from routellm_core.data.golden import golden_to_all_pair_battles
from routellm_core.evaluation.multimodel import (
    multimodel_data,
    oracle_curve,
    quality_router_curve,
    random_mix,
    single_models,
)
from routellm_core.routers.registry import router_class

HERE = Path(__file__).resolve().parent


def parse_spec(spec: str) -> tuple[str, dict]:
    """``"name:key=value,key=value"`` -> (router name, options); values read as JSON, else text."""
    name, _, rest = spec.partition(":")
    return name, parse_key_values([kv for kv in rest.split(",") if kv], "--routers", "quality_ridge:alpha=30")


def headroom_share(data, quality: np.ndarray) -> tuple[float, float, float, float]:
    """(router AIQ, random-mix AIQ, oracle AIQ, share of the mix-to-oracle headroom)."""
    costs = [float(c.cost[0]) for c in single_models(data).values()]
    lo, hi = min(costs), max(costs)
    r = quality_router_curve(quality, data).aiq(lo, hi)
    mix = random_mix(data).aiq(lo, hi)
    orc = oracle_curve(data).aiq(lo, hi)
    return r, mix, orc, (r - mix) / (orc - mix) if orc > mix else float("nan")


def task_names(path: Path) -> dict[str, str]:
    """Row id -> its task (the file's ``benchmark`` field)."""
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8") as f:
        return {r["id"]: r["benchmark"] for r in map(json.loads, f)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--file", default="multimodel/llmrouter_benchmark_outcomes.jsonl.gz")
    ap.add_argument("--prices", default=str(HERE / "prices" / "llmrouter.json"))
    ap.add_argument("--routers", nargs="+", default=["quality_ridge"])
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = read_golden([Path(args.data) / args.file])
    prices = read_prices(args.prices)
    task_of = task_names(Path(args.data) / args.file)
    by_task: dict[str, list] = {}
    for r in rows:
        by_task.setdefault(task_of[r.id], []).append(r)
    data_all = multimodel_data(rows, prices=prices)
    models = data_all.models
    results: dict[str, dict] = {}
    for spec in args.routers:
        name, opts = parse_spec(spec)
        t0 = time.time()
        per_task: dict[str, float] = {}
        pooled = np.zeros((len(rows), len(models)))
        order = []
        for task, held in sorted(by_task.items()):
            train = [r for r in rows if task_of[r.id] != task]
            router = router_class(name)(**opts)
            router.fit(golden_to_all_pair_battles(train))
            data = multimodel_data(held, models=models, prices=prices)
            q = np.asarray(router.predicted_quality(data.prompts))
            cols = [router.known_models().index(m) for m in data.models]
            q = np.clip(q[:, cols], 0.0, 1.0)
            per_task[task] = headroom_share(data, q)[3]
            order.extend(held)
            pooled[len(order) - len(held):len(order)] = q
        data = multimodel_data(order, models=models, prices=prices)
        pooled_share = headroom_share(data, pooled)
        results[spec] = {"per task": per_task, "mean over tasks": float(np.mean(list(per_task.values()))),
                         "pooled": pooled_share[3], "pooled AIQ (router, mix, oracle)": pooled_share[:3]}
        print(f"{spec}: mean over tasks {results[spec]['mean over tasks']:+.3f}, pooled {pooled_share[3]:+.3f} "
              f"({time.time() - t0:.0f} s); " + ", ".join(f"{t} {v:+.2f}" for t, v in per_task.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
