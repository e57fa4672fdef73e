"""Moved to ``routellm_core.routers.transformers.bert``; this module keeps imports written
against routellm-plugins 0.1.0 (and its docs) working."""

from routellm_core.routers.transformers.bert import BertRouter  # noqa: F401
