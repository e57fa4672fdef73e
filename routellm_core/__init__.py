"""routellm_core: routers that score prompts and decide strong vs weak model per call.

    from routellm_core import load_router
    router = load_router()              # the bundled default router, offline
    router.score("Prove that sqrt(2) is irrational")   # P(strong is clearly better), in [0, 1]
    router.route("hi", threshold=0.4)   # RoutingDecision(model="weak", ...)

Importing this package is light: numpy only. Embedders and training libraries load on first use.
The package is layered (``docs/architecture.md``); this module only re-exports the public names
and nothing inside the package imports it.
"""

from __future__ import annotations

from routellm_core.loading.loader import load_router
from routellm_core.errors import (
    CheckpointError,
    ConfigError,
    DataFormatError,
    EmbedderMismatchError,
    InvalidPromptError,
    RouteLLMError,
    RouteOnError,
    RoutingError,
    UnknownModelError,
    UnknownRouterError,
)
from routellm_core.routers.base import Router
from routellm_core.routers.registry import DEFAULT_ROUTER, available_routers
from routellm_core.routing.decision import RoutingDecision
from routellm_core.policy.routing_policy import RoutingPolicy

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataFormatError",
    "EmbedderMismatchError",
    "InvalidPromptError",
    "RouteLLMError",
    "RouteOnError",
    "Router",
    "RoutingDecision",
    "RoutingError",
    "RoutingPolicy",
    "UnknownModelError",
    "UnknownRouterError",
    "available_routers",
    "DEFAULT_ROUTER",
    "load_router",
]
