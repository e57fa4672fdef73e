"""The bundled default's recipe is written in two places that must agree: the training script's
options (``scripts/default_router_recipe.sh``, which made the checkpoint) and the recipe that
``benchmarks/label_scale_eval.py`` measures as "default". The checkpoint's own options are the
third witness."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script_options(name: str = "ROUTER_OPTS") -> dict:
    """``NAME=(...)`` of the recipe script, as key -> value (JSON values decoded)."""
    text = (ROOT / "scripts" / "default_router_recipe.sh").read_text()
    start = text.index(f"\n{name}=(") + len(f"\n{name}=(")
    body = text[start:text.index(")\n", start)]
    options = {}
    for item in shlex.split(body):
        key, _, value = item.partition("=")
        options[key] = json.loads(value)
    return options


def _label_scale_eval():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import label_scale_eval
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return label_scale_eval


def test_benchmark_measures_the_recipe_the_script_trains():
    lse = _label_scale_eval()
    router, ties, options = lse.RECIPES["default"]
    assert (router, ties) == ("distill", "auto")
    assert {**lse.COMMON, **options["student"]} == _script_options("ROUTER_OPTS")
    ridge = lse.RECIPES["ridge"]
    assert ridge[:2] == ("pooled_ridge", "auto")
    assert {**lse.COMMON, **ridge[2]} == _script_options("RIDGE_OPTS")
    teacher = _script_options("TEACHER_OPTS")
    assert teacher["source_weights"] == lse.TEACHER_WEIGHTS
    assert teacher["max_source_prompts"] == {"mmlu": lse.BERT_MMLU_TRAIN}


def test_bundled_checkpoint_was_trained_with_that_recipe():
    from routellm_core.loading.loader import load_router

    params = load_router("default").get_params()
    for key, value in _script_options("ROUTER_OPTS").items():
        assert params[key] == value, key
