"""One latent scale across label sources (graded, golden, pairwise) and the latent_ridge router."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routellm_core.data import Battles, read_battles
from routellm_core.data.golden import GoldenRow, golden_to_all_pair_battles
from routellm_core.data.latent_scale import canonical_model, fit_latent_scale, latent_labels
from routellm_core.errors import ConfigError, DataFormatError
from routellm_core.routers.latent_ridge import LatentRidgeRouter

ABILITY = {"gpt-4-1106-preview": 2.0, "mistralai/Mixtral-8x7B-Instruct-v0.1": 0.5, "small-7b": -1.0}


def _quality(model: str, d: float, b: float) -> float:
    return float(1.0 / (1.0 + np.exp(-d * (ABILITY[model] - b))))


def _sources(seed: int = 0) -> tuple[Battles, dict[str, float]]:
    """A graded source, a golden source and a pairwise source drawn from one latent model: prompts
    'hard k' discriminate (d=3, b=1.2: the strong model gains a lot), 'easy k' do not (d=0.3)."""
    rng = np.random.default_rng(seed)
    truth: dict[str, float] = {}
    graded, golden, pair = [], [], []
    models = list(ABILITY)
    for k in range(30):
        for kind, d, b in (("hard", 3.0, 1.2), ("easy", 0.3, -1.0)):
            q = {m: _quality(m, d, b) for m in models}
            # graded chat: a judge's 1-10 grade per answer
            p = f"chat {kind} question number {k} about topic {k % 7}"
            truth[p] = q[models[0]] - q[models[1]]
            for i, a in enumerate(models):
                for c in models[i + 1:]:
                    ga = float(np.clip(1 + 9 * q[a] + rng.normal(0, 0.5), 1, 10))
                    gc = float(np.clip(1 + 9 * q[c] + rng.normal(0, 0.5), 1, 10))
                    graded.append({"prompt": p, "model_a": a, "model_b": c, "score_a": ga, "score_b": gc,
                                   "winner": "model_a" if ga > gc else "model_b" if gc > ga else "tie"})
            # golden benchmark: 0/1 correctness of every model
            p = f"benchmark {kind} item {k}: compute the value of expression {k} times {k + 3}"
            truth[p] = q[models[0]] - q[models[1]]
            golden.append(GoldenRow(id=p, prompt=p, scores={m: float(rng.random() < q[m]) for m in models},
                                    source="bench"))
            # pairwise judge: a sharp judge that names a winner for small quality gaps
            p = f"forum {kind} post {k}, please help me with subject {k % 5}"
            truth[p] = q[models[0]] - q[models[1]]
            for i, a in enumerate(models):
                for c in models[i + 1:]:
                    for _ in range(3):
                        win = rng.random() < 1.0 / (1.0 + np.exp(-8.0 * (q[a] - q[c])))
                        pair.append({"prompt": p, "model_a": a, "model_b": c, "winner": "model_a" if win else "model_b"})
    parts = [
        Battles.from_records(graded, source="g"),
        golden_to_all_pair_battles(golden),
        Battles.from_records(pair, source="p"),
    ]
    for part, name in zip(parts, ("graded", "bench", "judge")):
        part.source = [name] * len(part)
    return Battles.concat(parts), truth


@pytest.fixture(scope="module")
def data():
    return _sources()


def test_battle_files_carry_judge_grades_rescaled(tmp_path):
    path = tmp_path / "graded.jsonl"
    rows = [{"prompt": "p", "model_a": "a", "model_b": "b", "winner": "model_a", "score_a": 10, "score_b": 1},
            {"prompt": "q", "model_a": "a", "model_b": "b", "winner": "tie"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    b = read_battles(path)
    assert b.grade_a[0] == 1.0 and b.grade_b[0] == 0.0
    assert np.isnan(b.grade_a[1]) and np.isnan(b.grade_b[1])
    assert np.isnan(b.subset([1]).grade_a[0]) and b.subset([0]).grade_a[0] == 1.0
    path.write_text(json.dumps({**rows[0], "score_a": 42}))
    with pytest.raises(DataFormatError, match="judge grade"):
        read_battles(path)


def test_canonical_names_tie_sources_together():
    assert canonical_model("mistralai/Mixtral-8x7B-Instruct-v0.1") == "mixtral-8x7b-instruct-v0.1"
    assert canonical_model("gpt4_1106_preview") == canonical_model("gpt-4-1106-preview")
    assert canonical_model("gpt-3.5-turbo-20230327") == "gpt-3.5-turbo"


def test_latent_scale_recovers_abilities_and_puts_sources_on_one_scale(data):
    battles, truth = data
    scale = fit_latent_scale(battles, steps=800)
    order = [scale.models.index(canonical_model(m)) for m in ABILITY]
    assert np.all(np.diff(scale.ability[order]) < 0)  # strongest first, as generated
    assert np.isfinite(scale.sharpness[scale.sources.index("judge")])
    assert np.isnan(scale.sharpness[scale.sources.index("bench")])
    gain = dict(zip(scale.prompts, latent_labels(scale)))
    # hard prompts gain more than easy ones in every source, and the levels agree across sources
    for prefix in ("chat", "benchmark", "forum"):
        hard = np.mean([g for p, g in gain.items() if p.startswith(f"{prefix} hard")])
        easy = np.mean([g for p, g in gain.items() if p.startswith(f"{prefix} easy")])
        assert hard > easy + (0.05 if prefix == "benchmark" else 0.2), prefix  # 3 binary outcomes a prompt
    hard_levels = [np.mean([g for p, g in gain.items() if p.startswith(f"{x} hard")]) for x in ("chat", "benchmark", "forum")]
    assert max(hard_levels) - min(hard_levels) < 0.25
    corr = np.corrcoef([gain[p] for p in truth], list(truth.values()))[0, 1]
    assert corr > 0.7


def test_latent_scale_errors():
    with pytest.raises(DataFormatError, match="needs battles"):
        fit_latent_scale(Battles([], [], [], np.zeros(0)))
    scale = fit_latent_scale(Battles(["p", "q"], ["a", "a"], ["b", "b"], np.array([1.0, 0.5])), steps=10)
    with pytest.raises(DataFormatError, match="not in the latent scale"):
        scale.ability_of("zzz")


def test_latent_ridge_trains_scores_and_round_trips(data, tmp_path):
    battles, _ = data
    router = LatentRidgeRouter(alpha=1.0, min_df=1, latent_steps=600, embedding_weight=0.0)
    router.fit(battles)
    assert router.model_agnostic and router.latent_["reference"]["strong"] == "gpt-4-1106-preview"
    assert router.latent_["directly_observed_prompts"] > 0
    hard = ["chat hard question number 99 about topic 3", "benchmark hard item 99: compute the value of expression 99 times 102"]
    easy = ["chat easy question number 99 about topic 3", "benchmark easy item 99: compute the value of expression 99 times 102"]
    s_hard, s_easy = np.asarray(router.score(hard)), np.asarray(router.score(easy))
    assert np.all(s_hard > s_easy)
    router.save(tmp_path / "r")
    loaded = LatentRidgeRouter.load(tmp_path / "r")
    assert np.allclose(loaded.score(hard + easy), router.score(hard + easy))
    assert loaded.latent_ == json.loads(json.dumps(router.latent_))


def test_latent_ridge_rejects_bad_parameters():
    with pytest.raises(ConfigError, match="direct_weight"):
        LatentRidgeRouter(direct_weight=1.5)
    with pytest.raises(ConfigError, match="latent_steps"):
        LatentRidgeRouter(latent_steps=0)
    with pytest.raises(ConfigError, match="difficulty_prior"):
        LatentRidgeRouter(difficulty_prior=-1)
