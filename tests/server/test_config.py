"""``routellm serve --config``: N upstream models and named routes from a YAML file, with the
real ``openai`` client over a loopback socket; the upstreams are the local provider server
(two OpenAI models on the fast path, one Anthropic model on the LangChain path)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from typing import Any

import httpx
import openai
import pytest

from routellm_core.errors import ConfigError
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE
from tests.server.conftest import client, metric, routing_and_text, upstream_env, user

pytest.importorskip("yaml")
from langchain_routellm.server.config import parse_config  # noqa: E402
from tests.server.test_observability import scrape  # noqa: E402

PRICES = {"big": (5.0, 15.0), "mid": (1.0, 3.0), "small": (0.15, 0.6)}
CONFIG = """\
models:
  big:
    model: anthropic:claude-sonnet-4-6
    price: [5.0, 15.0]
  mid:
    model: openai:gpt-4o
    base_url: {openai}
    api_key_env: ROUTELLM_TEST_MID_KEY
    price: [1.0, 3.0]
  small:
    model: openai:gpt-4o-mini
    price: [0.15, 0.6]
routes:
  all-big: {{shares: {{big: 1.0}}}}
  never-big: {{shares: {{big: 0.0, mid: 0.5}}}}
  cheapest: {{budget: 0.0}}
  pair: {{models: [mid, small], threshold: 0.0, fallback: true}}
  balanced: {{shares: {{big: 0.2, mid: 0.3}}, online: {{step: 0.05}}}}
"""
PROMPTS = [HARD_EXAMPLE, EASY_EXAMPLE, "hi there", "Write a proof that there are infinitely many primes.",
           "What is 2 + 2?", "Summarise the plot of Hamlet in one line.", "Translate 'good morning' to French.",
           "Derive the closed form of the Fibonacci numbers and prove it by induction."]


@pytest.fixture(scope="module")
def config_server(tmp_path_factory: Any) -> Any:
    from langchain_routellm.server.app import create_app
    from langchain_routellm.server.config import load_config
    from langchain_routellm.server.models import ServerSettings
    from langchain_routellm.server.runner import BackgroundServer
    from tests.provider_server import shared_server

    provider = shared_server()
    path = tmp_path_factory.mktemp("config") / "routellm.yaml"
    path.write_text(CONFIG.format(openai=provider.openai_base_url))
    with pytest.MonkeyPatch.context() as mp:
        for key, val in upstream_env(provider).items():
            mp.setenv(key, val)
        mp.setenv("ROUTELLM_TEST_MID_KEY", "sk-mid-key")
        app = create_app(ServerSettings(config=load_config(path), max_retries=0))
    srv = BackgroundServer(app).start()
    yield srv
    srv.stop()


def test_models_endpoint_lists_the_routes(config_server):
    ids = [m.id for m in client(config_server.base_url).models.list()]
    assert ids == ["all-big", "never-big", "cheapest", "pair", "balanced"]
    with pytest.raises(openai.NotFoundError) as err:  # no router-* names without a strong/weak pair
        client(config_server.base_url).chat.completions.create(model="router-default", messages=user("hi"))
    assert "all-big" in err.value.message


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(
    ("route", "label", "upstream"),
    [("all-big", "big", "claude-sonnet-4-6"), ("cheapest", "small", "gpt-4o-mini"), ("pair", "mid", "gpt-4o")],
)
def test_headers_name_the_model_chosen_among_n(config_server, provider_server, route, label, upstream, stream):
    raw = client(config_server.base_url).chat.completions.with_raw_response.create(
        model=route, messages=user(HARD_EXAMPLE), stream=stream
    )
    assert raw.headers["x-routellm-decision"] == label and raw.headers["x-routellm-model"] == label
    assert raw.headers["x-routellm-model-name"] == upstream
    routing, text = routing_and_text(raw, stream)
    assert routing["model"] == label and routing["model_name"] == upstream and routing["tier"] is not None
    assert text.startswith(f"[{upstream}]")
    assert provider_server.models_called() == [upstream]
    if upstream == "gpt-4o":  # its own base URL and key variable
        assert provider_server.requests[-1].headers.get("authorization") == "Bearer sk-mid-key"


def test_shares_and_budgets_are_honoured(config_server):
    c = client(config_server.base_url)
    decisions: dict[str, Counter[str]] = {}
    for route in ("never-big", "cheapest"):
        decisions[route] = Counter(
            c.chat.completions.with_raw_response.create(model=route, messages=user(p)).headers["x-routellm-decision"]
            for p in PROMPTS * 3
        )
    assert "big" not in decisions["never-big"] and sum(decisions["never-big"].values()) == len(PROMPTS) * 3
    assert set(decisions["cheapest"]) == {"small"}  # a budget of 0: only the cheapest model
    # an online route keeps its shares on live traffic
    policy = config_server.app.state.server.models.route("balanced").policy
    seen = Counter(
        c.chat.completions.with_raw_response.create(
            model="balanced", messages=user(f"{PROMPTS[i % len(PROMPTS)]} #{i}")
        ).headers["x-routellm-decision"]
        for i in range(150)
    )
    assert sum(seen.values()) == 150 and set(seen) <= {"big", "mid", "small"}
    realised = policy.realised_shares
    assert realised is not None and abs(realised["big"] - 0.2) < 0.15 and abs(realised["small"] - 0.5) < 0.15


def test_fallback_goes_to_the_next_model_of_the_route(config_server, provider_server):
    provider_server.fail_model("gpt-4o", status=500)
    raw = client(config_server.base_url).chat.completions.with_raw_response.create(
        model="pair", messages=user(HARD_EXAMPLE)
    )
    assert raw.headers["x-routellm-decision"] == "mid" and raw.headers["x-routellm-model"] == "small"
    assert raw.headers["x-routellm-fallback"] == "true" and raw.parse().model == "gpt-4o-mini"
    with pytest.raises(openai.InternalServerError):  # a route without fallback reports the error
        provider_server.fail_model("gpt-4o-mini", status=500)
        client(config_server.base_url).chat.completions.create(model="cheapest", messages=user(HARD_EXAMPLE))


def test_metrics_count_requests_tokens_and_spend_per_model(config_server):
    before = scrape(config_server)
    c = client(config_server.base_url)
    sent = Counter()
    for i, route in enumerate(["all-big", "cheapest", "pair", "cheapest", "all-big", "pair", "cheapest"]):
        c.chat.completions.create(model=route, messages=user(f"{PROMPTS[i]} #{i}"), stream=i % 2 == 1)
        sent[route] += 1
    after = scrape(config_server)

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    for route, n in sent.items():
        assert delta("routellm_requests_total", route=route, status="200") == n
    assert delta("routellm_decisions_total", route="cheapest", model="small") == sent["cheapest"]
    for label, upstream in (("big", "claude-sonnet-4-6"), ("mid", "gpt-4o"), ("small", "gpt-4o-mini")):
        prompt = delta("routellm_tokens_total", model=upstream, kind="prompt")
        completion = delta("routellm_tokens_total", model=upstream, kind="completion")
        assert prompt > 0 and completion > 0
        spend = delta("routellm_spend_usd_total", model=upstream)
        price_in, price_out = PRICES[label]
        assert spend == pytest.approx((prompt * price_in + completion * price_out) / 1e6, rel=1e-6)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("models:\n  a: {model: openai:x}\n  b: {model: openai:y, colour: red}\nroutes: {r: {}}\n", 3,
         "unknown key 'colour'"),
        ("models:\n  a: {model: openai:x}\n  b: {model: openai:y}\nroutes:\n  r:\n    share: 1.5\n", 6,
         "share must be a number >= 0 and <= 1"),
        ("models:\n  a: {model: openai:x}\n  b: {model: gpt-4o}\nroutes: {r: {}}\n", 3, "needs its provider"),
        ("models:\n  a: {model: openai:x}\n  b: {model: openai:y}\nroutes:\n  r: {models: [a, c]}\n", 5,
         "'c', which is not under models"),
        ("models:\n  a: {model: openai:x, price: [1, 2]}\n  b: {model: openai:y}\nroutes:\n  r: {budget: 1}\n", 5,
         "no price"),
        ("models:\n  a: {model: openai:x}\n  b: {model: openai:y}\nroutes:\n  r: {share: 0.3, budget: 1}\n", 5,
         "give one of"),
        ("models:\n  a: {model: openai:x}\n  b: [oops\n", 4, "on line 3"),
        ("models:\n  a: {model: openai:x}\n  b: {model: openai:y}\n", 1, "no routes"),
    ],
)
def test_config_errors_name_the_line(text, line, needle):
    with pytest.raises(ConfigError) as err:
        parse_config(text, "routellm.yaml")
    assert f"routellm.yaml, line {line}:" in str(err.value) and needle in str(err.value)


def test_route_tokens_may_price_each_call_by_its_prompt():
    head = "models:\n  a: {model: openai:x, price: [1, 2]}\n  b: {model: openai:y, price: 0.1}\nroutes:\n"
    config = parse_config(head + "  r: {tokens: [prompt, 300]}\n  t: {tokens: [500, 300]}\n", "routellm.yaml")
    assert config.routes["r"].options["tokens"] == ("prompt", 300.0)
    assert config.routes["t"].options["tokens"] == (500.0, 300.0)
    with pytest.raises(ConfigError, match="line 5"):
        parse_config(head + "  r: {tokens: [words, 300]}\n", "routellm.yaml")


def test_a_route_the_policy_refuses_names_its_line(tmp_path, monkeypatch):
    from langchain_routellm.server.models import RoutedModels, ServerSettings

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    text = "models:\n  a: {model: openai:x}\n  b: {model: openai:y}\nroutes:\n  ok: {}\n  bad: {shares: {a: 0.8, b: 0.7}}\n"
    with pytest.raises(ConfigError) as err:
        RoutedModels(ServerSettings(config=parse_config(text, "routellm.yaml")))
    assert "routellm.yaml, line 6: route 'bad'" in str(err.value)


def test_serve_refuses_a_bad_config_at_start_naming_the_line(tmp_path):
    path = tmp_path / "routellm.yaml"
    path.write_text("models:\n  a: {model: openai:x}\n  b: {model: openai:y}\nroutes:\n  r: {thresold: 0.5}\n")
    result = subprocess.run(
        [sys.executable, "-c", "from routellm_core.cli import main; raise SystemExit(main())", "serve",
         "--config", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert f"{path}, line 5: routes.r: unknown key 'thresold'" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_and_strong_weak_flags_do_not_mix(tmp_path, capsys):
    from routellm_core.cli import main

    path = tmp_path / "routellm.yaml"
    path.write_text("models: {}\n")
    assert main(["serve", "--config", str(path), "--strong", "openai:gpt-4o"]) != 0
    assert "leave out --strong" in capsys.readouterr().err


def test_health_needs_no_key(config_server):
    assert httpx.get(f"{config_server.url}/health").json()["status"] == "ok"


def test_the_config_example_in_the_docs_parses():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text()
    (example,) = [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if "routes:" in block]
    config = parse_config(example, "docs/server.md")
    assert list(config.models) == ["big", "mid", "small"]
    assert set(config.routes) == {"balanced", "top-30", "cheap", "strict"}
    assert config.routes["cheap"].options["online"] == {"step": 0.05}  # handed to the policy unchanged
    assert config.routes["top-30"].options["shares"] == {"big": 0.3}
