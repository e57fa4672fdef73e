"""routellm eval: evaluate routers on a benchmark of strong/weak outcomes, on chat preference
data, or on multi-model outcomes (routing among N models, quality vs cost).

    routellm eval --benchmark mmlu.jsonl --strong gpt-4-1106-preview \\
        --weak mistralai/Mixtral-8x7B-Instruct-v0.1 --routers random sw_ranking mf --cv 5 \\
        --out-json eval.json --plot eval.png --scores-out scores.jsonl

    routellm eval --preferences arena.jsonl.gz oa.jsonl.gz vicuna.jsonl.gz \\
        --routers random pooled_ridge --leave-one-source-out --golden gsm8k.jsonl --golden-all-pairs

    routellm eval --multimodel rb_arc_test.jsonl --train rb_arc_train.jsonl.gz \\
        --routers quality_ridge default --out-json mm.json --plot mm.png

With --multimodel, every router is evaluated on its quality-vs-cost curve beside every single
model, the random mix and the oracle: AIQ (RouterBench's area under the cost-quality hull), the
cost at which it matches the best single model, its quality at half that model's cost. Router
types are trained on --train files (or per fold with --cv K); a router predicting each model's
quality trades it against cost, any other splits its score into tiers. Without costs in the
files, --prices FILE gives USD per 1M tokens per model.

With --preferences, every prompt gets pooled strong-vs-weak labels (the strong and weak tier of
each file's models, by Bradley-Terry strength) and results are given per source group with the
oracle and the share of the random-to-oracle headroom recovered; --cv K splits by prompt and
--leave-one-source-out trains on every other source group (plus --battles / --golden).

Without --cv each router is loaded as it is (a name, a checkpoint folder or a hub id, as
load_router takes them). With --cv K a router name means "train a fresh router of this type" on
the other folds' golden labels (plus --battles) and score the held-out fold. The random router
is the mean of --random-seeds seeds; the oracle (strong only where it is better) is always
added. Standalone: python -m routellm_core.cli.evaluate ...
"""

# The module docstring is also the command's --help description (RawDescriptionHelpFormatter):
# keep it plain text, not reST, and write each example's line continuation as "\\".

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.loading.loader import load_router
from routellm_core.cli.common import add_training_data_args, training_data_from_args
from routellm_core.cli.evaluate_multimodel import add_arguments as add_multimodel_arguments
from routellm_core.cli.evaluate_multimodel import run_multimodel
from routellm_core.data.golden import read_golden
from routellm_core.data.pooling import DEFAULT_STRONG_TIER
from routellm_core.errors import ConfigError, RouteLLMError
from routellm_core.evaluation.cross_validation import assign_folds, cross_val_scores, router_factory
from routellm_core.evaluation.metrics import (
    average_curves,
    check_benchmark,
    evaluate_scores,
    oracle_scores,
    outcome_arrays,
    per_call_costs,
    summarize,
)
from routellm_core.evaluation.plots import plot_curves
from routellm_core.routers.random import RandomRouter
from routellm_core.routers.registry import DEFAULT_ROUTER, ROUTER_CLASSES, available_routers, router_class
from routellm_core.utils.files import check_output_file
from routellm_core.utils.validation import parse_finite

RANDOM = "random"
ORACLE = "oracle"


# ============================================================================ parser
def _add_arguments(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--benchmark", nargs="+", metavar="FILE",
                      help="benchmark outcome file(s): JSONL/CSV/Parquet rows with prompt and scores {model: 0..1}")
    what.add_argument("--preferences", nargs="+", metavar="FILE",
                      help="preference battle file(s) to evaluate on with pooled labels (each file is one source)")
    what.add_argument("--multimodel", nargs="+", metavar="FILE",
                      help="multi-model outcome file(s) (scores {model: 0..1}, costs {model: USD} if known): "
                           "route among all models, quality vs cost")
    p.add_argument("--strong", help="with --benchmark: strong model name (a key of scores)")
    p.add_argument("--weak", help="with --benchmark: weak model name (a key of scores)")
    p.add_argument("--routers", nargs="+", default=[RANDOM, DEFAULT_ROUTER], metavar="ROUTER",
                   help=f"router names ({', '.join(available_routers())}) or, without --cv, checkpoint "
                        "folders / hub ids")
    p.add_argument("--cv", type=int, default=None, metavar="K",
                   help="K-fold cross-validation: train a fresh router per fold on the other folds' golden labels")
    p.add_argument("--split-by", choices=["prompt", "category"], default="prompt",
                   help="fold groups under --cv: duplicate prompts together (default) or whole categories")
    p.add_argument("--max-train", type=int, default=None, metavar="N",
                   help="under --cv, at most N golden training rows per fold (random subset)")
    p.add_argument("--leave-one-source-out", action="store_true",
                   help="with --preferences: score each source group with a router trained on the other groups")
    p.add_argument("--strong-tier", type=parse_finite, default=DEFAULT_STRONG_TIER,
                   help="with --preferences: share of each file's models in the strong tier (default 0.5)")
    p.add_argument("--weak-tier", type=parse_finite, default=None,
                   help="with --preferences: share of models after the strong tier in the weak tier (default: the rest)")
    p.add_argument("--seed", type=int, default=0, help="seed of folds, subsets, routers and the random router")
    p.add_argument("--random-seeds", type=int, default=10, metavar="N",
                   help="the random router is the mean curve of N seeds (default 10)")
    p.add_argument("--router-opt", action="append", default=[], metavar="ROUTER.KEY=VALUE",
                   help="constructor option for a router type, e.g. mf.epochs=10 (repeatable; JSON values)")
    p.add_argument("--keep-contaminated", action="store_true",
                   help="also evaluate rows marked contaminated (dropped by default)")
    cost = p.add_argument_group("cost (savings vs always-strong at the CPT points)")
    cost.add_argument("--strong-price", type=parse_finite, default=None,
                      help="strong model USD per 1M tokens (default 24.7, the paper's GPT-4 estimate)")
    cost.add_argument("--weak-price", type=parse_finite, default=None,
                      help="weak model USD per 1M tokens (default 0.24, the paper's Mixtral estimate)")
    cost.add_argument("--tokens-per-call", type=parse_finite, default=1000.0,
                      help="assumed tokens per call to turn prices into per-call costs (default 1000)")
    cost.add_argument("--strong-cost", type=parse_finite, default=None, help="strong model cost per call (overrides prices)")
    cost.add_argument("--weak-cost", type=parse_finite, default=None, help="weak model cost per call (overrides prices)")
    add_training_data_args(
        p, battles_help="under --cv / --leave-one-source-out, extra preference battles added to every training set"
    )
    add_multimodel_arguments(p)
    out = p.add_argument_group("output")
    out.add_argument("--out-json", default=None, metavar="FILE", help="write metrics and curves as JSON")
    out.add_argument("--plot", default=None, metavar="FILE.png", help="write quality vs %% strong calls as PNG")
    out.add_argument("--scores-out", default=None, metavar="FILE.jsonl",
                     help="write every prompt's score per router as JSON Lines {id, router, score}")
    out.add_argument("--curve-points", type=int, default=201,
                     help="curve points in the JSON (equally spaced shares; 0 = every k/n point)")
    out.add_argument("--quiet", action="store_true", help="no progress bars")


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``eval`` subcommand on an ``argparse`` subparsers object; returns it (its
    ``func`` default is ``run``)."""
    p = subparsers.add_parser(
        "eval",
        help="evaluate routers on a benchmark (APGR, CPT, cost savings)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="routellm eval", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return p


# ============================================================================ helpers
def _parse_router_opts(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["mf.epochs=10"]`` -> ``{"mf": {"epochs": 10}}`` (values parsed as JSON, else text)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        router, dot, opt = key.partition(".")
        if not sep or not dot or not router or not opt:
            raise ConfigError(f"--router-opt {item!r}: use ROUTER.KEY=VALUE, e.g. mf.epochs=10.")
        try:
            parsed: Any = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.setdefault(router, {})[opt] = parsed
    return out


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _random_scores(prompts: list[str], seed: int, seeds: int) -> list[np.ndarray]:
    return [np.asarray(RandomRouter(seed=seed + i).score(prompts)) for i in range(max(1, seeds))]


def _needs_training(name: str) -> bool:
    return name not in ROUTER_CLASSES or getattr(router_class(name), "needs_training", True)


def _score_loaded(spec: str, prompts: list[str], strong: str, weak: str, opts: dict[str, Any]) -> np.ndarray:
    """Scores of a ready router (name / folder / hub id) for the pair; falls back to the
    router's own pair (with a note) when it does not know these model names."""
    router = load_router(spec, **opts)
    known = router.known_models()
    if known and (strong not in known or weak not in known):
        _log(f"note: router {spec!r} does not know {strong!r}/{weak!r}; scoring with its own pair "
             f"{router.strong_model!r}/{router.weak_model!r}.")
        return np.asarray(router.score(prompts), dtype=np.float64)
    return np.asarray(router.score(prompts, strong=strong, weak=weak), dtype=np.float64)


def _format_share(x: float | None) -> str:
    return "  n/a" if x is None else f"{100 * x:5.1f}%"


def format_table(summaries: dict[str, dict[str, Any]]) -> str:
    """The metrics table printed in the terminal."""
    width = max(12, *(len(n) for n in summaries)) + 1
    head = (f"{'router':<{width}} {'APGR':>6} {'CPT(50%)':>9} {'CPT(80%)':>9} "
            f"{'save@50':>8} {'save@80':>8} {'qual@50%':>9}")
    lines = [head, "-" * len(head)]
    for name, s in summaries.items():
        lines.append(
            f"{name:<{width}} {s['apgr']:6.3f} {_format_share(s['cpt50']):>9} {_format_share(s['cpt80']):>9} "
            f"{_format_share(s['saving_at_cpt50']):>8} {_format_share(s['saving_at_cpt80']):>8} "
            f"{100 * s['quality_at_50pct']:8.1f}%"
        )
    return "\n".join(lines)


# ============================================================================ main
def compute_router_scores(args: argparse.Namespace, rows: list[Any]) -> tuple[dict[str, np.ndarray], dict[str, list[np.ndarray]]]:
    """Per-router score arrays (n,). ``random`` gives the list of its seeds' arrays instead."""
    prompts = [r.prompt for r in rows]
    opts = _parse_router_opts(args.router_opt)
    extra = training_data_from_args(args).battles if args.battles else None
    if args.battles and not args.cv:
        _log("note: --battles is used only for training under --cv; ignored.")
    scores: dict[str, np.ndarray] = {}
    random_runs: dict[str, list[np.ndarray]] = {}
    for spec in dict.fromkeys(args.routers):
        if spec == RANDOM:
            random_runs[spec] = _random_scores(prompts, args.seed, args.random_seeds)
        elif args.cv and _needs_training(spec):
            _log(f"[{spec}] {args.cv}-fold cross-validation ({args.split_by} groups)")
            factory = router_factory(spec, strong=args.strong, weak=args.weak, seed=args.seed, **opts.get(spec, {}))
            scores[spec] = cross_val_scores(
                factory, rows, args.strong, args.weak, folds=args.cv,
                split_by=None if args.split_by == "prompt" else args.split_by, seed=args.seed,
                extra_battles=extra, max_train=args.max_train, progress=not args.quiet, desc=spec,
            )
        else:
            _log(f"[{spec}] scoring {len(prompts)} prompts with the router as it is")
            scores[spec] = _score_loaded(spec, prompts, args.strong, args.weak, opts.get(spec, {}))
    if RANDOM not in random_runs:
        random_runs[RANDOM] = _random_scores(prompts, args.seed, args.random_seeds)
    return scores, random_runs


def _load_rows(args: argparse.Namespace) -> tuple[list[Any], int]:
    all_rows = read_golden(args.benchmark, drop_contaminated=False)
    rows = all_rows if args.keep_contaminated else [r for r in all_rows if not r.contaminated]
    return rows, len(all_rows) - len(rows)


def _write_scores(path: str, rows: list[Any], scores: dict[str, np.ndarray], folds: np.ndarray | None) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for name, arr in scores.items():
            for i, (r, s) in enumerate(zip(rows, arr)):
                rec: dict[str, Any] = {"id": r.id, "router": name, "score": float(s)}
                if folds is not None:
                    rec["fold"] = int(folds[i])
                fh.write(json.dumps(rec) + "\n")


def run(args: argparse.Namespace) -> int:
    """Run ``routellm eval``; returns the exit status (0 ok, 2 for a usage/data error)."""
    try:
        return _run(args)
    except RouteLLMError as exc:
        _log(f"routellm eval: error: {exc}")
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.cv is not None and args.cv < 2:
        raise ConfigError(f"--cv needs at least 2 folds, got {args.cv}.")
    for option, path in (("--out-json", args.out_json), ("--plot", args.plot), ("--scores-out", args.scores_out)):
        if path:
            check_output_file(path, option)
    if args.multimodel:
        if args.scores_out or args.golden or args.leave_one_source_out:
            raise ConfigError("--scores-out, --golden and --leave-one-source-out are not for --multimodel.")
        return run_multimodel(args, _parse_router_opts(args.router_opt))
    if args.train:
        raise ConfigError("--train (a train split) is for --multimodel; with --benchmark use --cv K.")
    if args.preferences:
        from routellm_core.cli.evaluate_preferences import run_preferences

        if args.plot or args.scores_out:
            raise ConfigError("--plot and --scores-out are for --benchmark; with --preferences use --out-json.")
        return run_preferences(args, _parse_router_opts(args.router_opt))
    if args.golden or args.leave_one_source_out:
        raise ConfigError(
            "--golden and --leave-one-source-out belong to --preferences evaluation; with --benchmark, the "
            "benchmark's own rows are the training data under --cv (plus --battles)."
        )
    if not args.strong or not args.weak:
        raise ConfigError("--benchmark needs --strong and --weak (the two model names in its scores).")
    rows, dropped = _load_rows(args)
    strong_s, weak_s = outcome_arrays(rows, args.strong, args.weak)
    qs, qw = check_benchmark(strong_s, weak_s)
    c_strong, c_weak = per_call_costs(
        strong_price=args.strong_price, weak_price=args.weak_price, tokens_per_call=args.tokens_per_call,
        strong_cost=args.strong_cost, weak_cost=args.weak_cost,
    )
    split_by = None if args.split_by == "prompt" else args.split_by
    folds = assign_folds(rows, args.cv, split_by=split_by, seed=args.seed) if args.cv else None

    scores, random_runs = compute_router_scores(args, rows)
    curves = {name: evaluate_scores(s, strong_s, weak_s) for name, s in scores.items()}
    for name, runs in random_runs.items():
        curves[name] = average_curves([evaluate_scores(s, strong_s, weak_s) for s in runs])
    ordered = {n: curves[n] for n in dict.fromkeys(args.routers) if n in curves}
    ordered.setdefault(RANDOM, curves[RANDOM])
    ordered[ORACLE] = evaluate_scores(oracle_scores(strong_s, weak_s), strong_s, weak_s)
    summaries = {n: summarize(c, c_strong, c_weak) for n, c in ordered.items()}

    bench = ", ".join(Path(b).name for b in args.benchmark)
    print(f"benchmark {bench}: n={len(rows)} prompts ({dropped} contaminated dropped)")
    print(f"strong {args.strong}: quality {100 * qs:.1f}%   weak {args.weak}: quality {100 * qw:.1f}%")
    if args.cv:
        extra = f", max {args.max_train} training rows/fold" if args.max_train else ""
        print(f"{args.cv}-fold cross-validation grouped by {args.split_by}, seed {args.seed}{extra}")
    else:
        print("no cross-validation: routers evaluated as loaded")
    print(f"cost per call: strong {c_strong:.6g}, weak {c_weak:.6g} (savings vs always-strong)\n")
    print(format_table(summaries))
    print(f"\n{RANDOM}: mean of {max(1, args.random_seeds)} seeds (expected APGR 0.5); "
          f"{ORACLE}: strong only where it scores higher (upper bound). APGR = exact area under PGR.")

    if args.out_json:
        report = {
            "benchmark": [str(b) for b in args.benchmark],
            "strong": args.strong, "weak": args.weak, "n": len(rows), "contaminated_dropped": dropped,
            "strong_quality": qs, "weak_quality": qw,
            "cv": args.cv, "split_by": args.split_by if args.cv else None, "seed": args.seed,
            "max_train": args.max_train, "random_seeds": max(1, args.random_seeds),
            "cost_per_call": {"strong": c_strong, "weak": c_weak},
            "routers": {n: {**summaries[n], "curve": c.on_grid(args.curve_points)} for n, c in ordered.items()},
        }
        out = Path(args.out_json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        _log(f"wrote {out}")
    if args.plot:
        title = f"{bench}: {args.strong} vs {args.weak}" + (f" ({args.cv}-fold CV)" if args.cv else "")
        _log(f"wrote {plot_curves(ordered, args.plot, title=title, strong_label='strong', weak_label='weak')}")
    if args.scores_out:
        all_scores = {n: (scores[n] if n in scores else random_runs[n][0]) for n in ordered if n != ORACLE}
        _write_scores(args.scores_out, rows, all_scores, folds)
        _log(f"wrote {args.scores_out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
