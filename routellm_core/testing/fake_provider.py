"""``routellm fake-provider`` / ``python -m routellm_core.testing``: run the local OpenAI- and
Anthropic-compatible server in the foreground and print the environment variables that point the
official clients at it, so examples written for the real providers run offline as written."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from routellm_core.errors import ConfigError
from routellm_core.testing.provider_server import KNOWN_MODELS, ProviderServer

#: the port it listens on by default (next to ``routellm serve``'s 6060)
DEFAULT_PORT = 6061
DESCRIPTION = (
    "Run a local, offline stand-in for the OpenAI and Anthropic APIs (chat completions, messages, "
    "embeddings, streaming, tool calls, structured output; canned answers that name the model that "
    "answered, no key needed) until Ctrl-C, and print the environment variables that point the "
    "official clients (openai, anthropic, LangChain's and LlamaIndex's OpenAI/Anthropic models, "
    "init_chat_model) at it. Export them in the shell that runs your code."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default: {DEFAULT_PORT}; 0 = any free port)")


def serve(args: argparse.Namespace) -> int:
    """Start the server, print the exports, block until Ctrl-C (exit status 0)."""
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be 0..65535, got {args.port}.")
    try:
        server = ProviderServer(host=args.host, port=args.port).start()
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {args.host}:{args.port} ({exc}); pick another port with --port N (0 = any free port)."
        ) from None
    print(f"# fake provider (offline OpenAI/Anthropic stand-in) on {server.base_url}; Ctrl-C stops it.")
    print("# Point the clients at it: run these in the shell (or notebook) that runs your code.")
    for key, value in server.environment().items():
        print(f"export {key}={value}")
    print(f"# models it knows: {', '.join(KNOWN_MODELS)} (any other name answers too)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("# fake provider stopped.", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routellm_core.testing", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except ConfigError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """The ``routellm fake-provider`` subcommand (for ``routellm_core.cli``)."""
    p = subparsers.add_parser("fake-provider", help="run a local offline OpenAI/Anthropic stand-in and print its env vars",
                              description=DESCRIPTION)
    add_arguments(p)
    p.set_defaults(func=serve)
    return p
