"""``routellm serve``: added to the ``routellm`` command through the ``routellm.cli`` entry point
(``register``), so routellm_core never imports LangChain. Only argparse is imported here;
the server's own dependencies load when the command runs."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any

from routellm_core.cli.common import add_policy_args
from routellm_core.errors import ConfigError, install_hint
from routellm_core.routers.registry import DEFAULT_ROUTER

from langchain_routellm.server import defaults

DESCRIPTION = """\
Serve an OpenAI-compatible endpoint that routes each chat completion to the strong or the weak
model. Point any OpenAI client at http://HOST:PORT/v1 and name a router as the model:

  router-default              the first --router with this server's --threshold/--strong-fraction
  router-default-0.3          the same router, about 30% of typical prompts to the strong model
  router-mf-0.11593           router mf, strong iff score >= 0.11593 (RouteLLM's convention)
  router-mf-share-0.3         router mf, about 30% of typical prompts to the strong model

Endpoints: POST /v1/chat/completions (streaming, tools, response_format), GET /v1/models,
GET /health, GET /metrics (Prometheus). One JSON access-log line per chat request goes to stderr
(logger routellm.serve.access). The decision comes back in x-routellm-* headers and a "routing" field.
"""

EPILOG = f"""\
Upstream keys and base URLs come from the environment only (OPENAI_API_KEY, ANTHROPIC_API_KEY,
OPENAI_BASE_URL, ANTHROPIC_BASE_URL, ...); install the LangChain package of each provider
(langchain-openai, langchain-anthropic, ...). Needs the serve extra: {install_hint('serve')}.

example:
  routellm serve --strong anthropic:claude-sonnet-4-6 --weak openai:gpt-4o-mini --strong-fraction 0.3
"""


def register(subparsers: Any) -> None:
    """Add the ``serve`` subcommand to the ``routellm`` parser's subparsers."""
    p = subparsers.add_parser(
        "serve",
        help="serve an OpenAI-compatible routing endpoint",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--strong",
        metavar="PROVIDER:MODEL",
        help="strong upstream, named as init_chat_model names it (e.g. anthropic:claude-sonnet-4-6)",
    )
    p.add_argument(
        "--weak", metavar="PROVIDER:MODEL", help="weak upstream (e.g. openai:gpt-4o-mini)"
    )
    p.add_argument(
        "--config",
        metavar="ROUTELLM.YAML",
        help="N upstream models (provider:model, base URL, key variable, price), routers and named routes "
        "(share, threshold, budget, online) that clients select as model; instead of --strong/--weak "
        "(see docs/server.md)",
    )
    p.add_argument(
        "--router",
        action="append",
        metavar="[NAME=]SPEC",
        dest="routers",
        help="a router to serve: a name (default, mf), a checkpoint folder or a hub id, optionally named "
        "NAME= for model names; repeat for more; the first is router-default (default: the bundled "
        "default router)",
    )
    add_policy_args(p)
    p.add_argument(
        "--online-redis",
        metavar="URL",
        help="keep each share-based route (router-NAME-share-F, --strong-fraction) on its share with one "
        "online controller shared by every worker and replica through Redis (redis://host:6379/0; "
        "default: fixed cut-offs, see docs/deploy.md)",
    )
    p.add_argument(
        "--fallback",
        action="store_true",
        help="if the chosen upstream fails, answer with the other one (routing.fallback=true)",
    )
    p.add_argument(
        "--no-fast-path",
        dest="fast_path",
        action="store_false",
        help="send every call through the LangChain chat models, also for OpenAI-compatible upstreams "
        "(default: their requests are forwarded as they came, which is several times cheaper)",
    )
    p.add_argument(
        "--host",
        default=defaults.HOST,
        help=f"address to listen on (default: {defaults.HOST}; 0.0.0.0 for all)",
    )
    p.add_argument("--port", type=int, default=defaults.PORT, help=f"port (default: {defaults.PORT})")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port, each with its own copy of the routers (about one per "
        "CPU core; online controllers are per worker unless --online-redis is given) (default: 1)",
    )
    p.add_argument(
        "--api-key",
        help=f"bearer key clients must send (default: ${defaults.API_KEY_ENV}; prefer "
        "the variable, a command line is visible to other users)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=defaults.TIMEOUT,
        help=f"seconds a request, or a stream's next chunk, may take before 504 "
        f"(default: {defaults.TIMEOUT:g})",
    )
    p.add_argument("--max-retries", type=int, help="retries of each upstream call (default: the provider's)")
    p.add_argument(
        "--max-request-bytes",
        type=int,
        default=defaults.MAX_REQUEST_BYTES,
        help=f"larger request bodies get 413 (default: {defaults.MAX_REQUEST_BYTES})",
    )
    p.add_argument(
        "--graceful-timeout",
        type=int,
        default=defaults.GRACEFUL_TIMEOUT,
        help=f"on SIGINT/SIGTERM, seconds open requests get to finish; streams still open then end "
        f"with an error event (default: {defaults.GRACEFUL_TIMEOUT})",
    )
    limits = p.add_argument_group(
        "limits", "what one client may take (defaults are safe for a public port; see docs/server.md)"
    )
    limits.add_argument(
        "--max-messages", type=int, default=defaults.MAX_MESSAGES,
        help=f"messages in one request; more get 400 (default: {defaults.MAX_MESSAGES})",
    )
    limits.add_argument(
        "--max-content-parts", type=int, default=defaults.MAX_CONTENT_PARTS,
        help=f"content parts in all the messages of one request; more get 400 (default: {defaults.MAX_CONTENT_PARTS})",
    )
    limits.add_argument(
        "--max-nesting", type=int, default=defaults.MAX_NESTING,
        help=f"nesting depth of a request body's objects and arrays; deeper gets 400 (default: {defaults.MAX_NESTING})",
    )
    limits.add_argument(
        "--read-timeout", type=float, default=defaults.READ_TIMEOUT,
        help="seconds a client may take to send a request's headers (then the connection is closed), and "
        f"again its body (then 408) (default: {defaults.READ_TIMEOUT:g})",
    )
    limits.add_argument(
        "--keep-alive-timeout", type=float, default=defaults.KEEP_ALIVE_TIMEOUT,
        help=f"seconds an idle keep-alive connection stays open (default: {defaults.KEEP_ALIVE_TIMEOUT:g})",
    )
    limits.add_argument(
        "--max-concurrency", type=int, default=defaults.MAX_CONCURRENCY,
        help="open connections and requests at once; more get 503 at once "
        f"(default: {defaults.MAX_CONCURRENCY})",
    )
    limits.add_argument(
        "--max-header-bytes", type=int, default=defaults.MAX_HEADER_BYTES,
        help=f"bytes of a request's line and headers; more close the connection (default: {defaults.MAX_HEADER_BYTES})",
    )
    p.add_argument(
        "--log-prompts",
        action="store_true",
        help="put the last user message's text in each JSON access-log line (default: no prompt text "
        "is logged)",
    )
    p.add_argument(
        "--no-access-log", dest="access_log", action="store_false",
        help="write no JSON access-log line (default: one per chat request on stderr; it costs about a "
        "tenth of the fast path's CPU a request)",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default: info)")
    p.set_defaults(func=run)


def _require_serve_extra() -> None:
    try:
        import langchain.chat_models  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"routellm serve needs the serve extra ({exc.name or exc} is missing): {install_hint('serve')}"
        ) from None


def check_connection_args(args: argparse.Namespace) -> dict[str, Any]:
    """The connection options of the command line, checked (ConfigError: one line, before
    anything loads); ServerSettings checks the others."""
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be in 0..65535, got {args.port}.")
    if args.graceful_timeout < 0:
        raise ConfigError(f"--graceful-timeout must be >= 0 seconds, got {args.graceful_timeout}.")
    keep_alive = args.keep_alive_timeout
    if not math.isfinite(keep_alive) or keep_alive <= 0:
        raise ConfigError(f"--keep-alive-timeout must be a finite number of seconds > 0, got {keep_alive!r}.")
    if args.max_concurrency < 1:
        raise ConfigError(f"--max-concurrency must be >= 1, got {args.max_concurrency}.")
    if args.max_header_bytes < 1024:
        raise ConfigError(f"--max-header-bytes must be >= 1024, got {args.max_header_bytes}.")
    return {
        "graceful_timeout": args.graceful_timeout,
        "keep_alive_timeout": keep_alive,
        "max_concurrency": args.max_concurrency,
        "max_header_bytes": args.max_header_bytes,
    }


def _check_redis_url(url: str | None) -> str | None:
    """``--online-redis``: a Redis URL (ConfigError naming the flag otherwise)."""
    if url is None:
        return None
    from routellm_core.routing.shared_online import check_redis_settings

    try:
        check_redis_settings({"redis_url": url, "key": "check"})
    except ConfigError as exc:
        raise ConfigError(f"--online-redis: {exc}") from None
    return url


def run(args: argparse.Namespace) -> int:
    """Build the app from the arguments and serve until SIGINT/SIGTERM."""
    _require_serve_extra()
    from langchain_routellm.server.app import create_app
    from langchain_routellm.server.models import ServerSettings
    from langchain_routellm.server.runner import log_access_to_stderr, serve

    connection = check_connection_args(args)
    config = None
    if args.config is not None:
        from langchain_routellm.server.config import load_config

        given = [flag for flag, value in (("--strong", args.strong), ("--weak", args.weak),
                                         ("--router", args.routers), ("--threshold", args.threshold),
                                         ("--strong-fraction", args.strong_fraction),
                                         ("--fallback", args.fallback)) if value]
        if given:
            raise ConfigError(f"--config names the models and routers; leave out {', '.join(given)}.")
        config = load_config(args.config)
    elif args.strong is None or args.weak is None:
        raise ConfigError("name the upstreams: --strong PROVIDER:MODEL and --weak PROVIDER:MODEL, or --config "
                          "routellm.yaml.")
    settings = ServerSettings(
        strong=args.strong,
        weak=args.weak,
        config=config,
        fast_path=args.fast_path,
        routers=args.routers or [DEFAULT_ROUTER],
        threshold=args.threshold,
        strong_fraction=args.strong_fraction,
        fallback=args.fallback,
        api_key=args.api_key or os.environ.get(defaults.API_KEY_ENV) or None,
        timeout=args.timeout,
        max_retries=args.max_retries,
        max_request_bytes=args.max_request_bytes,
        max_messages=args.max_messages,
        max_content_parts=args.max_content_parts,
        max_nesting=args.max_nesting,
        read_timeout=args.read_timeout,
        log_prompts=args.log_prompts,
        access_log=args.access_log,
        online_redis=_check_redis_url(args.online_redis),
    )
    if args.workers != 1:
        return _run_workers(args, settings, connection)
    if settings.access_log:
        log_access_to_stderr()
    app = create_app(settings)
    models = app.state.server.models
    upstreams = " ".join(f"{label}={u.name}{'' if u.wire is None else ' (fast path)'}"
                         for label, u in models.upstreams.items())
    print(
        f"routellm serve: {upstreams}; models={', '.join(models.names())} "
        f"auth={'bearer key' if settings.api_key else 'none'} on http://{args.host}:{args.port}/v1",
        file=sys.stderr,
    )
    serve(app, args.host, args.port, log_level=args.log_level, read_timeout=settings.read_timeout, **connection)
    return 0


def _run_workers(args: argparse.Namespace, settings: Any, connection: dict[str, Any]) -> int:
    """``--workers N``: bind the port here, serve it from N worker processes."""
    from langchain_routellm.server.workers import WorkerPool, bind_socket, check_workers

    workers = check_workers(args.workers)
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    graceful = connection.pop("graceful_timeout")
    pool = WorkerPool(settings, sock, workers, graceful_timeout=graceful,
                      serve_options={"log_level": args.log_level, **connection})
    print(
        f"routellm serve: strong={args.strong} weak={args.weak} workers={workers} "
        f"auth={'bearer key' if settings.api_key else 'none'} on http://{args.host}:{port}/v1",
        file=sys.stderr,
    )
    code = pool.run()
    print(f"routellm serve: {workers} workers stopped", file=sys.stderr)
    return code
