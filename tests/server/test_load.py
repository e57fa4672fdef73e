"""A bounded load test on loopback: 500 concurrent streaming requests, half routed to the strong
upstream and half to the weak one, through the real server and the real async openai client."""

from __future__ import annotations

import asyncio
import gc
import time

import psutil
import pytest
from langchain_core.messages import AIMessageChunk

from tests.helpers import EASY_PROMPTS, HARD_PROMPTS
from tests.server.conftest import ROUTED, STRONG, WEAK

CONCURRENT = 500
#: a second, smaller round fits in the memory the first one's peak left allocated, so RSS
#: growth over it is what streams leak (a few kB each would show as several MB)
SECOND_ROUND = 200
RSS_GROWTH_LIMIT = 20 * 2**20


async def _stream_one(client, prompt: str) -> tuple[str, str, dict]:
    stream = await client.chat.completions.create(
        model=ROUTED,
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts, routing, usage = [], {}, None
    async for chunk in stream:
        routing = routing or (chunk.model_extra or {}).get("routing", {})
        usage = chunk.usage or usage
        parts.extend(c.delta.content or "" for c in chunk.choices)
    assert usage is not None and usage.total_tokens > 0
    return prompt, "".join(parts), routing


async def _round(base_url: str, n: int) -> list[tuple[str, str, dict]]:
    from openai import AsyncOpenAI

    prompts = [(HARD_PROMPTS if i % 2 else EASY_PROMPTS)[i % 5].format(n=i) for i in range(n)]
    async with AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=60) as client:
        return await asyncio.gather(*(_stream_one(client, p) for p in prompts))


def _check(results: list[tuple[str, str, dict]], n: int) -> None:
    assert len(results) == n
    sides = {"strong": 0, "weak": 0}
    for prompt, text, routing in results:
        upstream = STRONG if routing["model"] == "strong" else WEAK
        assert text == f"[{upstream}] Hello! You said: {prompt}", "a stream carried another prompt's answer"
        sides[routing["model"]] += 1
    assert min(sides.values()) > n // 4, sides  # a real mix


def _live(cls: type) -> int:
    return sum(type(o) is cls for o in gc.get_objects())


@pytest.mark.timeout(120)
def test_500_concurrent_streams_none_lost_none_crossed_memory_flat(routing_server, provider_server):
    process = psutil.Process()
    start = time.monotonic()
    _check(asyncio.run(_round(routing_server.base_url, CONCURRENT)), CONCURRENT)
    first_round = time.monotonic() - start
    gc.collect()
    rss_after_first = process.memory_info().rss
    _check(asyncio.run(_round(routing_server.base_url, SECOND_ROUND)), SECOND_ROUND)
    gc.collect()
    growth = process.memory_info().rss - rss_after_first
    assert growth < RSS_GROWTH_LIMIT, (
        f"RSS grew {growth / 2**20:.1f} MiB over a second round of {SECOND_ROUND}"
    )
    assert routing_server.app.state.server.in_flight == 0
    assert _live(AIMessageChunk) == 0, "stream chunks are still referenced after the streams ended"
    assert len(provider_server.requests) == CONCURRENT + SECOND_ROUND
    print(
        f"{CONCURRENT} concurrent streams in {first_round:.2f} s; RSS growth over {SECOND_ROUND} more: "
        f"{growth / 2**20:.1f} MiB"
    )
