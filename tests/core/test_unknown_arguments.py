"""A misspelt keyword argument fails at once, naming the closest valid one (issue 24): in
RoutingPolicy, every router constructor, ``load_router`` and ``set_params``."""

from __future__ import annotations

import pytest

from routellm_core import RoutingPolicy, load_router
from routellm_core.errors import ConfigError, UnknownArgumentError
from routellm_core.routers.registry import ROUTER_CLASSES, router_class
from routellm_core.utils.arguments import check_keywords, closest_name, keyword_names, strict_keywords


def test_the_helper_names_the_closest_valid_keyword_or_lists_them():
    assert closest_name("strong_fractio", ["threshold", "strong_fraction"]) == "strong_fraction"
    assert closest_name("zzz", ["threshold", "strong_fraction"]) is None
    with pytest.raises(UnknownArgumentError, match=r"^Thing got an unknown argument 'tresh'; did you mean 'thresh'\?$"):
        check_keywords("Thing", ["thresh", "tresh"], ["thresh", "seed"])
    with pytest.raises(UnknownArgumentError, match=r"'zzz'; it takes: seed, thresh\.$"):
        check_keywords("Thing", ["zzz"], ["thresh", "seed"])
    check_keywords("Thing", ["seed"], ["thresh", "seed"])  # valid names pass


def test_the_error_is_a_config_error_and_a_type_error():
    """Code that catches ConfigError (our bad settings) or TypeError (Python's own bad keyword)
    both still catch it."""
    assert issubclass(UnknownArgumentError, ConfigError) and issubclass(UnknownArgumentError, TypeError)


def test_strict_keywords_wraps_a_function_and_keeps_its_names():
    @strict_keywords("f")
    def f(a, *, b=1, c=2):
        return a + b + c

    assert f(1, b=2) == 5
    assert keyword_names(f) == ("a", "b", "c")
    with pytest.raises(UnknownArgumentError, match="did you mean 'b'"):
        f(1, bb=2)


@pytest.mark.parametrize(
    ("kwargs", "suggestion"),
    [({"treshold": 0.4}, "threshold"), ({"strong_fractio": 0.3}, "strong_fraction"), ({"budgett": 0.1}, "budget"),
     ({"modles": ["a", "b"]}, "models")],
)
def test_routing_policy_refuses_a_misspelt_keyword(kwargs, suggestion):
    with pytest.raises(UnknownArgumentError, match=rf"^RoutingPolicy got an unknown argument '\w+'; did you mean '{suggestion}'\?$"):
        RoutingPolicy("random", **kwargs)


def test_routing_policy_build_refuses_a_misspelt_option_even_for_a_ready_policy():
    ready = RoutingPolicy("random", threshold=0.5)
    with pytest.raises(UnknownArgumentError, match="did you mean 'shares'"):
        RoutingPolicy.build(ready, sharse={"a": 0.5})
    with pytest.raises(UnknownArgumentError, match="did you mean 'strategy'"):
        RoutingPolicy.build("random", stratgy="tiers")


@pytest.mark.parametrize("name", sorted(ROUTER_CLASSES))
def test_every_router_constructor_refuses_a_misspelt_keyword(name):
    """Every registered router (the transformer ones too: the check runs before __init__, so no
    model is loaded) names its closest parameter."""
    klass = router_class(name)
    assert "seed" in klass.param_names()
    with pytest.raises(UnknownArgumentError, match=rf"^{klass.__name__} got an unknown argument 'sed'; did you mean 'seed'\?$"):
        klass(sed=1)
    with pytest.raises(UnknownArgumentError, match=r"did you mean 'weak_model'"):
        klass(weak_modle="gpt-4o-mini")


def test_set_params_and_load_router_refuse_a_misspelt_keyword():
    router = router_class("random")()
    with pytest.raises(UnknownArgumentError, match="did you mean 'seed'"):
        router.set_params(sead=3)
    with pytest.raises(UnknownArgumentError, match=r"MatrixFactorizationRouter.load got an unknown argument 'embeder'; did you mean 'embedder'\?"):
        load_router("mf", embeder="minilm-static")
