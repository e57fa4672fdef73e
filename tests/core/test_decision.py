import numpy as np
import pytest

from routellm_core import ConfigError, InvalidPromptError, RoutingDecision, RoutingPolicy, load_router
from routellm_core.routing.calibration import score_quantiles, threshold_for_budget, threshold_from_quantiles
from routellm_core.routing.decision import decision_at


def test_decide_rule_is_score_at_or_above_threshold():
    assert decision_at(0.4, 0.4, "r").model == "strong"
    assert decision_at(0.39, 0.4, "r").model == "weak"
    d = decision_at(0.7, 0.5, "mf")
    assert d == RoutingDecision(model="strong", score=0.7, threshold=0.5, router="mf")
    assert d.to_dict() == {"model": "strong", "score": 0.7, "threshold": 0.5, "router": "mf"}


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "0.3", None, True])
def test_threshold_outside_unit_interval_is_rejected(bad):
    router = load_router("random")
    with pytest.raises(ConfigError, match="threshold"):
        RoutingPolicy(router, threshold=bad) if bad is not None else router.route("x", threshold="a")


@pytest.mark.parametrize("bad", [-0.01, 1.01])
def test_strong_fraction_outside_unit_interval_is_rejected(bad):
    with pytest.raises(ConfigError, match=r"strong_fraction must be in \[0, 1\]"):
        RoutingPolicy("random", strong_fraction=bad)


def test_threshold_and_strong_fraction_together_is_an_error():
    with pytest.raises(ConfigError, match="either threshold or strong_fraction"):
        RoutingPolicy("random", threshold=0.3, strong_fraction=0.3)


@pytest.mark.parametrize("bad", ["", "   \n", None, 3, ["ok", ""]])
def test_bad_prompts_get_clear_errors(bad):
    router = load_router("random")
    with pytest.raises(InvalidPromptError, match="empty|string"):
        router.score(bad)


def test_quantile_thresholds_send_the_requested_share():
    rng = np.random.default_rng(0)
    scores = rng.beta(2, 5, size=5000)
    q = score_quantiles(scores)
    for f in (0.1, 0.3, 0.5, 0.9):
        t = threshold_from_quantiles(q, f)
        assert abs((scores >= t).mean() - f) < 0.01
    assert threshold_from_quantiles(q, 1.0) == 0.0
    assert (scores >= threshold_from_quantiles(q, 0.0)).mean() == 0.0


def test_async_decisions_score_in_the_loop_only_for_light_routers():
    """The bundled routers (numpy + the static embedder, once built) score async calls in the
    event loop: a worker-thread hop costs more than their scoring. A router with a heavy or
    network embedder, or a large batch, scores in a worker thread so the loop is not blocked."""
    import asyncio
    import threading

    from routellm_core.loading.loader import bundled_checkpoint_dir
    from routellm_core.embeddings import StaticEmbedder
    from routellm_core.routers.pooled_ridge import PooledRidgeRouter
    from routellm_core.policy.routing_policy import INLINE_PROMPTS

    def scoring_threads(policy, calls):
        seen = []
        inner = policy.router._score

        def spy(*args, **kwargs):
            seen.append(threading.get_ident())
            return inner(*args, **kwargs)

        policy.router._score = spy
        try:
            async def run():
                for call in calls:
                    await call(policy)
                return threading.get_ident()

            loop_thread = asyncio.run(run())
        finally:
            del policy.router._score
        return [t == loop_thread for t in seen]

    one = lambda p: p.adecide("hello there")  # noqa: E731
    small = lambda p: p.adecide_batch(["a b", "c d"])  # noqa: E731
    big = lambda p: p.adecide_batch([f"prompt {i}" for i in range(INLINE_PROMPTS + 1)])  # noqa: E731

    light = RoutingPolicy(load_router(), strong_fraction=0.5)
    light.decide("build the embedder first")
    assert light.router.scores_inline()
    assert scoring_threads(light, [one, small, big]) == [True, True, False]
    # the same router before its embedder is built (a cold start may take seconds): a thread
    cold = RoutingPolicy(PooledRidgeRouter.load(bundled_checkpoint_dir("default")), strong_fraction=0.5)
    assert not cold.router.scores_inline()
    assert scoring_threads(cold, [one]) == [False]

    class SlowEmbedder:  # e.g. a network embedder: not marked light
        name, dim = "minilm-static", 256

        def embed(self, texts):
            return StaticEmbedder().embed(texts)

    heavy = RoutingPolicy(PooledRidgeRouter.load(bundled_checkpoint_dir("default"), embedder=SlowEmbedder()),
                          strong_fraction=0.5)
    heavy.decide("build it")
    assert not heavy.router.scores_inline()
    assert scoring_threads(heavy, [one]) == [False]
    # decisions are the same whichever thread scores
    assert asyncio.run(light.adecide("prove it")) == light.decide("prove it")


def test_budget_threshold():
    q = score_quantiles(np.linspace(0, 1, 1001))
    t, f = threshold_for_budget(q, budget_per_call=0.004, strong_cost=0.01, weak_cost=0.001)
    assert f == pytest.approx(1 / 3)
    assert t == pytest.approx(2 / 3, abs=1e-3)


def test_policy_batch_equals_single_and_async():
    import asyncio

    policy = RoutingPolicy("random", strong_fraction=0.5)
    prompts = [f"prompt {i}" for i in range(20)]
    batch = policy.decide_batch(prompts)
    assert batch == [policy.decide(p) for p in prompts]
    assert asyncio.run(policy.adecide(prompts[3])) == batch[3]
    assert asyncio.run(policy.adecide_batch(prompts)) == batch
    assert {d.model for d in batch} == {"strong", "weak"}
    assert policy.decide_batch([]) == []
