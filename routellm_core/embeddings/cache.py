"""``CachedEmbedder``: a byte-bounded LRU cache in front of any embedder (a prompt scored twice
is embedded once)."""

from __future__ import annotations

import threading

import numpy as np

from routellm_core.embeddings.base import Embedder
from routellm_core.utils.lru import ByteLRU, text_key

#: default memory budget of one embedding cache, in bytes (about 20,000 static-MiniLM vectors)
DEFAULT_CACHE_BYTES = 32 * 2**20


class CachedEmbedder:
    """LRU cache of embeddings in front of another embedder, bounded by ``max_bytes`` of memory
    (thread-safe; a prompt scored twice is embedded once).

    The key is the text the inner embedder really reads: an embedder with a ``max_chars``
    attribute embeds only that many leading characters, so prompts that share that prefix share
    an entry; keys longer than a few hundred characters are stored as a digest (``lru.text_key``).
    """

    def __init__(self, inner: Embedder, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.inner = inner
        self.max_chars: int | None = getattr(inner, "max_chars", None)
        self._lru: ByteLRU[np.ndarray] = ByteLRU(max_bytes)
        self._stats_lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def nbytes(self) -> int:
        """Bytes the cache holds now (keys and vectors, approximately)."""
        return self._lru.nbytes

    def _key(self, text: str) -> str | bytes:
        return text_key(text[: self.max_chars] if self.max_chars else text)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str | bytes, list[int]] = {}
        first: dict[str | bytes, str] = {}
        hits = 0
        for i, t in enumerate(texts):
            key = self._key(t)
            vec = self._lru.get(key)
            if vec is None:
                missing.setdefault(key, []).append(i)
                first.setdefault(key, t)
            else:
                out[i] = vec
                hits += 1
        if missing:
            keys = list(missing)
            vecs = np.asarray(self.inner.embed([first[k] for k in keys]), dtype=np.float32)
            for key, vec in zip(keys, vecs):
                self._lru.put(key, vec.copy())  # a copy: never pin the whole batch array
            if len(keys) == len(texts):  # every text new and distinct: the batch is the answer
                out = vecs
            else:
                for key, vec in zip(keys, vecs):
                    for i in missing[key]:
                        out[i] = vec
        with self._stats_lock:
            self.hits += hits
            self.misses += len(missing)
        return out

    def clear(self) -> None:
        self._lru.clear()
