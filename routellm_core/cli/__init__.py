"""The ``routellm`` command line: route, train, calibrate, eval, demo, label, score (one module each),
and fake-provider (``routellm_core.testing.fake_provider``: the offline provider server).

Each subcommand module has ``register(subparsers)``, which adds its parser with ``func=run``.
Other packages add subcommands the same way through the ``routellm.cli`` entry-point group
(``name = "package.module:register"``), so the core never imports them; a plug-in that cannot
be imported (a missing extra) still shows up and explains itself when called.

User errors (bad options, bad data files, bad paths) print one line ``routellm COMMAND: error:
...`` naming the problem and the fix, and exit with status 2; any other exception is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence
from typing import Any

from routellm_core.cli import calibrate, demo, evaluate, label, route, score, train
from routellm_core.errors import DISTRIBUTION, ConfigError, RouteLLMError
from routellm_core.testing import fake_provider

#: the built-in subcommands, in the order ``--help`` lists them
SUBCOMMANDS = (route, train, calibrate, demo, evaluate, label, score, fake_provider)
#: entry-point group of subcommands from other packages
PLUGIN_GROUP = "routellm.cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="routellm",
        description="Cost-aware LLM routing: score prompts and send each to a strong or a weak model.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                help="one of these (routellm COMMAND --help explains each)")
    for module in SUBCOMMANDS:
        module.register(sub)
    for entry in importlib.metadata.entry_points(group=PLUGIN_GROUP):
        _register_plugin(sub, entry)
    return parser


def version() -> str:
    """The installed distribution's version (``unknown`` when run from a checkout that is not
    installed)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _register_plugin(sub: Any, entry: importlib.metadata.EntryPoint) -> None:
    if entry.name in sub.choices:
        return  # a plug-in cannot replace a built-in subcommand
    try:
        entry.load()(sub)
    except ImportError as exc:
        message = f"the {entry.name!r} subcommand ({entry.value}) cannot be imported: {exc}"

        def unavailable(args: argparse.Namespace) -> int:
            raise ConfigError(message)

        # every argument is taken as a positional (no prefix char), so options it never defined
        # reach the explanation instead of an "unrecognized arguments" error
        p = sub.add_parser(entry.name, help=f"(unavailable: {exc})", add_help=False, prefix_chars="\0")
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=unavailable)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RouteLLMError as exc:
        print(f"routellm {args.command}: error: {exc}", file=sys.stderr)
        return 2
