"""``routellm serve`` as a command (entry-point plugin of the core CLI), the model-name grammar,
and settings errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from routellm_core.cli import main
from routellm_core.errors import ConfigError, install_hint
from tests.helpers import HARD_EXAMPLE, tiny_router_path
from tests.server.conftest import ROUTED, STRONG, WEAK, client, upstream_env

pytest.importorskip("starlette")
from langchain_routellm.server.runner import free_port, wait_until_healthy  # noqa: E402


@pytest.mark.parametrize(
    ("name", "router", "threshold", "share"),
    [
        ("router-tiny-0.11593", "tiny", 0.11593, None),
        ("router-tiny-share-0.3", "tiny", None, 0.3),
        ("router-tiny", "tiny", None, None),
        ("router-default-0.3", "tiny", None, 0.3),  # after "default" a bare number is a share
        ("router-default-share-.3", "tiny", None, 0.3),
        ("router-default", "tiny", None, None),
        ("router-mf-1", "mf", 1.0, None),
    ],
)
def test_model_name_grammar(name, router, threshold, share):
    from langchain_routellm.server.model_names import ModelSpec, parse_model_name

    assert parse_model_name(name, ["tiny", "mf"], "tiny") == ModelSpec(router, threshold, share)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("gpt-4o", 404),
        ("router-", 404),
        ("router-other-0.5", 404),
        ("router-tiny-", 400),
        ("router-tiny-nan", 400),
        ("router-tiny-1e-3", 400),
        ("router-tiny-share-2", 400),
        ("router-tiny-0.5-0.5", 400),
        ("router-tiny-share", 400),
    ],
)
def test_bad_model_names_are_404_or_400(name, status):
    from langchain_routellm.server.errors import APIError
    from langchain_routellm.server.model_names import parse_model_name

    with pytest.raises(APIError) as err:
        parse_model_name(name, ["tiny"], "tiny")
    assert err.value.status == status and repr(name) in err.value.message


def test_settings_errors_name_the_problem(monkeypatch):
    from langchain_routellm.server.models import load_routers, upstream_model

    with pytest.raises(ConfigError, match="two routers are named 'mf'"):
        load_routers(["mf", f"mf={tiny_router_path()}"])
    with pytest.raises(ConfigError, match="cannot appear in a model name"):
        load_routers([f"my-router={tiny_router_path()}"])
    with pytest.raises(ConfigError, match="provider:model"):
        upstream_model("nosuchprovider:model-x")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        upstream_model("openai:gpt-4o-mini")


def test_serve_help_explains_the_model_names(capsys):
    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for text in (
        "router-mf-0.11593",
        "router-mf-share-0.3",
        "router-default-0.3",
        "ROUTELLM_SERVER_API_KEY",
        "OPENAI_BASE_URL",
        "--strong PROVIDER:MODEL",
    ):
        assert text in out


def test_missing_serve_extra_says_which_extra_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if uvicorn were not installed
    assert main(["serve", "--strong", "openai:gpt-4o", "--weak", "openai:gpt-4o-mini"]) == 2
    assert install_hint("serve") in capsys.readouterr().err


def test_core_cli_finds_serve_and_package_imports_stay_light():
    code = (
        "import sys, langchain_routellm; from routellm_core.cli import build_parser; build_parser(); "
        "bad = [m for m in ('langchain_core', 'langchain', 'starlette', 'uvicorn') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT (Ctrl-C)"])
def test_routellm_serve_runs_and_stops_gracefully_on_a_signal(provider_server, sig):
    key = "serve-test-key-5f1c9a"
    port = free_port()
    env = {**os.environ, **upstream_env(provider_server), "ROUTELLM_SERVER_API_KEY": key}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "routellm_core.cli",
            "serve",
            "--strong",
            f"anthropic:{STRONG}",
            "--weak",
            f"openai:{WEAK}",
            "--router",
            f"tiny={tiny_router_path()}",
            "--threshold",
            "0.5",
            "--port",
            str(port),
            "--max-retries",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/health", proc)
        reply = client(f"http://127.0.0.1:{port}/v1", api_key=key).chat.completions.create(
            model=ROUTED, messages=[{"role": "user", "content": HARD_EXAMPLE}]
        )
        assert reply.model == STRONG and reply.model_extra["routing"]["model"] == "strong"
        metrics = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"authorization": f"Bearer {key}"}
        ), timeout=10).read().decode()
        assert f'routellm_requests_total{{route="{ROUTED}",status="200"}} 1.0' in metrics
    finally:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, -sig), err
    assert "Traceback" not in err, err  # a graceful stop, not a crash
    assert "Shutting down" in err and "POST /v1/chat/completions" in out  # access log on, key not in it
    assert key not in out + err
    access = [json.loads(line) for line in err.splitlines() if line.startswith("{")]  # the JSON access log
    assert [(line["route"], line["decision"], line["status"]) for line in access] == [(ROUTED, "strong", 200)]
    assert HARD_EXAMPLE not in out + err  # no prompt text without --log-prompts


def test_settle_heap_freezes_start_objects_and_raises_the_young_threshold():
    code = ("import gc; from langchain_routellm.server.runner import settle_heap, GC_YOUNG_THRESHOLD; "
            "before = gc.get_threshold(); settle_heap(); after = gc.get_threshold(); "
            "print(gc.get_freeze_count() > 1000, after[0] == GC_YOUNG_THRESHOLD > before[0], after[1:] == before[1:])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "True", "True"]
