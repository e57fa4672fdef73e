"""``routellm calibrate``: the threshold that sends a share of your prompts to the strong model,
optionally stored in a checkpoint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from routellm_core.loading.loader import is_registered_name, load_router, loadable_spec
from routellm_core.cli.common import read_prompt_file
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.errors import ConfigError
from routellm_core.utils.files import check_checkpoint_dir, check_not_bundled
from routellm_core.utils.validation import finite_number, parse_finite


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "calibrate",
        help="print the threshold that sends a share of your prompts to the strong model",
        description="Score your own prompts (text file, one per line, or JSONL/CSV with a 'prompt' column) "
        "and print the threshold that sends --strong-fraction of them to the strong model.",
    )
    p.add_argument("--router", default=DEFAULT_ROUTER, help=f"router name, checkpoint folder or hub id (default: {DEFAULT_ROUTER})")
    p.add_argument("--prompts", required=True, metavar="FILE",
                   help="your typical prompts: a text file (one per line) or JSONL/CSV/Parquet with a 'prompt' column")
    p.add_argument("--strong-fraction", type=parse_finite, required=True, help="share (0..1) of these prompts to send to strong")
    p.add_argument("--out", metavar="DIR", help="save a copy of the router with this calibration to DIR")
    p.add_argument("--force", action="store_true",
                   help="overwrite a non-empty --out folder that is not a checkpoint of the same router type")
    p.add_argument("--save", action="store_true",
                   help="store this calibration in the --router checkpoint folder itself (not for bundled routers: use --out)")
    p.set_defaults(func=run)
    return p



def run(args: argparse.Namespace) -> int:
    finite_number("--strong-fraction", args.strong_fraction, minimum=0.0, maximum=1.0)
    target = None
    if args.out:
        check_not_bundled(args.out, "--out")
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
        target = check_not_bundled(Path(args.router).expanduser(), "--save")
    router = load_router(args.router)
    if args.out:  # checked once the router type is known, before the prompts are scored
        target = check_checkpoint_dir(args.out, router.name, force=args.force)
    prompts = read_prompt_file(args.prompts)
    threshold = router.calibrate(prompts, args.strong_fraction, source=Path(args.prompts).name)
    if target is not None:
        out = router.save(target)
        print(f"stored calibration of {len(prompts)} prompts in {out} (load it with load_router({loadable_spec(out)!r}))",
              file=sys.stderr)
    print(f"{threshold:.6f}")
    return 0
