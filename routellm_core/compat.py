"""Moved to ``routellm_core.checkpoints.routellm`` (RouteLLM's checkpoint formats); this module
keeps imports written against routellm-plugins 0.1.0 (and its docs) working."""

from routellm_core.checkpoints.routellm import *  # noqa: F403
from routellm_core.checkpoints.routellm import (  # noqa: F401
    ROUTELLM_MODEL_IDS,
    detect_foreign_format,
    load_foreign_checkpoint,
    load_routellm_checkpoint,
)
