"""``routellm eval --multimodel FILE...``: routing among N models, quality vs cost.

Rows: ``prompt``, ``scores: {model: 0..1}`` and, in RouterBench files, ``costs: {model: USD}``.
Other files (LLMRouter, RouterDC) carry outcomes only: give ``--prices FILE`` (JSON ``{model:
USD per 1M tokens, or [input, output]}``, times ``--tokens IN OUT``), or get quality figures
without costs.

Routers: a router type name with ``--train FILE...`` is trained on those files (every pair of
models on each row, as ``routellm train --golden-all-pairs``) and scored on the evaluated files;
with ``--cv K`` it is trained per fold on the other folds. Anything else (a bundled name, a
folder) is loaded as it is. A router that predicts each model's quality (``quality_ridge``,
``mf``) is evaluated with the ``"quality"`` strategy (every trade-off ``lam``, each call priced as
known before it is made: ``call_cost_estimates`` fitted on the training rows' costs, else the
evaluated rows'; ``--tokens prompt OUT`` prices each call by its prompt); any other with
``"tiers"`` over the models on the single models' cost-quality hull (of the training files when
given), every budget. Always added: every single model, the random mix (RouterBench's zero
router) and the oracle.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.loading.loader import load_router
from routellm_core.cli.common import parse_key_values
from routellm_core.data.golden import GoldenRow, golden_to_all_pair_battles, read_golden
from routellm_core.errors import ConfigError, DataFormatError
from routellm_core.evaluation.cross_validation import fold_splits, router_factory
from routellm_core.evaluation.multimodel import (
    CostCurve,
    MultiModelData,
    call_cost_estimates,
    efficient_models,
    multimodel_data,
    oracle_curve,
    quality_router_curve,
    random_mix,
    single_models,
    summarize,
    tiers_router_curve,
)
from routellm_core.routers.registry import ROUTER_CLASSES, router_class
from routellm_core.routing.candidates import PROMPT_TOKENS
from routellm_core.utils.validation import parse_finite

RANDOM = "random"
MIX = "random mix"
ORACLE = "oracle"
QUALITY = "quality"
TIERS = "tiers"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of this mode (``--multimodel`` itself is in ``evaluate``'s group of modes)."""
    g = p.add_argument_group("multi-model (--multimodel)")
    g.add_argument("--train", nargs="+", metavar="FILE",
                   help="with --multimodel: files to train router types on (the evaluated files are the test split)")
    g.add_argument("--models", nargs="+", metavar="NAME", help="with --multimodel: route among these models only")
    g.add_argument("--where", nargs="+", metavar="KEY=VALUE", default=[],
                   help="with --multimodel: evaluate only rows whose field KEY equals VALUE (JSON), e.g. split=test")
    g.add_argument("--train-where", nargs="+", metavar="KEY=VALUE", default=[],
                   help="with --train: train only on rows whose field KEY equals VALUE, e.g. split=train")
    g.add_argument("--prices", metavar="FILE.json",
                   help="with --multimodel: USD per 1M tokens per model, {model: price or [input, output]}")
    g.add_argument("--tokens", nargs=2, type=_tokens_value, default=[1000.0, 0.0], metavar=("IN", "OUT"),
                   help="with --prices: typical input and output tokens per call (default 1000 0); IN 'prompt': "
                        "each call's own prompt tokens (characters / 4)")
    g.add_argument("--binarize", nargs="*", metavar="KEY=VALUE", default=None,
                   help="with --multimodel: count a score > 0 as correct (lm-evaluation-harness prob_if_correct "
                        "scores), on every row, or only on rows whose field KEY equals VALUE, e.g. "
                        "--binarize score_type=prob_if_correct")


def _tokens_value(text: str) -> float | str:
    """A ``--tokens`` value: a finite number, or ``prompt`` (each call's own prompt tokens)."""
    return PROMPT_TOKENS if text == PROMPT_TOKENS else parse_finite(text)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read_prices(path: str) -> dict[str, Any]:
    p = Path(path).expanduser()
    try:
        prices = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFormatError(f"prices file not found: {p}; check the path.") from None
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{p}: not JSON ({exc}); give {{model: USD per 1M tokens}}.") from None
    if not isinstance(prices, dict):
        raise DataFormatError(f"{p}: give a JSON object {{model: USD per 1M tokens, or [input, output]}}.")
    return {k: v for k, v in prices.items() if not k.startswith("_")}  # "_source" & co. are notes


def _binarized(files: Sequence[str], rows: list[GoldenRow], spec: list[str] | None, where: dict[str, Any],
               drop_contaminated: bool) -> list[GoldenRow]:
    """``rows`` with scores > 0 counted as 1 on every row (``spec`` = []) or on the rows whose
    fields match ``spec`` (KEY=VALUE); unchanged when ``spec`` is None."""
    if spec is None:
        return rows
    marked: set[tuple[str, str]] | None = None
    if spec:
        match = {**where, **parse_key_values(spec, "--binarize", "score_type=prob_if_correct")}
        marked = {(r.source, r.id) for r in read_golden(files, drop_contaminated=drop_contaminated, where=match)}
    return [
        GoldenRow(r.prompt, {m: float(v > 0) for m, v in r.scores.items()}, r.id, r.category, r.contaminated,
                  r.source, r.costs) if marked is None or (r.source, r.id) in marked else r
        for r in rows
    ]


def _restrict(rows: Sequence[GoldenRow], models: Sequence[str]) -> list[GoldenRow]:
    """Rows with only ``models``' scores, for training."""
    keep = set(models)
    out = []
    for r in rows:
        scores = {m: v for m, v in r.scores.items() if m in keep}
        if len(scores) >= 2:
            out.append(GoldenRow(r.prompt, scores, r.id, r.category, r.contaminated, r.source, r.costs))
    return out


def _predict(router: Any, prompts: list[str], models: list[str]) -> tuple[str, np.ndarray]:
    """("quality", (n, M) predicted quality) when the router predicts every model's quality, else
    ("tiers", (n,) scores)."""
    if router.predicts_quality and set(models) <= set(router.known_models()):
        return QUALITY, np.asarray(router.quality(prompts, models), dtype=np.float64)
    return TIERS, np.atleast_1d(np.asarray(router.score(prompts), dtype=np.float64))


def cost_prices(reference: MultiModelData) -> dict[str, float] | None:
    """Each model's mean cost per call on ``reference`` as a price table for a router's ``prices``
    option (only the order matters: a model never picked when a no-dearer one is better on average);
    None without costs."""
    costs = reference.mean_costs
    return None if costs is None else {m: float(c) for m, c in zip(reference.models, costs)}


def router_outputs(args: argparse.Namespace, spec: str, opts: dict[str, Any], data: MultiModelData,
                   rows: list[GoldenRow], train_rows: list[GoldenRow] | None,
                   prices: dict[str, float] | None = None) -> tuple[str, np.ndarray, str]:
    """(strategy, predictions, how it was obtained) of one router on the evaluated rows. A router
    trained here that takes ``prices`` and was given none gets ``prices`` (the known costs)."""
    trains = spec in ROUTER_CLASSES and getattr(router_class(spec), "needs_training", True)
    if trains and prices is not None and "prices" not in opts and "prices" in router_class(spec)().get_params():
        strategy, pred, how = router_outputs(args, spec, {**opts, "prices": prices}, data, rows, train_rows)
        return strategy, pred, how + "; prices = the known costs"
    if trains and train_rows is not None:
        router = router_factory(spec, seed=args.seed, **opts)()
        router.fit(golden_to_all_pair_battles(_restrict(train_rows, data.models)))
        return (*_predict(router, data.prompts, data.models), f"trained on {len(train_rows)} rows of --train")
    if trains and args.cv:
        factory = router_factory(spec, seed=args.seed, **opts)
        out: np.ndarray | None = None
        strategy = QUALITY
        for test_idx, train, _ in fold_splits(rows, args.cv, seed=args.seed, max_train=args.max_train,
                                               progress=not args.quiet, desc=spec):
            router = factory()
            router.fit(golden_to_all_pair_battles(_restrict(train, data.models)))
            strategy, pred = _predict(router, [data.prompts[i] for i in test_idx], data.models)
            if out is None:
                out = np.full((len(rows), *pred.shape[1:]), np.nan)
            out[test_idx] = pred
        return strategy, out, f"{args.cv}-fold cross-validation, seed {args.seed}"  # type: ignore[return-value]
    return (*_predict(load_router(spec, **opts), data.prompts, data.models), "loaded as it is")


def run_multimodel(args: argparse.Namespace, router_opts: dict[str, dict[str, Any]]) -> int:
    """The multi-model mode of ``routellm eval``."""
    if args.strong or args.weak:
        raise ConfigError("--strong/--weak are for --benchmark; --multimodel routes among all models (--models).")
    if args.train and args.cv:
        raise ConfigError("give --train FILE... (a train/test split) or --cv K, not both.")
    prices = read_prices(args.prices) if args.prices else None
    where = parse_key_values(args.where, "--where", "split=test")
    drop = not args.keep_contaminated
    rows = _binarized(args.multimodel, read_golden(args.multimodel, drop_contaminated=drop, where=where),
                      args.binarize, where, drop)
    if args.tokens[1] == PROMPT_TOKENS:
        raise ConfigError(f"--tokens OUT must be a number of output tokens; only IN may be {PROMPT_TOKENS!r}.")
    tokens = (args.tokens[0] if args.tokens[0] == PROMPT_TOKENS else float(args.tokens[0]), float(args.tokens[1]))
    data = multimodel_data(rows, models=args.models, prices=prices, tokens=tokens)
    train_where = parse_key_values(args.train_where, "--train-where", "split=train")
    train_rows = _binarized(args.train, read_golden(args.train, drop_contaminated=drop, where=train_where),
                            args.binarize, train_where, drop) if args.train else None
    reference = data
    if train_rows:
        reference = multimodel_data(train_rows, models=data.models, prices=prices, tokens=tokens)
    curves: dict[str, CostCurve] = dict(single_models(data))
    singles = list(curves)
    curves[MIX] = random_mix(data)
    notes: dict[str, str] = {}
    tiers = efficient_models(reference) if data.costs is not None else None
    call_costs = call_cost_estimates(reference, data.prompts)
    for spec in dict.fromkeys(args.routers):
        if spec == RANDOM:
            continue
        _log(f"[{spec}] predicting {len(data)} prompts")
        strategy, pred, how = router_outputs(args, spec, router_opts.get(spec, {}), data, rows, train_rows,
                                             cost_prices(reference))
        if strategy == QUALITY:
            curves[spec] = quality_router_curve(pred, data, call_costs=call_costs)
        elif tiers is None:
            _log(f"note: {spec!r} scores one pair (strategy 'tiers'), which needs costs or --prices; skipped.")
            continue
        else:
            curves[spec] = tiers_router_curve(pred, data, tiers)
            how += f"; tiers {', '.join(tiers)}"
        notes[spec] = f"strategy {strategy}, {how}"
    curves[ORACLE] = oracle_curve(data)
    summary = summarize(curves, data)

    print(f"multi-model files: {', '.join(Path(f).name for f in args.multimodel)} (n={len(data)}, "
          f"{len(data.models)} models)" + (f"; trained on {', '.join(Path(f).name for f in args.train)}" if args.train else ""))
    n_in = "each prompt's own" if tokens[0] == PROMPT_TOKENS else f"{tokens[0]:g}"
    cost_note = (f"prices from {args.prices} x {n_in} input + {tokens[1]:g} output tokens per call" if prices
                 else "per-call costs recorded in the file" if data.costs is not None
                 else "no costs (give --prices FILE): quality figures only")
    print(f"costs: {cost_note}")
    for name, note in notes.items():
        print(f"{name}: {note}")
    print(format_summary(summary, singles, data.costs is not None))
    if args.out_json:
        report = {
            "multimodel": [str(f) for f in args.multimodel], "train": args.train, "cv": args.cv, "seed": args.seed,
            "n": len(data), "models": data.models, "costs": cost_note, "binarize": args.binarize,
            "tiers": tiers, "routers": notes, "summary": summary,
            "curves": {n: c.to_json() for n, c in curves.items()},
        }
        out = Path(args.out_json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        _log(f"wrote {out}")
    if args.plot:
        from routellm_core.evaluation.plots import plot_cost_curves, plot_quality_bars

        title = ", ".join(Path(f).name for f in args.multimodel)
        if data.costs is None:
            bars = {n: s["max_quality"] for n, s in summary["systems"].items()}
            _log(f"wrote {plot_quality_bars(bars, args.plot, title=title)}")
        else:
            _log(f"wrote {plot_cost_curves(curves, singles, args.plot, title=title)}")
    return 0


def _pct(x: float | None) -> str:
    return "    n/a" if x is None else f"{100 * x:6.2f}%"


def _usd(x: float | None) -> str:
    return "      n/a" if x is None else f"{x:9.3g}"


def format_summary(summary: dict[str, Any], singles: list[str], with_costs: bool) -> str:
    """The terminal table: one row per system (single models first)."""
    best = summary["best_single"]
    systems = summary["systems"]
    width = max(14, *(len(n) for n in systems)) + 1
    if not with_costs:
        head = f"{'system':<{width}} {'quality':>8}"
        lines = [head, "-" * len(head)]
        for name, s in systems.items():
            lines.append(f"{name:<{width}} {_pct(s['max_quality']):>8}")
        lines.append(f"best single: {best['model']}; routers pick their best predicted model per prompt.")
        return "\n".join(lines)
    head = (f"{'system':<{width}} {'AIQ':>7} {'quality':>8} {'cost':>9} {'match best at':>13} "
            f"{'q @ 50% cost':>12} {'(% of best)':>11}")
    lines = [head, "-" * len(head)]
    for name, s in systems.items():
        q_half = s["quality_at_half_best_cost_point"]
        lines.append(
            f"{name:<{width}} {s['aiq']:7.4f} {_pct(s['max_quality']):>8} {_usd(s['cost_at_max_quality'])} "
            f"{_usd(s['cost_to_match_best']):>13} {_pct(q_half):>12} "
            f"{_pct(None if q_half is None else q_half / best['quality']):>11}"
        )
    lines.append(
        f"best single: {best['model']} (quality {100 * best['quality']:.2f}%, {best['cost']:.3g} USD a call). "
        "AIQ: mean quality of the cost-quality hull over the single models' cost range; 'match best at': least "
        "cost whose hull reaches the best single model's quality; 'q @ 50% cost': best operating point costing "
        "at most half the best single model's cost."
    )
    return "\n".join(lines)
