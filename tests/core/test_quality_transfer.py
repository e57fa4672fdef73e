"""``quality_ridge``'s options for prompt families it was not trained on (issue 19): ``shrink``
(pull each model's prediction toward its mean quality) and ``prices`` (never pick a model that a
cheaper-or-equal model beats on average). Small synthetic data built here."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routellm_core import RoutingPolicy
from routellm_core.data import golden_to_all_pair_battles
from routellm_core.data.golden import GoldenRow
from routellm_core.errors import CheckpointError, ConfigError
from routellm_core.routers.base import Router
from routellm_core.routers.quality_ridge import DOMINANCE_MARGIN, QualityRidgeRouter, dominance, mean_results
from routellm_core.routing.calibration import tradeoff_choice

MODELS = ["big", "pricey", "mid", "dud", "small"]
PRICES = {"big": [10.0, 30.0], "pricey": [20.0, 60.0], "mid": 1.0, "dud": 1.0, "small": 0.1}
MATHS = ["Prove that {n} is not a perfect square.", "Integrate x^{n} exp(-x) from 0 to infinity.",
         "Solve {n} x + 7 = 3 x - 11 and show every step."]
CHAT = ["hi, how are you {n}?", "Tell me a joke about {n} cats.", "good morning, my friend number {n}!"]


def _rows(n: int = 60) -> list[GoldenRow]:
    """Planted abilities: maths is hard (big solves it, pricey and mid half of it, small never),
    small talk is easy for every model but 'dud'. 'dud' costs what 'mid' costs and is worse than
    'mid' and 'small' on average; 'pricey' costs more than 'big' and is worse."""
    rows = []
    for i in range(n):
        hard = i % 2 == 0
        t = (MATHS if hard else CHAT)[i % 3].format(n=i)
        half = float(i % 4 == 0)
        scores = ({"big": 1.0, "pricey": half, "mid": half, "dud": 0.0, "small": 0.0} if hard
                  else {"big": 1.0, "pricey": 1.0, "mid": 1.0, "dud": float(i % 3 == 0), "small": 1.0})
        rows.append(GoldenRow(t, scores, id=str(i)))
    return rows


def _fit(**opts) -> QualityRidgeRouter:
    return QualityRidgeRouter(**{"embedding_weight": 0.0, "alpha": 1.0, "n_features_log2": 12, **opts}).fit(
        golden_to_all_pair_battles(_rows()))


PROBES = ["Prove that 99991 is not a perfect square.", "hi, how are you today?", "Solve 5 x + 7 = 3 x - 11."]


def test_shrink_pulls_each_model_toward_its_mean_quality() -> None:
    full, half, none = _fit(), _fit(shrink=0.5), _fit(shrink=0.0)
    q1, q5, q0 = (r.predicted_quality(PROBES) for r in (full, half, none))
    assert q1.shape == q5.shape == q0.shape == (3, 5) and full.known_models() == sorted(MODELS)
    mean = none.intercepts_
    assert np.allclose(q0, np.tile(mean, (3, 1)))  # shrink 0: every prompt gets each model's mean
    assert np.allclose(q5 - mean, 0.5 * (q1 - mean), atol=1e-5)  # linear in shrink
    big, small = full.known_models().index("big"), full.known_models().index("small")
    # the planted pattern: big beats small by far more on maths than on small talk
    assert q1[0, big] - q1[0, small] > 0.3 > abs(q1[1, big] - q1[1, small])
    assert full.shrink == 1.0 and full.dominated_by_ == {}


def test_prices_cap_dominated_models_so_no_policy_picks_them() -> None:
    router = _fit(prices=PRICES)
    assert router.dominated_by_ == {"dud": ["mid", "small"], "pricey": ["big"]}
    names = router.known_models()
    q = router.predicted_quality(PROBES + [r.prompt for r in _rows(20)])
    for m, ds in router.dominated_by_.items():
        best = q[:, [names.index(d) for d in ds]].max(axis=1)
        assert np.all(q[:, names.index(m)] <= best - DOMINANCE_MARGIN + 1e-12)
    # the other models keep the predictions they have without prices
    free = _fit().predicted_quality(PROBES + [r.prompt for r in _rows(20)])
    keep = [names.index(m) for m in ("big", "mid", "small")]
    assert np.allclose(q[:, keep], free[:, keep])
    relative = np.array([sum(PRICES[m]) if isinstance(PRICES[m], list) else 2 * PRICES[m] for m in names])
    relative = relative / relative.max()
    chosen = {names[j] for lam in np.r_[0.0, np.geomspace(1e-3, 1e3, 60)]
              for j in tradeoff_choice(q, relative, float(lam))}
    assert chosen.isdisjoint({"dud", "pricey"}) and {"big", "small"} <= chosen
    policy = RoutingPolicy(router, models=MODELS, prices=PRICES, budget=0.003, tokens=(500, 300))
    assert {policy.decide(p).model for p in PROBES} <= {"big", "mid", "small"}


def test_dominance_rule() -> None:
    models = ["a", "b", "c", "d"]
    mean = np.array([0.9, 0.5, 0.6, 0.6])
    # b: c and d cost the same and are better; a is better but dearer on input, so not a dominator
    prices = {"a": [2.0, 1.0], "b": [1.0, 1.0], "c": [1.0, 1.0], "d": [1.0, 1.0]}
    assert dominance(models, mean, prices) == {"b": ["c", "d"]}  # equal means: c and d do not dominate each other
    assert dominance(models, np.array([0.9, 0.5, 0.6, 0.4]), {m: 1.0 for m in models}) == {
        "b": ["a"], "c": ["a"], "d": ["a"]}  # equal prices: only the best is left; dominators are never dominated
    with pytest.raises(ConfigError, match=r"no price for the trained model\(s\) \['d'\]"):
        dominance(models, mean, {"a": 1, "b": 1, "c": 1})


def test_save_load_round_trip_keeps_shrink_and_dominance(tmp_path) -> None:
    router = _fit(shrink=0.5, prices=PRICES)
    loaded = Router.load(router.save(tmp_path / "q"))
    assert isinstance(loaded, QualityRidgeRouter)
    assert loaded.get_params()["shrink"] == 0.5 and loaded.prices == router.prices
    assert loaded.dominated_by_ == router.dominated_by_
    assert np.allclose(loaded.predicted_quality(PROBES), router.predicted_quality(PROBES), atol=1e-5)


def test_prices_from_a_json_file(tmp_path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"_source": "a note", **PRICES}))
    router = _fit(prices=str(path))
    assert router.prices == str(path) and router.dominated_by_ == {"dud": ["mid", "small"], "pricey": ["big"]}


def test_embedding_rank_keeps_the_top_principal_directions_and_text_weight_0_drops_words(tmp_path) -> None:
    rows = _rows()
    router = QualityRidgeRouter(embedding_rank=3, text_weight=0.0, stats_weight=0.0, embedding_weight=1.0,
                                alpha=1.0).fit(golden_to_all_pair_battles(rows))
    assert len(router.coef_text_) == 0 and not np.any(router.idf_)  # no word n-gram block at all
    emb = router.embed(list(dict.fromkeys(r.prompt for r in rows))).astype(np.float64)
    _, _, vt = np.linalg.svd(emb - emb.mean(axis=0), full_matrices=False)
    coef = router.coef_embedding_.astype(np.float64)  # (dim, models)
    outside = coef - vt[:3].T @ (vt[:3] @ coef)
    assert np.abs(outside).max() < 1e-4 * max(np.abs(coef).max(), 1e-9)  # in the top-3 subspace
    q = router.predicted_quality(PROBES)
    big, small = router.known_models().index("big"), router.known_models().index("small")
    assert q[0, big] - q[0, small] > q[1, big] - q[1, small] + 0.2  # maths vs small talk still told apart
    loaded = Router.load(router.save(tmp_path / "q"))
    assert loaded.embedding_rank == 3 and loaded.text_weight == 0.0
    assert np.allclose(loaded.predicted_quality(PROBES), q, atol=1e-5)
    # the features are centred, so over the training prompts the mean prediction is each model's mean result
    prompts, models, Y, _ = mean_results(golden_to_all_pair_battles(rows))
    assert np.allclose(router.predicted_quality(prompts).mean(axis=0), Y.mean(axis=0), atol=1e-4)
    # dominance is judged on the mean results, not on the intercepts that absorbed the mean embedding
    ranked = _fit(prices=PRICES, embedding_rank=2, embedding_weight=1.0)
    assert ranked.dominated_by_ == {"dud": ["mid", "small"], "pricey": ["big"]}


def test_text_weight_scales_the_word_block() -> None:
    full, half = _fit(), _fit(text_weight=0.5)
    assert np.array_equal(np.nonzero(full.idf_)[0], np.nonzero(half.idf_)[0])
    q1, q5 = full.predicted_quality(PROBES), half.predicted_quality(PROBES)
    assert q1.shape == q5.shape and not np.allclose(q1, q5)  # a weaker word block, fitted again


@pytest.mark.parametrize("opts, match", [
    ({"embedding_rank": 0}, "embedding_rank"),
    ({"embedding_rank": 2.5}, "embedding_rank"),
    ({"text_weight": -1}, "text_weight"),
    ({"text_weight": None}, "text_weight must be a number"),
    ({"shrink": 1.5}, "shrink"),
    ({"shrink": -0.1}, "shrink"),
    ({"shrink": "a lot"}, "shrink"),
    ({"shrink": None}, "shrink must be a number"),
    ({"prices": [1, 2]}, "prices must be a dict or a file path"),
    ({"prices": ""}, "empty string"),
    ({"prices": {"big": -1}}, "prices"),
    ({"prices": {"big": [1, 2, 3]}}, "input, output"),
    ({"prices": {"": 1}}, "model names"),
])
def test_bad_options_are_refused_at_construction(opts, match) -> None:
    with pytest.raises(ConfigError, match=match):
        QualityRidgeRouter(**opts)


def test_bad_price_tables_are_refused_at_fit(tmp_path) -> None:
    battles = golden_to_all_pair_battles(_rows(12))
    with pytest.raises(ConfigError, match="no price for the trained model"):
        QualityRidgeRouter(embedding_weight=0.0, prices={"big": 1.0}).fit(battles)
    with pytest.raises(ConfigError, match="not found"):
        QualityRidgeRouter(embedding_weight=0.0, prices=str(tmp_path / "missing.json")).fit(battles)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not an object"):
        QualityRidgeRouter(embedding_weight=0.0, prices=str(listed)).fit(battles)
    broken = tmp_path / "broken.json"
    broken.write_text("{big: 1")
    with pytest.raises(ConfigError, match="cannot be read as JSON"):
        QualityRidgeRouter(embedding_weight=0.0, prices=str(broken)).fit(battles)


@pytest.mark.parametrize("dominated", [
    {"dud": ["nobody"]},
    {"dud": ["dud"]},
    {"dud": []},
    {"dud": "small"},
    {"dud": [["small"]]},
    {"dud": ["pricey"], "pricey": ["big"]},  # a dominator that is itself dominated
    ["dud"],
])
def test_hostile_dominance_in_a_checkpoint_is_refused(tmp_path, dominated) -> None:
    folder = _fit(prices=PRICES).save(tmp_path / "q")
    config = json.loads((folder / "config.json").read_text())
    config["state"]["dominated_by"] = dominated
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="dominated_by"):
        Router.load(folder)
