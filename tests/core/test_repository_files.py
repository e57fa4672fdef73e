"""Repository hygiene: no large tracked files outside the bundled model folders."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 2 * 1024 * 1024  # 2 MiB
# The bundled router and embedder weights are the only large files we ship.
ALLOWED_PREFIXES = (
    "routellm_core/resources/routers/",
    "routellm_core/resources/embedders/",
)


def _tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed; cannot list tracked files")
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout (e.g. an sdist); nothing to check")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    return [name for name in out.decode("utf-8").split("\0") if name]


def test_no_large_tracked_files_outside_bundled_models() -> None:
    files = _tracked_files()
    assert files, "git ls-files listed nothing; the check would be vacuous"
    too_big = []
    for name in files:
        if name.startswith(ALLOWED_PREFIXES):
            continue
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            size = path.stat().st_size
            if size > MAX_BYTES:
                too_big.append(f"{name} ({size / 1e6:.1f} MB)")
    assert not too_big, (
        "tracked files over 2 MiB outside routellm_core/resources/{routers,embedders}: "
        + ", ".join(too_big)
        + "; remove them with `git rm --cached` (build outputs and wheels are never committed)"
    )


def test_bundled_model_folders_exist() -> None:
    """Guards the allow-list: a renamed resources folder must update ALLOWED_PREFIXES."""
    files = _tracked_files()
    for prefix in ALLOWED_PREFIXES:
        assert any(name.startswith(prefix) for name in files), f"no tracked file under {prefix}"
