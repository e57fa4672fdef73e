"""``ByteLRU`` with a custom ``sizeof`` (the server's routed-model cache counts entries)."""

from __future__ import annotations

import pickle

from routellm_core.utils.lru import ByteLRU


def _one_entry(key: object, value: object) -> int:  # as langchain_routellm/server/models.py
    return 1


def test_sizeof_one_bounds_the_number_of_entries_oldest_dropped_first() -> None:
    cache: ByteLRU[str] = ByteLRU(3, sizeof=_one_entry)
    for key in range(3):
        cache.put(key, "x" * 10_000)  # large values: a byte budget of 3 would hold none
    assert cache.get(0) is not None  # 0 is now the most recently used
    cache.put(3, "y")
    assert len(cache) == 3 and cache.nbytes == 3
    assert 1 not in cache and {0, 2, 3} <= {k for k in range(4) if k in cache}
    cache.put(3, "z")  # replacing an entry does not grow the count
    assert len(cache) == 3 and cache.nbytes == 3 and cache.get(3) == "z"


def test_a_pickled_copy_keeps_its_sizeof_and_starts_empty() -> None:
    cache: ByteLRU[str] = ByteLRU(2, sizeof=_one_entry)
    cache.put("a", "b")
    copy = pickle.loads(pickle.dumps(cache))
    assert len(copy) == 0 and copy.sizeof is _one_entry and copy.max_bytes == 2


def test_default_size_is_bytes() -> None:
    cache: ByteLRU[str] = ByteLRU(100)
    cache.put("k", "x" * 1_000)  # larger than the whole budget: not stored
    assert len(cache) == 0 and cache.nbytes == 0
