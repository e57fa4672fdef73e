"""Learning curve of a router fitted to your own labels: APGR against the number of labels,
warm-started from the bundled default (``routellm train pooled_ridge --init default``) vs
trained from scratch, several seeds.

A **simulated judge** gives the labels: for a sampled prompt of a source the default never saw,
it returns the known outcome of the benchmark files (the model with the higher score wins,
equal scores tie), i.e. what ``routellm label`` would write with a perfect judge. Two set-ups:

- ``two``: battles of the routed pair only (``--strong`` vs ``--weak`` labels);
- ``N``: every pair of the source's models judged on each prompt (an N-model set), pooled
  (skipped for two-model sources).

N = 0 is the default itself. Labels come from the source's train split, APGR is measured on its
test split for the strong/weak pair (disjoint prompts). Sources (``--sources``):

- ``mmlu_heldout``: RouteLLM's MMLU outcomes (GPT-4 vs Mixtral), only the 20% of prompts the default
  held out (by prompt hash), split in two by a second hash;
- ``llmrouter_heldout_tasks``: LLMRouter's rows the default never trained on (``"permissive": false``:
  NaturalQA, TriviaQA, OpenBookQA, ARC, GPQA, MMLU, MGSM, LogicGrid, CommonGen), 7 open models
  (the two llama3-chatqa runs left out, as in the default's recipe), strongest vs weakest, halved
  by prompt hash;
- ``routerdc7_<task>``: RouterDC's 7 open models on a task (train/test files), strongest vs weakest;
- ``routerbench_arc_challenge``: RouterBench's 11 models on ARC-Challenge, strongest vs a cheap one.

    .venv/bin/python benchmarks/learning_curve.py --data ../shared/data [--seeds 3] [--sources ...]

(about 4 minutes on 2 shared cores with the defaults)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from routellm_core import load_router
from routellm_core.data.battles import Battles
from routellm_core.data.golden import golden_to_all_pair_battles, golden_to_battles, read_golden
from routellm_core.data.training_data import holdout
from routellm_core.evaluation.metrics import evaluate_scores
from routellm_core.routers.pooled_ridge import PooledRidgeRouter

NS = (0, 50, 100, 300, 1000)
SOURCES = {
    "mmlu_heldout": ("benchmarks/mmlu.jsonl", None, "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
    "routerdc7_gsm8k": ("multimodel/routerdc7_gsm8k_train.jsonl", "multimodel/routerdc7_gsm8k_test.jsonl", None, None),
    "routerdc7_mmlu": ("multimodel/routerdc7_mmlu_train.jsonl.gz", "multimodel/routerdc7_mmlu_test.jsonl.gz", None, None),
    "routerdc7_arc_challenge": ("multimodel/routerdc7_arc_challenge_train.jsonl",
                                "multimodel/routerdc7_arc_challenge_test.jsonl", None, None),
    "routerbench_arc_challenge": ("multimodel/routerbench_arc_challenge_train.jsonl.gz",
                                  "multimodel/routerbench_arc_challenge_test.jsonl", None, None),
    "llmrouter_heldout_tasks": ("multimodel/llmrouter_benchmark_outcomes.jsonl.gz", None, None, None),
}
#: models left out of the pair choice (the default's recipe drops them: a prompt-format failure)
BROKEN = {"llama3-chatqa-1.5-8b", "llama3-chatqa-1.5-70b"}


def _half(prompt: str) -> bool:
    return hashlib.sha256(("split:" + prompt).encode("utf-8")).digest()[0] < 128


def load_source(data: Path, name: str) -> tuple[list, list, str, str]:
    train_file, test_file, strong, weak = SOURCES[name]
    rows = [r for r in read_golden(data / train_file)]
    if name == "llmrouter_heldout_tasks":  # the task families the default never saw, halved
        rows = [r for r in read_golden(data / train_file, where={"permissive": False}, drop_models=BROKEN)]
        train = [r for r in rows if _half(r.prompt)]
        test = [r for r in rows if not _half(r.prompt)]
    elif test_file is None:  # mmlu_heldout: the default's holdout, halved
        rows = [r for r in rows if holdout(r.prompt, 0.2)]
        train = [r for r in rows if _half(r.prompt)]
        test = [r for r in rows if not _half(r.prompt)]
    else:
        train, test = rows, list(read_golden(data / test_file))
    if strong is None:
        models = sorted({m for r in train for m in r.scores})
        means = {m: np.mean([r.scores[m] for r in train if m in r.scores]) for m in models}
        strong = max(means, key=means.get)
        weak = min(means, key=means.get)
    train = [r for r in train if strong in r.scores and weak in r.scores]
    test = [r for r in test if strong in r.scores and weak in r.scores]
    return train, test, strong, weak


def apgr(router, test: list, strong: str, weak: str) -> float:
    scores = np.asarray(router.score([r.prompt for r in test]), dtype=np.float64)
    return evaluate_scores(scores, [r.scores[strong] for r in test], [r.scores[weak] for r in test]).apgr


def labels(train: list, n: int, seed: int, strong: str, weak: str, setup: str) -> Battles:
    rng = np.random.default_rng(seed)
    pick = [train[i] for i in np.sort(rng.choice(len(train), size=min(n, len(train)), replace=False))]
    if setup == "two":
        return golden_to_battles(pick, strong, weak)
    return golden_to_all_pair_battles(pick)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="the shared data folder")
    ap.add_argument("--sources", nargs="+",
                    default=["mmlu_heldout", "llmrouter_heldout_tasks", "routerbench_arc_challenge", "routerdc7_arc_challenge"],
                    choices=sorted(SOURCES))
    ap.add_argument("--ns", nargs="+", type=int, default=list(NS))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--setups", nargs="+", default=["two", "N"], choices=["two", "N"])
    ap.add_argument("--init-alpha", type=float, default=None, help="penalty on the change from the prior (default: cross-validated)")
    ap.add_argument("--json", help="write the table as JSON here")
    args = ap.parse_args()
    data = Path(args.data)
    prior = load_router("default")
    out = []
    start = time.perf_counter()
    for name in args.sources:
        train, test, strong, weak = load_source(data, name)
        base = apgr(prior, test, strong, weak)
        print(f"\n{name}: {strong} vs {weak}; {len(train)} label prompts, {len(test)} test prompts; "
              f"default APGR {base:.3f}", flush=True)
        n_models = len({m for r in train for m in r.scores})
        for setup in args.setups:
            if setup == "N" and n_models <= 2:
                continue  # the same labels as "two"
            print(f"  labels: {'strong vs weak' if setup == 'two' else 'every pair of the models'}")
            print(f"  {'N':>5} {'warm':>15} {'scratch':>15} {'warm - default':>15}")
            for n in args.ns:
                if n == 0:
                    print(f"  {0:>5} {base:>15.3f} {'':>15} {0.0:>15.3f}")
                    out.append({"source": name, "setup": setup, "n": 0, "warm": [base], "scratch": None, "default": base})
                    continue
                if n > len(train):
                    continue
                warm, scratch = [], []
                for seed in range(args.seeds):
                    battles = labels(train, n, seed, strong, weak, setup)
                    w = PooledRidgeRouter(seed=seed).fit(battles, init=prior, init_alpha=args.init_alpha)
                    warm.append(apgr(w, test, strong, weak))
                    s = PooledRidgeRouter(seed=seed).fit(battles)
                    scratch.append(apgr(s, test, strong, weak))
                wm, ws, sm, ss = np.mean(warm), np.std(warm), np.mean(scratch), np.std(scratch)
                print(f"  {n:>5} {wm:>8.3f} ± {ws:.3f} {sm:>8.3f} ± {ss:.3f} {wm - base:>+15.3f}", flush=True)
                out.append({"source": name, "setup": setup, "n": n, "warm": warm, "scratch": scratch, "default": base})
    print(f"\n{args.seeds} seeds; {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
