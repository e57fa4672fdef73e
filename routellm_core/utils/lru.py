"""A thread-safe LRU map bounded by bytes, not entries: the one cache behind the embedding cache,
sticky-routing memory and the server's routed models (there bounded by a count, see ``sizeof``).
Long text keys are stored as a 32-byte digest (``text_key``), so an entry's size does not grow
with the prompt."""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np

V = TypeVar("V")

#: texts longer than this (characters) are keyed by their SHA-256 digest
MAX_PLAIN_KEY_CHARS = 256


def text_key(text: str) -> str | bytes:
    """``text`` itself when short, else its SHA-256 digest (32 bytes): a cache key of bounded size."""
    if len(text) <= MAX_PLAIN_KEY_CHARS:
        return text
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def approx_bytes(obj: Any) -> int:
    """Memory held by ``obj`` in bytes, roughly: numpy arrays by their buffer, tuples by their
    items, everything else by ``sys.getsizeof``."""
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes) + 112
    if isinstance(obj, tuple):
        return sys.getsizeof(obj) + sum(approx_bytes(x) for x in obj)
    return sys.getsizeof(obj)


class ByteLRU(Generic[V]):
    """Least-recently-used map holding at most ``max_bytes`` bytes of keys and values (as
    measured by ``approx_bytes``); the oldest entries are dropped first, and an entry larger than
    the whole budget is not stored. All methods are thread-safe.

    ``sizeof(key, value)``: an entry's cost in the budget's unit (default: ``approx_bytes`` of
    both, in bytes); a function returning 1 bounds the number of entries instead. It must be a
    module-level function for the map to pickle."""

    def __init__(self, max_bytes: int, sizeof: Callable[[Hashable, V], int] | None = None) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self.sizeof = sizeof
        self.nbytes = 0
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles start empty (a cache), with their own lock."""
        return {"max_bytes": self.max_bytes, "sizeof": self.sizeof}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_bytes"], state.get("sizeof"))  # type: ignore[misc]

    def get(self, key: Hashable) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key``, dropping the least recently used entries to fit."""
        size = approx_bytes(key) + approx_bytes(value) if self.sizeof is None else self.sizeof(key, value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self.nbytes += size
            while self.nbytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items
