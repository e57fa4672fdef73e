"""What the transformer classifier routers (``bert``, ``causal_llm``) share: their base class
``TransformerRouter`` (fitted model and tokenizer, fine-tuning with the router's parameters,
batched inference by length) and helpers.

torch and transformers are imported inside the functions only, so importing this module (or
``routellm_core``) stays light. Helpers: the torch/transformers import with its install hint,
device / dtype resolution, battle -> 3-way label conversion, strict weight loading, lossless
numpy <-> torch state-dict conversion (bfloat16 kept as raw 16-bit words) and a numpy softmax.
The fine-tuning loop and LoRA are in ``routellm_core.training``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError, install_hint
from routellm_core.routers.base import Router
from routellm_core.training.fine_tune import fine_tune, split_by_prompt

#: class indices of the 3-way battle label (the RouteLLM BERT convention: 0 = strong model wins)
STRONG_WINS, TIE, WEAK_WINS = 0, 1, 2
LABEL_NAMES = ["strong_wins", "tie", "weak_wins"]
#: name of the uint16-viewed bfloat16 tensors in a numpy state dict
BF16_SUFFIX = "::bf16"


# ---------------------------------------------------------------------------- imports / devices
def require_torch_transformers() -> tuple[Any, Any]:
    """(torch, transformers) or a clear ConfigError naming the extra to install."""
    try:
        import torch
        import transformers
    except ImportError as exc:  # pragma: no cover - depends on install
        raise ConfigError(
            f"the bert and causal_llm routers need torch and transformers: {install_hint('classifiers')}"
        ) from exc
    return torch, transformers


def resolve_device(device: str | None) -> str:
    """``"auto"``/None -> ``"cuda"`` when a GPU is visible, else ``"mps"`` or ``"cpu"``."""
    torch, _ = require_torch_transformers()
    if device in (None, "auto"):
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    return str(device)


def resolve_dtype(dtype: str | None, device: str) -> Any:
    """``"auto"``: bfloat16 on a GPU that supports it, float32 elsewhere; or a torch dtype name."""
    torch, _ = require_torch_transformers()
    if dtype in (None, "auto"):
        if device.startswith("cuda") and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    try:
        out = getattr(torch, str(dtype))
    except AttributeError:
        raise ConfigError(f"unknown dtype {dtype!r}; use 'auto', 'float32', 'bfloat16' or 'float16'.") from None
    if not isinstance(out, torch.dtype):
        raise ConfigError(f"unknown dtype {dtype!r}; use 'auto', 'float32', 'bfloat16' or 'float16'.")
    return out


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load reports and weight-loading progress bars for a block."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def resolve_base_model(name: str | Path) -> str:
    """A model id or folder; ``all-MiniLM-L6-v2`` resolves to the local copy when installed."""
    from routellm_core.embeddings.sentence_transformer import MINILM_ID, local_minilm_dir

    spec = str(name)
    if spec in ("all-MiniLM-L6-v2", MINILM_ID) and not Path(spec).exists():
        local = local_minilm_dir()
        return str(local) if local is not None else MINILM_ID
    return spec


def hub_error(what: str, spec: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"could not load {what} {spec!r} ({type(exc).__name__}: {exc}). Give a local folder or a "
        "Hugging Face id that is cached or reachable (set HF_HUB_OFFLINE=0 and check the network)."
    )


# ---------------------------------------------------------------------------- labels from battles
def battle_labels(
    battles: Any, strong: str, weak: str, *, use_all_pairs: bool, router: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(prompts, labels in {STRONG_WINS, TIE, WEAK_WINS}, weights) for a 3-way classifier.

    Default: only battles between ``strong`` and ``weak`` (either order). With
    ``use_all_pairs`` every battle is used, oriented so that the model with the higher overall
    win rate in ``battles`` (ties count half) plays the "strong" role; this generalises the
    paper's tier-1-vs-tier-2 labelling to data of many models.
    """
    a = np.asarray(battles.model_a, dtype=object)
    b = np.asarray(battles.model_b, dtype=object)
    o = np.asarray(battles.outcome, dtype=np.float64)  # 1 = model_a won
    if use_all_pairs:
        wins: dict[str, float] = {}
        games: dict[str, float] = {}
        for ma, mb, oc in zip(a, b, o):
            wins[ma] = wins.get(ma, 0.0) + oc
            wins[mb] = wins.get(mb, 0.0) + 1.0 - oc
            games[ma] = games.get(ma, 0.0) + 1.0
            games[mb] = games.get(mb, 0.0) + 1.0
        rate = {m: wins[m] / games[m] for m in games}
        a_is_strong = np.array([rate[x] >= rate[y] for x, y in zip(a, b)], dtype=bool)
        # battles of the named pair keep its roles even if the win rates say otherwise
        a_is_strong[(a == strong) & (b == weak)] = True
        a_is_strong[(a == weak) & (b == strong)] = False
        keep = np.ones(len(a), dtype=bool)
    else:
        fwd = (a == strong) & (b == weak)
        rev = (a == weak) & (b == strong)
        keep = fwd | rev
        a_is_strong = fwd
        if not keep.any():
            raise ConfigError(
                f"router {router!r}: no battle between {strong!r} and {weak!r}; give battles of that pair "
                f"(or golden labels with --strong/--weak), pick the pair with strong_model=/weak_model=, "
                "or pass use_all_pairs=True to learn from every battle."
            )
    strong_outcome = np.where(a_is_strong, o, 1.0 - o)[keep]
    labels = np.where(strong_outcome > 0.5, STRONG_WINS, np.where(strong_outcome < 0.5, WEAK_WINS, TIE))
    idx = np.nonzero(keep)[0]
    prompts = [battles.prompts[i] for i in idx]
    return prompts, labels.astype(np.int64), np.asarray(battles.weight, dtype=np.float64)[keep]


# ---------------------------------------------------------------------------- state dicts
def state_dict_to_numpy(state: dict[str, Any]) -> dict[str, np.ndarray]:
    """torch state dict -> numpy arrays (bfloat16 stored losslessly as uint16 under ``name::bf16``)."""
    import torch

    out: dict[str, np.ndarray] = {}
    for k, v in state.items():
        t = v.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            out[k + BF16_SUFFIX] = t.view(torch.int16).numpy().view(np.uint16).copy()
        else:
            out[k] = t.numpy().copy()
    return out


def numpy_to_state_dict(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    import torch

    out: dict[str, Any] = {}
    for k, v in arrays.items():
        if k.endswith(BF16_SUFFIX):
            out[k[: -len(BF16_SUFFIX)]] = torch.from_numpy(np.ascontiguousarray(v).view(np.int16)).view(torch.bfloat16)
        else:
            out[k] = torch.from_numpy(np.ascontiguousarray(v))
    return out


def load_state_strict(model: Any, state: dict[str, Any], where: str) -> None:
    """Load ``state`` into ``model``; any missing / unexpected / mis-shaped tensor is a CheckpointError."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shape = [
        f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    # tied weights may be stored once; a missing tied copy is fine
    tied = {k for k in missing if _is_tied_alias(model, k)}
    missing = [k for k in missing if k not in tied]
    if missing or unexpected or shape:
        parts = []
        if shape:
            parts.append("shape mismatch: " + "; ".join(shape[:5]))
        if missing:
            parts.append("missing: " + ", ".join(missing[:5]))
        if unexpected:
            parts.append("unexpected: " + ", ".join(unexpected[:5]))
        raise CheckpointError(
            f"{where}: the stored weights do not fit the stored model config ({' | '.join(parts)}); "
            "the checkpoint is corrupt or was edited, re-save or retrain it."
        )
    model.load_state_dict(state, strict=False)
    if tied and hasattr(model, "tie_weights"):
        model.tie_weights()


#: files of a Hugging Face folder whose ``auto_map`` would point transformers at Python code
#: shipped in the folder
REMOTE_CODE_FILES = ("config.json", "tokenizer_config.json", "preprocessor_config.json", "processor_config.json")


def refuse_remote_code(source: str | Path, where: str) -> None:
    """CheckpointError if the local folder ``source`` asks transformers to run its own code
    (an ``auto_map`` in its config files). Checkpoints are data: their code never runs, and
    every ``from_pretrained`` here also passes ``trust_remote_code=False`` (which makes
    transformers refuse a hub id with custom code instead of asking on the terminal)."""
    import json

    folder = Path(source)
    if not folder.is_dir():
        return
    for name in REMOTE_CODE_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable: transformers reports it
        if isinstance(data, dict) and "auto_map" in data:
            raise CheckpointError(
                f"{where}: {path} has an 'auto_map', i.e. it asks to run Python code shipped in the folder; "
                "routellm never runs checkpoint code (trust_remote_code=False). Use a checkpoint of a "
                "standard transformers architecture."
            )


def pretrained(auto_cls: Any, source: str | Path, where: str, **kwargs: Any) -> Any:
    """``auto_cls.from_pretrained(source, trust_remote_code=False, **kwargs)`` after
    ``refuse_remote_code``; errors propagate as transformers raises them."""
    refuse_remote_code(source, where)
    return auto_cls.from_pretrained(str(source), trust_remote_code=False, **kwargs)


def from_pretrained_strict(auto_cls: Any, source: str, where: str, **kwargs: Any) -> Any:
    """``auto_cls.from_pretrained(source, **kwargs)`` that refuses a partial load: any missing,
    unexpected or mis-shaped weight (which transformers would fill with random values, so that
    scores change on every load) is a CheckpointError. Other load failures too. Never runs
    code from the folder (``refuse_remote_code``)."""
    refuse_remote_code(source, where)
    try:
        with quiet_transformers():
            model, info = auto_cls.from_pretrained(
                source, output_loading_info=True, trust_remote_code=False, **kwargs
            )
    except Exception as exc:  # noqa: BLE001 - transformers raises many types for a bad folder
        raise CheckpointError(f"{where}: the weights cannot be loaded ({type(exc).__name__}: {exc}).") from exc
    missing = [k for k in info.get("missing_keys") or [] if not _is_tied_alias(model, k)]
    unexpected = list(info.get("unexpected_keys") or [])
    mismatched = [str(k[0]) if isinstance(k, tuple) else str(k) for k in info.get("mismatched_keys") or []]
    if missing or unexpected or mismatched:
        parts = [
            f"{label}: {', '.join(sorted(keys)[:4])}{' ...' if len(keys) > 4 else ''} ({len(keys)})"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", mismatched))
            if keys
        ]
        raise CheckpointError(
            f"{where}: the weights do not match the model's tensors ({'; '.join(parts)}), so it would load with "
            "random weights; use the folder the classifier was saved to (save_pretrained) or re-download it."
        )
    return model


def _is_tied_alias(model: Any, key: str) -> bool:
    tied = getattr(model, "_tied_weights_keys", None) or {}
    keys = tied.keys() if isinstance(tied, dict) else tied
    return any(key == k or key.endswith(k) for k in keys)


def softmax_np(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


class TransformerRouter(Router):
    """Base of the routers that tokenize prompts themselves and run a Hugging Face model.

    Subclasses take the parameters ``base_model``, ``use_all_pairs``, the fine-tuning ones
    (``epochs``, ``lr``, ``weight_decay``, ``batch_size``, ``val_fraction``, ``patience``,
    ``seed``, ``show_progress``) and ``inference_batch_size``.
    """

    uses_embedder: ClassVar[bool] = False
    # fitted
    model_: Any = None
    tokenizer_: Any = None
    #: score any pair the same way (RouteLLM checkpoints: trained on tiers, not named models)
    pair_agnostic_: bool = False
    fit_info_: dict[str, Any] | None = None

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("embedder") is not None:
            raise ConfigError(
                f"the {self.name} router tokenizes prompts itself and takes no embedder; choose the model "
                "with base_model=<Hugging Face id or folder>."
            )
        out = super()._check_params(params)
        return out | ({"use_all_pairs": bool(out["use_all_pairs"])} if "use_all_pairs" in out else {})

    def known_models(self) -> list[str]:
        if self.pair_agnostic_ or self.strong_model is None or self.weak_model is None:
            return []
        return [self.strong_model, self.weak_model]

    def _require_model(self) -> None:
        if self.model_ is None or self.tokenizer_ is None:
            raise ConfigError(f"this {self.name} router is not trained; call fit(battles) or load a checkpoint.")

    def _fine_tune(
        self, *, params: list[Any], loss_fn: Callable[[np.ndarray], tuple[Any, Any]], prompts: Sequence[str],
        lengths: np.ndarray, no_decay: Sequence[Any], weights: np.ndarray | None = None,
    ) -> dict[str, Any]:
        """``training.fine_tune`` of ``model_`` with this router's parameters (``weights``: each
        example's weight), validated on a held-out share of the distinct prompts."""
        train_idx, val_idx = split_by_prompt(prompts, self.val_fraction, self.seed)
        return fine_tune(
            model=self.model_, params=params, loss_fn=loss_fn, lengths=lengths, train_idx=train_idx,
            val_idx=val_idx, epochs=self.epochs, lr=self.lr, weight_decay=self.weight_decay,
            batch_size=self.batch_size, patience=self.patience, seed=self.seed,
            show_progress=self.show_progress, desc=f"train {self.name}", no_decay=no_decay, weights=weights,
        )

    def _softmax_by_length(self, lengths: Sequence[int], logits: Callable[[np.ndarray], Any], width: int) -> np.ndarray:
        """Softmax of ``logits(indices)`` (a torch tensor per batch), prompts batched by length
        (``inference_batch_size`` a batch), in input order; shape (n, width)."""
        import torch

        order = np.argsort(np.asarray(lengths), kind="stable")
        out = np.empty((len(order), width), dtype=np.float64)
        bs = max(1, self.inference_batch_size)
        with torch.inference_mode():
            for s in range(0, len(order), bs):
                idx = order[s : s + bs]
                out[idx] = softmax_np(logits(idx).float().cpu().numpy().astype(np.float64))
        return out
