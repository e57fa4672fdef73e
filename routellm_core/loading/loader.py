"""``load_router``: one entry point from a name, folder, hub id or Router object to a Router.

``load_checkpoint`` reads a folder: our format through ``Router.load``, RouteLLM's published
formats through ``loading.upstream_format`` (imported only when one is met).

Names and folders never collide: a bare registered name (``"mf"``, ``"random"``, ...) always
means the bundled or built-in router, even when a folder of that name exists in the working
directory (a warning then says how to load the folder). Give local folders as paths: ``"./mf"``,
``"runs/mf"``, an absolute path or a ``pathlib.Path``.

``shared_router`` keeps one loaded router per checkpoint for the whole process (the adapters use
it), so many ``RoutedChatModel(router="mf")`` share one copy of the weights and the embedder.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from importlib import resources
from pathlib import Path
from typing import Any

from routellm_core.errors import DISTRIBUTION, CheckpointError, ConfigError, UnknownRouterError
from routellm_core.routers.base import Router
from routellm_core.routers.registry import DEFAULT_ROUTER, ROUTER_CLASSES, available_routers, router_class

#: names that load a checkpoint bundled in the package (name -> folder in resources/routers/):
#: ``"default"`` is the recommended router (today the pooled_ridge checkpoint); ``"mf"`` scores
#: any pair of the models in its training battles; ``"heavy"`` is the heavier tier (a fine-tuned
#: all-MiniLM-L6-v2 blended with the undistilled ridge, about 9 ms a prompt, needs the classifiers extra)
BUNDLED: dict[str, str] = {"default": "pooled_ridge", "pooled_ridge": "pooled_ridge", "mf": "mf", "heavy": "heavy"}
#: how a bundled checkpoint whose folder is not a router name is retrained
RETRAIN: dict[str, str] = {"heavy": "bash scripts/train_heavy_router.sh"}


def is_registered_name(spec: Any) -> bool:
    """True for a bare string naming a registered router (``"mf"``, ``"random"``...): such a
    name always loads the bundled/built-in router, never a folder of the same name."""
    return isinstance(spec, str) and (spec in BUNDLED or spec in ROUTER_CLASSES)


def loadable_spec(path: str | Path) -> str:
    """How to name the folder ``path`` to ``load_router`` so that it is read as a folder
    (``"mf"`` -> ``"./mf"``; paths with a separator are returned as they are)."""
    text = str(path)
    return text if ("/" in text or "\\" in text or text.startswith((".", "~"))) else f"./{text}"


def router_class_name(bundled: str) -> str:
    """The router type of a bundled name (``"default"`` -> ``"pooled_ridge"``)."""
    return BUNDLED[bundled] if BUNDLED[bundled] in ROUTER_CLASSES else bundled


def bundled_checkpoint_dir(name: str) -> Path:
    return Path(str(resources.files("routellm_core") / "resources" / "routers" / BUNDLED[name]))


def load_router(router: str | Path | Router = DEFAULT_ROUTER, **kwargs: Any) -> Router:
    """A ready Router from:

    - a Router object (returned as is);
    - ``"default"`` (also with no argument): the bundled default router, offline; ``"mf"``: the
      bundled matrix-factorization router; ``"heavy"``: the bundled heavier tier (needs torch and
      transformers); ``"random"``: an untrained random router;
    - a local checkpoint folder (``config.json`` + ``model.safetensors``);
    - a Hugging Face Hub id ``"org/name"`` (downloaded with huggingface_hub).

    ``kwargs`` go to the router (e.g. ``embedder=`` to override a checkpoint's embedder with a
    compatible one, which is checked).
    """
    if isinstance(router, Router):
        if kwargs:
            raise ConfigError("options cannot be applied to an existing Router object; set them on it.")
        return router
    if not isinstance(router, (str, Path)):
        raise ConfigError(
            f"router must be a name, a folder, a hub id or a Router, got {type(router).__name__}."
        )
    if isinstance(router, Path):
        return load_checkpoint(router, **kwargs)
    spec = router
    if not spec.strip():
        raise UnknownRouterError(
            f"router name is empty; use one of {', '.join(available_routers())} or a checkpoint folder."
        )
    if is_registered_name(spec) and Path(spec).exists():
        warnings.warn(
            f"{spec!r} names the {'bundled' if spec in BUNDLED else 'built-in'} router, so the local "
            f"{'folder' if Path(spec).is_dir() else 'file'} {spec!r} is not loaded; pass "
            f"{loadable_spec(spec)!r} to load it.",
            stacklevel=2,
        )
    if spec in BUNDLED:
        folder = bundled_checkpoint_dir(spec)
        if not (folder / "config.json").is_file():
            raise CheckpointError(
                f"the bundled {spec!r} checkpoint is missing from the installed package ({folder}); "
                f"reinstall {DISTRIBUTION}, or train one with "
                f"`{RETRAIN.get(spec, f'routellm train {router_class_name(spec)} ... --out DIR')}` and load its folder."
            )
        return load_checkpoint(folder, **kwargs)
    if spec in ROUTER_CLASSES:
        cls = router_class(spec)
        if getattr(cls, "needs_training", True):
            raise UnknownRouterError(
                f"router {spec!r} has no bundled checkpoint; train one with "
                f"`routellm train {spec} --battles FILE --out DIR` and load './DIR', or use {DEFAULT_ROUTER!r}. "
                "(A bare router name never loads a folder of that name; give folders as paths.)"
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


def load_checkpoint(path_or_id: str | Path, **kwargs: Any) -> Router:
    """A Router from a checkpoint folder or hub id: ours (``Router.load``) or one of RouteLLM's
    published formats (converted). ``kwargs`` override parameters (``embedder=`` is checked
    against the stored embedder name and size)."""
    # imported on use, so that ``import routellm_core`` stays light; the RouteLLM converters (and
    # the routers they build) load only for a RouteLLM checkpoint
    from routellm_core.checkpoints import format as fmt

    folder = fmt.resolve_checkpoint_dir(path_or_id)
    config = fmt.read_config(folder) if (folder / fmt.CONFIG_FILE).is_file() else None
    if config is not None and fmt.is_native(config):
        return Router.load(folder, **kwargs)
    from routellm_core.loading import upstream_format

    if config is None:  # RouteLLM's published mf folder has weights only, no config.json
        if upstream_format.detect_foreign_format(folder, {}) == "routellm_mf":
            return upstream_format.load_foreign_checkpoint(folder, {}, **kwargs)
        fmt.read_config(folder)  # raises the "no config.json" error
    return upstream_format.load_foreign_checkpoint(folder, config or {}, **kwargs)


def _looks_like_hub_id(spec: str) -> bool:
    parts = spec.split("/")
    return len(parts) == 2 and all(p and not p.startswith(".") for p in parts)


# ---------------------------------------------------------------------------- shared routers
#: loaded routers by checkpoint (weak values: a router is dropped when nothing uses it)
_SHARED: weakref.WeakValueDictionary[tuple[Any, ...], Router] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def shared_router(router: str | Path | Router, **kwargs: Any) -> Router:
    """``load_router(router, **kwargs)``, loaded once per checkpoint in this process.

    Every caller naming the same checkpoint (same name, or same folder with unchanged files, and
    the same plain-value ``kwargs``) gets the same Router object, so its weights and embedder
    are in memory once. Treat a shared router as read-only: to calibrate or retrain, use your own
    from ``load_router``. Router objects and unhashable options are passed through unshared.
    """
    key = _share_key(router, kwargs)
    if key is None:
        return load_router(router, **kwargs)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = load_router(router, **kwargs)
            _SHARED[key] = found
    return found


def _share_key(router: Any, kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    if not isinstance(router, (str, Path)):
        return None
    if not all(v is None or isinstance(v, (str, int, float, bool)) for v in kwargs.values()):
        return None
    opts = tuple(sorted(kwargs.items()))
    if isinstance(router, str) and is_registered_name(router):
        return ("name", router, opts)
    path = Path(router).expanduser()
    if not path.is_dir():
        return ("spec", str(router), opts)  # a hub id, or an error load_router reports
    stamps = tuple(
        (f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(path.iterdir()) if f.is_file()
    )
    return ("folder", str(path.resolve()), stamps, opts)
