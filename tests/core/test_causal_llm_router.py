"""The causal_llm router end to end on a tiny, randomly initialised Llama built here (no hub):
prompt formats, label-token scoring against a direct re-computation, left-padded batching,
LoRA and full fine-tuning, save/load, and clear errors for mismatched tokenizers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from routellm_core import CheckpointError, ConfigError, UnknownModelError, load_router  # noqa: E402
from routellm_core.routers.transformers.causal_llm import (  # noqa: E402
    DEFAULT_LABEL_TOKENS,
    LLAMA3_ASSISTANT_PREFIX,
    CausalLLMRouter,
)
from tests.helpers import EASY_EXAMPLE, EASY_PROMPTS, HARD_EXAMPLE, HARD_PROMPTS, tiny_battles  # noqa: E402

LLAMA3_SPECIALS = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
torch.set_num_threads(2)


def tiny_tokenizer(*, labels: bool = True, extra_words: tuple[str, ...] = (), chat_template: bool = False):
    """A WordLevel tokenizer trained on the test prompts; label tokens (and the Llama-3 header
    tokens) added as special tokens, so the labels are the last ids when added last."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    texts = [t.format(n=i) for i in range(30) for t in HARD_PROMPTS + EASY_PROMPTS]
    texts += [HARD_EXAMPLE, EASY_EXAMPLE, "Question Rating Prediction Instruction route strong weak", *extra_words]
    tk = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tk.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]", "<s>", "</s>"]))
    tok = PreTrainedTokenizerFast(
        tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="[PAD]", unk_token="[UNK]"
    )
    tok.add_tokens(LLAMA3_SPECIALS, special_tokens=True)
    if labels:
        tok.add_tokens(DEFAULT_LABEL_TOKENS, special_tokens=True)
    if chat_template:
        tok.chat_template = CHAT_TEMPLATE
    return tok


def tiny_llama(vocab_size: int, seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        pad_token_id=0, bos_token_id=2, eos_token_id=3,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(cfg).eval()


def save_tiny_causal_lm(folder: Path, **tok_kwargs) -> Path:
    tok = tiny_tokenizer(**tok_kwargs)
    model = tiny_llama(len(tok))
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory) -> Path:
    return save_tiny_causal_lm(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def trained(base_dir) -> CausalLLMRouter:
    r = CausalLLMRouter(
        base_model=str(base_dir), strong_model="strong", weak_model="weak", lora_r=0, epochs=8,
        lr=3e-3, batch_size=16, max_length=96, device="cpu", show_progress=False, seed=0,
    )
    return r.fit(tiny_battles(80))


def direct_score(router: CausalLLMRouter, prompt: str) -> float:
    """Independent re-computation: one unpadded forward pass, softmax over the label logits."""
    text = router.render_prompt(prompt)
    ids = router.tokenizer_(text, add_special_tokens=router.resolved_prompt_format() != "chat")["input_ids"]
    with torch.no_grad():
        logits = router.model_(torch.tensor([ids])).logits[0, -1].double().numpy()
    label_ids = [router.tokenizer_.convert_tokens_to_ids(t) for t in router.label_tokens]
    z = logits[label_ids]
    p = np.exp(z - z.max())
    p /= p.sum()
    return float(1.0 - p[router.score_threshold - 1 :].sum())


def test_fit_learns_the_pair_and_scores_match_direct_computation(trained):
    s_hard, s_easy = trained.score([HARD_EXAMPLE, EASY_EXAMPLE])
    assert 0.0 <= s_easy < s_hard <= 1.0
    for p in (HARD_EXAMPLE, EASY_EXAMPLE, "Tell me a joke about 3 dogs."):
        assert trained.score(p) == pytest.approx(direct_score(trained, p), abs=1e-5)
    info = trained.fit_info_
    assert info["epochs_run"] >= 1 and info["val_rows"] > 0 and info["history"][0]["val_loss"] > 0
    probs = trained.label_probabilities([HARD_EXAMPLE])
    assert probs.shape == (1, 5) and probs.sum() == pytest.approx(1.0)


def test_batching_uses_left_padding_and_matches_single_calls(trained):
    prompts = [HARD_EXAMPLE, "hi", EASY_EXAMPLE + " and a much longer tail " * 3, "Say hello to my friend number 4."]
    batched = trained.score(prompts)
    single = [trained.score(p) for p in prompts]
    np.testing.assert_allclose(batched, single, atol=1e-5)
    trained.inference_batch_size = 1
    try:
        np.testing.assert_allclose(trained.score(prompts), batched, atol=1e-5)
    finally:
        trained.inference_batch_size = 16
    assert trained.tokenizer_.padding_side == "left"


def test_prompt_formats(base_dir, tmp_path):
    r = CausalLLMRouter(base_model=str(base_dir), system_message="SYS", user_template="Q: {question} A:")
    r._load_base()
    assert r.resolved_prompt_format() == "plain"
    assert r.render_prompt(" hi {x} ") == "SYS\n\nQ:  hi {x}  A:\n"
    r.prompt_format = "llama3"
    assert r.render_prompt("hi") == (
        "<|start_header_id|>system<|end_header_id|>\n\nSYS<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nQ: hi A:<|eot_id|>" + LLAMA3_ASSISTANT_PREFIX
    )
    r.prompt_format = "chat"
    with pytest.raises(ConfigError, match="no chat template"):
        r.render_prompt("hi")
    chat_dir = save_tiny_causal_lm(tmp_path / "chat", chat_template=True)
    c = CausalLLMRouter(base_model=str(chat_dir), system_message="SYS", user_template="Q: {question}")
    c._load_base()
    assert c.resolved_prompt_format() == "chat"
    assert c.render_prompt("hi") == "<s><|system|>\nSYS\n<|user|>\nQ: hi\n<|assistant|>\n"
    # the template writes BOS itself; the tokenizer must not add a second one
    assert c._encode(["hi"])[0].count(c.tokenizer_.bos_token_id) == 1


def test_save_load_round_trip(trained, tmp_path):
    out = trained.save(tmp_path / "ck")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["format"] == "routellm_core" and cfg["router"] == "causal_llm"
    assert cfg["state"]["label_tokens"] == DEFAULT_LABEL_TOKENS and len(cfg["state"]["label_ids"]) == 5
    assert (out / "model").is_dir() and (out / "tokenizer").is_dir() and (out / "model.safetensors").is_file()
    back = load_router(out)
    assert isinstance(back, CausalLLMRouter) and back.known_models() == ["strong", "weak"]
    prompts = [HARD_EXAMPLE, EASY_EXAMPLE]
    np.testing.assert_allclose(back.score(prompts), trained.score(prompts), atol=1e-6)
    assert back.calibration_quantiles_ is not None


def test_lora_fine_tuning_merges_adapters(base_dir):
    r = CausalLLMRouter(
        base_model=str(base_dir), strong_model="strong", weak_model="weak", lora_r=4, lora_alpha=8,
        epochs=2, lr=5e-3, batch_size=16, max_length=96, device="cpu", show_progress=False,
    ).fit(tiny_battles(40))
    assert r.fit_info_["lora_layers_merged"] == 2 * 4  # q, k, v, o in 2 layers
    assert not any("lora" in n for n, _ in r.model_.named_parameters())
    base = transformers.AutoModelForCausalLM.from_pretrained(str(base_dir))
    changed = not torch.allclose(base.model.layers[0].self_attn.q_proj.weight, r.model_.model.layers[0].self_attn.q_proj.weight)
    assert changed
    # only the label tokens' rows of the output layer were trained
    head0, head1 = base.lm_head.weight, r.model_.lm_head.weight
    diff_rows = torch.nonzero((head0 - head1).abs().sum(1) > 0).flatten().tolist()
    assert set(diff_rows) <= set(r.label_ids_) and diff_rows
    assert r.score(HARD_EXAMPLE) == pytest.approx(direct_score(r, HARD_EXAMPLE), abs=1e-5)


def test_pair_and_parameter_errors(trained, base_dir):
    with pytest.raises(UnknownModelError, match="strong.*weak"):
        trained.score("hi", strong="medium", weak="weak")
    with pytest.raises(ConfigError, match="base_model"):
        CausalLLMRouter(strong_model="strong", weak_model="weak").fit(tiny_battles(10))
    with pytest.raises(ConfigError, match="score_threshold"):
        CausalLLMRouter(score_threshold=9)
    with pytest.raises(ConfigError, match="question"):
        CausalLLMRouter(user_template="no placeholder")
    with pytest.raises(ConfigError, match="embedder"):
        CausalLLMRouter(embedder="minilm-static")
    with pytest.raises(ConfigError, match="no battle between"):
        CausalLLMRouter(base_model=str(base_dir), strong_model="x", weak_model="y").fit(tiny_battles(10))


def test_untrained_name_explains_how_to_train():
    from routellm_core import UnknownRouterError

    with pytest.raises(UnknownRouterError, match="routellm train causal_llm"):
        load_router("causal_llm")


def test_mismatched_tokenizer_is_refused(trained, tmp_path):
    out = trained.save(tmp_path / "ck")
    # a tokenizer without the label tokens
    shutil.rmtree(out / "tokenizer")
    tiny_tokenizer(labels=False).save_pretrained(str(out / "tokenizer"))
    with pytest.raises(CheckpointError, match=r"no single token '\[\[1\]\]'"):
        load_router(out)
    # a tokenizer whose ids differ from the trained ones (and exceed the model's vocabulary)
    shutil.rmtree(out / "tokenizer")
    tiny_tokenizer(extra_words=("zebra quokka narwhal axolotl",)).save_pretrained(str(out / "tokenizer"))
    with pytest.raises(CheckpointError, match="does not belong"):
        load_router(out)
    shutil.rmtree(out / "tokenizer")
    with pytest.raises(CheckpointError, match="no tokenizer/ folder"):
        load_router(out)
