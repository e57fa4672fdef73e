"""``routellm score LOG``: score an unlabelled prompt log with a router, streaming, and report
what routing would have done to it."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from routellm_core.cli.common import add_policy_args
from routellm_core.errors import ConfigError
from routellm_core.utils.validation import parse_finite


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "score",
        help="score a prompt log with a router (streaming): score and decision per row, spend report",
        description="Score every prompt of a log (JSONL/CSV/Parquet with a 'prompt' or 'messages' column, or a "
        "LangSmith runs export) in batches, write row,score,model per prompt, and with --prices report the routed "
        "share, expected spend and savings against sending everything to the strong model.",
    )
    p.add_argument("log", help="prompt log: .jsonl/.csv/.parquet (gzip ok)")
    p.add_argument("--router", default="default", help="router name or checkpoint folder (default: default)")
    p.add_argument("--out", help="output CSV (row,score,model); '-' for stdout; default: none")
    add_policy_args(p)
    p.add_argument("--budget", type=parse_finite, metavar="USD",
                   help="expected USD per call (needs --prices); sets the threshold from the router's calibration")
    p.add_argument("--prices", metavar="FILE_OR_JSON",
                   help='USD per 1M tokens: a JSON file or text, e.g. \'{"gpt-4o": [2.5, 10], "gpt-4o-mini": [0.15, 0.6]}\'')
    p.add_argument("--strong", help="strong model's name in --prices (default: its costlier model)")
    p.add_argument("--weak", help="weak model's name in --prices (default: its cheaper model)")
    p.add_argument("--output-tokens", type=parse_finite, default=300.0, help="expected output tokens per call (default 300)")
    p.add_argument("--column", help="the column holding the prompt (default: prompt, messages or inputs)")
    p.add_argument("--batch-size", type=int, default=4096, help="prompts scored per batch (default 4096)")
    p.add_argument("--report", metavar="FILE", help="write the report as JSON to FILE")
    p.add_argument("--plot", metavar="FILE", help="plot expected spend against strong share to FILE (.png/.svg)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _prices(args: argparse.Namespace) -> tuple[tuple[float, float], tuple[float, float], str, str] | None:
    from routellm_core.labeling.costs import read_prices

    if not args.prices:
        if args.budget is not None or args.plot:
            raise ConfigError(f"{'--budget' if args.budget is not None else '--plot'} needs --prices (USD per 1M tokens of each model).")
        return None
    source: Any = args.prices
    if source.lstrip().startswith("{"):
        try:
            source = json.loads(source)
        except ValueError as exc:
            raise ConfigError(f"--prices is not valid JSON ({exc}); e.g. '{{\"gpt-4o\": [2.5, 10], \"gpt-4o-mini\": [0.15, 0.6]}}'.") from None
    prices = read_prices(source)
    names = list(prices)
    strong = args.strong or (max(names, key=lambda n: sum(prices[n])) if len(names) == 2 else None)
    weak = args.weak or (min(names, key=lambda n: sum(prices[n])) if len(names) == 2 else None)
    if strong is None or weak is None:
        raise ConfigError(f"--prices names {len(names)} models; say which are routed with --strong NAME --weak NAME.")
    for role, name in (("--strong", strong), ("--weak", weak)):
        if name not in prices:
            raise ConfigError(f"{role} {name!r} has no price in --prices (it names: {', '.join(names)}).")
    return prices[strong], prices[weak], strong, weak


def run(args: argparse.Namespace) -> int:
    from routellm_core.loading.loader import load_router
    from routellm_core.evaluation.log_scoring import score_log
    from routellm_core.routing.calibration import threshold_for_budget
    from routellm_core.routing.candidates import DEFAULT_TOKENS
    from routellm_core.routing.decision import resolve_threshold

    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {args.batch_size}.")
    if args.budget is not None and (args.threshold is not None or args.strong_fraction is not None):
        raise ConfigError("give one of --threshold, --strong-fraction or --budget.")
    if not Path(args.log).expanduser().is_file():
        raise ConfigError(f"log file not found: {args.log}; check the path.")
    priced = _prices(args)
    router = load_router(args.router)
    if args.budget is not None:
        assert priced is not None
        if router.calibration_quantiles_ is None:
            raise ConfigError(f"router {args.router!r} has no calibration, so --budget cannot become a threshold; use --threshold.")
        tokens_in = router.calibration_input_tokens_ or DEFAULT_TOKENS[0]
        cost = lambda pr: (pr[0] * tokens_in + pr[1] * args.output_tokens) / 1e6
        threshold, _ = threshold_for_budget(router.calibration_quantiles_, budget_per_call=args.budget,
                                            strong_cost=cost(priced[0]), weak_cost=cost(priced[1]))
    else:
        threshold = resolve_threshold(router, args.threshold, args.strong_fraction)
    labels = (priced[2], priced[3]) if priced else ("strong", "weak")
    bar = None
    if args.progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="scoring", unit="prompt", unit_scale=True, file=sys.stderr)
    if args.out in (None, "-"):
        sink = nullcontext(sys.stdout if args.out == "-" else None)
    else:
        out_path = Path(args.out).expanduser()
        if out_path.is_dir():
            raise ConfigError(f"--out {out_path} is a folder; give a file name, e.g. scores.csv.")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        sink = open(out_path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by the with below
    try:
        with sink as fh:
            result = score_log(router, args.log, fh, threshold=threshold, batch_size=args.batch_size,
                               column=args.column, labels=labels, on_batch=bar.update if bar else None)
    finally:
        if bar is not None:
            bar.close()
    info = sys.stderr if args.out == "-" else sys.stdout
    skipped = f" ({result.stats.skipped} rows without a prompt skipped)" if result.stats.skipped else ""
    print(f"scored {result.n} prompts{skipped}; threshold {threshold:.4f}: {result.strong} to {labels[0]} "
          f"({result.strong_share:.1%}), {result.n - result.strong} to {labels[1]}", file=info)
    report: dict[str, Any] = {"prompts": result.n, "threshold": threshold, "strong_share": result.strong_share,
                              "router": args.router}
    if priced:
        report = {**report, **result.report(priced[0], priced[1], args.output_tokens), "strong": labels[0], "weak": labels[1]}
        print(f"expected spend {_usd(report['expected_spend'])} vs {_usd(report['all_strong_spend'])} all-{labels[0]} "
              f"(saves {_usd(report['savings'])}, {report['savings_share']:.1%}); all-{labels[1]} "
              f"{_usd(report['all_weak_spend'])}", file=info)
        if args.plot:
            _plot(result, priced, args, threshold, report)
            print(f"plot: {args.plot}", file=info)
    if args.report:
        Path(args.report).expanduser().write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _usd(x: float) -> str:
    return f"${x:,.2f}" if abs(x) >= 1 else f"${x:.4f}"


def _plot(result: Any, priced: Any, args: argparse.Namespace, threshold: float, report: dict[str, Any]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("--plot needs matplotlib: pip install 'routellm-plugins[eval]'.") from None
    share, spend = result.spend_curve(priced[0], priced[1], args.output_tokens)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(share * 100, spend, label=f"router {args.router}")
    ax.plot([0, 100], [spend[0], spend[-1]], ls="--", c="gray", label="random split")
    ax.scatter([report["strong_share"] * 100], [report["expected_spend"]], c="C3", zorder=3,
               label=f"threshold {threshold:.3f}")
    ax.set_xlabel(f"share of prompts sent to {priced[2]} (%)")
    ax.set_ylabel("expected spend (USD)")
    ax.set_title(f"{result.n} prompts of {Path(args.log).name}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    plt.close(fig)
