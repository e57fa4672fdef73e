"""Fixtures for the LangChain adapter tests.

The local OpenAI-/Anthropic-compatible server comes from ``tests/provider_fixtures.py``; model
builders from ``tests/langchain/models.py``. This file also records every test outcome so the
standard-test parity check (routed model vs bare ChatOpenAI) can compare them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.provider_fixtures import anthropic_base_url, openai_base_url, provider_server  # noqa: F401

#: nodeid -> "passed" | "failed" | "skipped" for the tests run in this session
OUTCOMES = pytest.StashKey[dict[str, str]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    outcomes = item.config.stash.setdefault(OUTCOMES, {})
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcomes[item.nodeid] = report.outcome
    elif report.when == "teardown" and report.failed:
        outcomes[item.nodeid] = "failed"
    return report
