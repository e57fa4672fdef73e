"""Checkpoint folders: ``config.json`` (router type, version, parameters, embedder name and
size, model names, calibration quantiles, training facts) + ``model.safetensors``. Never pickle.

A folder may also be a Hugging Face Hub id (``org/name``), fetched with ``huggingface_hub``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from routellm_core.errors import DISTRIBUTION, CheckpointError, ConfigError, RouteLLMError, install_hint
from routellm_core.files import check_output_dir
from routellm_core.validation import check_finite_array

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.routers.base import Router

FORMAT = "routellm_core"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def save_checkpoint(router: Router, path: str | Path) -> Path:
    """Write ``router`` to the folder ``path`` (created if needed). A router whose weights or
    calibration hold NaN or infinity is refused (it would score NaN after loading)."""
    from safetensors.numpy import save_file

    out = check_output_dir(path, "checkpoint folder")
    extra, tensors = router._get_state()
    for key, value in tensors.items():
        check_finite_array(
            f"the {router.name} router's tensor {key!r}", value,
            hint="Training diverged; retrain with a lower lr (or check the data's weights).",
        )
    config: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "router": router.name,
        "params": router.get_params(),
        "state": extra,
        "training": router.training_info_,
    }
    if router.uses_embedder:
        emb = router.get_embedder()
        config["embedder"] = {"name": emb.name, "dim": int(emb.dim)}
    if router.calibration_quantiles_ is not None:
        quantiles = check_quantiles(router.calibration_quantiles_, f"the {router.name} router's calibration", ConfigError)
        config["calibration"] = {
            # stored exactly (JSON round-trips float64), so thresholds are the same after loading
            "quantiles": [float(q) for q in quantiles],
            "source": router.calibration_source_,
        }
    try:
        text = json.dumps(config, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as exc:
        raise ConfigError(f"the {router.name} router's parameters hold a non-finite number ({exc}); fix them before saving.") from None
    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    try:
        out.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(out / WEIGHTS_FILE), metadata={"format": FORMAT})
        (out / CONFIG_FILE).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CheckpointError(f"cannot write the checkpoint to {out} ({exc.strerror or exc}); choose a writable folder.") from exc
    return out


def check_quantiles(values: Any, what: str, error: type[RouteLLMError]) -> np.ndarray:
    """Calibration quantiles as a float64 array: finite, within [0, 1], non-decreasing."""
    try:
        q = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise error(f"{what} quantiles are not a list of numbers.") from None
    if q.ndim != 1 or q.size < 2:
        raise error(f"{what} needs at least 2 quantiles in a flat list, got shape {q.shape}.")
    check_finite_array(f"{what} quantiles", q, hint="Recalibrate: router.calibrate(prompts).", error=error)
    if q.min() < 0.0 or q.max() > 1.0 or np.any(np.diff(q) < 0):
        raise error(f"{what} quantiles must be non-decreasing scores in [0, 1]; recalibrate: router.calibrate(prompts).")
    return q


def resolve_checkpoint_dir(path_or_id: str | Path) -> Path:
    """A local folder for a path or a Hugging Face Hub id; CheckpointError if neither works."""
    path = Path(path_or_id).expanduser()
    if path.exists():
        if not path.is_dir():
            raise CheckpointError(f"{path} is a file; a checkpoint is a folder with {CONFIG_FILE} and {WEIGHTS_FILE}.")
        return path
    repo_id = str(path_or_id)
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise CheckpointError(
            f"{repo_id!r} is not a local folder, and loading from the Hugging Face Hub needs "
            f"huggingface_hub: {install_hint('hub')}."
        ) from None
    try:
        return Path(snapshot_download(repo_id=repo_id))
    except Exception as exc:  # noqa: BLE001 - any hub failure gets one clear message
        raise CheckpointError(
            f"could not fetch checkpoint {repo_id!r} from the Hugging Face Hub "
            f"({type(exc).__name__}: {exc}). Check the id and your network, or download it and "
            "pass the local folder."
        ) from exc


def read_config(folder: Path) -> dict[str, Any]:
    cfg_file = folder / CONFIG_FILE
    if not cfg_file.is_file():
        raise CheckpointError(
            f"{folder} has no {CONFIG_FILE}, so it is not a router checkpoint; save one with "
            "router.save(folder) or `routellm train ... --out folder`."
        )
    try:
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg_file} is corrupt ({exc}); re-save or re-download the checkpoint.") from exc
    if not isinstance(config, dict):
        raise CheckpointError(
            f"{cfg_file} holds a JSON {type(config).__name__}, not an object of settings; re-save or "
            "re-download the checkpoint."
        )
    return config


def read_tensors(folder: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(f"{folder} has no {WEIGHTS_FILE}; the checkpoint is incomplete, re-save it.")
    try:
        tensors = load_file(str(weights))
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types
        raise CheckpointError(f"{weights} is corrupt ({exc}); re-save or re-download the checkpoint.") from exc
    for key, value in tensors.items():
        check_finite_array(
            f"{weights} tensor {key!r}", value, hint="The checkpoint is corrupt; re-save or retrain it.",
            error=CheckpointError,
        )
    return tensors


def load_checkpoint(path_or_id: str | Path, **kwargs: Any) -> Router:
    """Load a Router from a checkpoint folder or hub id. ``kwargs`` override parameters
    (``embedder=`` is checked against the stored embedder name and size)."""
    from routellm_core.embeddings import check_embedder, resolve_embedder
    from routellm_core.registry import router_class

    folder = resolve_checkpoint_dir(path_or_id)
    if not (folder / CONFIG_FILE).is_file():
        # RouteLLM's published mf folder has weights only, no config.json
        from routellm_core.compat import detect_foreign_format, load_foreign_checkpoint

        if detect_foreign_format(folder, {}) == "routellm_mf":
            return load_foreign_checkpoint(folder, {}, **kwargs)
    config = read_config(folder)
    fmt = config.get("format")
    if fmt != FORMAT:
        from routellm_core.compat import load_foreign_checkpoint

        return load_foreign_checkpoint(folder, config, **kwargs)
    version = config.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"{folder} was written by a newer routellm (format_version {version!r}, this code reads "
            f"up to {FORMAT_VERSION}); upgrade {DISTRIBUTION}."
        )
    name = config.get("router")
    try:
        cls = router_class(name)
    except Exception as exc:
        raise CheckpointError(f"{folder}/config.json names router {name!r}, which this version does not know.") from exc
    params = config.get("params") or {}
    if not isinstance(params, dict):
        raise CheckpointError(f"{folder}/{CONFIG_FILE}: 'params' must be an object; re-save the checkpoint.")
    params = dict(params)
    user_embedder = kwargs.pop("embedder", None)
    params.update(kwargs)
    try:
        router = cls(**params)
    except TypeError as exc:
        raise CheckpointError(f"{folder}/config.json has parameters this {cls.__name__} does not take: {exc}") from exc
    except ConfigError as exc:
        raise CheckpointError(f"{folder}/{CONFIG_FILE} (or an option given to load it): {exc}") from exc
    if cls.uses_embedder:
        stored = config.get("embedder") or {}
        if "name" not in stored or "dim" not in stored:
            raise CheckpointError(f"{folder}/config.json lacks the embedder name and dim; re-save the checkpoint.")
        if user_embedder is not None:
            emb = resolve_embedder(user_embedder)
            check_embedder(emb, expected_name=stored["name"], expected_dim=int(stored["dim"]))
            router.embedder = emb
            router._embedder_obj = emb
        else:
            router.embedder = stored["name"]
        router.expected_embedding_dim_ = int(stored["dim"])
    tensors = read_tensors(folder)
    try:
        router._set_state(config.get("state") or {}, tensors)
    except KeyError as exc:
        raise CheckpointError(f"{folder}/{WEIGHTS_FILE} lacks tensor {exc}; the checkpoint is incomplete or corrupt.") from exc
    cal = config.get("calibration")
    if cal:
        if not isinstance(cal, dict) or "quantiles" not in cal:
            raise CheckpointError(f"{folder}/{CONFIG_FILE}: 'calibration' must be an object with 'quantiles'; re-save it.")
        router.calibration_quantiles_ = check_quantiles(cal["quantiles"], f"{folder}/{CONFIG_FILE} calibration", CheckpointError)
        router.calibration_source_ = cal.get("source")
    router.training_info_ = dict(config.get("training") or {})
    router.checkpoint_path_ = str(folder)
    return router
