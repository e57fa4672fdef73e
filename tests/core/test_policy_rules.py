"""The routing rules behind RoutingPolicy: one per form behind one interface (``policy.rule.Rule``);
the strong/weak pair is the two-tier case of the tier rule; an online controller takes the place
of a rule's fixed cut-offs; the policy delegates its state to its rule."""

from __future__ import annotations

import numpy as np
import pytest

from routellm_core import RoutingPolicy
from routellm_core.errors import ConfigError
from routellm_core.policy.quality import QualityRule
from routellm_core.policy.rule import FixedTiers, Rule
from routellm_core.policy.tiers import PairRule, TierRule
from routellm_core.routing.candidates import Candidates
from routellm_core.routing.decision import decision_at, tier_of
from routellm_core.routing.online import TierController
from tests.helpers import EASY_PROMPTS, HARD_PROMPTS, tiny_router

PROMPTS = [t.format(n=i) for i in range(6) for t in HARD_PROMPTS + EASY_PROMPTS]
RULE_MEMBERS = ("labels", "strategy", "candidates", "tokens", "target_shares", "online", "decide", "decide_one",
                "fallback_order", "threshold", "thresholds", "tradeoff", "describe")


@pytest.fixture(scope="module")
def router():
    return tiny_router()


def test_each_form_is_a_rule_with_the_same_interface(router) -> None:
    pair = RoutingPolicy(router, threshold=0.5)
    tiers = RoutingPolicy(router, models=["a", "b", "c"], strategy="tiers", thresholds=[0.8, 0.4])
    quality = RoutingPolicy(router, models=["big", "small"], router_models={"big": "strong", "small": "weak"})
    assert (type(pair.rule), type(tiers.rule), type(quality.rule)) == (PairRule, TierRule, QualityRule)
    for policy in (pair, tiers, quality):
        rule: Rule = policy.rule
        assert all(hasattr(rule, name) for name in RULE_MEMBERS)
        assert policy.labels == rule.labels and policy.strategy == rule.strategy
        assert policy.threshold == rule.threshold and policy.thresholds == rule.thresholds
        assert policy.fallback_order(rule.labels[0]) == rule.fallback_order(rule.labels[0])
        assert repr(policy) == f"RoutingPolicy(router={router.name!r}, {rule.describe()})"
    assert pair.candidates is None and pair.strategy is None and pair.labels == ("strong", "weak")
    assert quality.thresholds is None and tiers.tradeoff is None


def test_the_pair_is_the_two_tier_case_of_the_tier_rule(router) -> None:
    policy = RoutingPolicy(router, threshold=0.5)
    assert isinstance(policy.rule, TierRule)
    two_tiers = TierRule(Candidates.build(["strong", "weak"]), (0.5,))
    for prompt, pair, tier in zip(PROMPTS, policy.decide_batch(PROMPTS), two_tiers.decide(router, PROMPTS)):
        assert pair.model == tier.model == ("strong", "weak")[tier_of(pair.score, (0.5,))]
        assert pair == decision_at(pair.score, 0.5, router.name)  # the four fields of the two-model form
        assert tier.tier is not None and pair.tier is None
    assert {d.model for d in policy.decide_batch(PROMPTS)} == {"strong", "weak"}


def test_an_online_controller_takes_the_place_of_the_fixed_cut_offs(router) -> None:
    fixed = RoutingPolicy(router, strong_fraction=0.5)
    online = RoutingPolicy(router, strong_fraction=0.5, online=True)
    assert isinstance(fixed.rule._cutoffs, FixedTiers) and fixed.online is None
    assert isinstance(online.rule._cutoffs, TierController) and online.online is online.rule._cutoffs
    start = online.threshold
    decisions = [online.decide(p) for p in PROMPTS]
    assert online.online.calls == len(PROMPTS) and online.threshold != start
    assert decisions[0].threshold == start and decisions[0].realised_shares is not None


def test_the_pair_threshold_can_be_set_and_n_model_rules_refuse_the_pair_options(router) -> None:
    policy = RoutingPolicy(router, threshold=0.5)
    policy.threshold = 0.0
    assert policy.decide(PROMPTS[-1]).model == "strong" and policy.thresholds == (0.0,)
    tiers = RoutingPolicy(router, models=["a", "b"], strategy="tiers", thresholds=[0.5])
    with pytest.raises(ConfigError, match="one threshold to set"):
        tiers.threshold = 0.3
    with pytest.raises(ConfigError, match="strong/weak pick a model pair"):
        tiers.decide(PROMPTS[0], strong="strong")
    online = RoutingPolicy(router, strong_fraction=0.5, online=True)
    with pytest.raises(ConfigError, match="not online"):
        online.threshold = 0.3
    assert np.isfinite(online.threshold)


def test_decision_confidence_is_the_scaled_margin_past_the_threshold() -> None:
    assert decision_at(0.8, 0.6, "r").confidence == pytest.approx(0.5)  # strong: (0.8 - 0.6) / 0.4
    assert decision_at(0.3, 0.6, "r").confidence == pytest.approx(0.5)  # weak: (0.6 - 0.3) / 0.6
    assert decision_at(0.6, 0.6, "r").confidence == 0.0 and decision_at(1.0, 1.0, "r").confidence == 1.0
    assert decision_at(0.0, 0.0, "r").confidence == 0.0 and decision_at(0.5, 0.0, "r").is_strong
