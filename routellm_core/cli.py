"""The ``routellm`` command line: route, train, calibrate, eval, demo.

User errors (bad options, bad data files, bad paths) print one line ``routellm COMMAND: error:
...`` naming the problem and the fix, and exit with status 2; any other exception is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from routellm_core.errors import ConfigError, DataFormatError, RouteLLMError
from routellm_core.validation import finite_number, parse_finite

DEMO_PROMPTS = [
    "hi! how are you today?",
    "What's the capital of France?",
    "Write a haiku about autumn leaves.",
    "Translate 'good morning' into Spanish.",
    "Summarize the plot of Romeo and Juliet in two sentences.",
    "Explain the CAP theorem and its trade-offs for a distributed database design.",
    "Prove that there are infinitely many prime numbers.",
    "A train leaves at 3:15 pm going 84 km/h; a second leaves at 4:00 pm going 120 km/h on the same "
    "track. When does the second catch up, and how far from the station?",
    "Implement a thread-safe LRU cache in Rust with O(1) get and put, and explain the design.",
    "Derive the closed-form solution of ridge regression and discuss its bias-variance trade-off.",
]


# ---------------------------------------------------------------------------- helpers
def _policy_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--threshold", type=parse_finite, help="score cut-off in [0, 1]: strong iff score >= threshold")
    g.add_argument(
        "--strong-fraction",
        type=parse_finite,
        help="share (0..1) of typical prompts to send to the strong model (uses the router's calibration)",
    )


def _read_prompt_file(path: str) -> list[str]:
    """Prompts from a text file (one per line), or JSONL/CSV/Parquet with a 'prompt' column."""
    from routellm_core.data import iter_rows, read_text_lines

    p = Path(path).expanduser()
    if not p.is_file():
        raise DataFormatError(f"prompts file not found: {p}" + (" (it is a folder)" if p.is_dir() else "") + "; check the path.")
    base = Path(p.stem).suffix if p.suffix == ".gz" else p.suffix
    if base.lower() in (".jsonl", ".json", ".ndjson", ".csv", ".parquet"):
        out = []
        for lineno, row in iter_rows(p):
            text = row.get("prompt")
            if not isinstance(text, str) or not text.strip():
                raise DataFormatError(f"{p}:{lineno}: no 'prompt' text in this row.")
            out.append(text)
        return out
    return [line.rstrip("\r\n") for line in read_text_lines(p) if line.strip()]


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _holdout(prompt: str, fraction: float) -> bool:
    """Deterministic split by prompt text: True for the held-out share ``fraction``."""
    h = int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:8], "big") / 2.0**64
    return h < fraction


# ---------------------------------------------------------------------------- commands
def cmd_route(args: argparse.Namespace) -> int:
    from routellm_core.registry import load_router

    router = load_router(args.router)
    decision = router.route(args.prompt, threshold=args.threshold, strong_fraction=args.strong_fraction)
    strong = router.strong_model
    weak = router.weak_model
    if args.strong or args.weak:
        score = router.score(args.prompt, strong=args.strong, weak=args.weak)
        from routellm_core.decision import decide

        decision = decide(float(score), decision.threshold, router.name)
        strong, weak = args.strong or strong, args.weak or weak
    out = decision.to_dict() | {"model_name": strong if decision.is_strong else weak}
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        print(
            f"{decision.model} ({out['model_name']})  score={decision.score:.4f}  "
            f"threshold={decision.threshold:.4f}  router={decision.router}"
        )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from routellm_core.data import (
        Battles,
        golden_to_all_pair_battles,
        golden_to_battles,
        read_battles,
        read_golden,
    )
    from routellm_core.files import check_output_dir
    from routellm_core.registry import loadable_spec, router_class

    if not args.battles and not args.golden:
        raise ConfigError("give training data: --battles FILE... and/or --golden FILE...")
    out_dir = check_output_dir(args.out, "--out")
    battles_weight = finite_number("--battles-weight", args.battles_weight, minimum=0.0)
    finite_number("--golden-weight", args.golden_weight, minimum=0.0)
    finite_number("--golden-holdout", args.golden_holdout, minimum=0.0, maximum=1.0, max_exclusive=True,
                  hint="It is the share of golden prompts never trained on, e.g. 0.1.")
    router = _make_router(args, router_class(args.router))
    parts: list[Battles] = []
    data: dict[str, Any] = {"battles": [], "golden": []}
    for path in args.battles or []:
        b = read_battles(path)
        b.weight = b.weight * battles_weight
        parts.append(b)
        data["battles"].append({"file": Path(path).name, "rows": len(b), "prompts": len(b.unique_prompts())})
    heldout_prompts: list[str] = []
    if args.golden:
        if not args.golden_all_pairs and (not args.strong or not args.weak):
            raise ConfigError(
                "--golden needs --strong and --weak (the model names in the files' scores), "
                "or --golden-all-pairs to train on every pair of scored models."
            )
        for path in args.golden:
            rows = read_golden(path)
            seen = [r for r in rows if not _holdout(r.prompt, args.golden_holdout)]
            held = [r for r in rows if _holdout(r.prompt, args.golden_holdout)]
            heldout_prompts.extend(r.prompt for r in held)
            if args.golden_all_pairs:
                gb = golden_to_all_pair_battles(seen, weight=args.golden_weight)
            else:
                gb = golden_to_battles(seen, args.strong, args.weak, weight=args.golden_weight)
            parts.append(gb)
            data["golden"].append(
                {
                    "file": Path(path).name,
                    "rows_used": len(seen),
                    "rows_held_out": len(held),
                    "contaminated_rows": "excluded",
                }
            )
        if args.golden_holdout > 0:
            data["golden_holdout_rule"] = (
                f"a row is held out (never trained on) iff int(sha256(prompt)[:8 bytes], big-endian) / 2**64 "
                f"< {args.golden_holdout}"
            )
    battles = Battles.concat(parts)
    print(
        f"training {args.router} on {len(battles)} battles, {len(battles.unique_prompts())} prompts, "
        f"{len(battles.models())} models",
        file=sys.stderr,
    )
    if args.calibration_prompts:
        calib: list[str] | None = _read_prompt_file(args.calibration_prompts)
    elif args.calibrate_on_battles:
        if not args.battles:
            raise ConfigError("--calibrate-on-battles needs --battles files.")
        calib = list(dict.fromkeys(p for part in parts[: len(args.battles)] for p in part.prompts))
    else:
        calib = None
    router.fit(battles, calibration_prompts=calib)
    if calib is not None and args.calibrate_on_battles:
        router.calibration_source_ = f"distinct prompts of the battle files (n={len(calib)})"
    router.training_info_ = {
        "calibration": router.calibration_source_,
        "command": "routellm " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if args.record_command else None,
        "data": data,
        "n_battles": len(battles),
        "n_prompts": len(battles.unique_prompts()),
        "models": battles.models(),
    }
    out = router.save(out_dir)
    print(f"saved {args.router} router to {out} (load it with load_router({loadable_spec(out)!r}))")
    if heldout_prompts and args.report_heldout:
        s = np.asarray(router.score(heldout_prompts[:2000]))
        print(f"held-out golden prompts: {len(heldout_prompts)}; mean score {s.mean():.3f}")
    return 0


def _make_router(args: argparse.Namespace, cls: type) -> Any:
    """The untrained router of ``routellm train`` from its options (checked before any data is read)."""
    params: dict[str, Any] = {"seed": args.seed, "strong_model": args.strong, "weak_model": args.weak}
    if args.embedder:
        params["embedder"] = args.embedder
    for opt in args.opt or []:
        key, sep, value = opt.partition("=")
        if not sep or not key:
            raise ConfigError(f"--opt {opt!r}: use KEY=VALUE, e.g. --opt batch_size=128.")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    for name in ("epochs", "dim", "hidden", "lr"):
        if getattr(args, name, None) is not None:
            params[name] = getattr(args, name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"bad option for router {args.router!r}: {exc}") from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    from routellm_core.files import check_output_dir
    from routellm_core.registry import is_registered_name, load_router, loadable_spec

    finite_number("--strong-fraction", args.strong_fraction, minimum=0.0, maximum=1.0)
    target = None
    if args.out:
        target = check_output_dir(args.out, "--out")
    elif args.save:
        if is_registered_name(args.router):
            raise ConfigError(
                f"--save would overwrite the router {args.router!r}, which is bundled with the package (or built "
                "in); write a calibrated copy with --out DIR instead, then load it with load_router('./DIR')."
            )
        if not Path(args.router).expanduser().is_dir():
            raise ConfigError(
                f"--save updates a local checkpoint folder in place, and {args.router!r} is not one; write a "
                "calibrated copy with --out DIR instead."
            )
        target = Path(args.router).expanduser()
    router = load_router(args.router)
    prompts = _read_prompt_file(args.prompts)
    threshold = router.calibrate(prompts, args.strong_fraction, source=Path(args.prompts).name)
    if target is not None:
        out = router.save(target)
        print(f"stored calibration of {len(prompts)} prompts in {out} (load it with load_router({loadable_spec(out)!r}))",
              file=sys.stderr)
    print(f"{threshold:.6f}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from routellm_core.registry import load_router

    router = load_router(args.router)
    threshold = router.threshold_for(args.strong_fraction) if args.threshold is None else args.threshold
    decisions = router.route(DEMO_PROMPTS, threshold=threshold)
    print(
        f"router={router.name}  strong={router.strong_model}  weak={router.weak_model}  "
        f"threshold={threshold:.4f}"
        + ("" if args.threshold is not None else f" (strong_fraction={args.strong_fraction})")
    )
    print(f"{'prompt':<62} {'score':>6}  decision")
    print("-" * 80)
    for prompt, d in zip(DEMO_PROMPTS, decisions):
        print(f"{_short(prompt, 62):<62} {d.score:6.3f}  {d.model}")
    n_strong = sum(d.is_strong for d in decisions)
    print("-" * 80)
    print(f"{n_strong}/{len(decisions)} prompts to the strong model")
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    from routellm_core.registry import available_routers

    parser = argparse.ArgumentParser(
        prog="routellm",
        description="Cost-aware LLM routing: score prompts and send each to a strong or a weak model.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("route", help="score one prompt and print the decision", description="Score one prompt and print where it goes.")
    p.add_argument("prompt")
    p.add_argument("--router", default="mf", help="router name, checkpoint folder or hub id (default: mf)")
    p.add_argument("--strong", help="strong model name (any model the router knows)")
    p.add_argument("--weak", help="weak model name (any model the router knows)")
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    _policy_args(p)
    p.set_defaults(func=cmd_route)

    p = sub.add_parser(
        "train",
        help="train a router from preference battles and benchmark outcomes",
        description="Train a router. Battles: rows prompt, model_a, model_b, winner (model_a|model_b|tie). "
        "Golden: rows prompt, scores {model: 0..1}, turned into strong-vs-weak battles. "
        "JSONL, CSV or Parquet, gzip ok.",
    )
    p.add_argument("router", choices=available_routers(), metavar="ROUTER",
                   help=f"router type, one of: {', '.join(available_routers())}")
    p.add_argument("--battles", nargs="+", metavar="FILE", help="preference battle files")
    p.add_argument("--golden", nargs="+", metavar="FILE", help="benchmark outcome files (golden labels)")
    p.add_argument("--strong", help="strong model name (needed with --golden)")
    p.add_argument("--weak", help="weak model name (needed with --golden)")
    p.add_argument("--battles-weight", type=parse_finite, default=1.0, help="loss weight (>= 0) of each preference battle")
    p.add_argument("--golden-weight", type=parse_finite, default=1.0, help="loss weight (>= 0) of each golden battle")
    p.add_argument("--golden-all-pairs", action="store_true", help="turn each golden row into battles between every pair of its scored models (multi-model files)")
    p.add_argument("--golden-holdout", type=parse_finite, default=0.0, help="share of golden prompts (0..1) never trained on, chosen by prompt hash")
    p.add_argument("--embedder", help="embedder name (default: minilm-static)")
    p.add_argument("--epochs", type=int, help="passes over the data (>= 1)")
    p.add_argument("--dim", type=int, help="mf: model embedding size (>= 1)")
    p.add_argument("--hidden", type=int, help="mf: hidden layer width (0 = linear projection)")
    p.add_argument("--lr", type=parse_finite, help="learning rate (>= 0)")
    p.add_argument("--opt", nargs="*", metavar="KEY=VALUE", help="other router parameters (values read as JSON)")
    p.add_argument("--calibration-prompts", metavar="FILE", help="prompts whose score quantiles set strong_fraction thresholds (default: the training prompts)")
    p.add_argument("--calibrate-on-battles", action="store_true", help="calibrate on the distinct prompts of the --battles files (chat traffic) instead of all training prompts")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output checkpoint folder (load it later as a path, e.g. ./my-router)")
    p.add_argument("--no-record-command", dest="record_command", action="store_false", help="do not store the command line in the checkpoint")
    p.add_argument("--report-heldout", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "calibrate",
        help="print the threshold that sends a share of your prompts to the strong model",
        description="Score your own prompts (text file, one per line, or JSONL/CSV with a 'prompt' column) "
        "and print the threshold that sends --strong-fraction of them to the strong model.",
    )
    p.add_argument("--router", default="mf", help="router name, checkpoint folder or hub id (default: mf)")
    p.add_argument("--prompts", required=True, metavar="FILE")
    p.add_argument("--strong-fraction", type=parse_finite, required=True, help="share (0..1) of these prompts to send to strong")
    p.add_argument("--out", metavar="DIR", help="save a copy of the router with this calibration to DIR")
    p.add_argument("--save", action="store_true",
                   help="store this calibration in the --router checkpoint folder itself (not for bundled routers: use --out)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("demo", help="route a handful of varied prompts and print a table", description="Route a handful of varied prompts with a router (default: the bundled mf) and print prompt, score, decision.")
    p.add_argument("--router", default="mf")
    p.add_argument("--strong-fraction", type=parse_finite, default=0.5)
    p.add_argument("--threshold", type=parse_finite)
    p.set_defaults(func=cmd_demo)

    try:
        from routellm_core.cli_eval import add_eval_parser
    except ImportError:  # pragma: no cover - evaluation module missing
        pass
    else:
        add_eval_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RouteLLMError as exc:
        print(f"routellm {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
