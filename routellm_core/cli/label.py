"""``routellm label LOG``: judge labels for your own models and prompts, written as battles."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from routellm_core.cli.common import parse_key_values
from routellm_core.errors import ConfigError
from routellm_core.utils.validation import parse_finite


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "label",
        help="answer logged prompts with your models, grade them with a judge, write battles for `routellm train`",
        description="Read prompts (JSONL/CSV/Parquet with a 'prompt' or OpenAI 'messages' column, or a LangSmith "
        "runs export), sample them, call the models (LangChain provider:model strings) and a judge, and write "
        "battles (prompt, model_a, model_b, winner, judge). Replies are cached on disk: a rerun or a Ctrl-C never "
        "pays twice.",
    )
    p.add_argument("log", help="prompt log: .jsonl/.csv/.parquet (gzip ok)")
    p.add_argument("--strong", help="strong model, provider:model (or name=provider:model)")
    p.add_argument("--weak", help="weak model, provider:model")
    p.add_argument("--models", nargs="+", metavar="SPEC", help="instead of --strong/--weak: every model of an N-model set")
    p.add_argument("--judge", required=True, help="judge model, provider:model")
    p.add_argument("--out", required=True, help="output battles file (.jsonl)")
    p.add_argument("-n", "--n", type=int, help="prompts to sample (distinct, stratified by length; default: all)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the prompt sample (default: 0)")
    p.add_argument("--column", help="the column holding the prompt (default: prompt, messages or inputs)")
    p.add_argument("--mode", choices=("single", "pairwise"), default="single",
                   help="single: grade each answer 1-10 (MT-Bench); pairwise: compare two answers, both orders")
    p.add_argument("--judge-template", metavar="FILE", help="judge prompt template (see docs/your_own_router.md)")
    p.add_argument("--tie-margin", type=parse_finite, default=0.0, help="single mode: grade difference counted as a tie")
    p.add_argument("--prices", metavar="FILE", help="JSON {model: [input, output]} USD per 1M tokens")
    p.add_argument("--max-cost", type=parse_finite, metavar="USD", help="stop cleanly before spending more than this")
    p.add_argument("--dry-run", action="store_true", help="print the estimated calls and cost, call nothing")
    p.add_argument("--concurrency", type=int, default=8, help="calls in flight (default 8)")
    p.add_argument("--rate", type=parse_finite, help="at most this many call starts a second")
    p.add_argument("--timeout", type=parse_finite, default=120.0, help="seconds per call (default 120)")
    p.add_argument("--retries", type=int, default=3, help="retries per call, with exponential backoff (default 3)")
    p.add_argument("--output-tokens", type=int, default=400, help="expected answer length for the estimate")
    p.add_argument("--cache", help="reply cache file (default: OUT with .cache.sqlite)")
    p.add_argument("--model-opt", nargs="+", metavar="KEY=VALUE", default=[],
                   help="options for every init_chat_model call, e.g. temperature=0 base_url=http://...")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _stem(out: Path) -> Path:
    name = out.name
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return out.with_name(name)


def run(args: argparse.Namespace) -> int:
    from routellm_core.labeling import Labeler, LabelSettings, iter_prompts, sample_prompts, write_rows
    from routellm_core.labeling.costs import read_prices

    if args.models and (args.strong or args.weak):
        raise ConfigError("give either --strong and --weak, or --models, not both.")
    specs = args.models or [s for s in (args.strong, args.weak) if s]
    if len(specs) < 2:
        raise ConfigError("name the models to compare: --strong provider:model --weak provider:model (or --models A B C).")
    out = Path(args.out).expanduser()
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file name, e.g. labels.jsonl.")
    template = None
    if args.judge_template:
        try:
            template = Path(args.judge_template).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--judge-template {args.judge_template}: cannot be read ({exc.strerror or exc}).") from None
    settings = LabelSettings(mode=args.mode, template=template, tie_margin=args.tie_margin, concurrency=args.concurrency,
                             rate=args.rate, timeout=args.timeout, retries=args.retries,
                             output_tokens=args.output_tokens, max_cost=args.max_cost)
    prompts = sample_prompts(list(iter_prompts(args.log, column=args.column)), args.n, seed=args.seed)
    labeler = Labeler(specs, args.judge, cache=args.cache or str(_stem(out)) + ".cache.sqlite",
                      prices=read_prices(args.prices), settings=settings,
                      model_options=parse_key_values(args.model_opt, "--model-opt", "temperature=0"))
    try:
        est = labeler.estimate(prompts)
        print(f"{len(prompts)} prompts, {len(labeler.models)} models, judge {labeler.judge.name} ({args.mode}); estimate:",
              file=sys.stderr)
        print("\n".join(est.lines()), file=sys.stderr)
        if args.dry_run:
            return 0
        try:
            report = labeler.run(prompts, progress=args.progress, graceful_interrupt=True)
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("interrupted: every reply so far is in the cache; run the same command again to go on.", file=sys.stderr)
            return 130
    finally:
        labeler.close()
    write_rows(report.battles, out)
    for what, rows in (("unparsed", report.unparsed), ("failed", report.failed)):
        if rows:
            side = write_rows(rows, str(_stem(out)) + f".{what}.jsonl")
            print(f"{len(rows)} {what} rows (raw judge text / errors kept) in {side}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    if report.stopped and report.stopped.startswith("interrupted"):
        print("every reply so far is in the cache; run the same command again to go on.", file=sys.stderr)
    print(f"wrote {len(report.battles)} battles to {out}; train with: routellm train pooled_ridge --battles {out} "
          f"--init default --out my-router")
    return 0
