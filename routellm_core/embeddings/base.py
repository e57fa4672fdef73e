"""The embedder interface and what every embedder shares.

An embedder has ``name`` (str, stored in checkpoints and checked on load), ``dim`` (int) and
``embed(texts) -> np.ndarray`` of shape ``(len(texts), dim)``, float32, rows L2-normalised.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from routellm_core.errors import EmbedderMismatchError

DEFAULT_EMBEDDER = "minilm-static"


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def normalize(x: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """Rows of ``x`` scaled to unit L2 norm (float32; all-zero rows stay zero); ``in_place``
    scales a float32 ``x`` itself (fewer allocations on the hot path)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    np.maximum(norms, 1e-12, out=norms)
    if in_place:
        x /= norms[:, None]
        return x
    return x / norms[:, None]


def check_embedder(embedder: Embedder, *, expected_name: str, expected_dim: int) -> None:
    """Raise EmbedderMismatchError unless ``embedder`` matches a checkpoint's name and size."""
    if embedder.dim != expected_dim:
        raise EmbedderMismatchError(
            f"embedder {embedder.name!r} makes vectors of size {embedder.dim}, but the checkpoint "
            f"was trained on size {expected_dim} ({expected_name!r}); load it with "
            f"embedder={expected_name!r} or retrain the router with your embedder."
        )
    if embedder.name != expected_name:
        raise EmbedderMismatchError(
            f"the checkpoint was trained with embedder {expected_name!r} but {embedder.name!r} was "
            f"given; same size is not enough, the vectors mean different things. Use "
            f"embedder={expected_name!r} or retrain the router with your embedder."
        )
