"""``routellm eval --preferences FILE...``: evaluate routers on chat preference data.

Every prompt of the preference files gets pooled strong-vs-weak labels (the strong and the weak
tier's mean result on it, tiers by Bradley-Terry strength per file; see
``routellm_core.data.pooling``), evaluated like a golden benchmark (APGR, CPT). Results are given per
source group (files that share prompts form one group) with the random (0.5) and oracle APGR and the
share of that headroom a router recovers.

- no ``--cv`` / ``--leave-one-source-out``: routers are loaded as they are and score every prompt;
- ``--cv K``: K-fold by prompt; a router name trains a fresh router per fold on the other folds'
  battles plus the ``--battles`` / ``--golden`` training data;
- ``--leave-one-source-out``: each source group is scored by a router trained on every other group
  plus the training data (rows whose prompt is in the held-out group are dropped).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.loading.loader import load_router
from routellm_core.cli.common import training_data_from_args
from routellm_core.data.battles import Battles, read_battles
from routellm_core.data.pooling import PooledLabels, pool_labels
from routellm_core.errors import ConfigError
from routellm_core.evaluation.cross_validation import router_factory
from routellm_core.evaluation.metrics import average_curves
from routellm_core.evaluation.preferences import (
    PooledResult,
    cross_val_pooled,
    evaluate_pooled,
    leave_one_source_out,
    source_groups,
)
from routellm_core.routers.random import RandomRouter
from routellm_core.routers.registry import ROUTER_CLASSES, router_class

RANDOM = "random"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _trains(name: str) -> bool:
    return name in ROUTER_CLASSES and getattr(router_class(name), "needs_training", True)


def _by_group(labels: PooledLabels, scores: np.ndarray, groups: dict[str, list[str]]) -> dict[str, PooledResult]:
    """Results per source group, from labels pooled over all files (a prompt's ``source`` names
    the files that judged it, so it belongs to the group holding them)."""
    out: dict[str, PooledResult] = {}
    for name, members in groups.items():
        inside = set(members)
        idx = [i for i, s in enumerate(labels.source) if set(s.split("+")) <= inside]
        if idx:
            out[name] = evaluate_pooled(scores[idx], labels.subset(idx))
    return out


def _random_results(
    labels: PooledLabels, groups: dict[str, list[str]], seed: int, seeds: int
) -> tuple[dict[str, PooledResult], dict[str, float]]:
    """The random router per group: the mean curve of ``seeds`` seeds (expected APGR 0.5), and the
    standard deviation of one seed's APGR (how much noise a set of this size carries)."""
    runs = [
        _by_group(labels, np.asarray(RandomRouter(seed=seed + i).score(labels.prompts)), groups)
        for i in range(max(1, seeds))
    ]
    out: dict[str, PooledResult] = {}
    sd: dict[str, float] = {}
    for g, first in runs[0].items():
        curve = average_curves([r[g].curve for r in runs])
        out[g] = PooledResult(first.labels, first.scores, curve, first.oracle)
        sd[g] = float(np.std([r[g].curve.apgr for r in runs]))
    return out, sd


def run_preferences(args: argparse.Namespace, router_opts: dict[str, dict[str, Any]]) -> int:
    """The preference mode of ``routellm eval``: the ``--preferences`` files are the benchmark; the
    ``--battles`` / ``--golden`` files, if any, extra training data (``--golden-tie-advantage auto``
    measures on the preference files' judge grades when no ``--battles`` are given)."""
    if args.cv and args.leave_one_source_out:
        raise ConfigError("give --cv K or --leave-one-source-out, not both.")
    prefs = read_battles(args.preferences)
    if not len(prefs):
        raise ConfigError("the --preferences files hold no battles.")
    training = (
        training_data_from_args(args, judged=None if args.battles else prefs)
        if (args.battles or args.golden) else None
    )
    groups = source_groups(prefs)
    extra: Battles | None = training.battles if training is not None else None
    tier = {"strong_tier": args.strong_tier, "weak_tier": args.weak_tier}
    protocol = (
        f"{args.cv}-fold cross-validation by prompt, seed {args.seed}" if args.cv
        else "leave one source group out" if args.leave_one_source_out
        else "routers evaluated as loaded"
    )
    results: dict[str, dict[str, PooledResult]] = {}
    spread: dict[str, dict[str, float]] = {}
    for spec in dict.fromkeys(args.routers):
        trained = (args.cv or args.leave_one_source_out) and _trains(spec)
        if trained:
            factory = router_factory(spec, seed=args.seed, **router_opts.get(spec, {}))
            _log(f"[{spec}] {protocol}")
            if args.leave_one_source_out:
                results[spec] = leave_one_source_out(factory, prefs, extra_train=extra, **tier)
                continue
            labels, scores, _ = cross_val_pooled(factory, prefs, folds=args.cv, seed=args.seed, extra_train=extra, **tier)
        else:
            labels = pool_labels(prefs, **tier)
            if spec == RANDOM:
                results[spec], spread[spec] = _random_results(labels, groups, args.seed, args.random_seeds)
                continue
            _log(f"[{spec}] scoring {len(labels)} prompts with the router as it is")
            scores = np.asarray(load_router(spec, **router_opts.get(spec, {})).score(labels.prompts), dtype=np.float64)
        results[spec] = _by_group(labels, scores, groups)

    print(f"preference files: {', '.join(Path(p).name for p in args.preferences)}")
    print(f"pooled labels: strong tier = top {args.strong_tier:.0%} of each file's models by Bradley-Terry strength, "
          f"weak tier = {'the rest' if args.weak_tier is None else f'the next {args.weak_tier:.0%}'}")
    if training is not None:
        files = [f["file"] for f in training.summary["battles"] + training.summary["golden"]]
        protocol += f"; every training set also holds {', '.join(files)}"
    print(f"protocol: {protocol}")
    print(format_pooled_table(results))
    print("headroom = (APGR - 0.5) / (oracle APGR - 0.5): the share of the random-to-oracle range recovered.")
    for name, per in spread.items():
        print(f"{name}: mean curve of {max(1, args.random_seeds)} seeds; the APGR of one seed varies by "
              + ", ".join(f"+-{sd:.3f} ({g})" for g, sd in per.items()) + " (1 sd): differences smaller than that are noise.")
    if args.out_json:
        report = {
            "preferences": [str(p) for p in args.preferences],
            "protocol": protocol,
            "seed": args.seed,
            "strong_tier": args.strong_tier,
            "weak_tier": args.weak_tier,
            "training_data": training.summary if training is not None else None,
            "routers": {r: {g: res.summary() for g, res in per.items()} for r, per in results.items()},
        }
        out = Path(args.out_json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        _log(f"wrote {out}")
    return 0


def format_pooled_table(results: dict[str, dict[str, PooledResult]]) -> str:
    """One row per (source group, router): n, APGR, oracle APGR, headroom recovered, CPT(50%)."""
    groups = list(dict.fromkeys(g for per in results.values() for g in per))
    gw = max(12, *(len(g) for g in groups)) + 1
    rw = max(8, *(len(r) for r in results)) + 1
    head = f"{'source group':<{gw}} {'router':<{rw}} {'n':>5} {'APGR':>6} {'oracle':>7} {'headroom':>9} {'CPT(50%)':>9}"
    lines = [head, "-" * len(head)]
    for g in groups:
        for r, per in results.items():
            if g not in per:
                continue
            s = per[g].summary()
            cpt = "  n/a" if s["cpt50"] is None else f"{100 * s['cpt50']:5.1f}%"
            lines.append(
                f"{g:<{gw}} {r:<{rw}} {s['n']:5d} {s['apgr']:6.3f} {s['oracle_apgr']:7.3f} "
                f"{100 * s['headroom']:8.1f}% {cpt:>9}"
            )
    return "\n".join(lines)
