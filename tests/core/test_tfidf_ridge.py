import numpy as np
import pytest

from routellm_core import ConfigError, UnknownModelError, load_router
from routellm_core.data import Battles
from routellm_core.routers.pooled_ridge import PooledRidgeRouter
from routellm_core.routers.registry import ROUTER_CLASSES
from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter, capital_letters, text_stats
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_battles


def _router(**kw):
    return TfidfRidgeRouter(strong_model="strong", weak_model="weak", **kw).fit(tiny_battles(80))


def test_registered():
    assert ROUTER_CLASSES["tfidf_ridge"].endswith(":TfidfRidgeRouter")


@pytest.mark.parametrize("embedding_weight", [0.0, 0.3])
def test_separates_hard_from_easy_and_batches(embedding_weight):
    r = _router(embedding_weight=embedding_weight)
    hard, easy = r.score([HARD_EXAMPLE, EASY_EXAMPLE])
    assert 0 <= easy < 0.5 < hard <= 1
    assert r.score(HARD_EXAMPLE) == pytest.approx(hard)
    assert r.known_models() == ["strong", "weak"]
    # swapped pair mirrors; other pairs are refused
    assert r.score(HARD_EXAMPLE, strong="weak", weak="strong") == pytest.approx(1 - hard)
    with pytest.raises(UnknownModelError, match="pair"):
        r.score("x", strong="medium", weak="weak")


def test_uses_only_its_pair_and_both_orientations():
    rows = []
    for i in range(30):
        # the pair appears as (weak, strong): strong wins long questions
        rows.append({"prompt": f"long question number {i} about integrals and proofs",
                     "model_a": "weak", "model_b": "strong", "winner": "model_b"})
        rows.append({"prompt": f"hello {i}", "model_a": "weak", "model_b": "strong", "winner": "model_a"})
        # an unrelated pair with the opposite signal must be ignored
        rows.append({"prompt": f"hello {i}", "model_a": "x", "model_b": "y", "winner": "model_a"})
    r = TfidfRidgeRouter(strong_model="strong", weak_model="weak", embedding_weight=0.0)
    r.fit(Battles.from_records(rows))
    assert r.score("a question about integrals and proofs") > 0.5 > r.score("hello there")


def test_save_load_round_trip(tmp_path):
    r = _router()
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE, "something else entirely 42"]
    r.save(tmp_path / "ck")
    back = load_router(tmp_path / "ck")
    assert isinstance(back, TfidfRidgeRouter) and back.alpha == r.alpha
    np.testing.assert_allclose(back.score(prompts), r.score(prompts), atol=1e-6)
    assert back.threshold_for(0.5) == pytest.approx(r.threshold_for(0.5))
    assert not list(tmp_path.glob("ck/*.pkl"))


def test_deterministic_and_text_stats_shape():
    a, b = _router(), _router()
    np.testing.assert_array_equal(a.score(["one two", "3 + 4 = ?"]), b.score(["one two", "3 + 4 = ?"]))
    st = text_stats(["I have 3 apples and 4.5 pears. Why?", ""])
    assert st.shape == (2, 7) and st[0, 1] == pytest.approx(np.log1p(2)) and np.all(st[1] == 0)


@pytest.mark.parametrize("cls", [TfidfRidgeRouter, PooledRidgeRouter])
def test_inference_equals_the_training_features_times_the_coefficients(cls):
    """The per-prompt inference path (bucket look-ups, plain-float statistics) computes the same
    prediction as the feature matrices the router was fitted on."""
    kw = {} if cls is PooledRidgeRouter else {"strong_model": "strong", "weak_model": "weak"}
    r = cls(min_df=1, **kw).fit(tiny_battles(80))
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE, "\u00dcn\u00efcode TEXT 42, 42 and 7.5!", "x", "hello hello hello world"]
    X = r._text_features(prompts)
    z = (r._text_stats(prompts) - r.stats_mean_) / r.stats_std_
    expected = X.dot(r.coef_text_.astype(np.float64)) + z @ r.coef_stats_ + r.embed(prompts) @ r.coef_embedding_ + r.intercept_
    np.testing.assert_allclose(r.predicted_gain(prompts), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([r.predicted_gain([p])[0] for p in prompts], r.predicted_gain(prompts), atol=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "Hello World HTTP", "\u00c9t\u00e9 \u00c0 PARIS", "\u0391\u03b2\u0393 \u00df"])
def test_capital_letters_counts_like_isupper(text):
    assert capital_letters(text) == sum(map(str.isupper, text))


def test_errors(tmp_path):
    with pytest.raises(ConfigError, match="alpha"):
        TfidfRidgeRouter(alpha=0)
    with pytest.raises(ConfigError, match="ngrams"):
        TfidfRidgeRouter(ngrams=5)
    with pytest.raises(ConfigError, match="not trained"):
        TfidfRidgeRouter(strong_model="s", weak_model="w").score("hi")
    with pytest.raises(ConfigError, match="untrained"):
        TfidfRidgeRouter(strong_model="s", weak_model="w").save(tmp_path / "x")
    with pytest.raises(ConfigError, match="none of the"):
        TfidfRidgeRouter(strong_model="gpt-9", weak_model="weak").fit(tiny_battles(10))
