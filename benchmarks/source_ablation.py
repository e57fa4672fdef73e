"""What each training source adds to the default recipe: retrain without it and compare.

For every source of ``scripts/default_router_recipe.sh`` (the shipped recipe: golden ties on the
judges' scale, its source weights) the router is trained once on all sources and once without that
source, and the script prints the figures of ``benchmarks/label_scale_eval.py`` that a router
trained on everything can give: held-out MMLU / GSM8K rows, the easy/hard and task-type probes, and,
for a dropped chat source, its own figure with the source left out (arena-bench: GPT-4-1106 vs
Mixtral grades; OpenAssistant: GPT-4 vs the six other models; Vicuna-80: pooled labels). About a
minute on a 2-core machine.

    .venv/bin/python benchmarks/source_ablation.py --data ../shared/data [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import easy_hard_probe  # noqa: E402
import task_type_probe  # noqa: E402
from label_scale_eval import ARENA, COMMON, OA, RECIPES, STRONG, VICUNA, WEAK, arena_grades, headroom  # noqa: E402

from routellm_core.data import read_golden  # noqa: E402
from routellm_core.data.pooling import pool_labels  # noqa: E402
from routellm_core.data.training_data import build_training_data, holdout  # noqa: E402
from routellm_core.routers.registry import router_class  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data", help="the shared data folder")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    data = Path(args.data)
    prefs = data / "preferences"
    name, tie_advantage, opts = RECIPES["default"]
    opts = {**COMMON, **opts}
    battles = build_training_data(
        battle_files=[prefs / f"{ARENA}.jsonl.gz", prefs / f"{OA}.jsonl.gz", *(prefs / f"{v}.jsonl.gz" for v in VICUNA)],
        golden_files=[data / "benchmarks" / "mmlu.jsonl", data / "benchmarks" / "gsm8k.jsonl",
                      data / "multimodel" / "llmrouter_benchmark_outcomes.jsonl.gz"],
        golden_all_pairs=True, golden_holdout=0.2, golden_where={"permissive": True, "benchmark_overlap": None},
        drop_models=["llama3-chatqa-1.5-8b", "llama3-chatqa-1.5-70b"], golden_tie_advantage=tie_advantage,
    ).battles
    arena = arena_grades(prefs / f"{ARENA}.jsonl.gz")
    oa = pool_labels(battles.of_source(OA), strong_tier=1 / 7)
    vicuna = pool_labels(battles.subset([i for i, s in enumerate(battles.source) if s in VICUNA]))
    held = {}
    for bench in ("mmlu", "gsm8k"):
        rows = [r for r in read_golden(data / "benchmarks" / f"{bench}.jsonl") if holdout(r.prompt, 0.2)]
        held[bench] = ([r.prompt for r in rows], np.array([r.scores[STRONG] for r in rows]),
                       np.array([r.scores[WEAK] for r in rows]))
    high = [p for t in task_type_probe.HIGH for p in task_type_probe.PROMPTS[t]]
    low = [p for t in task_type_probe.LOW for p in task_type_probe.PROMPTS[t]]
    own = {ARENA: ("arena graded", arena[0], arena[1], arena[2]), OA: ("OA gpt-4", oa.prompts, oa.strong, oa.weak)}
    for v in VICUNA:
        own[v] = ("vicuna", vicuna.prompts, vicuna.strong, vicuna.weak)
    results: dict[str, dict[str, float]] = {}
    for dropped in [None, *battles.sources()]:
        part = battles if dropped is None else battles.subset([i for i, s in enumerate(battles.source) if s != dropped])
        if dropped in VICUNA:  # the two Vicuna-80 files share their prompts: leave both out
            part = battles.subset([i for i, s in enumerate(battles.source) if s not in VICUNA])
        router = router_class(name)(**opts)
        sw = dict(opts["source_weights"])
        router.set_params(source_weights={k: v for k, v in sw.items() if k in set(part.sources())})
        router.fit(part)
        out: dict[str, float] = {}
        for bench, (prompts, s, w) in held.items():
            out[f"{bench} held-out APGR"] = headroom(np.asarray(router.score(prompts)), s, w)[0]
        out["easy/hard AUC"] = easy_hard_probe.auc(np.asarray(router.score(easy_hard_probe.EASY)),
                                                   np.asarray(router.score(easy_hard_probe.HARD)))
        out["task-type AUC"] = easy_hard_probe.auc(np.asarray(router.score(low)), np.asarray(router.score(high)))
        if dropped in own:
            label, prompts, s, w = own[dropped]
            out[f"{label} left out: headroom"] = headroom(np.asarray(router.score(prompts)), s, w)[1]
        results["(none)" if dropped is None else f"without {dropped}"] = out
        print(f"{'(none)' if dropped is None else 'without ' + dropped}: "
              + ", ".join(f"{k} {v:.3f}" for k, v in out.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
