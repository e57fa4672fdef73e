"""The deployment files: the Dockerfile's contents (Docker is not available where the suite runs;
`docker build -t routellm-serve .` is the documented build) and the Kubernetes example of
docs/deploy.md."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from langchain_routellm.server import defaults

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def extra_closure(extra: str) -> set[str]:
    """Every requirement the package's ``extra`` pulls in, its own extras followed."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    seen, todo, reqs = set(), [extra], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for req in extras[name]:
            own = re.fullmatch(r"routellm-plugins\[(.+)\]", req)
            if own:
                todo.extend(e.strip() for e in own.group(1).split(","))
            else:
                reqs.add(re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].lower())
    return reqs


def test_image_is_slim_and_runs_as_a_non_root_user():
    steps = final_stage()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    cmd_at = next(i for i, (word, _) in enumerate(steps) if word == "CMD")
    user_at = max(i for i, (word, _) in enumerate(steps) if word == "USER")
    assert user_at < cmd_at  # the server itself runs as that user
    assert any("useradd" in args for word, args in steps if word == "RUN")


def test_image_installs_the_serve_extra_from_the_checkout_without_torch():
    assert not any("torch" in args.lower() for _, args in instructions())
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert "pip wheel" in runs and "[serve]" in runs
    assert "torch" not in extra_closure("serve") and "prometheus-client" in extra_closure("serve")
    copied = [args.split()[0] for word, args in instructions() if word == "COPY" and "--from" not in args]
    for path in (p for args in copied for p in args.split()):
        assert (ROOT / path).exists(), path
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "runs", "tests"} <= ignored
    assert not {"routellm_core", "langchain_routellm", "pyproject.toml", "README.md", "LICENSE"} & ignored


def test_image_exposes_the_port_checks_health_and_serves():
    steps = final_stage()
    assert ("EXPOSE", str(defaults.PORT)) in steps
    (health,) = [args for word, args in steps if word == "HEALTHCHECK"]
    assert "CMD" in health and f"127.0.0.1:{defaults.PORT}/health" in health
    (cmd,) = [args for word, args in steps if word == "CMD"]
    argv = json.loads(cmd)
    assert argv[:2] == ["routellm", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == str(defaults.PORT)
    assert not any("KEY" in arg for arg in argv)  # keys come from the environment only


def test_default_command_parses_with_the_serve_parser():
    from routellm_core.cli import build_parser

    (cmd,) = [args for word, args in final_stage() if word == "CMD"]
    args = build_parser().parse_args(json.loads(cmd)[1:])
    assert args.strong and args.weak and args.host == "0.0.0.0"


def test_kubernetes_example_probes_health_and_takes_keys_from_a_secret():
    yaml = pytest.importorskip("yaml")
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    docs = [d for block in re.findall(r"```yaml\n(.*?)```", text, re.S) for d in yaml.safe_load_all(block)]
    (deployment,) = [d for d in docs if d.get("kind") == "Deployment" and d["metadata"]["name"] == "routellm"]
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert deployment["spec"]["replicas"] > 1
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["ports"][0]["containerPort"] == defaults.PORT
    assert container["resources"]["requests"] and container["resources"]["limits"]
    env = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]}
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", defaults.API_KEY_ENV} <= set(env)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["terminationGracePeriodSeconds"] > defaults.GRACEFUL_TIMEOUT
    from routellm_core.cli import build_parser

    args = build_parser().parse_args(container["args"][1:])
    assert args.host == "0.0.0.0" and args.port == defaults.PORT
    assert "docker build -t routellm-serve ." in text


def test_kubernetes_redis_option_and_workers_parse():
    """The Redis Deployment and Service of the shared online controller, and the server's args
    with --workers and --online-redis pointing at that Service."""
    yaml = pytest.importorskip("yaml")
    from routellm_core.cli import build_parser

    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    docs = [d for block in re.findall(r"```yaml\n(.*?)```", text, re.S) for d in yaml.safe_load_all(block)]
    (redis,) = [d for d in docs if d.get("kind") == "Service" and d["metadata"]["name"] == "routellm-redis"]
    port = redis["spec"]["ports"][0]["port"]
    (fragment,) = [d for d in docs if "kind" not in d and "args" in d]
    args = build_parser().parse_args(fragment["args"][1:])
    assert args.online_redis == f"redis://routellm-redis:{port}/0" and args.workers == 2
    (deployment,) = [d for d in docs if d.get("kind") == "Deployment" and d["metadata"]["name"] == "routellm"]
    main = build_parser().parse_args(deployment["spec"]["template"]["spec"]["containers"][0]["args"][1:])
    assert main.workers == 2
