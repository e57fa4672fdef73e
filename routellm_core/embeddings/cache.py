"""``CachedEmbedder``: a byte-bounded LRU cache in front of any embedder (a prompt scored twice
is embedded once)."""

from __future__ import annotations

import threading
from typing import Any

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

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles keep the inner embedder and start with an empty cache."""
        return {"inner": self.inner, "max_bytes": self._lru.max_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["inner"], state["max_bytes"])  # type: ignore[misc]

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def light(self) -> bool:
        """Whether the inner embedder is light (microseconds a prompt, in process, no I/O)."""
        return bool(getattr(self.inner, "light", False))

    @property
    def nbytes(self) -> int:
        """Bytes the cache holds now (keys and vectors, approximately)."""
        return self._lru.nbytes

    def _key(self, text: str) -> str | bytes:
        return text_key(text[: self.max_chars] if self.max_chars else text)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        get = self._lru.get
        found = [get(k) for k in keys]
        missing = {k: t for k, t, v in zip(keys, texts, found) if v is None}  # first text of each new key
        with self._stats_lock:
            self.hits += sum(v is not None for v in found)
            self.misses += len(missing)
        if not missing:
            return np.stack(found)
        vecs = np.asarray(self.inner.embed(list(missing.values())), dtype=np.float32)
        put = self._lru.put
        for key, vec in zip(missing, vecs):
            put(key, vec.copy())  # a copy: never pin the whole batch array
        if len(missing) == len(texts):  # every text new and distinct: the batch is the answer
            return vecs
        new = dict(zip(missing, vecs))
        return np.stack([v if v is not None else new[k] for k, v in zip(keys, found)])

    def clear(self) -> None:
        self._lru.clear()
