"""Which routers exist: router name -> class, imported on first use.

Only code that needs a class by name uses this (``Router.load``, the loader, the CLI, the
evaluation); the routers themselves do not. To add a router, add its ``"module:Class"`` here
(see ``docs/architecture.md``).
"""

from __future__ import annotations

import importlib
from typing import Any

from routellm_core.errors import UnknownRouterError

#: the router used when none is named (``load_router()``, ``RoutingPolicy()``, the adapters, the
#: CLI): a checkpoint bundled in the package (see ``loading.loader.BUNDLED``)
DEFAULT_ROUTER = "default"

#: router name -> "module:Class" (imported on first use)
ROUTER_CLASSES: dict[str, str] = {
    "random": "routellm_core.routers.random:RandomRouter",
    "sw_ranking": "routellm_core.routers.sw_ranking:SWRankingRouter",
    "mf": "routellm_core.routers.matrix_factorization:MatrixFactorizationRouter",
    "tfidf_ridge": "routellm_core.routers.tfidf_ridge:TfidfRidgeRouter",
    "pooled_ridge": "routellm_core.routers.pooled_ridge:PooledRidgeRouter",
    "latent_ridge": "routellm_core.routers.latent_ridge:LatentRidgeRouter",
    "quality_ridge": "routellm_core.routers.quality_ridge:QualityRidgeRouter",
    "bert": "routellm_core.routers.transformers.bert:BertRouter",
    "pooled_bert": "routellm_core.routers.transformers.pooled_bert:PooledBertRouter",
    "causal_llm": "routellm_core.routers.transformers.causal_llm:CausalLLMRouter",
    "blend": "routellm_core.routers.blend:BlendRouter",
}


def available_routers() -> list[str]:
    """Router names ``load_router`` and ``routellm train`` accept."""
    return sorted(ROUTER_CLASSES)


def router_class(name: str) -> type[Any]:
    """The Router subclass registered as ``name``."""
    try:
        target = ROUTER_CLASSES[name]
    except (KeyError, TypeError):
        raise UnknownRouterError(
            f"unknown router {name!r}; known routers: {', '.join(available_routers())}. "
            "Or pass a checkpoint folder, a Hugging Face Hub id ('org/name') or a Router object."
        ) from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)
