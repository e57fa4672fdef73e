"""Checkpoints not written by routellm_core (foreign formats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from routellm_core.errors import CheckpointError


def load_foreign_checkpoint(folder: Path, config: dict[str, Any], **kwargs: Any) -> Any:
    """Load a checkpoint in another library's format, or raise a clear CheckpointError."""
    raise CheckpointError(
        f"{folder}/config.json is not a routellm_core checkpoint (format={config.get('format')!r}) "
        "and matches no supported foreign format; save routers with router.save(folder)."
    )
