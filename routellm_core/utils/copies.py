"""Deep copies that share what must not be copied (API clients, read-only router weights)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def deepcopy_sharing(obj: T, shared: Iterable[Any], memo: dict[int, Any] | None = None) -> T:
    """A deep copy of ``obj``, made from its ``__getstate__``/``__setstate__``, in which every
    object of ``shared`` is the object itself, not a copy. ``memo``: ``__deepcopy__``'s memo."""
    memo = {} if memo is None else memo
    for item in shared:
        memo.setdefault(id(item), item)
    clone = type(obj).__new__(type(obj))  # type: ignore[call-overload]
    clone.__setstate__(copy.deepcopy(obj.__getstate__(), memo))  # type: ignore[attr-defined]
    return clone
