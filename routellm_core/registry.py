"""``load_router``: one entry point from a name, folder, hub id or Router object to a Router."""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routellm_core.errors import CheckpointError, ConfigError, UnknownRouterError

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.routers.base import Router

#: router name -> "module:Class" (imported on first use)
ROUTER_CLASSES: dict[str, str] = {
    "random": "routellm_core.routers.random:RandomRouter",
    "sw_ranking": "routellm_core.routers.sw_ranking:SWRankingRouter",
    "mf": "routellm_core.routers.matrix_factorization:MatrixFactorizationRouter",
    "tfidf_ridge": "routellm_core.routers.tfidf_ridge:TfidfRidgeRouter",
    "bert": "routellm_core.routers.bert:BertRouter",
    "causal_llm": "routellm_core.routers.causal_llm:CausalLLMRouter",
}

#: names that load a checkpoint bundled in the package (resources/routers/<name>)
BUNDLED: dict[str, str] = {"mf": "mf"}


def available_routers() -> list[str]:
    """Router names ``load_router`` and ``routellm train`` accept."""
    return sorted(ROUTER_CLASSES)


def router_class(name: str) -> type[Router]:
    """The Router subclass registered as ``name``."""
    try:
        target = ROUTER_CLASSES[name]
    except KeyError:
        raise UnknownRouterError(
            f"unknown router {name!r}; known routers: {', '.join(available_routers())}. "
            "Or pass a checkpoint folder, a Hugging Face Hub id ('org/name') or a Router object."
        ) from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def bundled_checkpoint_dir(name: str) -> Path:
    return Path(str(resources.files("routellm_core") / "resources" / "routers" / BUNDLED[name]))


def load_router(router: str | Path | Router, **kwargs: Any) -> Router:
    """A ready Router from:

    - a Router object (returned as is);
    - ``"mf"``: the bundled default checkpoint (offline); ``"random"``: an untrained random router;
    - a local checkpoint folder (``config.json`` + ``model.safetensors``);
    - a Hugging Face Hub id ``"org/name"`` (downloaded with huggingface_hub).

    ``kwargs`` go to the router (e.g. ``embedder=`` to override a checkpoint's embedder with a
    compatible one, which is checked).
    """
    from routellm_core.checkpoint import load_checkpoint
    from routellm_core.routers.base import Router

    if isinstance(router, Router):
        if kwargs:
            raise ConfigError("options cannot be applied to an existing Router object; set them on it.")
        return router
    if not isinstance(router, (str, Path)):
        raise ConfigError(
            f"router must be a name, a folder, a hub id or a Router, got {type(router).__name__}."
        )
    spec = str(router)
    if not spec.strip():
        raise UnknownRouterError(
            f"router name is empty; use one of {', '.join(available_routers())} or a checkpoint folder."
        )
    if spec in BUNDLED and not Path(spec).exists():
        folder = bundled_checkpoint_dir(spec)
        if not (folder / "config.json").is_file():
            raise CheckpointError(
                f"the bundled {spec!r} checkpoint is missing from the installed package ({folder}); "
                "reinstall routellm, or train one with `routellm train mf ... --out DIR` and load DIR."
            )
        return load_checkpoint(folder, **kwargs)
    if spec in ROUTER_CLASSES and not Path(spec).exists():
        cls = router_class(spec)
        if getattr(cls, "needs_training", True):
            raise UnknownRouterError(
                f"router {spec!r} has no bundled checkpoint; train one with "
                f"`routellm train {spec} --battles FILE --out DIR` and load DIR, or use 'mf'."
            )
        return cls(**kwargs)
    path = Path(spec).expanduser()
    if path.exists():
        return load_checkpoint(path, **kwargs)
    if _looks_like_hub_id(spec):
        return load_checkpoint(spec, **kwargs)
    if spec.startswith((".", "/", "~")) or spec.endswith("/"):
        raise CheckpointError(
            f"no checkpoint folder at {spec!r}; check the path, or save one with router.save(path)."
        )
    raise UnknownRouterError(
        f"unknown router {spec!r}; known routers: {', '.join(available_routers())}, "
        "or give a checkpoint folder or a Hugging Face Hub id ('org/name')."
    )


def _looks_like_hub_id(spec: str) -> bool:
    parts = spec.split("/")
    return len(parts) == 2 and all(p and not p.startswith(".") for p in parts)
