"""Pytest fixtures around the local provider server (``routellm_core.testing.provider_server``).

Import them into a test package's ``conftest.py``::

    from tests.provider_fixtures import provider_server, openai_base_url, anthropic_base_url  # noqa: F401

``provider_server`` is the process-wide ``shared_server()``; its request log, scripted
failures and delays are cleared before and after each test that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.provider_server import ProviderServer, shared_server

#: api keys the SDK clients need; the server ignores them
FAKE_OPENAI_KEY = "sk-test-not-a-real-key"
FAKE_ANTHROPIC_KEY = "sk-ant-test-not-a-real-key"


@pytest.fixture
def provider_server() -> Iterator[ProviderServer]:
    srv = shared_server()
    srv.reset()
    yield srv
    srv.reset()


@pytest.fixture
def openai_base_url(provider_server: ProviderServer) -> str:
    return provider_server.openai_base_url


@pytest.fixture
def anthropic_base_url(provider_server: ProviderServer) -> str:
    return provider_server.anthropic_base_url
