"""What the routers share when they score: a model's column by name (``model_index``), the size check of
prompt embeddings (``check_dim``) and the logistic function (``sigmoid``)."""

from __future__ import annotations

import numpy as np

from routellm_core.errors import EmbedderMismatchError, UnknownModelError


def model_index(models: list[str], name: str | None, role: str, router: str) -> int:
    """Index of ``name`` in ``models`` or a clear UnknownModelError."""
    if name is None:
        raise UnknownModelError(
            f"router {router!r} has no default {role} model; pass {role}=<model name> "
            f"(known: {', '.join(models)})."
        )
    try:
        return models.index(name)
    except ValueError:
        shown = ", ".join(models[:20]) + (" ..." if len(models) > 20 else "")
        raise UnknownModelError(
            f"router {router!r} was not trained on model {name!r} (as {role}); known models: "
            f"{shown}. Pick one of them or retrain with battles that include it."
        ) from None


def check_dim(emb: np.ndarray, expected: int, embedder_name: str) -> None:
    if emb.ndim != 2 or emb.shape[1] != expected:
        raise EmbedderMismatchError(
            f"embedder {embedder_name!r} produced vectors of size {emb.shape[-1]}, but the router "
            f"expects {expected}; use the embedder the router was trained with."
        )


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))
