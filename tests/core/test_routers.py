import numpy as np
import pytest

from routellm_core import ConfigError, UnknownModelError, load_router
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter
from routellm_core.routers.random import RandomRouter
from routellm_core.routers.sw_ranking import SWRankingRouter
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_battles, tiny_router


def test_random_router_is_deterministic_uniform_and_needs_no_training():
    r = RandomRouter(seed=1)
    prompts = [f"p{i}" for i in range(4000)]
    s = r.score(prompts)
    assert s.shape == (4000,) and 0 <= s.min() and s.max() <= 1
    assert abs(s.mean() - 0.5) < 0.02
    assert r.score("p7") == s[7]
    assert not np.allclose(RandomRouter(seed=2).score(prompts[:10]), s[:10])
    assert abs(np.mean(s >= r.threshold_for(0.3)) - 0.3) < 0.02


def test_tiny_mf_separates_hard_from_easy_and_batches():
    r = tiny_router()
    hard, easy = r.score([HARD_EXAMPLE, EASY_EXAMPLE])
    assert hard > 0.5 > easy
    assert r.score(HARD_EXAMPLE) == pytest.approx(hard)
    d = r.route(EASY_EXAMPLE, threshold=0.5)
    assert d.model == "weak" and d.router == "mf"
    assert [x.model for x in r.route([HARD_EXAMPLE, EASY_EXAMPLE], threshold=0.5)] == ["strong", "weak"]


def test_mf_scores_any_known_pair_and_rejects_unknown_models():
    r = tiny_router()
    assert set(r.known_models()) == {"strong", "medium", "weak"}
    s_sw = r.score(HARD_EXAMPLE)
    s_sm = r.score(HARD_EXAMPLE, strong="strong", weak="medium")
    s_mw = r.score(HARD_EXAMPLE, strong="medium", weak="weak")
    assert 0 <= s_sm <= 1 and 0 <= s_mw <= 1
    assert s_sw != s_mw
    # swapping the pair mirrors the probability
    assert r.score(HARD_EXAMPLE, strong="weak", weak="strong") == pytest.approx(1 - s_sw, abs=1e-6)
    with pytest.raises(UnknownModelError, match="not trained on model 'gpt-9'"):
        r.score("x", strong="gpt-9")


def test_mf_training_is_deterministic_with_a_seed():
    b = tiny_battles(60)
    a = MatrixFactorizationRouter(epochs=3, dim=8, show_progress=False, seed=3).fit(b)
    c = MatrixFactorizationRouter(epochs=3, dim=8, show_progress=False, seed=3).fit(b)
    prompts = ["one", "two three"]
    np.testing.assert_allclose(a.score(prompts), c.score(prompts))


@pytest.mark.parametrize("hidden", [0, 16])
def test_mf_save_load_round_trip(tmp_path, hidden):
    r = MatrixFactorizationRouter(epochs=3, dim=8, hidden=hidden, show_progress=False).fit(tiny_battles(40))
    r.save(tmp_path / "ck")
    back = load_router(tmp_path / "ck")
    assert isinstance(back, MatrixFactorizationRouter) and back.hidden == hidden
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE, "something else"]
    np.testing.assert_allclose(back.score(prompts), r.score(prompts), atol=1e-6)
    assert back.threshold_for(0.3) == pytest.approx(r.threshold_for(0.3))


def test_sw_ranking_learns_and_round_trips(tmp_path):
    r = SWRankingRouter().fit(tiny_battles())
    hard, easy = r.score([HARD_EXAMPLE, EASY_EXAMPLE])
    assert hard > easy
    r.save(tmp_path / "sw")
    back = load_router(str(tmp_path / "sw"))
    np.testing.assert_allclose(back.score([HARD_EXAMPLE, EASY_EXAMPLE]), [hard, easy], atol=1e-3)
    assert 0 <= r.score(HARD_EXAMPLE, strong="medium") <= 1
    with pytest.raises(ConfigError, match="gamma"):
        SWRankingRouter(gamma=1.0)


def test_calibrate_on_user_traffic_returns_threshold():
    r = tiny_router()
    traffic = [f"hi friend number {i}" for i in range(30)] + [f"Prove lemma {i} about integrals" for i in range(10)]
    t = r.calibrate(traffic, strong_fraction=0.25)
    s = r.score(traffic)
    assert abs(np.mean(s >= t) - 0.25) <= 0.03
    assert r.threshold_for(0.25) == pytest.approx(t)


def test_untrained_router_errors_clearly():
    with pytest.raises(ConfigError, match="not trained"):
        MatrixFactorizationRouter(strong_model="a", weak_model="b").score("hello")
    with pytest.raises(ConfigError, match="calibrat"):
        MatrixFactorizationRouter().threshold_for(0.3)
    with pytest.raises(ConfigError, match="Battles"):
        MatrixFactorizationRouter().fit([{"prompt": "x"}])
