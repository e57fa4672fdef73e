"""Held-out comparison of routers trained with the default recipe's data (issue 19's validation).

For each recipe it trains on the default recipe's files (``scripts/default_router_recipe.sh``: the
four permissive chat files and the permissive benchmark rows, 20% of benchmark prompts held out by
hash) and prints the figures below. Recipes (``--recipes``):

- ``pooled``: ``pooled_ridge`` as shipped before issue 19 (each source's own win-rate labels,
  OpenAssistant weight 1);
- ``judge_scale``: benchmark ties on the judges' scale (``--golden-tie-advantage auto``),
  OpenAssistant weight 2, ridge penalty 10 (shipped from the first half of issue 19);
- ``ridge``: ``judge_scale`` with ridge penalty 40 and MMLU weight 3 (the stronger penalty leans on
  the dense statistics that carry a prompt's shape across sources); shipped until the distillation,
  now the heavier tier's ridge;
- ``default``: the shipped recipe: ``ridge`` distilled from a ``pooled_bert`` teacher trained on the
  same split (``teacher_weight`` 0.7, MMLU weight 5; ``Distilled``), about 35 minutes on 2 threads;
  ``distill_08``: teacher share 0.8, MMLU weight 6 (shares the teachers when run with ``default``);
- ``variants``: ``default`` plus the training prompts' shortened variants taught by the teacher
  alone (``variant_weight`` 0.6) and static-embedding weight 0.6; ``variants_08``: the same with
  teacher share 0.8 and variant weight 0.3 (shares the teachers when run with ``variants``);
- ``latent``: ``latent_ridge`` (labels from the joint latent scale), the weights of ``judge_scale``;
- ``minilm``: ``ridge`` on the full all-MiniLM-L6-v2 transformer embedding (embedding weight 1)
  (about 5-10 ms a prompt on CPU; needs the ``sentence-transformers`` extra);
- ``bert``: the ``pooled_bert`` router (all-MiniLM-L6-v2 fine-tuned, top 2 layers, 128 tokens, 2
  epochs, batch 16, lr 1e-4) on ``ridge``'s pooled labels and source weights as soft targets
  (``pooling.tier_battles``), with ``BERT_MMLU_TRAIN`` of the MMLU training prompts (a 2-core CPU
  budget); needs the ``classifiers`` extra, about 25 minutes on 2 threads;
- ``bert_blend``: ``bert`` and ``ridge`` trained on the same data, scored by the sum of their
  standardised scores (``Blend``): the bundled ``heavy``.

Figures:

- leave-one-source-out on the chat groups (a router trained without the group's prompts):
  ``arena graded``: APGR / headroom with GPT-4-1106-preview's and Mixtral-8x7B's own 1-10 grades on
  the arena-bench prompts (the stand-in for "graded answers of a GPT-4-class and a Mixtral-class
  model"); ``OA gpt-4``: GPT-4 vs the other QLoRA models (strong tier = GPT-4 alone) on the OA
  prompts; ``vicuna``: the pooled labels of the Vicuna-80 files;
- ``OA gpt-4 in-domain``: the OA prompts in 3 folds, each scored by a router trained on everything
  but that fold (the stand-in for new OpenAssistant-style traffic);
- the router trained on everything: APGR on the held-out MMLU / GSM8K rows (GPT-4 vs Mixtral), the
  easy/hard probe's AUC and the task-type probe's AUC (its first half, overall and per high type;
  over its pairs of about the same length; and on its third set, ``task_type_probe.py``).

Headroom = (APGR - 0.5) / (oracle APGR - 0.5). About 2 minutes per recipe on a 2-core machine.

    .venv/bin/python benchmarks/label_scale_eval.py --data ../shared/data [--recipes pooled ridge default latent] [--json out.json]
    .venv/bin/python benchmarks/label_scale_eval.py --data ../shared/data --recipes --baselines [--peer FILE]

``--baselines`` adds untrained columns scored on the same prompts: the prompt's length and each
``--peer`` file (``benchmarks/peer_scores.py``, e.g. LiteLLM's keyword ``ComplexityRouter``);
``--dump-prompts FILE`` writes the prompts such a file must score.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import easy_hard_probe  # noqa: E402
import peers  # noqa: E402
import task_type_probe  # noqa: E402

from routellm_core.data import Battles, read_golden  # noqa: E402
from routellm_core.data.pooling import pool_labels  # noqa: E402
from routellm_core.data.training_data import build_training_data, holdout  # noqa: E402
from routellm_core.evaluation import evaluate_scores, oracle_scores  # noqa: E402
from routellm_core.routers.registry import router_class  # noqa: E402

STRONG, WEAK = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
ARENA = "arena_hard_auto_arena_bench_v1"
OA = "qlora_oa_gpt4_pairwise"
VICUNA = ("fastchat_vicuna_bench", "qlora_vicuna80_gpt4_pairwise")
WEIGHTS = {ARENA: 3, OA: 2, "fastchat_vicuna_bench": 0.5, "qlora_vicuna80_gpt4_pairwise": 0.5,
           "mmlu": 1.5, "gsm8k": 1.5, "llmrouter_benchmark_outcomes": 2}
#: the ridge recipe since the regularisation change (issue 19): ridge penalty 40 (was 10), MMLU
#: weight 3; shipped until the distillation, now the heavier tier's ridge (RIDGE_OPTS)
SHIPPED_RIDGE = {"alpha": 40, "source_weights": {**WEIGHTS, "mmlu": 3}}
#: the teacher's source weights (scripts/default_router_recipe.sh, TEACHER_OPTS)
TEACHER_WEIGHTS = SHIPPED_RIDGE["source_weights"]
#: the shipped default (ROUTER_OPTS): the ridge distilled from a pooled_bert teacher, 0.7 of each
#: target the teacher's, MMLU weight 5
SHIPPED = {"alpha": 40, "teacher_weight": 0.7, "source_weights": {**WEIGHTS, "mmlu": 5}}
#: the distilled ridge with the training prompts' shortened variants (``variant_weight``) and a
#: heavier static embedding
VARIANTS = {**SHIPPED, "variant_weight": 0.6, "embedding_weight": 0.6}
#: recipe -> (router, golden tie advantage, router options); "default" is scripts/default_router_recipe.sh
RECIPES: dict[str, tuple[str, str | None, dict]] = {
    "pooled": ("pooled_ridge", None, {"source_weights": {**WEIGHTS, OA: 1}}),
    # the shipped recipe before the regularisation change: judge-scale ties, ridge penalty 10
    "judge_scale": ("pooled_ridge", "auto", {"source_weights": WEIGHTS}),
    # the shipped recipe before the distillation (now the heavier tier's ridge)
    "ridge": ("pooled_ridge", "auto", SHIPPED_RIDGE),
    # the shipped default: the ridge distilled from a pooled_bert teacher trained per split (Distilled)
    "default": ("distill", "auto", {"student": SHIPPED}),
    # a larger teacher share (0.8, MMLU weight 6)
    "distill_08": ("distill", "auto", {"student": {**SHIPPED, "teacher_weight": 0.8,
                                                   "source_weights": {**WEIGHTS, "mmlu": 6}}}),
    # shortened variants of the training prompts taught by the teacher alone (variant_weight 0.6),
    # embedding weight 0.6 (issue 19's length-balanced task-type probe)
    "variants": ("distill", "auto", {"student": VARIANTS}),
    # the same with teacher share 0.8 and variant weight 0.3
    "variants_08": ("distill", "auto", {"student": {**VARIANTS, "teacher_weight": 0.8, "variant_weight": 0.3}}),
    "latent": ("latent_ridge", None, {"source_weights": WEIGHTS}),
    # the heavier tier: the ridge recipe on the full all-MiniLM-L6-v2 transformer embedding
    "minilm": ("pooled_ridge", "auto", {**SHIPPED_RIDGE, "embedder": "all-MiniLM-L6-v2", "embedding_weight": 1.0}),
    # the fine-tuned heavier tier: bert on the ridge recipe's pooled labels (PooledBert)
    "bert": ("bert", "auto", {"source_weights": TEACHER_WEIGHTS}),
    # the sum of bert's and the ridge's standardised scores (Blend): the bundled "heavy"
    "bert_blend": ("bert_blend", "auto", {"source_weights": TEACHER_WEIGHTS}),
}
COMMON = {"alpha": 10, "stats_weight": 1, "embedding_weight": 0.3}
#: MMLU training prompts kept for ``bert`` (of about 11,000): one fit in about 3 minutes on 2 CPU threads
BERT_MMLU_TRAIN = 2000


class PooledBert:
    """The ``pooled_bert`` router (its defaults are the heavier-tier recipe) with MMLU capped at
    ``BERT_MMLU_TRAIN`` prompts, calibrated on 500 training prompts (scoring all of them with the
    encoder would add about a minute to every fit; calibration does not change the scores)."""

    def __init__(self, source_weights: dict[str, float], **opts: Any) -> None:
        self.router = router_class("pooled_bert")(
            source_weights=source_weights, max_source_prompts={"mmlu": BERT_MMLU_TRAIN}, show_progress=False, **opts
        )

    def fit(self, battles: Battles) -> PooledBert:
        prompts = sorted(set(battles.prompts))
        sample = [prompts[i] for i in np.random.default_rng(0).permutation(len(prompts))[:500]]
        self.router.fit(battles, calibration_prompts=sample)
        return self

    def score(self, prompts: list[str]) -> np.ndarray:
        return np.asarray(self.router.score(prompts))


class Blend:
    """The bundled ``heavy``'s recipe: the ``ridge`` recipe and ``PooledBert`` trained on the same
    battles, combined by the ``blend`` router (each score standardised over 2,000 training
    prompts, summed, on the ridge's scale), calibrated on 500 training prompts."""

    def __init__(self, source_weights: dict[str, float]) -> None:
        self.ridge = make_router("pooled_ridge", SHIPPED_RIDGE)  # recipe "ridge"
        self.bert = PooledBert(source_weights)
        self.router: Any = None

    def fit(self, battles: Battles) -> Blend:
        self.ridge.fit(battles)
        self.bert.fit(battles)
        prompts = sorted(set(battles.prompts))
        sample = [prompts[i] for i in np.random.default_rng(0).permutation(len(prompts))[:500]]
        self.router = router_class("blend")(members=[self.ridge, self.bert.router])
        self.router.fit(battles, calibration_prompts=sample)
        return self

    def score(self, prompts: list[str]) -> np.ndarray:
        return np.asarray(self.router.score(prompts))


#: PooledBert teachers by training set (the distillation recipes share one per split)
_TEACHERS: dict[tuple[int, int], PooledBert] = {}


class Distilled:
    """The ridge options ``student`` (with a ``teacher_weight``) distilled from a ``PooledBert``
    (``TEACHER_WEIGHTS``) trained on the same battles; splits share their teacher."""

    def __init__(self, student: dict[str, Any]) -> None:
        self.router = router_class("pooled_ridge")(**{**COMMON, **student})

    def fit(self, battles: Battles) -> Distilled:
        key = (len(battles), hash(tuple(sorted(set(battles.prompts)))))
        if key not in _TEACHERS:
            _TEACHERS[key] = PooledBert(TEACHER_WEIGHTS).fit(battles)
        self.router.fit(battles, teacher=_TEACHERS[key].router)
        return self

    def score(self, prompts: list[str]) -> np.ndarray:
        return np.asarray(self.router.score(prompts))


def make_router(name: str, opts: dict[str, Any]) -> Any:
    """A fresh router of a recipe: ``bert`` is ``PooledBert``, ``bert_blend`` ``Blend``,
    ``distill`` ``Distilled``; others their registry class with ``COMMON``."""
    if name == "bert":
        return PooledBert(**opts)
    if name == "bert_blend":
        return Blend(**opts)
    if name == "distill":
        return Distilled(**opts)
    return router_class(name)(**{**COMMON, **opts})


def headroom(scores: np.ndarray, strong: np.ndarray, weak: np.ndarray) -> tuple[float, float]:
    curve = evaluate_scores(scores, strong, weak)
    oracle = evaluate_scores(oracle_scores(strong, weak), strong, weak)
    return curve.apgr, (curve.apgr - 0.5) / (oracle.apgr - 0.5)


def arena_grades(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Arena-bench prompts graded for both STRONG and WEAK: (prompts, strong grade / 10, weak grade / 10)."""
    grades: dict[str, dict[str, float]] = collections.defaultdict(dict)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            grades[r["prompt"]][r["model_a"]] = r["score_a"]
            grades[r["prompt"]][r["model_b"]] = r["score_b"]
    prompts = [p for p, g in grades.items() if STRONG in g and WEAK in g]
    return prompts, np.array([grades[p][STRONG] for p in prompts]) / 10, np.array([grades[p][WEAK] for p in prompts]) / 10


auc = easy_hard_probe.auc  # (negatives, positives) -> P(a positive scores above a negative)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data", help="the shared data folder")
    ap.add_argument("--recipes", nargs="*", default=["pooled", "judge_scale", "ridge", "latent"], choices=list(RECIPES),
                    help="recipes to train and evaluate (none: only --baselines)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--baselines", action="store_true",
                    help="add untrained columns: prompt length and each --peer (scored on the same prompts)")
    ap.add_argument("--peer", action="append", metavar="FILE",
                    help="a peer's scores (benchmarks/peer_scores.py); implies --baselines")
    ap.add_argument("--dump-prompts", metavar="FILE", help="write every evaluated prompt as a JSON list and stop")
    args = ap.parse_args()
    data = Path(args.data)
    if args.dump_prompts:
        sets = evaluation_sets(data, recipe_battles(data, "auto"))
        Path(args.dump_prompts).write_text(json.dumps(sorted(sets.all_prompts())), encoding="utf-8")
        print(f"wrote {len(sets.all_prompts())} prompts to {args.dump_prompts}")
        return
    results: dict[str, dict[str, float]] = {}
    for recipe in args.recipes:
        results[recipe] = evaluate_recipe(recipe, data)
    if args.baselines or args.peer:
        sets = evaluation_sets(data, recipe_battles(data, "auto"))
        for name, scorer in peers.scorers(args.peer).items():
            results[name] = evaluate_untrained(scorer, sets)
    keys = list(next(iter(results.values())))
    print("| figure | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for k in keys:
        print(f"| {k} | " + " | ".join(f"{results[r][k]:+.3f}" if "headroom" in k else f"{results[r][k]:.3f}" for r in results) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


def recipe_battles(data: Path, tie_advantage: str | None) -> Battles:
    """The default recipe's training battles (scripts/default_router_recipe.sh) from ``data``."""
    prefs = data / "preferences"
    return build_training_data(
        battle_files=[prefs / f"{ARENA}.jsonl.gz", prefs / f"{OA}.jsonl.gz",
                      *(prefs / f"{v}.jsonl.gz" for v in VICUNA)],
        golden_files=[data / "benchmarks" / "mmlu.jsonl", data / "benchmarks" / "gsm8k.jsonl",
                      data / "multimodel" / "llmrouter_benchmark_outcomes.jsonl.gz"],
        golden_all_pairs=True, golden_holdout=0.2, golden_where={"permissive": True, "benchmark_overlap": None},
        drop_models=["llama3-chatqa-1.5-8b", "llama3-chatqa-1.5-70b"], golden_tie_advantage=tie_advantage,
    ).battles


@dataclass
class EvaluationSets:
    """What every figure is computed on: per chat group (prompts, strong quality, weak quality) and
    the held-out benchmark rows (the probes' prompts are their modules')."""

    chat: dict[str, tuple[list[str], np.ndarray, np.ndarray]]
    held_rows: dict[str, tuple[list[str], np.ndarray, np.ndarray]]

    def all_prompts(self) -> set[str]:
        """Every prompt a figure scores (what a peer's scores file must cover)."""
        out = set(easy_hard_probe.EASY) | set(easy_hard_probe.HARD)
        out |= {p for half in (task_type_probe.PROMPTS, task_type_probe.LENGTH_PROMPTS, task_type_probe.SEALED_PROMPTS)
                for ps in half.values() for p in ps}
        for prompts, _, _ in [*self.chat.values(), *self.held_rows.values()]:
            out |= set(prompts)
        return out


def evaluation_sets(data: Path, battles: Battles) -> EvaluationSets:
    arena = arena_grades(data / "preferences" / f"{ARENA}.jsonl.gz")
    oa = pool_labels(battles.of_source(OA), strong_tier=1 / 7)  # GPT-4 alone vs the six others
    vicuna = pool_labels(battles.subset([i for i, s in enumerate(battles.source) if s in VICUNA]))
    held_rows = {}
    for bench in ("mmlu", "gsm8k"):
        rows = [r for r in read_golden(data / "benchmarks" / f"{bench}.jsonl") if holdout(r.prompt, 0.2)]
        held_rows[bench] = ([r.prompt for r in rows], np.array([r.scores[STRONG] for r in rows]),
                            np.array([r.scores[WEAK] for r in rows]))
    return EvaluationSets(
        chat={"arena graded": arena, "OA gpt-4": (oa.prompts, oa.strong, oa.weak),
              "vicuna": (vicuna.prompts, vicuna.strong, vicuna.weak)},
        held_rows=held_rows,
    )


def probe_figures(router: Any, sets: EvaluationSets) -> dict[str, float]:
    """Figures of a router trained on everything: held-out MMLU/GSM8K rows and both probes (the
    task-type probe's first half, as issue 19 set it, its pairs of about the same length, and its
    third set)."""
    out: dict[str, float] = {}
    for bench, (prompts, s, w) in sets.held_rows.items():
        out[f"{bench} held-out APGR"] = headroom(np.asarray(router.score(prompts)), s, w)[0]
    out["easy/hard AUC"] = auc(np.asarray(router.score(easy_hard_probe.EASY)), np.asarray(router.score(easy_hard_probe.HARD)))
    types = task_type_probe.probe(router)
    out["task-type AUC"] = types["auc_high_vs_low"]
    for t in task_type_probe.HIGH:
        out[f"task-type AUC {t}"] = types["types"][t]["auc_vs_low"]
    out["task-type length-matched AUC"] = types["auc_length_matched"]
    for t in task_type_probe.HIGH:
        out[f"task-type length-matched AUC {t}"] = types["types"][t]["matched_auc_vs_low"]
    out["task-type third set AUC"] = types["auc_sealed"]
    return out


def evaluate_untrained(scorer: Any, sets: EvaluationSets) -> dict[str, float]:
    """A recipe's figures for a scorer that is never trained (a baseline or a peer): every chat
    figure scores the same prompts, so leave-one-source-out and in-domain are one figure."""
    out: dict[str, float] = {}
    for group, (prompts, strong, weak) in sets.chat.items():
        apgr, room = headroom(np.asarray(scorer.score(prompts)), strong, weak)
        out[f"{group} LOSO APGR"], out[f"{group} LOSO headroom"] = apgr, room
        if group == "OA gpt-4":
            out["OA gpt-4 in-domain APGR"], out["OA gpt-4 in-domain headroom"] = apgr, room
    out.update(probe_figures(scorer, sets))
    return out


def evaluate_recipe(recipe: str, data: Path) -> dict[str, float]:
    name, tie_advantage, opts = RECIPES[recipe]
    t0 = time.time()
    battles = recipe_battles(data, tie_advantage)
    sets = evaluation_sets(data, battles)
    groups = {"arena graded": (ARENA,), "OA gpt-4": (OA,), "vicuna": VICUNA}
    out: dict[str, float] = {}
    for group, sources in groups.items():
        inside = set(battles.subset([i for i, s in enumerate(battles.source) if s in sources]).prompts)
        router = make_router(name, opts)
        router.fit(battles.subset([i for i, p in enumerate(battles.prompts) if p not in inside]))
        prompts, strong, weak = sets.chat[group]
        apgr, room = headroom(np.asarray(router.score(prompts)), strong, weak)
        out[f"{group} LOSO APGR"], out[f"{group} LOSO headroom"] = apgr, room
        print(f"{recipe}: {group} LOSO {room:+.3f} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    oa_prompts, oa_strong, oa_weak = sets.chat["OA gpt-4"]
    fold = np.random.default_rng(0).permutation(len(oa_prompts)) % 3
    oa_scores = np.zeros(len(oa_prompts))
    for k in range(3):
        held = {p for p, f in zip(oa_prompts, fold) if f == k}
        router = make_router(name, opts)
        router.fit(battles.subset([i for i, p in enumerate(battles.prompts) if p not in held]))
        idx = np.nonzero(fold == k)[0]
        oa_scores[idx] = np.asarray(router.score([oa_prompts[i] for i in idx]))
    out["OA gpt-4 in-domain APGR"], out["OA gpt-4 in-domain headroom"] = headroom(oa_scores, oa_strong, oa_weak)
    router = make_router(name, opts)
    router.fit(battles)
    out.update(probe_figures(router, sets))
    print(f"{recipe}: done in {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return out


if __name__ == "__main__":
    main()
