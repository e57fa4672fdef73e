"""Offline stand-ins for the network edge, for tests, notebooks and demos.

``ProviderServer`` is a local, deterministic OpenAI- and Anthropic-compatible HTTP server
(standard library only). Real SDK clients and framework models (``ChatOpenAI``,
``ChatAnthropic``, LlamaIndex's ``OpenAI``/``Anthropic``) talk to it over HTTP, so routed calls
run end to end with no API key and no cost; its replies name the model that answered::

    from routellm_core.testing import ProviderServer

    server = ProviderServer().start()
    llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.openai_base_url, api_key="offline")

The cookbook notebooks and this project's own tests use it; see ``provider_server`` for the
scripted behaviour (tool calls, structured output, failures, delays).
"""

from routellm_core.testing.provider_server import (
    ProviderServer,
    RecordedRequest,
    fake_embedding,
    shared_server,
)

__all__ = ["ProviderServer", "RecordedRequest", "fake_embedding", "shared_server"]
