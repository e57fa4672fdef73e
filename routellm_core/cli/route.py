"""``routellm route PROMPT``: score one prompt and print where it goes."""

from __future__ import annotations

import argparse
import json
from typing import Any

from routellm_core.cli.common import add_policy_args
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.policy.routing_policy import RoutingPolicy


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("route", help="score one prompt and print the decision", description="Score one prompt and print where it goes.")
    p.add_argument("prompt", help="the prompt to score (quote it)")
    p.add_argument("--router", default=DEFAULT_ROUTER, help=f"router name, checkpoint folder or hub id (default: {DEFAULT_ROUTER})")
    p.add_argument("--strong", help="strong model name (any model the router knows)")
    p.add_argument("--weak", help="weak model name (any model the router knows)")
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    add_policy_args(p)
    p.set_defaults(func=run)
    return p



def run(args: argparse.Namespace) -> int:
    policy = RoutingPolicy(args.router, threshold=args.threshold, strong_fraction=args.strong_fraction)
    decision = policy.decide(args.prompt, strong=args.strong, weak=args.weak)
    strong = args.strong or policy.router.strong_model
    weak = args.weak or policy.router.weak_model
    out = decision.to_dict() | {"model_name": strong if decision.is_strong else weak}
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        name = f" ({out['model_name']})" if out["model_name"] else ""  # a model-agnostic router names none
        print(
            f"{decision.model}{name}  score={decision.score:.4f}  "
            f"threshold={decision.threshold:.4f}  router={decision.router}"
        )
    return 0
