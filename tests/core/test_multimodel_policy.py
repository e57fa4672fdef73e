"""Routing among N models in core: candidates and prices, budget -> shares -> thresholds, the tier
and trade-off rules, RoutingPolicy's N-model form (tiers and per-model quality), the routing
metadata, and the per-model quality routers (quality_ridge, mf)."""

from __future__ import annotations

import numpy as np
import pytest

from routellm_core import ConfigError, RoutingDecision, RoutingPolicy, UnknownModelError, load_router
from routellm_core.data.golden import GoldenRow, golden_to_all_pair_battles
from routellm_core.routers.base import Router
from routellm_core.routers.quality_ridge import QualityRidgeRouter, mean_results
from routellm_core.routing.calibration import (
    offsets_for_shares,
    score_quantiles,
    shares_for_budget,
    threshold_for_budget,
    thresholds_from_shares,
    tradeoff_choice,
    tradeoff_for_budget,
)
from routellm_core.routing.candidates import Candidates, estimate_tokens
from routellm_core.routing.decision import decision_at, tier_of, tiers_of
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.metadata import answering_model, decision_from_metadata, routing_metadata
from tests.helpers import EASY_EXAMPLE, EASY_PROMPTS, HARD_EXAMPLE, HARD_PROMPTS, tiny_router

MEDIUM_EXAMPLE = "Write a poem about the sea"  # the tiny router scores it ~0.70 (HARD ~0.99, EASY ~0.23)
PRICES = {"big": (15, 75), "mid": (3, 15), "small": (0.15, 0.6)}
ALIASES = {"big": "strong", "mid": "medium", "small": "weak"}  # the tiny router's model names
TYPICAL = [t.format(n=i) for i in range(40) for t in (HARD_PROMPTS + EASY_PROMPTS)[i % 10 : i % 10 + 1]]


# ---------------------------------------------------------------------------- candidates, prices
def test_candidates_order_by_expected_cost_and_fall_back_to_the_nearest_tier() -> None:
    cand = Candidates.build(["small", "big", "mid"], PRICES, tokens=(1000, 500))
    assert cand.names == ("big", "mid", "small")
    assert cand.costs == pytest.approx((15e-3 + 75 * 5e-4, 3e-3 + 15 * 5e-4, 0.15e-3 + 0.6 * 5e-4))
    assert cand.strongest_cost == cand.costs[0] and cand.cost("mid") == cand.costs[1]
    assert cand.fallback_order("mid") == ["big", "small"] and cand.fallback_order("small") == ["mid", "big"]
    assert Candidates.build(["a", "b"]).names == ("a", "b")  # no prices: the given order
    shares = cand.check_shares({"big": 0.1, "mid": 0.3})  # the rest goes to the unnamed model
    assert shares == pytest.approx([0.1, 0.3, 0.6])
    with pytest.raises(ConfigError, match="add up to 1"):
        cand.check_shares({"big": 0.7, "mid": 0.6})
    with pytest.raises(ConfigError, match="missing"):
        Candidates.build(["a", "b"], {"a": 1})
    with pytest.raises(ConfigError, match="input, output"):
        Candidates.build(["a", "b"], {"a": (1, 2, 3), "b": 1})
    with pytest.raises(ConfigError, match="at least two"):
        Candidates.build(["a"])
    assert estimate_tokens(["abcd" * 10, "ab" * 10]) == pytest.approx(7.5)


def test_budget_to_shares_two_models_is_the_linear_rule() -> None:
    assert shares_for_budget([0.01, 0.001], 0.004) == pytest.approx([1 / 3, 2 / 3])
    q = score_quantiles(np.linspace(0, 1, 101))
    t, f = threshold_for_budget(q, budget_per_call=0.004, strong_cost=0.01, weak_cost=0.001)
    assert f == pytest.approx(1 / 3) and t == pytest.approx(2 / 3, abs=1e-9)


@pytest.mark.parametrize("budget", [0.0005, 0.002, 0.006, 0.01, 0.02, 0.04])
def test_budget_to_shares_spends_the_budget_cheap_models_for_easy_prompts(budget: float) -> None:
    costs = [0.0525, 0.0105, 0.00045]
    shares = shares_for_budget(costs, budget)
    assert shares.sum() == pytest.approx(1.0) and (shares >= 0).all()
    assert float(shares @ costs) == pytest.approx(budget, rel=1e-6)
    more = shares_for_budget(costs, budget * 1.1)
    assert more[0] >= shares[0] and more[-1] <= shares[-1]  # more money: more strong, less weak


def test_budget_outside_the_costs_clips_and_bad_costs_are_refused() -> None:
    assert shares_for_budget([3.0, 2.0, 1.0], 10.0) == pytest.approx([1, 0, 0])
    assert shares_for_budget([3.0, 2.0, 1.0], 0.5) == pytest.approx([0, 0, 1])
    with pytest.raises(ConfigError, match="differ"):
        shares_for_budget([2.0, 2.0, 1.0], 1.5)
    with pytest.raises(ConfigError, match="positive price"):
        shares_for_budget([2.0, 1.0, 0.0], 1.5)


def test_thresholds_from_shares_on_known_quantiles() -> None:
    q = score_quantiles(np.linspace(0.0, 1.0, 1001))
    assert thresholds_from_shares(q, [0.1, 0.3, 0.6]) == pytest.approx((0.9, 0.6), abs=1e-9)
    assert thresholds_from_shares(q, [0.5, 0.5]) == pytest.approx((0.5,))


def test_the_tier_rule_is_the_two_model_rule_with_one_threshold() -> None:
    for score in (0.0, 0.3, 0.5, 0.50001, 1.0):
        assert (tier_of(score, [0.5]) == 0) == decision_at(score, 0.5, "r").is_strong
    t = (0.9, 0.6)
    scores = np.array([0.95, 0.9, 0.7, 0.6, 0.59, 0.0])
    assert [tier_of(s, t) for s in scores] == [0, 0, 1, 1, 2, 2] == tiers_of(scores, t).tolist()


def test_tradeoff_rule_budget_and_shares_on_a_quality_sample() -> None:
    rng = np.random.default_rng(0)
    quality = np.clip(np.array([0.8, 0.7, 0.5]) + rng.normal(0, 0.15, (2000, 3)), 0, 1)
    rel = np.array([1.0, 0.2, 0.01])
    assert tradeoff_choice(np.array([0.5, 0.5, 0.5]), rel, 0.0) == 2  # a tie goes to the cheaper
    lam = tradeoff_for_budget(quality, rel, 0.3)
    spent = rel[tradeoff_choice(quality, rel, lam)].mean()
    assert spent <= 0.3 and spent > 0.25
    assert tradeoff_for_budget(quality, rel, 2.0) == 0.0  # the best quality is affordable
    offsets = offsets_for_shares(quality, rel, 0.0, np.array([0.2, 0.3, 0.5]))
    got = np.bincount(tradeoff_choice(quality, rel, 0.0, offsets), minlength=3) / len(quality)
    assert got == pytest.approx([0.2, 0.3, 0.5], abs=0.02)


# ---------------------------------------------------------------------------- decisions, metadata
def test_two_model_decisions_keep_their_four_fields() -> None:
    d = decision_at(0.7, 0.5, "mf")
    assert d.to_dict() == {"model": "strong", "score": 0.7, "threshold": 0.5, "router": "mf"}
    assert RoutingDecision.from_dict(routing_metadata(d, "gpt-4o")) == d


def test_n_model_metadata_names_model_tier_scores_and_costs() -> None:
    d = RoutingDecision(model="mid", score=0.7, threshold=0.6, router="mf", tier=1, strategy="tiers",
                        thresholds=(0.9, 0.6), expected_cost=0.01, strongest_cost=0.05)
    meta = routing_metadata(d, "claude-sonnet-4-5")
    assert meta == {"model": "mid", "score": 0.7, "threshold": 0.6, "router": "mf", "tier": 1, "strategy": "tiers",
                    "thresholds": [0.9, 0.6], "expected_cost": 0.01, "strongest_cost": 0.05,
                    "model_name": "claude-sonnet-4-5"}
    assert not d.is_strong and RoutingDecision.from_dict(meta) == d
    after = routing_metadata(d, "gpt-4o-mini", answered_by="small", error=RuntimeError("down"))
    assert after["fallback"] and after["answered_by"] == "small" and after["fallback_error"] == "RuntimeError: down"
    labels = ("big", "mid", "small")
    assert answering_model(after, labels) == "small" and answering_model(after) is None
    assert decision_from_metadata(after, labels).model == "small"


def test_fallback_tries_the_others_in_order_and_keeps_both_errors() -> None:
    attempts = Attempts("mid", True, others=["big", "small"])
    tried: list[str] = []

    def call(label: str) -> str:
        tried.append(label)
        if label != "small":
            raise RuntimeError(label)
        return label

    assert attempts.call(call) == "small" and tried == ["mid", "big", "small"]
    assert str(attempts.first_error) == "mid"
    failing = Attempts("mid", True, others=["big"])
    with pytest.raises(RuntimeError, match="big") as info:
        failing.call(lambda label: (_ for _ in ()).throw(RuntimeError(label)))
    assert str(info.value.__cause__) == "mid"


# ---------------------------------------------------------------------------- the policy, tiers
def test_policy_tiers_with_given_thresholds() -> None:
    policy = RoutingPolicy(tiny_router(), models=["big", "mid", "small"], prices=PRICES, thresholds=[0.95, 0.5])
    assert policy.strategy == "tiers" and policy.labels == ("big", "mid", "small")
    hard, mid, easy = policy.decide_batch([HARD_EXAMPLE, MEDIUM_EXAMPLE, EASY_EXAMPLE])
    assert (hard.model, mid.model, easy.model) == ("big", "mid", "small")
    assert (hard.tier, mid.tier, easy.tier) == (0, 1, 2) and hard.is_strong
    assert (hard.threshold, mid.threshold, easy.threshold) == (0.95, 0.5, 0.0)
    assert easy.thresholds == (0.95, 0.5) and easy.strategy == "tiers"
    costs = policy.candidates.costs
    assert easy.expected_cost == costs[2] and easy.strongest_cost == costs[0] == hard.expected_cost
    one = policy.decide(MEDIUM_EXAMPLE)
    assert (one.model, one.tier, one.thresholds) == (mid.model, mid.tier, mid.thresholds)
    assert one.score == pytest.approx(mid.score)
    assert policy.fallback_order("big") == ["mid", "small"]


def test_policy_tiers_shares_and_budget_hold_on_the_calibration_prompts() -> None:
    router = tiny_router()
    policy = RoutingPolicy(router, models=["big", "mid", "small"], shares={"big": 0.2, "mid": 0.3},
                           calibration_prompts=TYPICAL)
    got = [d.model for d in policy.decide_batch(TYPICAL)]
    assert [got.count(m) / len(got) for m in ("big", "mid", "small")] == pytest.approx([0.2, 0.3, 0.5], abs=0.05)
    assert policy.target_shares == pytest.approx({"big": 0.2, "mid": 0.3, "small": 0.5})
    budget = RoutingPolicy(router, models=["big", "mid", "small"], prices=PRICES, budget=0.004, tokens=(1000, 300),
                           calibration_prompts=TYPICAL)
    spent = np.mean([d.expected_cost for d in budget.decide_batch(TYPICAL)])
    assert spent == pytest.approx(0.004, rel=0.15)
    assert budget.tokens == (1000, 300)
    estimated = RoutingPolicy(router, models=list(PRICES), prices=PRICES, budget=0.004, calibration_prompts=TYPICAL)
    assert estimated.tokens[0] == pytest.approx(estimate_tokens(TYPICAL))


def test_policy_settings_are_checked() -> None:
    router = tiny_router()
    with pytest.raises(ConfigError, match="N-model form"):
        RoutingPolicy(router, budget=0.01)
    with pytest.raises(ConfigError, match="two models"):
        RoutingPolicy(router, models=["a", "b", "c"], threshold=0.5)
    with pytest.raises(ConfigError, match="prices"):
        RoutingPolicy(router, models=["a", "b", "c"], budget=0.01)
    with pytest.raises(ConfigError, match="one of budget, shares or thresholds"):
        RoutingPolicy(router, models=["a", "b"], shares={"a": 0.5}, thresholds=[0.5])
    with pytest.raises(ConfigError, match="not increase"):
        RoutingPolicy(router, models=["a", "b", "c"], thresholds=[0.2, 0.5])
    with pytest.raises(UnknownModelError, match="router_models"):
        RoutingPolicy(router, models=["a", "b"], strategy="quality")
    with pytest.raises(ConfigError, match="does not"):
        RoutingPolicy(load_router("random"), models=["a", "b"], strategy="quality")
    with pytest.raises(ConfigError, match="two-model"):
        RoutingPolicy(router, models=["a", "b"]).with_threshold(0.3)
    with pytest.raises(ConfigError, match="ready RoutingPolicy"):
        RoutingPolicy.build(RoutingPolicy(router), models=["a", "b"])


# ---------------------------------------------------------------------------- the policy, quality
def test_policy_quality_picks_the_best_trade_off() -> None:
    router = tiny_router()
    free = RoutingPolicy(router, models=["big", "mid", "small"], router_models=ALIASES)
    assert free.strategy == "quality" and free.tradeoff == 0.0
    hard = free.decide(HARD_EXAMPLE)
    assert hard.model == "big" and hard.strategy == "quality" and hard.tier == 0
    assert set(hard.scores) == {"big", "mid", "small"} and hard.score == max(hard.scores.values())
    q = router.quality(HARD_EXAMPLE, ["strong", "medium", "weak"])[0]
    assert [hard.scores[k] for k in ("big", "mid", "small")] == pytest.approx(q.tolist())
    # a budget raises the trade-off until the mean expected cost on calibration prompts fits
    cheap = RoutingPolicy(router, models=["big", "mid", "small"], router_models=ALIASES, prices=PRICES,
                          budget=0.002, tokens=(500, 300), calibration_prompts=TYPICAL)
    assert cheap.tradeoff > 0 and cheap.threshold == cheap.tradeoff
    spent = np.mean([d.expected_cost for d in cheap.decide_batch(TYPICAL)])
    assert spent <= 0.002 + 1e-12
    # auto picks quality when the router knows every model by the names the adapter passes
    named = RoutingPolicy(router, models=["x", "y"], model_names={"x": "strong", "y": "weak"})
    assert named.strategy == "quality" and named.decide(HARD_EXAMPLE).model == "x"
    # the stored calibration sample sets a budget without calibration prompts
    assert router.calibration_quality_ is not None
    stored = RoutingPolicy(router, models=list(PRICES), router_models=ALIASES, prices=PRICES, budget=0.005)
    assert stored.tradeoff >= 0.0


def test_policy_quality_prices_each_call_by_its_own_prompt() -> None:
    """tokens=("prompt", output): a call's cost counts its prompt's tokens, so at one trade-off the
    same predicted qualities send a long prompt to a cheaper model than a short one, the budget
    holds on the calibration prompts' own costs, and the decision reports the call's own cost."""
    router = tiny_router()
    two = {k: PRICES[k] for k in ("big", "small")}
    cand = Candidates.build(["big", "small"], two, tokens=(100, 300))
    short, long_ = HARD_EXAMPLE, HARD_EXAMPLE + " Here is the whole context." * 400
    costs = cand.call_costs([short, long_])
    expected_short = (len(short) / 4 * np.array([15, 0.15]) + 300 * np.array([75, 0.6])) / 1e6
    assert costs[0] == pytest.approx(expected_short) and np.all(costs[1] > costs[0])
    assert cand.relative(costs) == pytest.approx(costs / max(cand.costs))
    assert cand.relative_costs() == pytest.approx(np.asarray(cand.costs) / max(cand.costs))
    assert Candidates.build(["a", "b"]).relative_costs().tolist() == [0.0, 0.0]
    typical = TYPICAL + [p + " More context follows." * 60 for p in TYPICAL]
    per_call = RoutingPolicy(router, models=["big", "mid", "small"], router_models=ALIASES, prices=PRICES,
                             budget=0.004, tokens=("prompt", 300), calibration_prompts=typical)
    assert "priced per prompt" in repr(per_call)
    decisions = per_call.decide_batch(typical)
    spent = np.mean([d.expected_cost for d in decisions])
    assert spent <= 0.004 + 1e-12 and spent == pytest.approx(0.004, rel=0.3)
    own = Candidates.build(["big", "mid", "small"], PRICES, tokens=(1, 300)).call_costs(typical)
    names = ["big", "mid", "small"]
    assert [d.expected_cost for d in decisions] == pytest.approx([own[i, names.index(d.model)]
                                                                  for i, d in enumerate(decisions)])
    # the same prompt made long goes to a model no dearer than the short one's
    for p in TYPICAL[:10]:
        a, b = per_call.decide(p), per_call.decide(p + " More context follows." * 60)
        assert names.index(b.model) >= names.index(a.model)
    assert any(per_call.decide(p).model != per_call.decide(p + " More context follows." * 60).model
               for p in TYPICAL)
    with pytest.raises(ConfigError, match="prices"):
        RoutingPolicy(router, models=names, router_models=ALIASES, tokens=("prompt", 300))
    with pytest.raises(ConfigError, match="quality strategy"):
        RoutingPolicy(router, models=names, prices=PRICES, tokens=("prompt", 300), strategy="tiers")
    # online (per process): the trade-off follows the calls' own costs toward the budget
    online = RoutingPolicy(router, models=names, router_models=ALIASES, prices=PRICES, budget=0.004,
                           tokens=("prompt", 300), calibration_prompts=typical, online={"halflife": 200})
    stream = [d for _ in range(5) for d in online.decide_batch(typical)]
    assert online.online.realised_cost == pytest.approx(0.004, rel=0.3)
    assert np.mean([d.expected_cost for d in stream[-200:]]) == pytest.approx(0.004, rel=0.3)
    with pytest.raises(ConfigError, match="Redis"):
        RoutingPolicy(router, models=names, router_models=ALIASES, prices=PRICES, budget=0.004,
                      tokens=("prompt", 300), online={"redis_url": "redis://localhost:1/0", "key": "k"})
    with pytest.raises(ConfigError, match="'prompt'"):
        RoutingPolicy(router, models=names, prices=PRICES, tokens=("words", 300))


# ---------------------------------------------------------------------------- quality routers
def _golden(n: int = 60) -> list[GoldenRow]:
    """'big' solves everything, 'small' only small talk, 'mid' small talk and half the maths."""
    rows = []
    for i in range(n):
        hard = i % 2 == 0
        prompt = (HARD_PROMPTS if hard else EASY_PROMPTS)[i % 5].format(n=i)
        rows.append(GoldenRow(prompt, {"big": 1.0, "mid": float(not hard or i % 4 == 0), "small": float(not hard)}))
    return rows


def test_quality_ridge_learns_each_models_quality_and_round_trips(tmp_path) -> None:
    battles = golden_to_all_pair_battles(_golden())
    prompts, models, Y, W = mean_results(battles)
    assert models == ["big", "mid", "small"] and (W > 0).all()
    assert Y[0].tolist() == pytest.approx([0.75, 0.75, 0.0])  # hard, mid right: big & mid tie, both beat small
    router = QualityRidgeRouter(embedding_weight=0.0, alpha=1.0).fit(battles)
    assert router.predicts_quality and router.known_models() == ["big", "mid", "small"]
    q = router.quality([HARD_EXAMPLE, EASY_PROMPTS[0].format(n=999)], ["big", "mid", "small"])
    assert q.shape == (2, 3) and q[0, 0] > q[0, 2] + 0.3  # maths: big is better than small
    assert abs(q[1, 0] - q[1, 2]) < 0.5 * (q[0, 0] - q[0, 2])  # small talk: much less difference
    assert router.score(HARD_EXAMPLE, strong="big", weak="small") > 0.6
    assert router.calibration_quality_.shape == (len(prompts), 3)
    loaded = Router.load(router.save(tmp_path / "q"))
    assert np.allclose(loaded.quality([HARD_EXAMPLE]), router.quality([HARD_EXAMPLE]))
    assert loaded.calibration_quality_models_ == ["big", "mid", "small"]
    assert loaded.calibration_input_tokens_ == pytest.approx(router.calibration_input_tokens_)
    with pytest.raises(UnknownModelError):
        loaded.quality("hi", ["gpt-5"])


def test_mf_quality_agrees_with_its_pairwise_scores() -> None:
    router = tiny_router()
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE, MEDIUM_EXAMPLE]
    q = router.quality(prompts, ["strong", "medium", "weak"])
    for i, p in enumerate(prompts):
        assert (q[i, 0] > q[i, 2]) == (router.score(p, strong="strong", weak="weak") > 0.5)
        assert (q[i, 1] > q[i, 2]) == (router.score(p, strong="medium", weak="weak") > 0.5)
    with pytest.raises(ConfigError, match="does not predict"):
        load_router("random").quality("hi")
