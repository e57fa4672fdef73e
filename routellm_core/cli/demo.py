"""``routellm demo``: route a handful of varied prompts and print prompt, score and decision."""

from __future__ import annotations

import argparse
from typing import Any

from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.policy.routing_policy import RoutingPolicy
from routellm_core.utils.validation import parse_finite

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



def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("demo", help="route a handful of varied prompts and print a table", description="Route a handful of varied prompts with a router (default: the bundled default router) and print prompt, score, decision.")
    p.add_argument("--router", default=DEFAULT_ROUTER, help="router name, checkpoint folder or hub id")
    p.add_argument("--strong-fraction", type=parse_finite, default=0.5,
                   help="share (0..1) of typical prompts to send to the strong model (default: 0.5; uses the "
                        "router's calibration)")
    p.add_argument("--threshold", type=parse_finite,
                   help="score cut-off in [0, 1] instead: strong iff score >= threshold (wins over --strong-fraction)")
    p.set_defaults(func=run)
    return p



def run(args: argparse.Namespace) -> int:
    # --threshold wins over --strong-fraction (which has a default)
    fraction = args.strong_fraction if args.threshold is None else None
    policy = RoutingPolicy(args.router, threshold=args.threshold, strong_fraction=fraction)
    router = policy.router
    decisions = policy.decide_batch(DEMO_PROMPTS)
    pair = "model-agnostic" if router.model_agnostic else f"strong={router.strong_model}  weak={router.weak_model}"
    print(
        f"router={router.name} ({pair})  threshold={policy.threshold:.4f}"
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


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
