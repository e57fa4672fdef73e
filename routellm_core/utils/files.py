"""Checks of output paths, made *before* long work starts (training, evaluation), so a bad
``--out`` is reported in one line at once instead of as a traceback after the work is done."""

from __future__ import annotations

from pathlib import Path

from routellm_core.errors import ConfigError


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
