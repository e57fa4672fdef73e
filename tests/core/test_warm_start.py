"""Warm start: ``fit(battles, init=prior)`` / ``routellm train ... --init default`` moves a
ridge router's weights from the prior's toward the new labels (penalty on the change only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routellm_core import load_router
from routellm_core.cli import main
from routellm_core.data.battles import Battles
from routellm_core.errors import ConfigError
from routellm_core.routers.pooled_ridge import PooledRidgeRouter
from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter

TOPICS = ["cooking pasta", "the stock market", "gardening", "football rules", "a birthday card", "travel to Rome",
          "learning guitar", "a job interview", "renting a flat", "baking bread"]
HELD_OUT = [f"Tell me about {t}, in {k} sentences." for t in TOPICS for k in (2, 5)] + [
    "Prove that the square root of 2 is irrational.", "hi", "Write a Python class for a priority queue with tests."]


def battles(prompts: list[str], winners: list[str]) -> Battles:
    return Battles.from_records(
        [{"prompt": p, "model_a": "big", "model_b": "small", "winner": w} for p, w in zip(prompts, winners)])


@pytest.fixture(scope="module")
def prior() -> PooledRidgeRouter:
    return load_router("default")


def test_few_labels_move_the_prior_little(prior) -> None:
    rng = np.random.default_rng(0)
    prompts = [f"Question {i} about {TOPICS[i % 10]}: what should I know?" for i in range(20)]
    warm = PooledRidgeRouter().fit(battles(prompts, list(rng.choice(["model_a", "model_b", "tie"], 20))), init=prior)
    before, after = prior.score(HELD_OUT), warm.score(HELD_OUT)
    assert np.max(np.abs(after - before)) < 0.05
    assert np.corrcoef(np.argsort(np.argsort(before)), np.argsort(np.argsort(after)))[0, 1] > 0.97
    # the features are the prior's, and the fit says how far it moved
    assert warm.n_features_log2 == prior.n_features_log2 and warm.get_embedder() is prior.get_embedder()
    assert warm.init_alpha_ >= 10000 / 20
    # calibrated on the user's prompts (the training prompts by default)
    assert warm.calibration_source_ == "training prompts (n=20)"
    # from scratch, the same 20 labels give a very different router
    scratch = PooledRidgeRouter().fit(battles(prompts, list(rng.choice(["model_a", "model_b", "tie"], 20))))
    assert np.max(np.abs(scratch.score(HELD_OUT) - before)) > np.max(np.abs(after - before))


def test_many_consistent_labels_move_it_toward_them(prior) -> None:
    prompts, winners = [], []
    for i in range(400):
        zebra = i % 2 == 0
        prompts.append(f"{'Describe the zebra' if zebra else 'Describe the teapot'} number {i} near {TOPICS[i % 10]}")
        winners.append("model_a" if zebra else "model_b")
    warm = PooledRidgeRouter().fit(battles(prompts, winners), init=prior)
    probe = ["Describe the zebra near the river", "Describe the teapot near the river"]
    b, a = prior.score(probe), warm.score(probe)
    # moved apart by more than half the spread (interquartile range) of the prior's scores on its
    # calibration traffic: a move that changes routing decisions at any threshold
    q = np.asarray(prior.calibration_quantiles_)
    spread = q[3 * (len(q) - 1) // 4] - q[(len(q) - 1) // 4]
    assert (a[0] - a[1]) > (b[0] - b[1]) + 0.5 * spread
    assert np.isfinite(warm.init_alpha_)
    # an explicit penalty: larger keeps the prior more
    stiff = PooledRidgeRouter().fit(battles(prompts, winners), init=prior, init_alpha=1e6)
    s = stiff.score(probe)
    assert abs((s[0] - s[1]) - (b[0] - b[1])) < abs((a[0] - a[1]) - (b[0] - b[1]))


def test_warm_router_saves_and_loads(prior, tmp_path: Path) -> None:
    prompts = [f"Question {i} about {TOPICS[i % 10]}" for i in range(30)]
    warm = PooledRidgeRouter().fit(battles(prompts, ["model_a"] * 20 + ["model_b"] * 10), init=prior)
    loaded = load_router(str(warm.save(tmp_path / "warm")))
    np.testing.assert_allclose(loaded.score(HELD_OUT), warm.score(HELD_OUT), atol=1e-12)


def test_train_cli_init_default(tmp_path: Path, capsys) -> None:
    labels = tmp_path / "labels.jsonl"
    rows = [{"prompt": f"Explain {t} to me, part {k}", "model_a": "gpt-4o", "model_b": "gpt-4o-mini",
             "winner": ["model_a", "tie", "model_b"][k % 3], "judge": "judge"} for t in TOPICS for k in range(6)]
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "mine"
    assert main(["train", "pooled_ridge", "--battles", str(labels), "--init", "default", "--out", str(out)]) == 0
    router = load_router(str(out))
    assert router.training_info_["init"] == {"router": "default", "init_alpha": None}
    assert router.calibration_source_ == "training prompts (n=60)"
    assert main(["train", "pooled_ridge", "--battles", str(labels), "--init", "default", "--init-alpha", "50",
                 "--out", str(tmp_path / "mine50")]) == 0
    assert load_router(str(tmp_path / "mine50")).training_info_["init"]["init_alpha"] == 50
    capsys.readouterr()


@pytest.mark.parametrize("args, message", [
    (["tfidf_ridge", "--init", "default"], "is a pooled_ridge router, but a warm start needs the same type"),
    (["quality_ridge", "--init", "default"], "has no warm start"),
    (["pooled_ridge", "--init-alpha", "5"], "--init-alpha needs --init"),
    (["pooled_ridge", "--init", "default", "--init-alpha", "0"], "--init-alpha must be > 0"),
])
def test_train_cli_init_errors(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"prompt": "hi", "model_a": "a", "model_b": "b", "winner": "model_a"}) + "\n")
    assert main(["train", *args, "--battles", str(labels), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_api_refuses_an_untrained_or_other_prior(prior) -> None:
    b = battles(["hi", "there"], ["model_a", "model_b"])
    with pytest.raises(ConfigError, match="needs a trained pooled_ridge router as its prior"):
        PooledRidgeRouter().fit(b, init=PooledRidgeRouter())
    with pytest.raises(ConfigError, match="needs a trained tfidf_ridge router"):
        TfidfRidgeRouter().fit(b, init=prior)
