"""The local provider server lives in ``routellm_core.testing.provider_server`` (so installed users
and the cookbook notebooks can import it too); this module re-exports it for the tests."""

from routellm_core.testing.provider_server import (  # noqa: F401
    KNOWN_MODELS,
    ProviderServer,
    RecordedRequest,
    fake_embedding,
    shared_server,
)

__all__ = ["KNOWN_MODELS", "ProviderServer", "RecordedRequest", "fake_embedding", "shared_server"]
