"""Score prompts with a router this project does not ship, for side-by-side figures.

Runs under the *peer's* Python (its own virtual environment; this file imports nothing from this
project), reads a JSON list of prompts and writes ``{"name": NAME, "scores": {prompt: score}}``,
the file that ``--peer`` of ``benchmarks/task_type_probe.py``, ``benchmarks/easy_hard_probe.py``
and ``benchmarks/label_scale_eval.py`` reads. Peers:

- ``litellm-complexity``: LiteLLM's ``ComplexityRouter`` with its default configuration (the
  weighted keyword and length heuristic, ``classifier_type: heuristic``; no network call), its
  weighted score. ``pip install litellm`` in a throwaway environment.

    python -m venv /tmp/peer && /tmp/peer/bin/pip install litellm
    .venv/bin/python benchmarks/label_scale_eval.py --data ../shared/data --dump-prompts /tmp/prompts.json
    /tmp/peer/bin/python benchmarks/peer_scores.py litellm-complexity /tmp/prompts.json /tmp/litellm.json
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable

#: the most prompts one file may hold (the evaluation sets hold about 4,500)
MAX_PROMPTS = 1_000_000


def litellm_complexity() -> Callable[[str], float]:
    """LiteLLM's ComplexityRouter, default configuration: prompt -> its weighted complexity score."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of the price list
    from unittest.mock import MagicMock

    from litellm.router_strategy.complexity_router.complexity_router import ComplexityRouter

    router = ComplexityRouter(model_name="peer", ctx=MagicMock())  # the context is used only to route
    return lambda prompt: float(router.classify(prompt)[1])


PEERS = {"litellm-complexity": litellm_complexity}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("peer", choices=sorted(PEERS))
    ap.add_argument("prompts", help="a JSON list of prompts (--dump-prompts of label_scale_eval.py)")
    ap.add_argument("out", help="where to write the scores")
    args = ap.parse_args()
    with open(args.prompts, encoding="utf-8") as f:
        prompts = json.load(f)
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts) or len(prompts) > MAX_PROMPTS:
        raise SystemExit(f"{args.prompts}: expected a JSON list of at most {MAX_PROMPTS} strings")
    score = PEERS[args.peer]()
    scores = {p: score(p) for p in prompts}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"name": args.peer, "scores": scores}, f)
    print(f"wrote {len(scores)} scores of {args.peer} to {args.out}")


if __name__ == "__main__":
    main()
