"""The ideas both adapters share, written once in ``routellm_core.routing``: the fallback runner,
the text a call scores (``route_on``), "use this RoutingPolicy or build one", one threshold
resolver, the routing dict, the capabilities of a pair."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from routellm_core import RoutingPolicy, load_router
from routellm_core.errors import ConfigError, InvalidPromptError, RouteOnError, RoutingError
from routellm_core.routing.capabilities import shared_capabilities
from routellm_core.routing.decision import RoutingDecision, resolve_threshold
from routellm_core.routing.fallback import Attempts
from routellm_core.routing.metadata import decision_from_metadata, routing_metadata
from routellm_core.routing.prompts import pick_text


class Down(RuntimeError):
    pass


def fails(label_to_fail: set[str], answer: str = "ok") -> Any:
    def call(label: str) -> str:
        if label in label_to_fail:
            raise Down(f"{label} is down")
        return f"{answer} from {label}"

    return call


# ---------------------------------------------------------------------------- fallback runner
def test_call_tries_the_chosen_model_then_the_other() -> None:
    moves: list[tuple[str, str]] = []
    attempts = Attempts("weak", True, on_fallback=lambda to, exc: moves.append((to, str(exc))))
    assert attempts.call(fails({"weak"})) == "ok from strong"
    assert attempts.label == "strong" and str(attempts.first_error) == "weak is down"
    assert moves == [("strong", "weak is down")]
    plain = Attempts("weak", True)
    assert plain.call(fails(set())) == "ok from weak" and plain.first_error is None


def test_without_fallback_the_error_surfaces_unchanged() -> None:
    with pytest.raises(Down, match="weak is down") as info:
        Attempts("weak", False).call(fails({"weak"}))
    assert info.value.__cause__ is None


def test_both_failing_raises_the_last_error_chained_to_the_first() -> None:
    with pytest.raises(Down, match="strong is down") as info:
        Attempts("weak", True).call(fails({"weak", "strong"}))
    assert str(info.value.__cause__) == "weak is down"


async def test_acall() -> None:
    async def call(label: str) -> str:
        return fails({"strong"})(label)

    assert await Attempts("strong", True).acall(call) == "ok from weak"


def stream_of(label: str, broken: dict[str, int]) -> Iterator[str]:
    """Yields two items; raises after ``broken[label]`` items (-1: while opening)."""
    if broken.get(label) == -1:
        raise Down(f"{label} cannot open")

    def gen() -> Iterator[str]:
        for i in range(2):
            if broken.get(label) == i:
                raise Down(f"{label} broke after {i}")
            yield f"{label}{i}"

    return gen()


@pytest.mark.parametrize("broken_at", [-1, 0])
def test_stream_falls_back_before_the_first_item(broken_at: int) -> None:
    attempts = Attempts("strong", True)
    assert list(attempts.stream(lambda label: stream_of(label, {"strong": broken_at}))) == ["weak0", "weak1"]
    assert attempts.label == "weak" and attempts.first_error is not None


def test_stream_opens_the_chosen_model_at_once() -> None:
    opened: list[str] = []

    def open_stream(label: str) -> Iterator[str]:
        opened.append(label)
        return iter(["x"])

    items = Attempts("weak", True).stream(open_stream)
    assert opened == ["weak"]  # before the first item is asked for
    assert list(items) == ["x"]


def test_no_fallback_once_a_stream_has_started() -> None:
    got: list[str] = []
    with pytest.raises(Down, match="strong broke after 1"):
        for item in Attempts("strong", True).stream(lambda label: stream_of(label, {"strong": 1})):
            got.append(item)
    assert got == ["strong0"]


async def test_astream_falls_back_before_the_first_item_only() -> None:
    def opener(broken: dict[str, int]) -> Any:
        async def open_stream(label: str) -> Any:
            async def agen() -> Any:
                for item in stream_of(label, broken):
                    yield item

            return agen()

        return open_stream

    items = await Attempts("strong", True).astream(opener({"strong": 0}))
    assert [x async for x in items] == ["weak0", "weak1"]
    got: list[str] = []
    with pytest.raises(Down):
        async for x in await Attempts("strong", True).astream(opener({"strong": 1})):
            got.append(x)
    assert got == ["strong0"]


# ---------------------------------------------------------------------------- the text to score
def last(messages: list[str]) -> str:
    return messages[-1]


def test_pick_text_order_override_hook_default() -> None:
    msgs = ["context", "question"]
    assert pick_text(msgs, last) == "question"
    assert pick_text(msgs, last, route_on=lambda m: m[0]) == "context"
    assert pick_text(msgs, last, route_on=lambda m: m[0], override="forced") == "forced"
    assert pick_text(msgs, last, route_on=lambda m: None) == "question"  # None: the default
    assert pick_text(msgs, last, route_on=lambda m: "  ") == "question"  # blank: the default


def test_a_broken_route_on_hook_is_a_routing_error() -> None:
    def hook(messages: Any) -> str:
        raise KeyError("nope")

    with pytest.raises(RoutingError, match="route_on hook 'hook' failed: route_on raised KeyError") as info:
        pick_text(["q"], last, route_on=hook, owner="X")
    assert isinstance(info.value.__cause__, KeyError)
    with pytest.raises(RouteOnError, match="str or None") as bad:
        pick_text(["q"], last, route_on=lambda m: 42)
    assert isinstance(bad.value, InvalidPromptError) and isinstance(bad.value, RoutingError)


# ---------------------------------------------------------------------------- policy and threshold
def test_use_this_policy_or_build_one() -> None:
    router = load_router("random")
    policy = RoutingPolicy(router, threshold=0.2)
    assert RoutingPolicy.build(policy) is policy
    with pytest.raises(ConfigError, match="RoutingPolicy"):
        RoutingPolicy.build(policy, strong_fraction=0.3)
    built = RoutingPolicy.build(router, strong_fraction=0.3)
    assert built.router is router and built.threshold == pytest.approx(router.threshold_for(0.3))
    assert policy.with_threshold(0.7).threshold == 0.7 and policy.with_threshold(0.7).router is router


def test_one_threshold_resolver_for_router_route_and_policy() -> None:
    router = load_router("random")
    for kwargs in ({}, {"threshold": 0.25}, {"strong_fraction": 0.1}):
        t = resolve_threshold(router, kwargs.get("threshold"), kwargs.get("strong_fraction"))
        assert RoutingPolicy(router, **kwargs).threshold == t
        assert router.route("hello", **kwargs).threshold == t
    with pytest.raises(ConfigError, match="not both"):
        resolve_threshold(router, 0.2, 0.2)


def test_decide_pending_scores_only_what_is_left_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RoutingPolicy("random", threshold=0.5)
    sizes: list[int] = []
    real = policy.router.score
    monkeypatch.setattr(policy.router, "score", lambda p, **kw: sizes.append(len(p)) or real(p, **kw))
    made = RoutingDecision("strong", 0.9, 0.5, "random")
    error = InvalidPromptError("empty")
    out = policy.decide_pending(["a", made, error, "b"])
    assert sizes == [2] and out[1] is made and out[2] is error
    assert out[0] == policy.decide("a") and out[3] == policy.decide("b")


# ---------------------------------------------------------------------------- metadata, capabilities
def test_routing_metadata_round_trip() -> None:
    decision = RoutingDecision("weak", 0.2, 0.5, "mf")
    meta = routing_metadata(decision, "gpt-4o", answered_by="strong", error=Down("x" * 900))
    assert meta["fallback"] is True and len(meta["fallback_error"]) == 500
    assert decision_from_metadata(meta) == RoutingDecision("strong", 0.2, 0.5, "mf")
    assert decision_from_metadata({"model": "weak"}) is None and decision_from_metadata("x") is None


def test_shared_capabilities() -> None:
    a = {"tool_calling": True, "max_input_tokens": 8000, "context": -1, "name": "a", "vision": True}
    b = {"tool_calling": False, "max_input_tokens": 4000, "context": 2000, "name": "b"}
    assert shared_capabilities(a, b) == {"tool_calling": False, "max_input_tokens": 4000, "context": 2000}
    assert shared_capabilities(a, None) == {}
