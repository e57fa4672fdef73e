"""``causal_llm``: a causal language model prompted with the query that rates, through the
logits of label tokens, how well the *weak* model would answer (the RouteLLM paper's causal-LLM
classifier, arXiv 2406.18665 section 4.2; RouteLLM fine-tunes Llama-3-8B).

Prompt: a system message plus a user message ``user_template.replace("{question}", prompt)``,
rendered with the tokenizer's chat template (``prompt_format="chat"``), as plain text
(``"plain"``), or in RouteLLM's Llama-3 layout (``"llama3"``, used for RouteLLM checkpoints).
The label tokens ``[[1]]`` .. ``[[5]]`` (added to the vocabulary as special tokens) are the
possible next tokens; their logits at the position after the prompt give a distribution over the
ratings. ``P(weak is good) = sum of P([[k]])`` for ``k >= score_threshold`` (default 4), and the
router's score is ``1 - P(weak is good)`` -- RouteLLM's ``CausalLLMRouter`` formula.

Training: only the label tokens' probabilities are used. Each battle of the pair gives a target
``y = P(weak is good)``: 0 if the strong model won, 1 if the weak one won, 0.5 for a tie, and the
loss is the binary cross-entropy between ``y`` and the grouped label probability (weighted per
battle; ties count half, as in ``mf``). Fine-tuning is LoRA (``lora_r > 0``, adapters on the
attention projections, plus the label tokens' rows of the output layer) or full (``lora_r=0``);
adapters are merged into the weights after training. CPU for tiny models, a GPU when present
(``device="auto"``), bfloat16 there.

Batches are left-padded with explicit position ids, so a prompt scores the same alone or in a
batch. Checkpoint: ``config.json`` (parameters, label tokens and ids) + ``model.safetensors``
(the label token ids) + ``model/`` (the Hugging Face weights, ``save_pretrained``, any dtype,
sharded when large) + ``tokenizer/``.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError, UnknownModelError
from routellm_core.routers.transformers.common import (
    STRONG_WINS,
    TIE,
    TransformerRouter,
    battle_labels,
    from_pretrained_strict,
    pretrained,
    hub_error,
    quiet_transformers,
    require_torch_transformers,
    resolve_device,
    resolve_dtype,
)
from routellm_core.training.lora import apply_lora, merge_lora

DEFAULT_LABEL_TOKENS = ["[[1]]", "[[2]]", "[[3]]", "[[4]]", "[[5]]"]
DEFAULT_SYSTEM_MESSAGE = (
    "You route questions between a strong and a weak AI assistant. Read the question and predict "
    "how good the weak assistant's answer will be, on a scale from 1 (it will fail; the question "
    "needs the strong assistant) to 5 (it will answer as well as the strong assistant). Answer with "
    "the rating in double square brackets only."
)
DEFAULT_USER_TEMPLATE = "[Question]\n{question}\n\nRating:"
#: RouteLLM's Llama-3 prompt layout (routellm/routers/causal_llm/configs.py, PROMPT_FORMAT_CONFIGS
#: for meta-llama/Meta-Llama-3-8B); the assistant header is what its model generates before the
#: label token, so it is appended here and the label logits are read right after it.
LLAMA3_SYSTEM = "<|start_header_id|>system<|end_header_id|>\n\n{}<|eot_id|>"
LLAMA3_USER = "<|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>"
LLAMA3_ASSISTANT_PREFIX = "<|start_header_id|>assistant<|end_header_id|>\n\n"
PROMPT_FORMATS = ("auto", "chat", "plain", "llama3")
MODEL_DIR = "model"
TOKENIZER_DIR = "tokenizer"


class CausalLLMRouter(TransformerRouter):
    """Parameters: ``base_model`` (HF causal LM id or folder; needed to train), ``label_tokens``,
    ``score_threshold`` (ratings >= it mean "weak is good"), ``prompt_format`` ("auto": the
    chat template when the tokenizer has one, else "plain"; or "chat", "plain", "llama3"),
    ``system_message``, ``user_template`` (with ``{question}``), ``max_length`` (prompt tokens
    kept, cut on the left), ``epochs``, ``lr``, ``weight_decay``, ``batch_size``,
    ``val_fraction``, ``patience``, ``lora_r`` (0 = full fine-tuning), ``lora_alpha``,
    ``lora_dropout``, ``lora_targets``, ``use_all_pairs``, ``device``, ``dtype``,
    ``inference_batch_size``, ``seed``, ``show_progress``."""

    name: ClassVar[str] = "causal_llm"
    label_ids_: list[int] | None = None  # fitted

    def __init__(
        self,
        *,
        strong_model: str | None = None,
        weak_model: str | None = None,
        base_model: str | None = None,
        label_tokens: list[str] | tuple[str, ...] = tuple(DEFAULT_LABEL_TOKENS),
        score_threshold: int = 4,
        prompt_format: str = "auto",
        system_message: str = DEFAULT_SYSTEM_MESSAGE,
        user_template: str = DEFAULT_USER_TEMPLATE,
        max_length: int = 1024,
        epochs: int = 2,
        lr: float = 2e-4,
        weight_decay: float = 0.0,
        batch_size: int = 8,
        val_fraction: float = 0.1,
        patience: int = 1,
        lora_r: int = 8,
        lora_alpha: float = 16.0,
        lora_dropout: float = 0.05,
        lora_targets: list[str] | tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj"),
        use_all_pairs: bool = False,
        device: str = "auto",
        dtype: str = "auto",
        inference_batch_size: int = 16,
        seed: int = 0,
        show_progress: bool = True,
        embedder: Any = None,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        labels = [str(t) for t in out["label_tokens"]]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ConfigError(f"label_tokens must be at least two distinct tokens, got {labels!r}.")
        threshold = out["score_threshold"]
        if not 2 <= int(threshold) <= len(labels):
            raise ConfigError(
                f"score_threshold must be in 2..{len(labels)} (ratings >= it mean the weak model is good), "
                f"got {threshold}."
            )
        if out["prompt_format"] not in PROMPT_FORMATS:
            raise ConfigError(f"prompt_format must be one of {', '.join(PROMPT_FORMATS)}, got {out['prompt_format']!r}.")
        if "{question}" not in out["user_template"]:
            raise ConfigError("user_template must contain '{question}' where the prompt goes.")
        return out | {
            "base_model": None if out["base_model"] is None else str(out["base_model"]),
            "label_tokens": labels,
            "score_threshold": int(threshold),
            "lora_targets": [str(t) for t in out["lora_targets"]],
        }

    # ------------------------------------------------------------------ prompt
    def resolved_prompt_format(self) -> str:
        if self.prompt_format != "auto":
            return self.prompt_format
        return "chat" if getattr(self.tokenizer_, "chat_template", None) else "plain"

    def render_prompt(self, prompt: str) -> str:
        """The exact text fed to the model for ``prompt`` (before tokenization)."""
        system = self.system_message.strip()
        user = self.user_template.replace("{question}", prompt).strip()
        fmt = self.resolved_prompt_format()
        if fmt == "llama3":
            return (LLAMA3_SYSTEM.format(system) if system else "") + LLAMA3_USER.format(user) + LLAMA3_ASSISTANT_PREFIX
        if fmt == "chat":
            if not getattr(self.tokenizer_, "chat_template", None):
                raise ConfigError("prompt_format='chat' but the tokenizer has no chat template; use 'plain'.")
            msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}] if system else [
                {"role": "user", "content": user}
            ]
            try:
                return self.tokenizer_.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
            except Exception:  # noqa: BLE001 - templates without a system role
                merged = [{"role": "user", "content": f"{system}\n\n{user}" if system else user}]
                return self.tokenizer_.apply_chat_template(merged, add_generation_prompt=True, tokenize=False)
        return f"{system}\n\n{user}\n" if system else f"{user}\n"

    def _encode(self, prompts: list[str]) -> list[list[int]]:
        texts = [self.render_prompt(p) for p in prompts]
        # a chat template writes the BOS token itself; the other layouts let the tokenizer add it
        special = self.resolved_prompt_format() != "chat"
        enc = self.tokenizer_(texts, add_special_tokens=special, truncation=True, max_length=self.max_length)
        return [list(x) for x in enc["input_ids"]]

    def _batch(self, ids: list[list[int]]) -> dict[str, Any]:
        """Left-padded tensors with position ids that ignore the padding."""
        import torch

        width = max(len(x) for x in ids)
        pad = self.tokenizer_.pad_token_id
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, x in enumerate(ids):
            input_ids[i, width - len(x) :] = torch.as_tensor(x, dtype=torch.long)
            mask[i, width - len(x) :] = 1
        pos = (mask.cumsum(-1) - 1).clamp_min(0)
        device = next(self.model_.parameters()).device
        return {"input_ids": input_ids.to(device), "attention_mask": mask.to(device), "position_ids": pos.to(device)}

    def _label_logits(self, batch: dict[str, Any]) -> Any:
        """Logits of the label tokens at the last prompt position, shape (batch, n_labels)."""
        kwargs = dict(batch)
        if "position_ids" not in self._forward_kwargs:
            kwargs.pop("position_ids")
        if "logits_to_keep" in self._forward_kwargs:
            kwargs["logits_to_keep"] = 1
        logits = self.model_(**kwargs).logits[:, -1, :]
        return logits[:, self.label_ids_].float()

    # ------------------------------------------------------------------ model
    def _load_base(self) -> None:
        torch, transformers = require_torch_transformers()
        if not self.base_model:
            raise ConfigError(
                "the causal_llm router needs base_model=<Hugging Face causal LM id or folder> to train, "
                "e.g. `routellm train causal_llm --opt base_model=meta-llama/Meta-Llama-3-8B ...`."
            )
        device = resolve_device(self.device)
        dtype = resolve_dtype(self.dtype, device)
        torch.manual_seed(self.seed)
        try:
            with quiet_transformers():
                where = f"causal LM {self.base_model}"
                tok = pretrained(transformers.AutoTokenizer, self.base_model, where)
                model = pretrained(transformers.AutoModelForCausalLM, self.base_model, where, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise hub_error("causal LM", self.base_model, exc) from exc
        missing = [t for t in self.label_tokens if t not in tok.get_vocab()]
        if missing:
            tok.add_tokens(missing, special_tokens=True)
        if tok.pad_token is None:
            if tok.eos_token is None:
                raise ConfigError(f"the tokenizer of {self.base_model!r} has no pad or eos token to pad batches with.")
            tok.pad_token = tok.eos_token
        if len(tok) > model.get_input_embeddings().weight.shape[0]:
            with quiet_transformers():
                model.resize_token_embeddings(len(tok))
        self.use_model(model.to(device), tok, what="base model")

    def use_model(self, model: Any, tokenizer: Any, *, what: str = "model") -> CausalLLMRouter:
        """Score with ``model`` (a Hugging Face causal LM) and its ``tokenizer``: left padding and
        truncation, label token ids looked up and checked (CheckpointError naming ``what``)."""
        tokenizer.padding_side = "left"
        tokenizer.truncation_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.label_ids_ = label_token_ids(tokenizer, model, self.label_tokens, what)
        self.model_ = model.eval()
        self.tokenizer_ = tokenizer
        self._forward_kwargs = set(inspect.signature(model.forward).parameters)
        return self

    # ------------------------------------------------------------------ training
    def _fit(self, battles: Any) -> None:
        torch, _ = require_torch_transformers()
        prompts, labels, weights = battle_labels(
            battles, self.strong_model, self.weak_model, use_all_pairs=self.use_all_pairs, router=self.name
        )
        torch.manual_seed(self.seed)
        self._load_base()
        self.pair_agnostic_ = False
        model = self.model_
        device = next(model.parameters()).device
        n = len(self.label_tokens)
        good = list(range(self.score_threshold - 1, n))
        bad = list(range(0, self.score_threshold - 1))
        y_good = np.where(labels == STRONG_WINS, 0.0, np.where(labels == TIE, 0.5, 1.0))
        ids = self._encode(prompts)
        lengths = np.array([len(x) for x in ids], dtype=np.int64)
        yt = torch.as_tensor(y_good, dtype=torch.float32)
        wt = torch.as_tensor(weights, dtype=torch.float32)

        if self.lora_r > 0:
            model.requires_grad_(False)
            params = apply_lora(model, r=self.lora_r, alpha=self.lora_alpha, dropout=self.lora_dropout, targets=self.lora_targets)
            head = model.get_output_embeddings().weight
            head.requires_grad_(True)
            row_mask = torch.zeros(head.shape[0], 1, dtype=head.dtype, device=head.device)
            row_mask[self.label_ids_] = 1
            hook = head.register_hook(lambda g: g * row_mask)  # train only the label tokens' rows
            params.append(head)
            no_decay = [head]
        else:
            model.requires_grad_(True)
            params = [p for p in model.parameters() if p.requires_grad]
            no_decay = [p for nm, p in model.named_parameters() if nm.endswith("bias") or "norm" in nm.lower()]
            hook = None

        def loss_fn(idx: np.ndarray) -> tuple[Any, Any]:
            batch = self._batch([ids[i] for i in idx])
            lp = torch.log_softmax(self._label_logits(batch), dim=-1)
            log_good = torch.logsumexp(lp[:, good], dim=-1)
            log_bad = torch.logsumexp(lp[:, bad], dim=-1)
            y = yt[idx].to(device)
            w = wt[idx].to(device)
            return (-(y * log_good + (1 - y) * log_bad) * w).sum(), w.sum()

        try:
            info = self._fine_tune(params=params, loss_fn=loss_fn, prompts=prompts, lengths=lengths, no_decay=no_decay,
                                   weights=np.asarray(weights, dtype=np.float64))
        finally:
            if hook is not None:
                hook.remove()
        merged = merge_lora(model)
        model.requires_grad_(False)
        model.eval()
        self.fit_info_ = info | {"lora_layers_merged": merged, "label_counts": np.bincount(labels, minlength=3).tolist()}

    # ------------------------------------------------------------------ inference
    def label_probabilities(self, prompts: list[str]) -> np.ndarray:
        """Softmax over the label tokens' logits after each prompt, shape (n, n_labels)."""
        self._require_model()
        ids = self._encode(prompts)
        logits = lambda idx: self._label_logits(self._batch([ids[i] for i in idx]))  # noqa: E731
        return self._softmax_by_length([len(x) for x in ids], logits, len(self.label_ids_))

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        if not self.pair_agnostic_ and (strong, weak) != (self.strong_model, self.weak_model):
            raise UnknownModelError(
                f"this causal_llm router rates prompts for {self.strong_model!r} vs {self.weak_model!r} only; "
                f"it cannot score {strong!r} vs {weak!r}. Train one for that pair."
            )
        probs = self.label_probabilities(prompts)
        return 1.0 - probs[:, self.score_threshold - 1 :].sum(axis=1)

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._require_model()
        state = {
            "label_tokens": self.label_tokens,
            "label_ids": [int(i) for i in self.label_ids_],
            "score": f"1 - sum(P(label) for labels >= {self.label_tokens[self.score_threshold - 1]})",
            "pair_agnostic": self.pair_agnostic_,
            "architectures": list(getattr(self.model_.config, "architectures", None) or []),
            "fit": self.fit_info_,
        }
        return state, {"label_token_ids": np.asarray(self.label_ids_, dtype=np.int64)}

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        stored = [int(i) for i in np.asarray(tensors["label_token_ids"]).tolist()]
        if list(config.get("label_tokens") or []) != self.label_tokens or len(stored) != len(self.label_tokens):
            raise CheckpointError(
                f"this causal_llm checkpoint's label tokens {config.get('label_tokens')!r} do not match its "
                f"parameters {self.label_tokens!r}; it is corrupt or was edited."
            )
        self.pair_agnostic_ = bool(config.get("pair_agnostic", False))
        self.fit_info_ = config.get("fit")
        self.label_ids_ = stored  # checked against the tokenizer by _load_files

    def _save_files(self, folder: Path) -> None:
        """``model/`` (Hugging Face weights) and ``tokenizer/`` beside the config."""
        with quiet_transformers():
            self.model_.save_pretrained(str(folder / MODEL_DIR))
            self.tokenizer_.save_pretrained(str(folder / TOKENIZER_DIR))

    def _load_files(self, folder: Path) -> None:
        """The model and tokenizer sub-folders; their label ids must match the stored ones."""
        _, transformers = require_torch_transformers()
        stored_ids = self.label_ids_
        for sub in (MODEL_DIR, TOKENIZER_DIR):
            if not (folder / sub).is_dir():
                raise CheckpointError(f"causal_llm checkpoint {folder} has no {sub}/ folder; it is incomplete, re-save it.")
        device = resolve_device(self.device)
        try:
            with quiet_transformers():
                tok = pretrained(transformers.AutoTokenizer, folder / TOKENIZER_DIR, f"causal_llm checkpoint {folder}")
        except CheckpointError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(f"causal_llm checkpoint {folder}: cannot load its tokenizer ({type(exc).__name__}: {exc}).") from exc
        model = from_pretrained_strict(
            transformers.AutoModelForCausalLM, str(folder / MODEL_DIR), f"causal_llm checkpoint {folder}",
            dtype=resolve_dtype(self.dtype, device),
        )
        self.use_model(model.to(device), tok, what=f"causal_llm checkpoint {folder}")
        if self.label_ids_ != stored_ids:
            raise CheckpointError(
                f"causal_llm checkpoint {folder}: the tokenizer maps the label tokens to ids {self.label_ids_}, "
                f"but the router was trained with ids {stored_ids}; the tokenizer does not belong to the model."
            )


def label_token_ids(tok: Any, model: Any, label_tokens: list[str], what: str) -> list[int]:
    """Ids of the label tokens; CheckpointError unless each is one known token inside the model's
    output vocabulary and the tokenizer is no larger than the model's vocabulary."""
    vocab = tok.get_vocab()
    ids: list[int] = []
    for t in label_tokens:
        if t not in vocab:
            raise CheckpointError(
                f"{what}: the tokenizer has no single token {t!r}; the label tokens {label_tokens} must be "
                "in its vocabulary (add them with tokenizer.add_tokens(..., special_tokens=True))."
            )
        ids.append(int(vocab[t]))
    if len(set(ids)) != len(ids):
        raise CheckpointError(f"{what}: label tokens {label_tokens} map to repeated ids {ids}.")
    out_rows = model.get_output_embeddings()
    rows = int(out_rows.weight.shape[0]) if out_rows is not None else int(model.config.vocab_size)
    if max(ids) >= rows or len(tok) > rows:
        raise CheckpointError(
            f"{what}: the tokenizer has {len(tok)} tokens (label ids {ids}) but the model's output layer "
            f"only {rows} rows; the tokenizer does not belong to these weights."
        )
    return ids
