"""A share or budget of 0 is a hard cap; a budget over free models is a ConfigError; a fallback
keeps every attempt's error (issue 20, rows 7, 16, 18)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from routellm_core import RoutingPolicy
from routellm_core.errors import ConfigError
from routellm_core.routers.base import Router
from routellm_core.routing.fallback import Attempts, EarlierAttemptsFailed
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_router

JUNK = "1+1=" * 2000
PRICES = {"big": (15, 75), "mid": (3, 15), "small": (0.15, 0.6)}


class JunkLover(Router):
    """Scores junk 1.0 (the top of its calibration too) and anything else 0.3."""

    name: ClassVar[str] = "junk_lover"
    uses_embedder: ClassVar[bool] = False
    model_agnostic: ClassVar[bool] = True

    def _fit(self, battles: Any) -> None:  # pragma: no cover - not trained
        pass

    def _score(self, prompts: list[str], strong: Any, weak: Any) -> np.ndarray:
        return np.array([1.0 if p.startswith("1+1=") else 0.3 for p in prompts])


@pytest.fixture
def junk_lover() -> JunkLover:
    router = JunkLover()
    router.calibrate([JUNK, "a", "b", "c"])
    assert router.calibration_quantiles_[-1] == 1.0
    return router


def test_share_zero_never_sends_to_strong(junk_lover: JunkLover) -> None:
    policy = RoutingPolicy(junk_lover, strong_fraction=0.0)
    assert policy.decide(JUNK).model == "weak" and policy.decide("a").model == "weak"
    assert RoutingPolicy(junk_lover, strong_fraction=1.0).decide("a").model == "strong"


def test_share_zero_online_stays_a_cap(junk_lover: JunkLover) -> None:
    policy = RoutingPolicy(junk_lover, strong_fraction=0.0, online=True)
    assert {policy.decide(JUNK).model for _ in range(200)} == {"weak"}


@pytest.mark.parametrize("online", [False, True])
def test_budget_zero_over_tiers_is_the_cheapest_model_only(junk_lover: JunkLover, online: bool) -> None:
    policy = RoutingPolicy(junk_lover, models=list(PRICES), prices=PRICES, budget=0.0, online=online)
    assert {policy.decide(p).model for p in [JUNK, "a"] * 20} == {"small"}


def test_share_zero_of_one_tier(junk_lover: JunkLover) -> None:
    policy = RoutingPolicy(junk_lover, models=list(PRICES), prices=PRICES, shares={"big": 0.0, "mid": 0.5})
    assert policy.decide(JUNK).model == "mid"


def test_budget_zero_with_the_quality_strategy_is_the_cheapest_model_only() -> None:
    router = tiny_router()
    aliases = {"big": "strong", "mid": "medium", "small": "weak"}
    policy = RoutingPolicy(router, models=list(PRICES), prices=PRICES, router_models=aliases, strategy="quality",
                           budget=0.0, calibration_prompts=[EASY_EXAMPLE, HARD_EXAMPLE] * 3)
    assert {d.model for d in policy.decide_batch([HARD_EXAMPLE, EASY_EXAMPLE, JUNK])} == {"small"}
    capped = RoutingPolicy(router, models=list(PRICES), prices=PRICES, router_models=aliases, strategy="quality",
                           shares={"big": 0.0, "mid": 0.5, "small": 0.5},
                           calibration_prompts=[EASY_EXAMPLE, HARD_EXAMPLE] * 3)
    assert "big" not in {d.model for d in capped.decide_batch([HARD_EXAMPLE, JUNK] * 5)}


@pytest.mark.parametrize("strategy", ["quality", "tiers"])
def test_budget_over_free_models_is_a_config_error(strategy: str) -> None:
    free = {"big": (0, 0), "mid": (0, 0), "small": (0, 0)}
    aliases = {"big": "strong", "mid": "medium", "small": "weak"}
    with pytest.raises(ConfigError, match="every price is 0") as info:
        RoutingPolicy(tiny_router(), models=list(free), prices=free, router_models=aliases, strategy=strategy,
                      budget=0.001, calibration_prompts=[EASY_EXAMPLE, HARD_EXAMPLE])
    assert "\n" not in str(info.value)


def test_fallback_keeps_every_attempts_error() -> None:
    attempts = Attempts("a", True, others=["b", "c", "d"])

    def fail(label: str) -> None:
        raise RuntimeError(f"{label} is down")

    with pytest.raises(RuntimeError, match="d is down") as info:
        attempts.call(fail)
    group = info.value.__cause__
    assert isinstance(group, EarlierAttemptsFailed) and group.labels == ("a", "b", "c")
    assert [str(e) for e in group.exceptions] == ["a is down", "b is down", "c is down"]
    assert [str(e) for e in info.value.earlier_attempt_errors] == ["a is down", "b is down", "c is down"]
    # two models: the chain is as before (last error caused by the first)
    pair = Attempts("strong", True)
    with pytest.raises(RuntimeError, match="weak is down") as info:
        pair.call(fail)
    assert str(info.value.__cause__) == "strong is down"
