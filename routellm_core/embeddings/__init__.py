"""Prompt embeddings behind one small interface (``base.Embedder``: ``name``, ``dim``,
``embed(texts)``, rows L2-normalised float32).

- ``StaticEmbedder`` (default, ``"minilm-static"``): a static token table distilled from
  all-MiniLM-L6-v2 (model2vec method), numpy + ``tokenizers`` only: a few hundredths of a ms a
  short prompt (plain ASCII text is tokenised word by word from ``word_ids.WordIdCache``, with the
  tokenizer's own ids);
- ``SentenceTransformerEmbedder`` (``"all-MiniLM-L6-v2"`` or any sentence-transformers id/path);
- ``OpenAIEmbedder`` (``"openai:text-embedding-3-small"``): the real ``openai`` client;
- ``CachedEmbedder``: a byte-bounded LRU cache in front of any embedder;
- ``resolve_embedder(spec)``: an embedder (cached) from a name, folder or object.

Heavy libraries (torch, sentence-transformers, openai) are imported on first use only. To add an
embedder, write a class with ``name``, ``dim`` and ``embed`` (see ``docs/architecture.md``).
"""

from routellm_core.embeddings.base import DEFAULT_EMBEDDER, Embedder, check_embedder, normalize
from routellm_core.embeddings.cache import DEFAULT_CACHE_BYTES, CachedEmbedder
from routellm_core.embeddings.openai_api import OPENAI_DEFAULT_MODEL, OPENAI_DIMS, OpenAIEmbedder
from routellm_core.embeddings.resolve import make_embedder, resolve_embedder
from routellm_core.embeddings.sentence_transformer import (
    MINILM_ID,
    SentenceTransformerEmbedder,
    local_minilm_dir,
)
from routellm_core.embeddings.static import StaticEmbedder, build_static_embedder, static_model_dir

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_EMBEDDER",
    "MINILM_ID",
    "OPENAI_DEFAULT_MODEL",
    "OPENAI_DIMS",
    "CachedEmbedder",
    "Embedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "build_static_embedder",
    "check_embedder",
    "local_minilm_dir",
    "make_embedder",
    "normalize",
    "resolve_embedder",
    "static_model_dir",
]
