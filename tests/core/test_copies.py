"""``routellm_core.utils.copies.deepcopy_sharing``: the adapters' ``__deepcopy__``."""

from __future__ import annotations

import copy
from typing import Any

from routellm_core.utils.copies import deepcopy_sharing


class _Holder:
    def __init__(self, client: Any, settings: dict[str, Any]) -> None:
        self.client, self.settings = client, settings

    def __getstate__(self) -> dict[str, Any]:
        return {"client": self.client, "settings": self.settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.client, self.settings = state["client"], state["settings"]

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> _Holder:
        return deepcopy_sharing(self, (self.client,), memo)


def test_shared_objects_are_kept_and_the_rest_is_copied() -> None:
    client = object()
    original = _Holder(client, {"threshold": [0.5]})
    clone = copy.deepcopy(original)
    assert type(clone) is _Holder and clone is not original
    assert clone.client is client  # shared, not copied
    assert clone.settings == original.settings and clone.settings["threshold"] is not original.settings["threshold"]
