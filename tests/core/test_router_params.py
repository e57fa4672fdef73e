"""scikit-learn conventions of the routers: ``__init__`` stores its parameters and nothing else,
``get_params`` / ``set_params`` read and change them (checked like at construction), fitted
``_`` attributes appear only after fit or load, and the embedder is set through the router's
own API (no code outside a router touches its private state)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from routellm_core import ConfigError, load_router
from routellm_core.embeddings import CachedEmbedder, resolve_embedder
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter
from routellm_core.routers.registry import available_routers, router_class
from tests.helpers import tiny_battles, tiny_router_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", available_routers())
def test_init_stores_only_its_parameters(name: str) -> None:
    cls = router_class(name)
    router = cls()
    assert set(vars(router)) == set(cls.param_names()), "__init__ must store its parameters and nothing else"
    assert not [k for k in vars(router) if k.endswith("_")]
    params = router.get_params()
    assert set(params) == set(cls.param_names())
    assert cls(**params).get_params() == params  # a clone from get_params is the same router


def test_set_params_checks_like_the_constructor() -> None:
    router = MatrixFactorizationRouter(dim=8)
    assert router.set_params(dim=16, epochs=2) is router and (router.dim, router.epochs) == (16, 2)
    with pytest.raises(ConfigError, match="^dim must be"):
        router.set_params(dim=0)
    with pytest.raises(ConfigError, match="unknown argument 'bogus'"):
        router.set_params(bogus=1)
    with pytest.raises(ConfigError, match="both 'x'"):
        MatrixFactorizationRouter(strong_model="x").set_params(weak_model="x")
    assert router.dim == 16  # a refused value is not stored


def test_fitted_attributes_appear_with_fit() -> None:
    router = MatrixFactorizationRouter(epochs=2, dim=4, show_progress=False)
    assert router.weights_ is None and router.calibration_quantiles_ is None  # "not fitted" defaults
    router.fit(tiny_battles(20))
    assert {"weights_", "models_", "calibration_quantiles_", "strong_model"} <= set(vars(router))


def test_set_embedder_is_the_public_way_to_change_it() -> None:
    router = load_router(tiny_router_path())
    built = router.get_embedder()
    assert router.get_embedder() is built  # built once
    mine = resolve_embedder("minilm-static")
    router.set_embedder(mine)
    assert router.embedder is mine and router.get_embedder() is mine
    router.set_params(embedder="minilm-static")
    assert isinstance(router.get_embedder(), CachedEmbedder) and router.get_embedder() is not mine


def test_no_code_outside_a_router_sets_its_private_state() -> None:
    pattern = re.compile(r"\b(?!self\b)\w+\._(embedder|pair_cache|forward_kwargs)\w*\s*=")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("routellm_core", "langchain_routellm", "llamaindex_routellm")
        for path in (ROOT / package).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, offenders
