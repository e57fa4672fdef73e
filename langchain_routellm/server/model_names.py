"""The model names clients send: which router, and how many calls go to the strong model.

Grammar (``<router>`` is a router the server serves, see ``routellm serve --router``)::

    router-<router>-<threshold>        RouteLLM's convention: strong iff score >= threshold
    router-<router>-share-<fraction>   about <fraction> of typical prompts go to the strong model
    router-<router>                    the server's --threshold / --strong-fraction
    router-default...                  the same forms with the server's first --router, except
    router-default-<fraction>          that a bare number is a *share*: a threshold only means
                                       something for the router it was chosen for, and a client
                                       naming "default" does not know which router that is

Numbers are plain decimals in [0, 1] (``0.3``, ``.3``, ``1``). Router names are identifiers
(letters, digits, ``_``), so a name splits on ``-`` without ambiguity.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from routellm_core.routing.decision import check_unit_interval
from routellm_core.errors import ConfigError

from langchain_routellm.server.errors import APIError

PREFIX = "router-"
DEFAULT = "default"
SHARE = "share"
ROUTER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: ASCII digits only (``\d`` also takes other scripts' digits, which float() reads); \Z, not $,
#: so that a trailing newline is not accepted
_NUMBER = re.compile(r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)\Z")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model name: the served router, and a threshold or a strong-call share (or
    neither: the server's own setting)."""

    router: str
    threshold: float | None = None
    strong_fraction: float | None = None


def check_router_name(name: str) -> str:
    """``name`` if a client can name it in a model name, else ConfigError saying why."""
    if not ROUTER_NAME.match(name) or name in (DEFAULT, SHARE):
        raise ConfigError(
            f"router name {name!r} cannot appear in a model name: use letters, digits and '_' "
            f"(not 'default' or 'share'), e.g. --router mine=./my-router."
        )
    return name


def example_names(routers: Collection[str]) -> str:
    """Examples of valid names, for error messages."""
    first = next(iter(routers), "mf")  # any served router name, for the example
    return (
        f"router-{DEFAULT}, router-{DEFAULT}-0.3 (share), router-{first}-0.11593 (threshold), "
        f"router-{first}-share-0.3"
    )


def _number(text: str, what: str, name: str) -> float:
    if not _NUMBER.match(text):
        raise APIError(
            400,
            f"model {name!r}: {text!r} is not a {what}; write a decimal in [0, 1] such as 0.3.",
            code="invalid_model_name",
        )
    try:
        return check_unit_interval(
            "strong_fraction" if what == "strong-call share" else "threshold", float(text)
        )
    except ConfigError as exc:
        raise APIError(400, f"model {name!r}: {exc}", code="invalid_model_name") from None


def parse_model_name(name: str, routers: Collection[str], default_router: str) -> ModelSpec:
    """The ModelSpec a model name asks for. Unknown names raise APIError 404, malformed ones 400."""
    if not isinstance(name, str) or not name.startswith(PREFIX):
        raise APIError(
            404,
            f"model {name!r} not found: this server routes between two models; name a router "
            f"as {example_names(routers)} (GET /v1/models lists them).",
            code="model_not_found",
        )
    router, dash, knob = name[len(PREFIX) :].partition("-")
    if router != DEFAULT and router not in routers:
        served = ", ".join(sorted({DEFAULT, *routers}))
        raise APIError(
            404,
            f"model {name!r} not found: no router {router!r} here; this server serves {served}.",
            code="model_not_found",
        )
    target = default_router if router == DEFAULT else router
    if not dash:
        return ModelSpec(target)
    if knob.startswith(SHARE + "-"):
        return ModelSpec(target, strong_fraction=_number(knob[len(SHARE) + 1 :], "strong-call share", name))
    if router == DEFAULT:
        return ModelSpec(target, strong_fraction=_number(knob, "strong-call share", name))
    return ModelSpec(target, threshold=_number(knob, "threshold", name))
