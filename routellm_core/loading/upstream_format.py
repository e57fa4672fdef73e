"""Checkpoints not written by routellm_core: RouteLLM's published routers (lm-sys/RouteLLM,
Hugging Face org ``routellm``), converted on load into routers of this package.

Formats recognised (details and sources in ``docs/checkpoints.md``):

- ``routellm_mf`` -- RouteLLM's matrix factorization (``routellm/mf_gpt4_augmented``): a
  PyTorch state dict (``model.safetensors`` or ``pytorch_model.bin``) with ``P.weight``
  [num_models, dim], ``text_proj.0.weight`` [dim, text_dim] and ``classifier.0.weight``
  [1, dim], optionally a ``config.json`` of its constructor arguments (``dim``, ``num_models``,
  ``text_dim``, ``num_classes``, ``use_proj``). Rows of ``P`` follow ``ROUTELLM_MODEL_IDS``.
  Becomes a ``MatrixFactorizationRouter`` (model bias 0, OpenAI ``text-embedding-3-small``).
- ``hf_sequence_classifier`` -- RouteLLM's BERT router (``routellm/bert_gpt4_augmented``): a
  Hugging Face ``*ForSequenceClassification`` folder with 3 labels (0 = strong wins, 1 = tie,
  2 = weak wins) and its tokenizer. Becomes a ``BertRouter``.
- ``routellm_causal_llm`` -- RouteLLM's causal LLM router (``routellm/causal_llm_gpt4_augmented``):
  a Hugging Face ``*ForCausalLM`` folder whose vocabulary ends with the label tokens
  ``[[1]]``..``[[5]]``, plus ``system_ft_v5.txt`` / ``classifier_ft_v5.txt`` (its prompt). The
  tokenizer is the folder's, or ``tokenizer=``, or RouteLLM's base ``meta-llama/Meta-Llama-3-8B``.
  Becomes a ``CausalLLMRouter`` with ``prompt_format="llama3"``.

``load_router(folder or hub id)`` reaches ``load_foreign_checkpoint`` for any ``config.json``
without ``"format": "routellm_core"``; ``load_routellm_checkpoint`` also takes folders without a
``config.json`` (the published mf checkpoint has only ``model.safetensors``). The converted
routers are built through their public constructors (``MatrixFactorizationRouter.from_weights``,
``BertRouter.from_hf_classifier``, ``CausalLLMRouter.use_model``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.checkpoints.format import CONFIG_FILE, is_native, read_config, resolve_checkpoint_dir
from routellm_core.embeddings.openai_api import OPENAI_DIMS
from routellm_core.embeddings.resolve import resolve_embedder
from routellm_core.errors import CheckpointError, ConfigError, EmbedderMismatchError, install_hint
from routellm_core.routers.base import Router
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter
from routellm_core.routers.transformers.bert import BertRouter
from routellm_core.routers.transformers.causal_llm import DEFAULT_LABEL_TOKENS, CausalLLMRouter
from routellm_core.routers.transformers.common import (
    LABEL_NAMES,
    from_pretrained_strict,
    pretrained,
    refuse_remote_code,
    quiet_transformers,
    require_torch_transformers,
    resolve_device,
    resolve_dtype,
)
from routellm_core.utils.validation import check_finite_array

#: RouteLLM's default model pair (its config.example.yaml and Controller examples)
ROUTELLM_STRONG = "gpt-4-1106-preview"
ROUTELLM_WEAK = "mixtral-8x7b-instruct-v0.1"
#: embedder RouteLLM's mf router calls (routellm/routers/matrix_factorization/model.py)
ROUTELLM_MF_EMBEDDER = "openai:text-embedding-3-small"
#: base model (tokenizer) of RouteLLM's causal LLM router (routellm/routers/routers.py)
ROUTELLM_CAUSAL_BASE = "meta-llama/Meta-Llama-3-8B"

#: Row of each model in RouteLLM's mf embedding table ``P``: ``MODEL_IDS`` in
#: lm-sys/RouteLLM, routellm/routers/matrix_factorization/model.py (data, Apache-2.0).
ROUTELLM_MODEL_IDS: dict[str, int] = {
    "RWKV-4-Raven-14B": 0,
    "alpaca-13b": 1,
    "chatglm-6b": 2,
    "chatglm2-6b": 3,
    "chatglm3-6b": 4,
    "claude-1": 5,
    "claude-2.0": 6,
    "claude-2.1": 7,
    "claude-instant-1": 8,
    "codellama-34b-instruct": 9,
    "deepseek-llm-67b-chat": 10,
    "dolly-v2-12b": 11,
    "dolphin-2.2.1-mistral-7b": 12,
    "falcon-180b-chat": 13,
    "fastchat-t5-3b": 14,
    "gemini-pro": 15,
    "gemini-pro-dev-api": 16,
    "gpt-3.5-turbo-0125": 17,
    "gpt-3.5-turbo-0314": 18,
    "gpt-3.5-turbo-0613": 19,
    "gpt-3.5-turbo-1106": 20,
    "gpt-4-0125-preview": 21,
    "gpt-4-0314": 22,
    "gpt-4-0613": 23,
    "gpt-4-1106-preview": 24,
    "gpt4all-13b-snoozy": 25,
    "guanaco-33b": 26,
    "koala-13b": 27,
    "llama-13b": 28,
    "llama-2-13b-chat": 29,
    "llama-2-70b-chat": 30,
    "llama-2-7b-chat": 31,
    "llama2-70b-steerlm-chat": 32,
    "mistral-7b-instruct": 33,
    "mistral-7b-instruct-v0.2": 34,
    "mistral-medium": 35,
    "mixtral-8x7b-instruct-v0.1": 36,
    "mpt-30b-chat": 37,
    "mpt-7b-chat": 38,
    "nous-hermes-2-mixtral-8x7b-dpo": 39,
    "oasst-pythia-12b": 40,
    "openchat-3.5": 41,
    "openchat-3.5-0106": 42,
    "openhermes-2.5-mistral-7b": 43,
    "palm-2": 44,
    "pplx-70b-online": 45,
    "pplx-7b-online": 46,
    "qwen-14b-chat": 47,
    "qwen1.5-4b-chat": 48,
    "qwen1.5-72b-chat": 49,
    "qwen1.5-7b-chat": 50,
    "solar-10.7b-instruct-v1.0": 51,
    "stablelm-tuned-alpha-7b": 52,
    "starling-lm-7b-alpha": 53,
    "stripedhyena-nous-7b": 54,
    "tulu-2-dpo-70b": 55,
    "vicuna-13b": 56,
    "vicuna-33b": 57,
    "vicuna-7b": 58,
    "wizardlm-13b": 59,
    "wizardlm-70b": 60,
    "yi-34b-chat": 61,
    "zephyr-7b-alpha": 62,
    "zephyr-7b-beta": 63,
}

MF_KEYS = ("P.weight", "classifier.0.weight")
#: largest ``dim`` of an mf checkpoint without a projection (its identity matrix is dim x dim)
MAX_MF_IDENTITY_DIM = 4096
MF_CONFIG_KEYS = {"dim", "num_models", "text_dim", "num_classes", "use_proj"}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model", "tokenizer.model")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json")
#: label names accepted for a 3-class classifier: transformers' defaults or ours
_GENERIC_LABELS = ["LABEL_0", "LABEL_1", "LABEL_2"]


# ============================================================================ detection
def _architectures(config: dict[str, Any]) -> list[str]:
    arch = config.get("architectures") or []
    return [str(a) for a in arch] if isinstance(arch, list) else [str(arch)]


def _weight_keys(folder: Path) -> set[str]:
    st = folder / "model.safetensors"
    if st.is_file():
        try:
            from safetensors import safe_open

            with safe_open(str(st), framework="numpy") as fh:
                return set(fh.keys())
        except Exception:  # noqa: BLE001 - unreadable: not this format
            return set()
    return set()


def _routellm_prompt_files(folder: Path) -> tuple[Path | None, Path | None]:
    def newest(prefix: str) -> Path | None:
        def version(p: Path) -> int:
            digits = p.stem.rsplit("_v", 1)[-1]
            return int(digits) if digits.isdigit() else -1

        files = sorted(folder.glob(f"{prefix}_ft_v*.txt"), key=version)
        return files[-1] if files else None

    return newest("system"), newest("classifier")


def detect_foreign_format(folder: str | Path, config: dict[str, Any] | None = None) -> str | None:
    """``"routellm_mf"``, ``"hf_sequence_classifier"``, ``"routellm_causal_llm"`` or None,
    judged from ``config.json`` (keys, ``architectures``) and the file / tensor names."""
    folder = Path(folder)
    config = config or {}
    arch = _architectures(config)
    if any(a.endswith("ForSequenceClassification") for a in arch):
        return "hf_sequence_classifier"
    if any(a.endswith("ForCausalLM") for a in arch):
        system, classifier = _routellm_prompt_files(folder)
        if system or classifier or (folder / "new_embeddings.safetensors").is_file():
            return "routellm_causal_llm"
        return None
    if arch:
        return None
    if MF_CONFIG_KEYS & set(config):
        return "routellm_mf"
    if set(MF_KEYS) <= _weight_keys(folder):
        return "routellm_mf"
    if not (folder / "model.safetensors").is_file() and (folder / "pytorch_model.bin").is_file() and _bin_has_mf_keys(folder):
        return "routellm_mf"
    return None


def _bin_has_mf_keys(folder: Path) -> bool:
    try:
        return set(MF_KEYS) <= set(_read_torch_bin(folder / "pytorch_model.bin"))
    except CheckpointError:
        return False


# ============================================================================ entry points
def load_foreign_checkpoint(folder: Path, config: dict[str, Any], **kwargs: Any) -> Any:
    """Load a checkpoint in one of RouteLLM's formats (see the module doc) as a Router of this
    package, or raise a clear CheckpointError. ``kwargs``: ``strong_model``/``weak_model``
    (default RouteLLM's gpt-4-1106-preview / mixtral-8x7b-instruct-v0.1), ``embedder`` (mf),
    ``models`` (mf row names), ``tokenizer`` / ``system_message`` / ``classifier_message``
    (causal LLM), ``device`` and other router parameters."""
    folder = Path(folder)
    refuse_remote_code(folder, f"checkpoint {folder}")
    fmt = detect_foreign_format(folder, config)
    if fmt == "routellm_mf":
        return load_routellm_mf(folder, config, **kwargs)
    if fmt == "hf_sequence_classifier":
        return load_hf_sequence_classifier(folder, config, **kwargs)
    if fmt == "routellm_causal_llm":
        return load_routellm_causal_llm(folder, config, **kwargs)
    arch = _architectures(config)
    hint = ""
    if any(a.endswith("ForCausalLM") for a in arch):
        hint = (
            " It looks like a plain causal LM: train a router on it with "
            f"`routellm train causal_llm --opt base_model={folder} ...`."
        )
    elif arch:
        hint = (
            f" Its architecture {arch[0]} is not a sequence classifier; train one with "
            f"`routellm train bert --opt base_model={folder} ...`."
        )
    raise CheckpointError(
        f"{folder}/config.json is not a routellm_core checkpoint (format={config.get('format')!r}) "
        "and matches no supported foreign format (RouteLLM mf, BERT or causal-LLM checkpoints); "
        f"save routers with router.save(folder).{hint}"
    )


def load_routellm_checkpoint(path_or_id: str | Path, **kwargs: Any) -> Any:
    """A RouteLLM checkpoint from a local folder or hub id, also without ``config.json`` (the
    published ``routellm/mf_gpt4_augmented`` has only ``model.safetensors``)."""
    folder = resolve_checkpoint_dir(path_or_id)
    config = read_config(folder) if (folder / CONFIG_FILE).is_file() else {}
    if is_native(config):
        return Router.load(folder, **kwargs)
    if not config and detect_foreign_format(folder, config) is None:
        raise CheckpointError(
            f"{folder} has no config.json and no RouteLLM mf weights (P.weight, classifier.0.weight); "
            "it is not a router checkpoint."
        )
    return load_foreign_checkpoint(folder, config, **kwargs)


# ============================================================================ mf
def _read_torch_bin(path: Path) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover
        raise CheckpointError(f"{path} is a PyTorch pickle; reading it needs torch: {install_hint('train')}.") from exc
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        raise CheckpointError(f"{path} cannot be read as a PyTorch state dict ({type(exc).__name__}: {exc}).") from exc
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds a {type(state).__name__}, not a state dict of tensors.")
    return {k: v.detach().float().numpy() for k, v in state.items() if hasattr(v, "detach")}


def read_mf_tensors(folder: Path) -> dict[str, np.ndarray]:
    """The RouteLLM mf state dict (float32 numpy) from ``model.safetensors`` or ``pytorch_model.bin``;
    NaN or infinite weights are a CheckpointError."""
    st = folder / "model.safetensors"
    pt = folder / "pytorch_model.bin"
    if st.is_file():
        from safetensors.numpy import load_file

        try:
            tensors = {k: np.asarray(v, dtype=np.float32) for k, v in load_file(str(st)).items()}
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(f"{st} is corrupt ({exc}); re-download the checkpoint.") from exc
    elif pt.is_file():
        tensors = _read_torch_bin(pt)
    else:
        raise CheckpointError(f"{folder} has neither model.safetensors nor pytorch_model.bin; the checkpoint is incomplete.")
    for key, value in tensors.items():
        check_finite_array(f"{folder} tensor {key!r}", value, hint="The checkpoint is corrupt; re-download it.", error=CheckpointError)
    return tensors


def load_routellm_mf(
    folder: Path,
    config: dict[str, Any] | None = None,
    *,
    embedder: Any = None,
    strong_model: str | None = None,
    weak_model: str | None = None,
    models: list[str] | None = None,
    **kwargs: Any,
) -> Any:
    """RouteLLM's mf checkpoint as a ``MatrixFactorizationRouter``.

    RouteLLM: ``logit(m, x) = classifier(normalize(P[m]) * text_proj(x))`` (both Linear layers
    without bias) and ``P(strong wins) = sigmoid(logit(strong) - logit(weak))``. That is our mf
    with ``model_embeddings = P``, ``proj = text_proj.0.weight``, ``classifier =
    classifier.0.weight[0]``, ``model_bias = 0`` and ``hidden = 0``."""
    folder = Path(folder)
    where = f"RouteLLM mf checkpoint {folder}"
    config = _mf_config(dict(config or {}), where)
    # every size is checked against the file's header and the embedder before any array is
    # built (a small file must not make this process allocate gigabytes)
    emb = _mf_embedder(embedder, None)
    shapes = _mf_header_shapes(folder)
    if shapes is not None:
        _, dim, _, text_dim = _check_mf_shapes(shapes, config, where)
        _check_mf_text_dim(emb, dim if text_dim is None else text_dim, embedder is None)
    t = read_mf_tensors(folder)
    n_models, dim, use_proj, text_dim = _check_mf_shapes({k: v.shape for k, v in t.items()}, config, where)
    # no projection: the prompt embedding is used as it is
    _check_mf_text_dim(emb, dim if text_dim is None else text_dim, embedder is None)
    P, clf = t["P.weight"], t["classifier.0.weight"]
    proj = t["text_proj.0.weight"] if use_proj else np.eye(dim, dtype=np.float32)
    if models is None:
        if n_models != len(ROUTELLM_MODEL_IDS):
            raise CheckpointError(
                f"{where}: P.weight has {n_models} rows, but RouteLLM's model table has "
                f"{len(ROUTELLM_MODEL_IDS)}; pass models=[names in row order]."
            )
        names = sorted(ROUTELLM_MODEL_IDS, key=ROUTELLM_MODEL_IDS.__getitem__)
    else:
        names = [str(m) for m in models]
        if len(names) != n_models or len(set(names)) != len(names):
            raise ConfigError(f"models= must be {n_models} distinct names (one per row of P.weight), got {len(names)}.")
    strong = strong_model or ROUTELLM_STRONG
    weak = weak_model or ROUTELLM_WEAK
    for role, name in (("strong", strong), ("weak", weak)):
        if name not in names:
            raise ConfigError(f"{role} model {name!r} is not among the checkpoint's models ({', '.join(names[:8])}, ...).")
    weights = {
        "model_embeddings": P.astype(np.float32),
        "model_bias": np.zeros(n_models, dtype=np.float32),
        "classifier": clf[0].astype(np.float32),
        "proj": proj.astype(np.float32),
    }
    try:
        router = MatrixFactorizationRouter.from_weights(
            names, weights, dim=dim, hidden=0, strong_model=strong, weak_model=weak,
            embedder=emb, **kwargs,
        )
    except TypeError as exc:
        raise ConfigError(f"bad option for the mf router: {exc}") from None
    router.training_info_ = {
        "source": "RouteLLM matrix-factorization checkpoint (lm-sys/RouteLLM MFModel), converted",
        "converted_from": str(folder),
        "conversion": "model_embeddings=P.weight, proj=text_proj.0.weight, classifier=classifier.0.weight[0], "
        "model_bias=0 (RouteLLM has none)",
    }
    router.checkpoint_path_ = str(folder)
    return router


def _mf_config(config: dict[str, Any], where: str) -> dict[str, Any]:
    """RouteLLM's mf ``config.json`` fields with their types checked (ints >= 1, a bool)."""
    for key in ("dim", "num_models", "text_dim", "num_classes"):
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise CheckpointError(f"{where}: config.json's {key} must be a positive integer, got {value!r}.")
    use_proj = config.get("use_proj")
    if use_proj is not None and not isinstance(use_proj, bool):
        raise CheckpointError(f"{where}: config.json's use_proj must be true or false, got {use_proj!r}.")
    return config


def _mf_header_shapes(folder: Path) -> dict[str, tuple[int, ...]] | None:
    """Tensor shapes from ``model.safetensors``' header (no data read); None without one."""
    st = folder / "model.safetensors"
    if not st.is_file():
        return None
    from safetensors import safe_open

    try:
        with safe_open(str(st), framework="numpy") as fh:
            return {k: tuple(fh.get_slice(k).get_shape()) for k in fh.keys()}
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types
        raise CheckpointError(f"{st} is corrupt ({exc}); re-download the checkpoint.") from exc


def _check_mf_shapes(
    shapes: dict[str, Any], config: dict[str, Any], where: str
) -> tuple[int, int, bool, int | None]:
    """(num_models, dim, use_proj, text_dim or None) from the tensor shapes, checked against
    each other and against ``config.json``; CheckpointError naming the tensor otherwise."""
    for key in MF_KEYS:
        if key not in shapes:
            raise CheckpointError(f"{where} lacks tensor {key!r} (has {', '.join(sorted(shapes))}).")
    P, clf = tuple(shapes["P.weight"]), tuple(shapes["classifier.0.weight"])
    if len(P) != 2 or min(P) < 1:
        raise CheckpointError(f"{where}: P.weight must be [num_models, dim], got shape {list(P)}.")
    n_models, dim = P
    if len(clf) != 2 or clf[1] != dim:
        raise CheckpointError(f"{where}: classifier.0.weight must be [num_classes, {dim}], got {list(clf)}.")
    if clf[0] != 1:
        raise CheckpointError(
            f"{where}: the classifier has {clf[0]} outputs; RouteLLM's win-rate formula needs 1 "
            "(num_classes=1). Other heads are not supported."
        )
    has_proj = "text_proj.0.weight" in shapes
    use_proj = config.get("use_proj", has_proj)
    text_dim: int | None = None
    if use_proj:
        if not has_proj:
            raise CheckpointError(f"{where}: config says use_proj but tensor 'text_proj.0.weight' is missing.")
        proj = tuple(shapes["text_proj.0.weight"])
        if len(proj) != 2 or proj[0] != dim or proj[1] < 1:
            raise CheckpointError(f"{where}: text_proj.0.weight must be [{dim}, text_dim], got {list(proj)}.")
        text_dim = int(proj[1])
    elif has_proj:
        raise CheckpointError(f"{where}: config says use_proj=false but the weights hold 'text_proj.0.weight'.")
    expect = {"dim": dim, "num_models": n_models, "text_dim": text_dim if use_proj else dim, "num_classes": 1}
    wrong = {k: (config[k], v) for k, v in expect.items() if k in config and config[k] != v}
    if wrong:
        detail = ", ".join(f"{k}={a} in config.json but {b} in the weights" for k, (a, b) in wrong.items())
        raise CheckpointError(f"{where}: config.json does not match the weights ({detail}).")
    if not use_proj and dim > MAX_MF_IDENTITY_DIM:
        raise CheckpointError(
            f"{where}: without a projection (use_proj=false) the model embeddings must have the prompt "
            f"embedding's size, but P.weight has dim={dim} (at most {MAX_MF_IDENTITY_DIM} is accepted)."
        )
    return int(n_models), int(dim), bool(use_proj), text_dim


def _mf_embedder(embedder: Any, text_dim: int | None) -> Any:
    """The embedder for a converted mf checkpoint: RouteLLM's name, or the given one resolved."""
    if embedder is None:
        if text_dim is not None:
            _check_mf_text_dim(ROUTELLM_MF_EMBEDDER, text_dim, True)
        return ROUTELLM_MF_EMBEDDER
    emb = resolve_embedder(embedder)
    if text_dim is not None:
        _check_mf_text_dim(emb, text_dim, False)
    return emb


def _check_mf_text_dim(emb: Any, text_dim: int, default: bool) -> None:
    if default:
        model = ROUTELLM_MF_EMBEDDER.split(":", 1)[1]
        if OPENAI_DIMS.get(model) != text_dim:
            raise CheckpointError(
                f"the checkpoint projects {text_dim}-dim prompt embeddings, not those of RouteLLM's "
                f"{ROUTELLM_MF_EMBEDDER} ({OPENAI_DIMS.get(model)}); pass embedder=<one of size {text_dim}>."
            )
        return
    if int(emb.dim) != text_dim:
        raise EmbedderMismatchError(
            f"embedder {emb.name!r} makes {emb.dim}-dim vectors but this RouteLLM mf checkpoint expects "
            f"{text_dim} ({ROUTELLM_MF_EMBEDDER} for the published ones)."
        )


# ============================================================================ bert
def _has_any(folder: Path, names: tuple[str, ...]) -> bool:
    return any((folder / n).is_file() for n in names)


def _classifier_labels(config: dict[str, Any]) -> list[str]:
    id2label = config.get("id2label")
    if isinstance(id2label, dict) and id2label:
        try:
            return [str(id2label[k]) for k in sorted(id2label, key=lambda k: int(k))]
        except (TypeError, ValueError):
            return [str(v) for v in id2label.values()]
    n = int(config.get("num_labels", 2))
    return [f"LABEL_{i}" for i in range(n)]


def load_hf_sequence_classifier(folder: Path, config: dict[str, Any], *, strong_model: str | None = None, weak_model: str | None = None, **kwargs: Any) -> Any:
    """A Hugging Face 3-label sequence classifier in RouteLLM's BERT convention (label 0 = strong
    model wins, 1 = tie, 2 = weak wins; score = 1 - P(1) - P(2)) as a ``BertRouter``."""
    folder = Path(folder)
    where = f"sequence classifier {folder}"
    refuse_remote_code(folder, where)
    labels = _classifier_labels(config)
    if len(labels) != 3:
        raise CheckpointError(
            f"{where} has {len(labels)} labels {labels}; RouteLLM's BERT router format has 3 "
            "(0 = strong model wins, 1 = tie, 2 = weak model wins)."
        )
    if labels not in (_GENERIC_LABELS, LABEL_NAMES):
        raise CheckpointError(
            f"{where} has labels {labels}; only RouteLLM's unnamed classes (LABEL_0..2 = strong wins, tie, "
            f"weak wins) or {LABEL_NAMES} are understood, so its scores would be meaningless as a router."
        )
    if not _has_any(folder, WEIGHT_FILES) and not list(folder.glob("model-*.safetensors")):
        raise CheckpointError(f"{where} has no weights file ({', '.join(WEIGHT_FILES[:2])}).")
    if not _has_any(folder, TOKENIZER_FILES):
        raise CheckpointError(
            f"{where} has no tokenizer files ({', '.join(TOKENIZER_FILES[:3])}, ...); RouteLLM's BERT "
            "checkpoints ship theirs, so this one is incomplete."
        )
    params = {"max_length": int(kwargs.pop("max_length", 512))}
    params.update(kwargs)
    try:
        router = BertRouter.from_hf_classifier(
            folder,
            strong_model=strong_model or ROUTELLM_STRONG,
            weak_model=weak_model or ROUTELLM_WEAK,
            pair_agnostic=True,
            **params,
        )
    except TypeError as exc:
        raise ConfigError(f"bad option for the bert router: {exc}") from None
    router.training_info_ = {
        "source": "Hugging Face sequence classifier in RouteLLM's BERT router format, converted",
        "converted_from": str(folder),
        "labels": "0 = strong wins, 1 = tie, 2 = weak wins; score = 1 - P(1) - P(2)",
    }
    router.checkpoint_path_ = str(folder)
    return router


# ============================================================================ causal LLM
def load_routellm_causal_llm(
    folder: Path,
    config: dict[str, Any],
    *,
    tokenizer: Any = None,
    system_message: str | None = None,
    classifier_message: str | None = None,
    strong_model: str | None = None,
    weak_model: str | None = None,
    **kwargs: Any,
) -> Any:
    """RouteLLM's causal-LLM classifier as a ``CausalLLMRouter``: its Llama-3 prompt layout with
    the checkpoint's system / classifier messages, label tokens ``[[1]]``..``[[5]]`` (the last
    five ids of the vocabulary), score ``1 - P([[4]]) - P([[5]])``."""
    _, transformers = require_torch_transformers()
    folder = Path(folder)
    where = f"RouteLLM causal LLM checkpoint {folder}"
    refuse_remote_code(folder, where)
    sys_file, cls_file = _routellm_prompt_files(folder)
    if system_message is None:
        if sys_file is None:
            raise CheckpointError(f"{where} has no system_ft_v*.txt; pass system_message=<RouteLLM's system prompt>.")
        system_message = sys_file.read_text(encoding="utf-8")
    if classifier_message is None:
        if cls_file is None:
            raise CheckpointError(f"{where} has no classifier_ft_v*.txt; pass classifier_message=<its user template>.")
        classifier_message = cls_file.read_text(encoding="utf-8")
    if "{question}" not in classifier_message:
        raise CheckpointError(f"{where}: the classifier message has no '{{question}}' placeholder.")

    label_tokens = list(kwargs.pop("label_tokens", DEFAULT_LABEL_TOKENS))
    if isinstance(tokenizer, (str, Path)) or tokenizer is None:
        source = str(tokenizer) if tokenizer is not None else (str(folder) if _has_any(folder, TOKENIZER_FILES) else ROUTELLM_CAUSAL_BASE)
        try:
            with quiet_transformers():
                tok = pretrained(transformers.AutoTokenizer, source, where)
        except CheckpointError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(
                f"{where} ships no tokenizer, and RouteLLM's ({source!r}) could not be loaded "
                f"({type(exc).__name__}: {exc}). It is gated on the Hub: accept its licence and log in, or "
                "pass tokenizer=<local folder of the Meta-Llama-3-8B tokenizer>."
            ) from exc
    else:
        tok = tokenizer
    missing = [t for t in label_tokens if t not in tok.get_vocab()]
    if missing:  # RouteLLM adds them to the base tokenizer the same way
        tok.add_tokens(missing, special_tokens=True)
    vocab_size = config.get("vocab_size")
    label_ids = [int(tok.get_vocab()[t]) for t in label_tokens]
    if vocab_size is not None and len(tok) != int(vocab_size):
        raise CheckpointError(
            f"{where}: the tokenizer has {len(tok)} tokens with the labels, the model {vocab_size}; RouteLLM "
            "reads the label logits as the last ids of the vocabulary, so this tokenizer does not fit."
        )
    if label_ids != list(range(len(tok) - len(label_tokens), len(tok))):
        raise CheckpointError(
            f"{where}: the label tokens {label_tokens} have ids {label_ids}, not the last {len(label_tokens)} "
            "ids of the vocabulary as in RouteLLM's checkpoints; wrong tokenizer."
        )
    params: dict[str, Any] = {
        "max_length": int(config.get("max_position_embeddings") or 8192),
        "prompt_format": "llama3",
        "score_threshold": 4,
    }
    params.update(kwargs)
    try:
        router = CausalLLMRouter(
            strong_model=strong_model or ROUTELLM_STRONG,
            weak_model=weak_model or ROUTELLM_WEAK,
            base_model=str(folder),
            label_tokens=label_tokens,
            system_message=system_message,
            user_template=classifier_message,
            **params,
        )
    except TypeError as exc:
        raise ConfigError(f"bad option for the causal_llm router: {exc}") from None
    device = resolve_device(router.device)
    model = from_pretrained_strict(
        transformers.AutoModelForCausalLM, str(folder), where, dtype=resolve_dtype(router.dtype, device)
    )
    router.use_model(model.to(device), tok, what=where)
    router.pair_agnostic_ = True
    router.training_info_ = {
        "source": "RouteLLM causal LLM classifier (CausalLLMClassifier), converted",
        "converted_from": str(folder),
        "prompt": "Llama-3 layout, system + classifier messages from the checkpoint, assistant header appended",
        "score": "1 - P([[4]]) - P([[5]]) over the label tokens' softmax",
    }
    router.checkpoint_path_ = str(folder)
    return router
