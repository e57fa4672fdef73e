"""Checks of output paths, made *before* long work starts (training, evaluation), so a bad
``--out`` is reported in one line at once instead of as a traceback after the work is done."""

from __future__ import annotations

import json
from pathlib import Path

from routellm_core.errors import ConfigError

#: the package's bundled data (routers, embedders): never written to
PACKAGE_RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def check_output_dir(path: str | Path, what: str = "output folder") -> Path:
    """``path`` as a folder that exists or can be created; ConfigError if it is a file or lies
    under a file."""
    out = Path(path).expanduser()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{what} {str(out)!r} is a file; give a folder (it is created if missing).")
    _check_parents(out, what)
    return out


def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """``path`` as a file that can be written; ConfigError if it is a folder or lies under a file."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise ConfigError(f"{what} {str(out)!r} is a folder; give a file name, e.g. {str(out / 'out.json')!r}.")
    _check_parents(out, what)
    return out


def _check_parents(out: Path, what: str) -> None:
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"{what} {str(out)!r} lies under {str(parent)!r}, which is a file; choose another path.")
            return


def check_not_bundled(path: str | Path, what: str = "output folder") -> Path:
    """ConfigError if ``path`` lies inside the package's bundled resources (the shipped routers
    and embedder), which no save, train or calibrate may overwrite."""
    out = Path(path).expanduser()
    resolved, bundled = out.resolve(), PACKAGE_RESOURCES.resolve()
    if resolved == bundled or bundled in resolved.parents:
        raise ConfigError(
            f"{what} {str(out)!r} lies inside the routellm_core package's bundled routers ({bundled}); "
            "write to a folder of your own, e.g. ./my-router."
        )
    return out


def check_checkpoint_dir(path: str | Path, router: str, *, force: bool = False, what: str = "--out") -> Path:
    """``path`` as a folder a ``router`` checkpoint may be written to (checked before training):
    new, empty, or a checkpoint of the same router type (retrained in place). Any other
    non-empty folder is refused unless ``force``; the package's bundled routers always are."""
    out = check_not_bundled(check_output_dir(path, what), what)
    if force or not out.is_dir():
        return out
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return out
    config = out / "config.json"
    kind = None
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("format") == "routellm_core":
            kind = data.get("router")
    if kind == router:
        return out
    holds = f"a {kind} checkpoint" if kind else "files that are not a " + router + " checkpoint (" + ", ".join(entries[:4]) + (
        ", ..." if len(entries) > 4 else "") + ")"
    raise ConfigError(
        f"{what} {str(out)!r} is not empty: it holds {holds}, which would be overwritten; choose a new or "
        f"empty folder, or pass --force to overwrite it."
    )
