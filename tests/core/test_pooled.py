"""Pooled strong-vs-weak labels, the pooled_ridge router and evaluation on preference data."""

from __future__ import annotations

import numpy as np
import pytest

from routellm_core.data import Battles
from routellm_core.errors import DataFormatError
from routellm_core.evaluation.preferences import (
    cross_val_pooled,
    evaluate_pooled,
    leave_one_source_out,
    source_groups,
)
from routellm_core.data.pooling import (
    STRONG_TIER_MODEL,
    WEAK_TIER_MODEL,
    PooledLabels,
    bradley_terry,
    pool_labels,
    source_prompt_weights,
    strength_tiers,
    tier_battles,
)
from routellm_core.routers.pooled_ridge import PooledRidgeRouter, char_class_stats

MODELS = ["top", "good", "fair", "poor"]  # true strength order


def _battles(prompts_hard: list[str], prompts_easy: list[str], source: str, seed: int = 0) -> Battles:
    """Every pair of MODELS on every prompt: on hard prompts the stronger model wins, on easy ones
    nearly all battles are ties (any model answers well)."""
    rng = np.random.default_rng(seed)
    rows = {"prompts": [], "a": [], "b": [], "o": []}
    for prompts, hard in ((prompts_hard, True), (prompts_easy, False)):
        for p in prompts:
            for i, a in enumerate(MODELS):
                for b in MODELS[i + 1 :]:
                    if hard:
                        o = 1.0 if rng.random() < 0.9 else 0.0
                    else:
                        o = 0.5 if rng.random() < 0.8 else float(rng.random() < 0.6)
                    if rng.random() < 0.5:  # both orders occur
                        a_, b_, o = b, a, 1.0 - o
                    else:
                        a_, b_ = a, b
                    rows["prompts"].append(p)
                    rows["a"].append(a_)
                    rows["b"].append(b_)
                    rows["o"].append(o)
    return Battles(rows["prompts"], rows["a"], rows["b"], np.array(rows["o"]), source=source)


HARD_TOPICS = ["the fundamental theorem of calculus", "Dijkstra's algorithm", "the Cauchy-Schwarz inequality",
               "a lock-free queue in C++", "the Black-Scholes equation", "quicksort's average complexity",
               "the central limit theorem", "a red-black tree insertion", "Bayes' theorem for x^2 + y^2 = 1",
               "the eigenvalues of a 3x3 matrix", "Raft leader election", "the halting problem"]
EASY_TOPICS = ["hi there!", "hello, how are you?", "thanks a lot!", "good morning :)", "what's your name?",
               "say hello to Anna", "ok cool, thanks", "hey!", "nice to meet you", "thank you, bye",
               "good night!", "how's it going?"]


def _hard(k: int) -> list[str]:
    return [f"Prove and derive step by step {t}, then implement it in Python (variant {k})." for t in HARD_TOPICS]


def _easy(k: int) -> list[str]:
    return [f"{t} ({k})" for t in EASY_TOPICS]


@pytest.fixture(scope="module")
def two_sources() -> Battles:
    return Battles.concat([_battles(_hard(1), _easy(1), "alpha", 0), _battles(_hard(2), _easy(2), "beta", 1)])


def test_bradley_terry_recovers_the_order():
    b = _battles(_hard(0), [], "s")
    index = {m: i for i, m in enumerate(MODELS)}
    r = bradley_terry(
        np.array([index[m] for m in b.model_a]), np.array([index[m] for m in b.model_b]), b.outcome, b.weight, 4
    )
    assert list(np.argsort(-r)) == [0, 1, 2, 3]
    assert abs(r.mean()) < 1e-9


def test_strength_tiers_split_by_strength():
    b = _battles(_hard(0), _easy(0), "s")
    assert strength_tiers(b) == (["top", "good"], ["fair", "poor"])
    assert strength_tiers(b, 0.25) == (["top"], ["good", "fair", "poor"])
    assert strength_tiers(b, 0.25, 0.5) == (["top"], ["good", "fair"])


def test_pooled_advantage_is_large_where_stronger_models_help(two_sources):
    labels = pool_labels(two_sources)
    assert len(labels) == 48 and set(labels.source) == {"alpha", "beta"}
    adv = dict(zip(labels.prompts, labels.advantage))
    hard = np.mean([adv[p] for p in _hard(1) + _hard(2)])
    easy = np.mean([adv[p] for p in _easy(1) + _easy(2)])
    assert hard > 0.4 and abs(easy) < 0.2
    assert np.all((labels.strong >= 0) & (labels.strong <= 1) & (labels.weak >= 0) & (labels.weak <= 1))


def test_a_prompt_judged_in_two_sources_is_pooled_over_both():
    both = Battles.concat([_battles(_hard(0), [], "alpha", 0), _battles(_hard(0), [], "beta", 1)])
    labels = pool_labels(both)
    assert len(labels) == len(HARD_TOPICS) and set(labels.source) == {"alpha+beta"}


def test_char_class_stats():
    s = char_class_stats(["hi", "x^2 + y = {z}\n    return 1", "¿Qué tal?"])
    assert s.shape == (3, 7)
    assert s[0, :5].sum() == 0
    assert s[1, 0] > 0 and s[1, 1] > 0 and s[1, 2] > 0 and s[1, 3] > 0
    assert 0 < s[2, 5] <= 1


@pytest.fixture(scope="module")
def pooled_router(two_sources) -> PooledRidgeRouter:
    return PooledRidgeRouter(alpha=1.0, min_df=1).fit(two_sources)


def test_pooled_ridge_ranks_unseen_hard_prompts_above_easy_ones(pooled_router):
    hard = pooled_router.score(_hard(7))
    easy = pooled_router.score(_easy(7))
    assert hard.min() > easy.max()


def test_pooled_ridge_is_model_agnostic(pooled_router):
    p = "Prove the central limit theorem"
    assert pooled_router.known_models() == []
    assert pooled_router.strong_model is None and pooled_router.weak_model is None
    assert pooled_router.score(p, strong="any-big-model", weak="any-small-model") == pooled_router.score(p)


def test_pooled_ridge_round_trips_and_records_its_sources(pooled_router, tmp_path):
    from routellm_core import load_router

    pooled_router.save(tmp_path / "r")
    loaded = load_router(tmp_path / "r")
    prompts = _hard(9) + _easy(9)
    np.testing.assert_allclose(loaded.score(prompts), pooled_router.score(prompts), atol=1e-6)
    assert set(loaded.sources_) == {"alpha", "beta"}
    assert loaded.threshold_for(0.5) == pytest.approx(pooled_router.threshold_for(0.5))


def test_source_weights_change_the_weighting(two_sources):
    heavy = PooledRidgeRouter(alpha=1.0, min_df=1, source_weights={"alpha": 3.0}).fit(two_sources)
    assert heavy.sources_["alpha"]["weight"] == 3.0 and heavy.sources_["beta"]["weight"] == 1.0


def test_evaluate_pooled_oracle_recovers_all_headroom(two_sources):
    labels = pool_labels(two_sources)
    best = evaluate_pooled(labels.advantage, labels)
    assert best.headroom == pytest.approx(1.0)
    worst = evaluate_pooled(-labels.advantage, labels)
    assert worst.headroom < 0
    assert best.summary()["n"] == len(labels)


def test_source_groups_merge_sources_that_share_prompts():
    a = _battles(_hard(0), [], "a")
    b = _battles(_hard(0), [], "b")  # same prompts as a
    c = _battles(_hard(1), [], "c")
    assert source_groups(Battles.concat([a, b, c])) == {"a+b": ["a", "b"], "c": ["c"]}


def test_leave_one_source_out_and_cross_validation(two_sources):
    def factory() -> PooledRidgeRouter:
        return PooledRidgeRouter(alpha=1.0, min_df=1)

    loso = leave_one_source_out(factory, two_sources)
    assert set(loso) == {"alpha", "beta"}
    for result in loso.values():
        assert result.headroom > 0.5  # the other source teaches the same easy/hard contrast
    labels, scores, folds = cross_val_pooled(factory, two_sources, folds=3)
    assert len(scores) == len(labels) and not np.isnan(scores).any()
    assert set(folds) == {0, 1, 2}
    assert evaluate_pooled(scores, labels).headroom > 0.5


def test_source_prompt_weights_spread_each_source_over_its_prompts():
    b = Battles(["p1", "p2", "p2", "p3"], ["a", "a", "a", "a"], ["b", "b", "b", "b"], np.ones(4),
                weight=[1.0, 1.0, 1.0, 0.5], source=["s", "s", "s", "t"])
    w, sources = source_prompt_weights(b, ["p1", "p2", "p3", "p4"], {"s": 4.0})
    # s: total 4 * mean row weight 1 over 2 prompts; t: default 1 * 0.5 over 1 prompt; p4 in no source
    np.testing.assert_allclose(w, [2.0, 2.0, 0.5, 0.0])
    assert sources == {"s": {"prompts": 2, "weight": 4.0}, "t": {"prompts": 1, "weight": 0.5}}


def test_tier_battles_are_the_pooled_labels_as_soft_targets(two_sources):
    labels = PooledLabels(["p1", "p2", "p3"], np.array([1.0, 0.5, 0.25]), np.array([0.0, 0.5, 0.75]), ["s", "s", "t"])
    b = tier_battles(labels, [2.0, 1.0, 4.0])
    # y = (1 + advantage) / 2 = 1, 0.5, 0.25; p1's weak-win row has weight 0 and is left out
    assert b.prompts == ["p1", "p2", "p2", "p3", "p3"] and b.source == ["s", "s", "s", "t", "t"]
    assert set(b.model_a) == {STRONG_TIER_MODEL} and set(b.model_b) == {WEAK_TIER_MODEL}
    assert b.outcome.tolist() == [1.0, 1.0, 0.0, 1.0, 0.0]
    np.testing.assert_allclose(b.weight, [2.0, 0.5, 0.5, 1.0, 3.0])
    # per prompt: the strong-win share of the weight is y and the total is the prompt's weight
    real = pool_labels(two_sources)
    tb = tier_battles(real)
    for p, y in zip(real.prompts[:6], (1 + real.advantage[:6]) / 2):
        rows = [i for i, q in enumerate(tb.prompts) if q == p]
        assert tb.weight[rows].sum() == pytest.approx(1.0)
        assert tb.weight[rows][tb.outcome[rows] == 1.0].sum() == pytest.approx(y)
    with pytest.raises(DataFormatError, match="one weight per prompt"):
        tier_battles(labels, [1.0])
    with pytest.raises(DataFormatError, match="nothing to learn"):
        tier_battles(labels, [0.0, 0.0, 0.0])
