"""Online mode: the realised shares / spend of a drifting stream converge to the target, the state is
readable and in the metadata, and one controller serves many threads and async calls."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from routellm_core import ConfigError, RoutingPolicy
from routellm_core.routing.calibration import score_quantiles, thresholds_from_shares
from routellm_core.routing.online import TierController, TradeoffController, online_settings
from tests.helpers import EASY_PROMPTS, HARD_PROMPTS, tiny_router

SHARES = [0.1, 0.3, 0.6]
N = 30_000
WARMUP = 2_000
WINDOW = 1_000


def drifting_scores(n: int = N, seed: int = 0) -> np.ndarray:
    """A prompt mix whose share of hard prompts drifts from 15% to 60%, then jumps by 20 points;
    scores in a narrow band like a real router's."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    p_hard = 0.15 + 0.45 * t / n + np.where(t > 2 * n // 3, 0.2, 0.0)
    hard = rng.random(n) < p_hard
    return np.where(hard, rng.beta(6, 3, n), rng.beta(3, 6, n)) * 0.3 + 0.45


def calibration(seed: int = 1) -> np.ndarray:
    """Quantiles of the mix the policy was calibrated on (15% hard)."""
    rng = np.random.default_rng(seed)
    hard = rng.random(5000) < 0.15
    return score_quantiles(np.where(hard, rng.beta(6, 3, 5000), rng.beta(3, 6, 5000)) * 0.3 + 0.45)


def window_shares(tiers: np.ndarray, m: int) -> np.ndarray:
    """(windows, m) share of calls per tier in consecutive windows after warm-up."""
    blocks = tiers[WARMUP:].reshape(-1, WINDOW)
    return np.stack([(blocks == j).mean(axis=1) for j in range(m)], axis=1)


def test_tier_thresholds_follow_a_drifting_stream() -> None:
    q = calibration()
    start = thresholds_from_shares(q, SHARES)
    controller = TierController(["big", "mid", "small"], start, SHARES, spread=0.05, center=0.55)
    scores = drifting_scores()
    tiers = np.array([controller.route(s)[0] for s in scores.tolist()])
    per_window = window_shares(tiers, 3)
    assert np.abs(per_window - SHARES).max() <= 0.02  # every 1,000-call window within +-2 points
    static = np.array([sum(s < t for t in start) for s in scores[-5000:]])
    assert (static == 0).mean() > SHARES[0] + 0.2  # fixed thresholds would have drifted far off
    assert controller.counts == {"big": int((tiers == 0).sum()), "mid": int((tiers == 1).sum()),
                                 "small": int((tiers == 2).sum())}
    assert controller.calls == N
    assert list(controller.realised_shares.values()) == pytest.approx(SHARES, abs=0.05)
    t = controller.thresholds
    assert t[0] >= t[1] and t[0] > start[0]  # moved up with the harder mix


def test_tier_controller_is_deterministic() -> None:
    def run() -> list[int]:
        c = TierController(["a", "b"], (0.6,), (0.3, 0.7), spread=0.05, center=0.55)
        return [c.route(s)[0] for s in drifting_scores(3000).tolist()]

    assert run() == run()


def _qualities(n: int, seed: int = 0) -> np.ndarray:
    """Predicted qualities of three models (dearest first) on a stream whose prompts get harder:
    the dear model's edge grows."""
    rng = np.random.default_rng(seed)
    hard = np.linspace(0.0, 1.0, n)[:, None]
    base = np.array([[0.85, 0.75, 0.6]]) - hard * np.array([[0.1, 0.25, 0.45]])
    return np.clip(base + rng.normal(0, 0.08, (n, 3)), 0, 1)


def test_tradeoff_budget_holds_on_a_drifting_stream() -> None:
    rel = [1.0, 0.2, 0.01]
    controller = TradeoffController(["big", "mid", "small"], rel, lam=0.0, offsets=[0, 0, 0], budget=0.25,
                                    shares=None, spread=0.08, costs=[0.05, 0.01, 0.0005])
    chosen = np.array([controller.route(q)[0] for q in _qualities(N).tolist()])
    spend = np.asarray(rel)[chosen][WARMUP:].reshape(-1, WINDOW).mean(axis=1)
    assert np.abs(spend - 0.25).max() <= 0.02 + 1e-9  # within 2% of the most expensive call
    assert controller.tradeoff > 0
    assert controller.realised_cost == pytest.approx(0.25 * 0.05, rel=0.2)


def test_tradeoff_shares_hold_on_a_drifting_stream() -> None:
    controller = TradeoffController(["big", "mid", "small"], [1.0, 0.2, 0.01], lam=0.0, offsets=[0, 0, 0],
                                    budget=None, shares=SHARES, spread=0.08)
    chosen = np.array([controller.route(q)[0] for q in _qualities(N).tolist()])
    assert np.abs(window_shares(chosen, 3) - SHARES).max() <= 0.02
    assert sum(controller.offsets) == pytest.approx(0.0, abs=1e-9)


def test_one_controller_serves_many_threads() -> None:
    controller = TierController(["big", "mid", "small"], (0.6, 0.5), SHARES, spread=0.05, center=0.55)
    scores = drifting_scores(16_000, seed=3).reshape(8, -1)
    errors: list[BaseException] = []

    def worker(row: np.ndarray) -> None:
        try:
            for s in row.tolist():
                tier, used, realised = controller.route(s)
                assert used[0] >= used[1] and 0 <= tier <= 2 and len(realised) == 3
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(row,)) for row in scores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    counts = controller.counts
    assert sum(counts.values()) == controller.calls == 16_000  # no update lost
    assert [counts[m] / 16_000 for m in ("big", "mid", "small")] == pytest.approx(SHARES, abs=0.03)


def test_policy_online_metadata_and_async_calls() -> None:
    router = tiny_router()
    prompts = [t.format(n=i) for i in range(200) for t in (HARD_PROMPTS[i % 5], EASY_PROMPTS[i % 5])]
    policy = RoutingPolicy(router, models=["big", "mid", "small"], shares={"big": 0.2, "mid": 0.3}, online=True)
    assert policy.online is not None and policy.realised_shares is not None
    first = policy.decide(prompts[0])
    assert first.realised_shares is not None and set(first.realised_shares) == {"big", "mid", "small"}
    assert first.to_dict()["realised_shares"] == first.realised_shares and first.thresholds is not None

    async def many() -> list:
        return await asyncio.gather(*(policy.adecide(p) for p in prompts))

    decided = asyncio.run(many())
    assert policy.online.calls == len(prompts) + 1
    assert {d.model for d in decided} <= {"big", "mid", "small"}
    pair = RoutingPolicy(router, strong_fraction=0.3, online={"step": 0.1, "halflife": 200})
    before = pair.threshold
    for p in prompts:
        pair.decide(p)
    d = pair.decide(prompts[0])
    assert d.model in ("strong", "weak") and set(d.realised_shares) == {"strong", "weak"}
    assert pair.threshold != before and pair.thresholds == (pair.threshold,)
    share = pair.online.counts["strong"] / pair.online.calls
    assert share == pytest.approx(0.3, abs=0.06)


def test_online_settings_are_checked() -> None:
    assert online_settings(False) is None and online_settings(True)["step"] > 0
    assert online_settings({"step": 0.1}) == {"step": 0.1, "halflife": 1000.0}
    with pytest.raises(ConfigError, match="step"):
        online_settings({"step": 0})
    with pytest.raises(ConfigError, match="'step' and 'halflife'"):
        online_settings({"speed": 1})
    with pytest.raises(ConfigError, match="strong_fraction"):
        RoutingPolicy(tiny_router(), threshold=0.5, online=True)
    with pytest.raises(ConfigError, match="not thresholds"):
        RoutingPolicy(tiny_router(), models=["a", "b"], thresholds=[0.5], online=True)
