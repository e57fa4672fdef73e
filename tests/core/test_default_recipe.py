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


def _script_router_options() -> dict:
    """``ROUTER_OPTS=(...)`` of the recipe script, as key -> value (JSON values decoded)."""
    text = (ROOT / "scripts" / "default_router_recipe.sh").read_text()
    start = text.index("ROUTER_OPTS=(") + len("ROUTER_OPTS=(")
    body = text[start:text.index(")\n", start)]
    options = {}
    for item in shlex.split(body):
        key, _, value = item.partition("=")
        options[key] = json.loads(value)
    return options


def _benchmark_default_options() -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import label_scale_eval
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    router, ties, options = label_scale_eval.RECIPES["default"]
    assert (router, ties) == ("pooled_ridge", "auto")
    return {**label_scale_eval.COMMON, **options}


def test_benchmark_measures_the_recipe_the_script_trains():
    assert _benchmark_default_options() == _script_router_options()


def test_bundled_checkpoint_was_trained_with_that_recipe():
    from routellm_core.loading.loader import load_router

    params = load_router("default").get_params()
    for key, value in _script_router_options().items():
        assert params[key] == value, key
