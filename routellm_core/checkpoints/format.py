"""The checkpoint file format: a folder with ``config.json`` (router type, format version,
parameters, embedder name and size, calibration quantiles, training facts) and
``model.safetensors`` (the learned arrays). Never pickle.

This module knows files, not router classes: ``Router.save`` / ``Router.load`` turn a router
into a config and named arrays and back, and use these functions to write and read them. So it
sits below ``routers/`` (the rest of ``checkpoints/``, which picks router classes and converts
RouteLLM's formats, sits above). A folder may also be a Hugging Face Hub id (``org/name``),
fetched with ``huggingface_hub``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.errors import DISTRIBUTION, CheckpointError, ConfigError, RouteLLMError, install_hint
from routellm_core.utils.files import check_not_bundled, check_output_dir
from routellm_core.utils.validation import check_finite_array

FORMAT = "routellm_core"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def write_checkpoint(path: str | Path, config: dict[str, Any], tensors: dict[str, np.ndarray], *, what: str) -> Path:
    """Write ``config`` (``format`` and ``format_version`` added) and ``tensors`` to the folder
    ``path`` (created if needed). Arrays holding NaN or infinity are refused (they would score
    NaN after loading); ``what`` names the router in messages."""
    from safetensors.numpy import save_file

    try:
        out = check_not_bundled(check_output_dir(path, "checkpoint folder"), "checkpoint folder")
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None
    for key, value in tensors.items():
        check_finite_array(
            f"{what}'s tensor {key!r}", value,
            hint="Training diverged; retrain with a lower lr (or check the data's weights).",
        )
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, **config}
    try:
        text = json.dumps(config, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as exc:
        raise ConfigError(f"{what}'s parameters hold a non-finite number ({exc}); fix them before saving.") from None
    arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    try:
        out.mkdir(parents=True, exist_ok=True)
        save_file(arrays, str(out / WEIGHTS_FILE), metadata={"format": FORMAT})
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


def is_native(config: dict[str, Any]) -> bool:
    """Whether a ``config.json`` was written by this package (else: maybe a RouteLLM format)."""
    return config.get("format") == FORMAT


def check_version(folder: Path, config: dict[str, Any]) -> None:
    """CheckpointError unless this code reads the config's format version."""
    version = config.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"{folder} was written by a newer routellm (format_version {version!r}, this code reads "
            f"up to {FORMAT_VERSION}); upgrade {DISTRIBUTION}."
        )


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


def checked_tensor(
    tensors: dict[str, np.ndarray], name: str, shape: tuple[int | None, ...], dtype: Any = np.float32
) -> np.ndarray:
    """``tensors[name]`` as ``dtype``; CheckpointError naming the tensor unless it exists and its
    shape is ``shape`` (``None``: any size on that axis). No broadcasting: a scalar or a length-1
    array in place of a vector is refused, as a corrupt or hand-edited checkpoint."""
    if name not in tensors:
        raise CheckpointError(f"tensor {name!r} is missing; the checkpoint is incomplete or corrupt, re-save it.")
    value = tensors[name]
    actual = tuple(int(n) for n in np.shape(value))
    if len(actual) != len(shape) or any(want is not None and got != want for got, want in zip(actual, shape)):
        wanted = "[" + ", ".join("*" if n is None else str(n) for n in shape) + "]"
        raise CheckpointError(
            f"tensor {name!r} has shape {list(actual)}, but the checkpoint's config needs {wanted}; "
            "the checkpoint is corrupt or was edited, re-save or retrain it."
        )
    return np.asarray(value, dtype=dtype)


def checked_buckets(tensors: dict[str, np.ndarray], size: int, name: str = "buckets") -> np.ndarray:
    """A 1-d int64 array of distinct hash buckets in ``[0, size)``; CheckpointError otherwise."""
    used = checked_tensor(tensors, name, (None,), np.int64)
    if len(used) and (used.min() < 0 or used.max() >= size):
        raise CheckpointError(f"tensor {name!r} holds buckets outside [0, {size}) (n_features_log2); re-save it.")
    if len(np.unique(used)) != len(used):
        raise CheckpointError(f"tensor {name!r} lists a bucket twice; the checkpoint is corrupt, re-save it.")
    return used


def config_list(config: dict[str, Any], key: str, what: str = "state") -> list[str]:
    """``config[key]`` as a list of distinct strings (model names); CheckpointError otherwise."""
    value = config.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(set(value)) != len(value):
        raise CheckpointError(
            f"{what}.{key} must be a list of distinct model names, got {type(value).__name__}; re-save the checkpoint."
        )
    return list(value)


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
