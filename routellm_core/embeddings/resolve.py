"""An embedder from a name, folder or object (``make_embedder``), wrapped in its cache
(``resolve_embedder``): what a router's ``embedder=`` parameter goes through."""

from __future__ import annotations

from pathlib import Path

from routellm_core.embeddings.base import DEFAULT_EMBEDDER, Embedder
from routellm_core.embeddings.cache import DEFAULT_CACHE_BYTES, CachedEmbedder
from routellm_core.embeddings.openai_api import OPENAI_DIMS, OpenAIEmbedder
from routellm_core.embeddings.sentence_transformer import MINILM_ID, SentenceTransformerEmbedder
from routellm_core.embeddings.static import StaticEmbedder
from routellm_core.errors import CheckpointError, ConfigError

#: largest prompt-embedding size a checkpoint may declare (OpenAI's largest is 3072)
MAX_EMBEDDING_DIM = 16384
#: sizes of the embedders a checkpoint may name (checked at load, before any request)
KNOWN_EMBEDDER_DIMS: dict[str, int] = {
    DEFAULT_EMBEDDER: 256,
    "all-MiniLM-L6-v2": 384,
    MINILM_ID: 384,
    **{f"openai:{m}": d for m, d in OPENAI_DIMS.items()},
    **OPENAI_DIMS,
}


def checkpoint_embedder(name: str, dim: int, where: str) -> str:
    """The embedder name a checkpoint's ``config.json`` may ask for: only the bundled and
    well-known names of ``KNOWN_EMBEDDER_DIMS`` (a downloaded checkpoint must not make this
    process read an arbitrary path or fetch an arbitrary hub model), with the size it declares.
    Any other embedder is given explicitly: ``load_router(folder, embedder=...)``."""
    known = KNOWN_EMBEDDER_DIMS.get(name)
    if known is None:
        raise CheckpointError(
            f"{where} names the embedder {name!r}, which is not a bundled or well-known one "
            f"({', '.join(sorted(KNOWN_EMBEDDER_DIMS))}); a checkpoint may not pick a path or hub model to load. "
            f"If you trust it, pass it yourself: load_router(folder, embedder={name!r})."
        )
    if known != dim:
        raise CheckpointError(
            f"{where} says embedder {name!r} makes {dim}-dim vectors, but it makes {known}; the checkpoint "
            "is corrupt or was edited, re-save or retrain it."
        )
    return name


def make_embedder(spec: str | Embedder | None) -> Embedder:
    """An uncached embedder from a name, path or object.

    Names: ``"minilm-static"`` (default), ``"all-MiniLM-L6-v2"`` or ``"st:<id-or-path>"``,
    ``"openai:<model>"`` (``"openai"``: text-embedding-3-small); a folder with a static ``config.json`` loads a StaticEmbedder.
    """
    if spec is None:
        spec = DEFAULT_EMBEDDER
    if not isinstance(spec, str):
        if isinstance(spec, CachedEmbedder):
            return spec.inner
        if isinstance(spec, Embedder):
            return spec
        raise ConfigError(
            f"embedder must be a name or an object with name, dim and embed(texts), got {type(spec).__name__}."
        )
    if spec == DEFAULT_EMBEDDER:
        return StaticEmbedder()
    if spec == "openai":
        return OpenAIEmbedder()
    if spec.startswith("openai:"):
        return OpenAIEmbedder(spec.split(":", 1)[1])
    if spec in OPENAI_DIMS:
        return OpenAIEmbedder(spec)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec in ("all-MiniLM-L6-v2", MINILM_ID):
        return SentenceTransformerEmbedder(MINILM_ID)
    path = Path(spec)
    if path.is_dir() and (path / "embeddings.safetensors").is_file():
        return StaticEmbedder(path)
    if path.is_dir() or "/" in spec:
        return SentenceTransformerEmbedder(spec)
    raise ConfigError(
        f"unknown embedder {spec!r}; use 'minilm-static' (default, offline, fast), "
        "'all-MiniLM-L6-v2', 'st:<sentence-transformers id or folder>' or 'openai:text-embedding-3-small'."
    )


def resolve_embedder(spec: str | Embedder | None, *, cache_bytes: int = DEFAULT_CACHE_BYTES) -> CachedEmbedder:
    """An embedder wrapped in an LRU cache of ``cache_bytes`` bytes (a cached one is returned as is)."""
    if isinstance(spec, CachedEmbedder):
        return spec
    return CachedEmbedder(make_embedder(spec), max_bytes=cache_bytes)
