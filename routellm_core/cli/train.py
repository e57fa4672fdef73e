"""``routellm train ROUTER``: train a router from preference battles and benchmark outcomes and
save the checkpoint."""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.checkpoints.loading import loadable_spec
from routellm_core.cli.common import read_prompt_file
from routellm_core.data.battles import Battles, read_battles
from routellm_core.data.golden import golden_to_all_pair_battles, golden_to_battles, read_golden
from routellm_core.errors import ConfigError
from routellm_core.routers.registry import available_routers, router_class
from routellm_core.utils.files import check_output_dir
from routellm_core.utils.validation import finite_number, parse_finite


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
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
    p.set_defaults(func=run)
    return p



def holdout(prompt: str, fraction: float) -> bool:
    """Deterministic split by prompt text: True for the held-out share ``fraction``."""
    h = int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:8], "big") / 2.0**64
    return h < fraction


def run(args: argparse.Namespace) -> int:
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
            seen = [r for r in rows if not holdout(r.prompt, args.golden_holdout)]
            held = [r for r in rows if holdout(r.prompt, args.golden_holdout)]
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
        calib: list[str] | None = read_prompt_file(args.calibration_prompts)
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
