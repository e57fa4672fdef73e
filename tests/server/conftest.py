"""Fixtures for the routing server tests: the real server (uvicorn on a free loopback port)
whose upstreams are the test suite's local OpenAI/Anthropic-compatible server, and the real
``openai`` client pointed at it.

Upstreams are named as a user names them (``anthropic:...``, ``openai:...``) and find the local
server through OPENAI_BASE_URL / ANTHROPIC_BASE_URL, set while the app is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers import tiny_router_path
from tests.langchain.models import STRONG_ANTHROPIC, WEAK_OPENAI
from tests.provider_fixtures import FAKE_ANTHROPIC_KEY, FAKE_OPENAI_KEY, provider_server  # noqa: F401
from tests.provider_server import ProviderServer, shared_server

#: model names of the tiny router at threshold 0.5: HARD_EXAMPLE -> strong, EASY_EXAMPLE -> weak
ROUTED = "router-tiny-0.5"
STRONG, WEAK = STRONG_ANTHROPIC, WEAK_OPENAI


def upstream_env(srv: ProviderServer) -> dict[str, str]:
    """The environment that points the upstreams' SDKs at the local provider server."""
    return {
        "OPENAI_API_KEY": FAKE_OPENAI_KEY,
        "OPENAI_BASE_URL": srv.openai_base_url,
        "ANTHROPIC_API_KEY": FAKE_ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": srv.anthropic_base_url,
    }


def make_server(**settings: Any) -> Any:
    """A started BackgroundServer with anthropic (strong) and openai (weak) upstreams on the
    local provider server and the tiny router served as ``tiny``; ``settings`` override."""
    from langchain_routellm.server.app import create_app
    from langchain_routellm.server.models import ServerSettings
    from langchain_routellm.server.runner import BackgroundServer

    params = {
        "strong": f"anthropic:{STRONG}",
        "weak": f"openai:{WEAK}",
        "routers": [f"tiny={tiny_router_path()}"],
        "threshold": 0.5,
        "max_retries": 0,
        **settings,
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in upstream_env(shared_server()).items():
            mp.setenv(key, value)
        app = create_app(ServerSettings(**params))
    return BackgroundServer(app).start()


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """A Prometheus text page parsed: {(sample name, sorted labels): value}."""
    from prometheus_client import parser

    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in parser.text_string_to_metric_families(text) for sample in family.samples}


def metric(samples: dict[Any, float], name: str, **labels: str) -> float:
    """The value of the sample ``name{labels}`` (0 when absent)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def client(base_url: str, api_key: str = "unused", **kwargs: Any) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key=api_key, max_retries=0, **kwargs)


def user(text: str) -> list[dict[str, str]]:
    """One user message, as a client sends it."""
    return [{"role": "user", "content": text}]


def routing_and_text(raw: Any, stream: bool) -> tuple[dict[str, Any], str]:
    """The ``routing`` field and the answer's text of a raw ``chat.completions`` response
    (``with_raw_response``), streamed (routing on the first chunk) or not."""
    if stream:
        chunks = list(raw.parse())
        return chunks[0].model_extra["routing"], "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    completion = raw.parse()
    return completion.model_extra["routing"], completion.choices[0].message.content


@pytest.fixture(scope="session")
def routing_server() -> Iterator[Any]:
    """One routing server for the tests that need no special settings."""
    srv = make_server()
    yield srv
    srv.stop()


@pytest.fixture
def openai_client(routing_server: Any, provider_server: ProviderServer) -> Any:  # noqa: F811
    """The real OpenAI client on the shared routing server (the provider server's log and
    scripted failures are reset around each test)."""
    return client(routing_server.base_url)


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Any]]:
    """Start routing servers with other settings; all are stopped after the test."""
    started: list[Any] = []

    def start(**settings: Any) -> Any:
        started.append(make_server(**settings))
        return started[-1]

    yield start
    for srv in started:
        srv.stop()
