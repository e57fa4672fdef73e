"""``python -m routellm_core.testing`` / ``routellm fake-provider`` (issue 24): the offline
provider server in the foreground, printing the exports that point the official clients at it,
until Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

CLI = [sys.executable, "-c", "import sys; from routellm_core.cli import main; sys.exit(main())"]


def _start(command: list[str]) -> tuple[subprocess.Popen, dict[str, str]]:
    """The running server process and the variables it printed (read up to its last line)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    env: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("export "):
            key, _, value = line[len("export "):].strip().partition("=")
            env[key] = value
        if line.startswith("# models it knows"):
            return proc, env
    proc.kill()
    raise AssertionError(f"the server printed no model list; stderr: {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "routellm_core.testing", "--port", "0"],
    [*CLI, "fake-provider", "--port", "0"],
], ids=["python-m", "routellm"])
def test_the_printed_variables_point_the_real_clients_at_it_until_ctrl_c(command):
    import anthropic
    import openai

    proc, env = _start(command)
    try:
        assert {"OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"} <= set(env)
        # the clients read exactly these variables (as a user's shell would export them)
        oa = openai.OpenAI(base_url=env["OPENAI_BASE_URL"], api_key=env["OPENAI_API_KEY"], max_retries=0)
        reply = oa.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        assert reply.choices[0].message.content.startswith("[gpt-4o-mini]")
        an = anthropic.Anthropic(base_url=env["ANTHROPIC_BASE_URL"], api_key=env["ANTHROPIC_API_KEY"], max_retries=0)
        msg = an.messages.create(model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "hi"}])
        assert msg.content[0].text.startswith("[claude-sonnet-4-6]")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "fake provider stopped" in err and "Traceback" not in err


def test_a_busy_port_is_one_line_and_status_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ([*CLI, "fake-provider", "--port", str(port)],
                        [sys.executable, "-m", "routellm_core.testing", "--port", str(port)]):
            proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
            assert proc.returncode == 2, proc.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and "--port N" in proc.stderr
            assert "Traceback" not in proc.stderr
