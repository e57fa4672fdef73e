"""Overhead of ``RoutedChatModel`` over calling the chosen model directly.

Both paths use the same zero-latency fake chat model (no I/O), so what remains is LangChain's own
per-call cost plus the wrapper's. Three things are timed side by side, interleaved call by call
in one run, each on a new prompt (no embedding cache hits):

* direct: ``fake.invoke(prompt)`` (and ``fake.stream``, ``await fake.ainvoke``);
* routed: ``RoutedChatModel(strong=fake, weak=fake, router=...).invoke(prompt)`` (and stream,
  ainvoke; async calls run one at a time on one event loop, for direct and routed alike);
* scoring: ``policy.decide(prompt)`` alone, the router's share of the routed call.

wrapper overhead (p50) = routed p50 - direct p50 - scoring p50; the target is < 1 ms.

    .venv/bin/python benchmarks/langchain_overhead.py [--router mf] [-n 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult  # noqa: E402

PROMPTS = [
    "Explain the CAP theorem in two sentences. #{i}",
    "hi there, how are you today? #{i}",
    "Prove that the square root of {i} is irrational when {i} is not a perfect square.",
]


class ZeroLatencyChat(BaseChatModel):
    """Answers instantly with a fixed message (usage and model name included)."""

    model_name: str = "fake-model"

    @property
    def _llm_type(self) -> str:
        return "zero-latency-fake"

    def _result_message(self) -> AIMessage:
        return AIMessage(
            content="ok",
            response_metadata={"model_name": self.model_name},
            usage_metadata={"input_tokens": 5, "output_tokens": 1, "total_tokens": 6},
        )

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._result_message())])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Any:
        yield ChatGenerationChunk(message=AIMessageChunk(content="o"))
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="k", response_metadata={"model_name": self.model_name},
            usage_metadata={"input_tokens": 5, "output_tokens": 1, "total_tokens": 6}, chunk_position="last"))


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--router", default="mf", help="router name, folder or hub id (default: mf)")
    parser.add_argument("-n", type=int, default=2000, help="calls per path (default 2000)")
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()

    from langchain_routellm import RoutedChatModel
    from routellm_core import RoutingPolicy
    from routellm_core.errors import RouteLLMError

    try:
        policy = RoutingPolicy(args.router, threshold=0.5)
        router_label = args.router
    except RouteLLMError as exc:  # e.g. no bundled checkpoint in this checkout
        print(f"(router {args.router!r} unavailable: {exc}; using 'random')")
        policy = RoutingPolicy("random", threshold=0.5)
        router_label = "random"
    fake = ZeroLatencyChat()
    routed = RoutedChatModel(strong=ZeroLatencyChat(model_name="fake-strong"),
                             weak=ZeroLatencyChat(model_name="fake-weak"), router=policy)

    def stream_all(model: Any, prompt: str) -> None:
        for _ in model.stream(prompt):
            pass

    loop = asyncio.new_event_loop()
    paths = {
        "invoke direct": lambda p: fake.invoke(p),
        "invoke routed": lambda p: routed.invoke(p),
        "ainvoke direct": lambda p: loop.run_until_complete(fake.ainvoke(p)),
        "ainvoke routed": lambda p: loop.run_until_complete(routed.ainvoke(p)),
        "stream direct": lambda p: stream_all(fake, p),
        "stream routed": lambda p: stream_all(routed, p),
        "router scoring": lambda p: policy.decide(p),
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    names = list(paths)
    for i in range(args.warmup + args.n):
        prompt_base = PROMPTS[i % len(PROMPTS)].format(i=i)
        for k in range(len(names)):  # rotate the order so drift hits every path alike
            name = names[(i + k) % len(names)]
            prompt = f"{prompt_base} ({name})"  # new text for every call: no cache hits
            t = time.perf_counter()
            paths[name](prompt)
            if i >= args.warmup:
                times[name].append((time.perf_counter() - t) * 1e3)

    print(f"RoutedChatModel overhead, router={router_label}, n={args.n} calls per path, "
          f"python {sys.version.split()[0]}")
    print(f"{'path':<16} {'p50 ms':>9} {'p95 ms':>9}")
    for name in names:
        print(f"{name:<16} {pct(times[name], 50):>9.3f} {pct(times[name], 95):>9.3f}")
    scoring = pct(times["router scoring"], 50)
    ok = True
    loop.close()
    for kind in ("invoke", "stream", "ainvoke"):
        over = pct(times[f"{kind} routed"], 50) - pct(times[f"{kind} direct"], 50) - scoring
        ok &= over < 1.0
        print(f"wrapper overhead ({kind}, p50, beyond scoring): {over:.3f} ms  "
              f"[target < 1 ms: {'OK' if over < 1.0 else 'MISSED'}]")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
