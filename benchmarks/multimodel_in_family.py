"""N-model routing inside one task family, and what pricing each call by its prompt adds.

Issue 19's N-model figure is measured on families nobody here has (RouterBench's 11 models and
their per-call costs): a router trained on a family's train split and scored on its test split.
This benchmark measures the same on every family that is here, by 5-fold cross-validation inside
the family (folds group identical prompts): RouterBench ARC-Challenge (train and test pooled, the
costs recorded per call) and each of LLMRouter's 13 tasks (LLMRouter's price table times each
prompt's own input tokens, characters / 4: ``--tokens prompt 0``). Per family it prints the share
of the AIQ headroom from the random mix to the oracle that ``quality_router`` recovers when it
picks by each model's mean cost (one price per model) and when it prices each call as known before
the call (``call_cost_estimates``, fitted on the fold's training rows; what ``routellm eval
--multimodel`` does), and the mean over families. Research and evaluation data only.

    .venv/bin/python benchmarks/multimodel_in_family.py --data ../shared/data [--router quality_ridge:alpha=30] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from routellm_core.cli.evaluate_multimodel import cost_prices, read_prices
from routellm_core.data import read_golden
from routellm_core.data.golden import golden_to_all_pair_battles
from routellm_core.evaluation.cross_validation import assign_folds
from routellm_core.evaluation.multimodel import (
    MultiModelData,
    call_cost_estimates,
    multimodel_data,
    oracle_curve,
    quality_router_curve,
    random_mix,
    single_models,
)
from routellm_core.routers.registry import router_class
from routellm_core.routing.candidates import PROMPT_TOKENS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from multimodel_family_out import parse_spec, task_names  # noqa: E402

HERE = Path(__file__).resolve().parent
TOKENS = (PROMPT_TOKENS, 0.0)


def families(data: Path, prices_path: str) -> dict[str, tuple[list, dict | None]]:
    """Family name -> (its rows, the price table or None when the rows record their costs)."""
    mm = data / "multimodel"
    arc = read_golden([mm / "routerbench_arc_challenge_train.jsonl.gz", mm / "routerbench_arc_challenge_test.jsonl"])
    out: dict[str, tuple[list, dict | None]] = {"routerbench arc_challenge": (arc, None)}
    path = mm / "llmrouter_benchmark_outcomes.jsonl.gz"
    task_of, prices = task_names(path), read_prices(prices_path)
    for r in read_golden([path]):
        out.setdefault(f"llmrouter {task_of[r.id]}", ([], prices))[0].append(r)
    return out


def shares(data: MultiModelData, quality: np.ndarray, call_costs: np.ndarray) -> tuple[float, float]:
    """Share of the mix-to-oracle AIQ headroom with mean costs and with per-call costs."""
    costs = [float(c.cost[0]) for c in single_models(data).values()]
    lo, hi = min(costs), max(costs)
    mix, orc = random_mix(data).aiq(lo, hi), oracle_curve(data).aiq(lo, hi)
    by_mean = quality_router_curve(quality, data).aiq(lo, hi)
    by_call = quality_router_curve(quality, data, call_costs=call_costs).aiq(lo, hi)
    return (by_mean - mix) / (orc - mix), (by_call - mix) / (orc - mix)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--prices", default=str(HERE / "prices" / "llmrouter.json"))
    ap.add_argument("--router", default="quality_ridge")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    name, opts = parse_spec(args.router)
    cls = router_class(name)
    results = {}
    start = time.time()
    for family, (rows, prices) in families(Path(args.data), args.prices).items():
        data = multimodel_data(rows, prices=prices, tokens=TOKENS)
        fold = assign_folds(rows, args.folds, seed=0)
        quality = np.zeros(data.scores.shape)
        call_costs = np.zeros(data.scores.shape)
        for f in range(args.folds):
            test = np.nonzero(fold == f)[0]
            held = {rows[i].prompt for i in test}
            train = [r for r, k in zip(rows, fold) if k != f and r.prompt not in held]
            reference = multimodel_data(train, models=data.models, prices=prices, tokens=TOKENS)
            takes_prices = "prices" in cls().get_params()
            router = cls(**{"prices": cost_prices(reference), **opts}) if takes_prices else cls(**opts)
            router.fit(golden_to_all_pair_battles(train))
            prompts = [data.prompts[i] for i in test]
            quality[test] = router.quality(prompts, data.models)
            call_costs[test] = call_cost_estimates(reference, prompts)
        spread = float(np.mean(data.costs.std(axis=0) / data.costs.mean(axis=0)))
        by_mean, by_call = shares(data, quality, call_costs)
        results[family] = {"n": len(data), "models": len(data.models), "cost_cv": spread,
                           "share_mean_costs": by_mean, "share_per_call": by_call}
        print(f"{family:34s} n={len(data):5d}  cost spread {spread:4.2f}  mean costs {by_mean:+7.1%}  "
              f"per call {by_call:+7.1%}", flush=True)
    mean = {k: float(np.mean([r[k] for r in results.values()])) for k in ("share_mean_costs", "share_per_call")}
    print(f"{'mean over ' + str(len(results)) + ' families':34s} {'':26s}mean costs {mean['share_mean_costs']:+7.1%}  "
          f"per call {mean['share_per_call']:+7.1%}   ({time.time() - start:.0f} s, {args.router})")
    if args.json:
        Path(args.json).write_text(json.dumps({"router": args.router, "folds": args.folds, "families": results,
                                               "mean": mean}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
