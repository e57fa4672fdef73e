"""What each training source adds to the default recipe: retrain without it and compare.

For every source of ``scripts/default_router_recipe.sh`` (its ridge recipe without the teacher,
``RIDGE_OPTS``: golden ties on the judges' scale, its source weights; a teacher per ablation would
cost a fine-tuning run each) the router is trained once on all sources and once without that
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

from label_scale_eval import (  # noqa: E402
    ARENA, COMMON, OA, RECIPES, VICUNA, evaluation_sets, headroom, probe_figures, recipe_battles,
)

from routellm_core.routers.registry import router_class  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data", help="the shared data folder")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    data = Path(args.data)
    name, tie_advantage, opts = RECIPES["ridge"]  # measured before the distillation (no teacher per ablation)
    opts = {**COMMON, **opts}
    battles = recipe_battles(data, tie_advantage)
    sets = evaluation_sets(data, battles)
    own = {ARENA: "arena graded", OA: "OA gpt-4", **{v: "vicuna" for v in VICUNA}}
    results: dict[str, dict[str, float]] = {}
    for dropped in [None, *battles.sources()]:
        left_out = set(VICUNA) if dropped in VICUNA else {dropped}  # the Vicuna-80 files share prompts
        part = battles.subset([i for i, s in enumerate(battles.source) if s not in left_out])
        router = router_class(name)(**opts)
        router.set_params(source_weights={k: v for k, v in opts["source_weights"].items() if k in set(part.sources())})
        router.fit(part)
        out = {k: v for k, v in probe_figures(router, sets).items() if not k.startswith("task-type AUC ")}
        if dropped in own:
            prompts, strong, weak = sets.chat[own[dropped]]
            out[f"{own[dropped]} left out: headroom"] = headroom(np.asarray(router.score(prompts)), strong, weak)[1]
        label = "(none)" if dropped is None else f"without {dropped}"
        results[label] = out
        print(f"{label}: " + ", ".join(f"{k} {v:.3f}" for k, v in out.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
