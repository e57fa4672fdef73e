"""Loading RouteLLM's published checkpoint formats (mf, BERT, causal LLM), built here with the
same file layout and tensor names but small sizes, and checking the scores against independent
re-implementations of RouteLLM's formulas (lm-sys/RouteLLM, routellm/routers/routers.py,
matrix_factorization/model.py, causal_llm/model.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from routellm_core import CheckpointError, EmbedderMismatchError, load_router  # noqa: E402
from routellm_core.loading.upstream_format import (  # noqa: E402
    ROUTELLM_MODEL_IDS,
    detect_foreign_format,
    load_routellm_checkpoint,
)
from routellm_core.embeddings import local_minilm_dir  # noqa: E402
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter  # noqa: E402
from routellm_core.routers.transformers.bert import BertRouter  # noqa: E402
from routellm_core.routers.transformers.causal_llm import CausalLLMRouter  # noqa: E402
from tests.core.test_causal_llm_router import tiny_llama, tiny_tokenizer  # noqa: E402
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE  # noqa: E402
from tests.provider_fixtures import provider_server  # noqa: E402,F401
from tests.provider_server import fake_embedding  # noqa: E402

torch.set_num_threads(2)
PROMPTS = [HARD_EXAMPLE, EASY_EXAMPLE, "Write a SQL query that finds the second highest salary"]
MINILM = local_minilm_dir()


# ============================================================================ mf
class RefMF(torch.nn.Module):
    """RouteLLM's MFModel layer layout (same parameter names), for writing checkpoints and as
    the independent reference of its win-rate formula."""

    def __init__(self, dim: int, num_models: int = 64, text_dim: int = 1536) -> None:
        super().__init__()
        self.P = torch.nn.Embedding(num_models, dim)
        self.text_proj = torch.nn.Sequential(torch.nn.Linear(text_dim, dim, bias=False))
        self.classifier = torch.nn.Sequential(torch.nn.Linear(dim, 1, bias=False))

    @torch.no_grad()
    def pred_win_rate(self, model_a: int, model_b: int, prompt_embed: list[float]) -> float:
        model_embed = torch.nn.functional.normalize(self.P(torch.tensor([model_a, model_b])), p=2, dim=1)
        x = self.text_proj(torch.tensor(prompt_embed, dtype=torch.float32))
        logits = self.classifier(model_embed * x).squeeze()
        return torch.sigmoid(logits[0] - logits[1]).item()


def write_mf(folder: Path, *, dim: int = 8, num_models: int = 64, text_dim: int = 1536, config: bool = True,
             fmt: str = "safetensors", seed: int = 0, num_classes: int = 1) -> RefMF:
    torch.manual_seed(seed)
    ref = RefMF(dim, num_models, text_dim)
    with torch.no_grad():
        ref.P.weight.normal_()
        ref.text_proj[0].weight.normal_(std=0.5)
        ref.classifier[0].weight.normal_()
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in ref.state_dict().items()}
    if num_classes != 1:
        state["classifier.0.weight"] = torch.randn(num_classes, dim)
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file(state, str(folder / "model.safetensors"))
    else:
        torch.save(state, str(folder / "pytorch_model.bin"))
    if config:  # PyTorchModelHubMixin's config.json of the constructor arguments
        cfg = {"dim": dim, "num_models": num_models, "text_dim": text_dim, "num_classes": num_classes, "use_proj": True}
        (folder / "config.json").write_text(json.dumps(cfg))
    return ref


@pytest.fixture
def openai_env(provider_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("OPENAI_BASE_URL", provider_server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return provider_server


def test_mf_checkpoint_scores_match_routellm_formula(tmp_path, openai_env):
    ref = write_mf(tmp_path / "mf")
    assert detect_foreign_format(tmp_path / "mf", json.loads((tmp_path / "mf" / "config.json").read_text())) == "routellm_mf"
    r = load_router(str(tmp_path / "mf"))
    assert isinstance(r, MatrixFactorizationRouter)
    assert (r.strong_model, r.weak_model) == ("gpt-4-1106-preview", "mixtral-8x7b-instruct-v0.1")
    assert r.get_embedder().name == "openai:text-embedding-3-small" and r.known_models()[24] == "gpt-4-1106-preview"
    expected = [ref.pred_win_rate(24, 36, fake_embedding(p)) for p in PROMPTS]
    np.testing.assert_allclose(r.score(PROMPTS), expected, atol=1e-5)
    assert openai_env.models_called("embeddings") == ["text-embedding-3-small"]
    # any pair of the 64 RouteLLM models
    a, b = ROUTELLM_MODEL_IDS["claude-2.1"], ROUTELLM_MODEL_IDS["vicuna-7b"]
    assert r.score(PROMPTS[0], strong="claude-2.1", weak="vicuna-7b") == pytest.approx(
        ref.pred_win_rate(a, b, fake_embedding(PROMPTS[0])), abs=1e-5
    )
    assert r.weights_["model_bias"].tolist() == [0.0] * 64
    # converted once, saved in our format, loads like any mf checkpoint
    out = r.save(tmp_path / "converted")
    assert json.loads((out / "config.json").read_text())["embedder"] == {"name": "openai:text-embedding-3-small", "dim": 1536}
    np.testing.assert_allclose(load_router(out).score(PROMPTS), expected, atol=1e-5)


def test_mf_without_config_and_as_pytorch_bin(tmp_path, openai_env):
    ref = write_mf(tmp_path / "st", config=False, seed=1)  # the published layout: model.safetensors only
    r = load_routellm_checkpoint(tmp_path / "st", strong_model="gpt-4-0613", weak_model="llama-2-70b-chat")
    expected = [ref.pred_win_rate(23, 30, fake_embedding(p)) for p in PROMPTS]
    np.testing.assert_allclose(r.score(PROMPTS), expected, atol=1e-5)
    ref = write_mf(tmp_path / "bin", config=False, fmt="bin", seed=2)
    r = load_routellm_checkpoint(tmp_path / "bin")
    np.testing.assert_allclose(r.score(PROMPTS), [ref.pred_win_rate(24, 36, fake_embedding(p)) for p in PROMPTS], atol=1e-5)


class SmallEmbedder:
    name, dim = "small", 16

    def embed(self, texts):
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=16) for t in texts]
        x = np.asarray(rng, dtype=np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_mf_small_dims_custom_models_and_embedder(tmp_path):
    ref = write_mf(tmp_path / "mf", dim=4, num_models=3, text_dim=16)
    emb = SmallEmbedder()
    r = load_router(str(tmp_path / "mf"), embedder=emb, models=["big", "mid", "small"], strong_model="big", weak_model="small")
    x = emb.embed(PROMPTS)
    np.testing.assert_allclose(r.score(PROMPTS), [ref.pred_win_rate(0, 2, list(v)) for v in x], atol=1e-5)


def test_mf_bad_checkpoints(tmp_path):
    write_mf(tmp_path / "rows", num_models=10, text_dim=16)
    with pytest.raises(CheckpointError, match="10 rows.*models="):
        load_router(str(tmp_path / "rows"), embedder=SmallEmbedder())
    write_mf(tmp_path / "head", num_classes=2)
    with pytest.raises(CheckpointError, match="2 outputs"):
        load_router(str(tmp_path / "head"))
    write_mf(tmp_path / "cfg")
    cfg = json.loads((tmp_path / "cfg" / "config.json").read_text())
    (tmp_path / "cfg" / "config.json").write_text(json.dumps(cfg | {"dim": 128}))
    with pytest.raises(CheckpointError, match="dim=128 in config.json but 8"):
        load_router(str(tmp_path / "cfg"))
    write_mf(tmp_path / "dims", text_dim=16)
    with pytest.raises(CheckpointError, match="16-dim"):
        load_router(str(tmp_path / "dims"))
    with pytest.raises(EmbedderMismatchError, match="expects 1536"):
        load_router(str(_ok_mf(tmp_path)), embedder=SmallEmbedder())
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="not a router checkpoint"):
        load_routellm_checkpoint(tmp_path / "empty")


def _ok_mf(tmp_path: Path) -> Path:
    write_mf(tmp_path / "ok")
    return tmp_path / "ok"


def test_hub_ids_go_through_snapshot_download_offline():
    with pytest.raises(CheckpointError, match="could not fetch checkpoint 'routellm/mf_gpt4_augmented'"):
        load_router("routellm/mf_gpt4_augmented")
    with pytest.raises(CheckpointError, match="could not fetch"):
        load_routellm_checkpoint("routellm/bert_gpt4_augmented")


def test_unknown_foreign_config_is_refused(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "config.json").write_text(json.dumps({"architectures": ["BertForMaskedLM"], "model_type": "bert"}))
    with pytest.raises(CheckpointError, match="matches no supported foreign format.*routellm train bert"):
        load_router(str(tmp_path / "x"))


# ============================================================================ bert
needs_minilm = pytest.mark.skipif(MINILM is None, reason="needs the local MiniLM tokenizer files")


def write_hf_classifier(folder: Path, *, arch: str = "bert", num_labels: int = 3, id2label: dict | None = None):
    tok = transformers.AutoTokenizer.from_pretrained(str(MINILM))
    common = dict(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=64, num_labels=num_labels)
    if id2label:
        common |= {"id2label": id2label, "label2id": {v: k for k, v in id2label.items()}}
    torch.manual_seed(0)
    if arch == "bert":
        model = transformers.BertForSequenceClassification(transformers.BertConfig(max_position_embeddings=512, **common))
    else:  # routellm/bert_gpt4_augmented is an XLM-RoBERTa classifier
        model = transformers.XLMRobertaForSequenceClassification(
            transformers.XLMRobertaConfig(max_position_embeddings=514, pad_token_id=tok.pad_token_id, **common)
        )
    with torch.no_grad():  # spread the head so that scores differ between prompts
        model.classifier.apply(lambda m: m.weight.normal_(std=2.0 if arch == "bert" else 0.3) if hasattr(m, "weight") else None)
    model.eval().save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return model, tok


def routellm_bert_score(model, tok, prompt: str) -> float:
    """RouteLLM BERTRouter.calculate_strong_win_rate."""
    inputs = tok(prompt, return_tensors="pt", padding=True, truncation=True)
    with torch.no_grad():
        logits = model(**inputs).logits.numpy()[0]
    e = np.exp(logits - np.max(logits))
    p = e / e.sum()
    return float(1 - np.sum(p[-2:]))


@needs_minilm
@pytest.mark.parametrize("arch", ["bert", "xlm-roberta"])
def test_bert_classifier_checkpoint_scores_match_routellm(tmp_path, arch):
    model, tok = write_hf_classifier(tmp_path / "clf", arch=arch)
    r = load_router(str(tmp_path / "clf"), device="cpu")
    assert isinstance(r, BertRouter) and r.pair_agnostic_ and r.known_models() == []
    expected = [routellm_bert_score(model, tok, p) for p in PROMPTS]
    np.testing.assert_allclose(r.score(PROMPTS), expected, atol=1e-5)
    assert np.ptp(expected) > 1e-4
    # RouteLLM's classifier knows no model names: every pair gets the same score
    np.testing.assert_allclose(r.score(PROMPTS, strong="a", weak="b"), expected, atol=1e-5)
    back = load_router(r.save(tmp_path / "ours"))
    np.testing.assert_allclose(back.score(PROMPTS), expected, atol=1e-5)


@needs_minilm
def test_bert_classifier_bad_checkpoints(tmp_path):
    write_hf_classifier(tmp_path / "two", num_labels=2)
    with pytest.raises(CheckpointError, match="2 labels"):
        load_router(str(tmp_path / "two"))
    write_hf_classifier(tmp_path / "named", id2label={0: "negative", 1: "neutral", 2: "positive"})
    with pytest.raises(CheckpointError, match="meaningless"):
        load_router(str(tmp_path / "named"))
    write_hf_classifier(tmp_path / "notok")
    for f in (tmp_path / "notok").iterdir():
        if f.name.startswith(("tokenizer", "vocab", "special")):
            f.unlink()
    with pytest.raises(CheckpointError, match="no tokenizer files"):
        load_router(str(tmp_path / "notok"))
    write_hf_classifier(tmp_path / "bigtok")
    big = transformers.AutoTokenizer.from_pretrained(str(tmp_path / "bigtok"))
    big.add_tokens(["brandnewtoken"])
    big.save_pretrained(str(tmp_path / "bigtok"))
    with pytest.raises(CheckpointError, match="does not belong"):
        load_router(str(tmp_path / "bigtok"))


# ============================================================================ causal LLM
SYSTEM_TXT = "[Instruction]\nRate from 1 to 5 how well an assistant will answer. Reply as [[rating]].\n"
CLASSIFIER_TXT = "[Question]\n{question}\n\nPrediction:\n"


def write_causal(folder: Path, *, tokenizer_files: bool = True, prompt_files: bool = True, extra_vocab: int = 0):
    tok = tiny_tokenizer()  # ... + Llama-3 header tokens + [[1]]..[[5]] as the last five ids
    model = tiny_llama(len(tok) + extra_vocab, seed=3)
    with torch.no_grad():
        model.lm_head.weight.normal_(std=1.0)
    model.save_pretrained(str(folder))
    if tokenizer_files:
        tok.save_pretrained(str(folder))
    if prompt_files:
        (folder / "system_ft_v5.txt").write_text(SYSTEM_TXT)
        (folder / "classifier_ft_v5.txt").write_text(CLASSIFIER_TXT)
    return model, tok


def routellm_causal_score(model, tok, prompt: str, score_threshold: int = 4, num_outputs: int = 5) -> float:
    """RouteLLM's CausalLLMClassifier: Llama-3 prompt (stripped system + user turns), label logits
    = the last ``num_outputs`` vocabulary entries at the label position, 1 - P(score >= 4).
    The label position is the one after the assistant header that the model generates first."""
    text = (
        "<|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM_TXT.strip() + "<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\n" + CLASSIFIER_TXT.format(question=prompt).strip() + "<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    ids = torch.tensor([tok.encode(text)])
    with torch.no_grad():
        logits = model(ids).logits[0, -1].double().numpy()
    orig_vocab_size = len(tok) - num_outputs
    z = logits[orig_vocab_size:]
    p = np.exp(z - z.max())
    p /= p.sum()
    return float(1 - p[score_threshold - 1 :].sum())


def test_causal_llm_checkpoint_scores_match_routellm(tmp_path):
    model, tok = write_causal(tmp_path / "c")
    r = load_router(str(tmp_path / "c"), device="cpu")
    assert isinstance(r, CausalLLMRouter) and r.prompt_format == "llama3" and r.pair_agnostic_
    assert r.system_message == SYSTEM_TXT and r.user_template == CLASSIFIER_TXT
    expected = [routellm_causal_score(model, tok, p) for p in PROMPTS]
    np.testing.assert_allclose(r.score(PROMPTS), expected, atol=1e-5)
    assert np.ptp(expected) > 1e-4
    back = load_router(r.save(tmp_path / "ours"))
    np.testing.assert_allclose(back.score(PROMPTS), expected, atol=1e-5)


def test_causal_llm_tokenizer_handling(tmp_path):
    # no tokenizer in the folder (like the published one): RouteLLM's gated Llama-3 tokenizer is
    # fetched from the hub, which is offline here -> a clear error; tokenizer= fixes it
    model, tok = write_causal(tmp_path / "notok", tokenizer_files=False)
    with pytest.raises(CheckpointError, match="(?s)Meta-Llama-3-8B.*tokenizer="):
        load_router(str(tmp_path / "notok"))
    plain = tiny_tokenizer(labels=False)  # RouteLLM adds the five label tokens itself
    plain.save_pretrained(str(tmp_path / "tok"))
    r = load_router(str(tmp_path / "notok"), tokenizer=str(tmp_path / "tok"), device="cpu")
    np.testing.assert_allclose(r.score(PROMPTS[:1]), [routellm_causal_score(model, tok, PROMPTS[0])], atol=1e-5)
    # the model's vocabulary is larger than tokenizer + labels: the label ids would be wrong
    write_causal(tmp_path / "big", extra_vocab=3)
    with pytest.raises(CheckpointError, match="does not fit"):
        load_router(str(tmp_path / "big"))
    # a causal LM without RouteLLM's prompt files is not taken for a router
    write_causal(tmp_path / "plain", prompt_files=False)
    with pytest.raises(CheckpointError, match="plain causal LM.*routellm train causal_llm"):
        load_router(str(tmp_path / "plain"))


def test_load_router_takes_the_published_mf_folder_without_config(tmp_path, openai_env):
    ref = write_mf(tmp_path / "mf", config=False)
    assert not (tmp_path / "mf" / "config.json").exists()
    r = load_router(tmp_path / "mf")
    assert isinstance(r, MatrixFactorizationRouter)
    np.testing.assert_allclose(r.score(PROMPTS), [ref.pred_win_rate(24, 36, fake_embedding(p)) for p in PROMPTS], atol=1e-5)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="no config.json"):
        load_router(tmp_path / "empty")
