"""Quality of a trained checkpoint on the golden rows it never saw (for its model card).

The bundled routers were trained with ``--golden-holdout 0.2``: a benchmark row is held out iff
its prompt hashes into the lowest 20% (rule stored in the checkpoint). This script scores exactly
those held-out rows (GPT-4 vs Mixtral outcomes of MMLU and GSM8K) and prints APGR / CPT(50%) /
CPT(80%) next to the random router and the oracle.

    .venv/bin/python benchmarks/default_router_card.py --data ../shared/data [--router default]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from routellm_core import load_router
from routellm_core.data.training_data import holdout
from routellm_core.data import read_golden
from routellm_core.evaluation import evaluate_scores, oracle_scores, random_baseline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data", help="folder with benchmarks/mmlu.jsonl and gsm8k.jsonl")
    ap.add_argument("--router", default="default")
    ap.add_argument("--strong", default="gpt-4-1106-preview")
    ap.add_argument("--weak", default="mistralai/Mixtral-8x7B-Instruct-v0.1")
    ap.add_argument("--holdout", type=float, default=0.2, help="the --golden-holdout share used in training")
    args = ap.parse_args()
    router = load_router(args.router)
    strong, weak = args.strong, args.weak
    print(f"router {args.router} ({router.name}): strong={strong} weak={weak}")
    print("| benchmark (held-out rows) | n | router APGR | CPT(50%) | CPT(80%) | random APGR | oracle APGR |")
    print("|---|---|---|---|---|---|---|")
    for name in ("mmlu", "gsm8k"):
        rows = [r for r in read_golden(Path(args.data) / "benchmarks" / f"{name}.jsonl") if holdout(r.prompt, args.holdout)]
        s = np.array([r.scores[strong] for r in rows])
        w = np.array([r.scores[weak] for r in rows])
        pair = {} if router.model_agnostic else {"strong": strong, "weak": weak}
        curve = evaluate_scores(np.asarray(router.score([r.prompt for r in rows], **pair)), s, w)
        rand = random_baseline(s, w, seeds=10)
        orc = evaluate_scores(oracle_scores(s, w), s, w)
        c50, c80 = curve.cpt(0.5), curve.cpt(0.8)
        print(
            f"| {name} | {len(rows)} | {curve.apgr:.3f} | {c50:.1%} | {c80:.1%} | "
            f"{rand.apgr:.3f} | {orc.apgr:.3f} |"
        )


if __name__ == "__main__":
    main()
