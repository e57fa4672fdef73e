"""What several subcommands share: the threshold options, the prompt-file reader."""

from __future__ import annotations

import argparse
from pathlib import Path

from routellm_core.data.readers import iter_rows, read_text_lines
from routellm_core.errors import DataFormatError
from routellm_core.utils.validation import parse_finite


def add_policy_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--threshold", type=parse_finite, help="score cut-off in [0, 1]: strong iff score >= threshold")
    g.add_argument(
        "--strong-fraction",
        type=parse_finite,
        help="share (0..1) of typical prompts to send to the strong model (uses the router's calibration)",
    )


def read_prompt_file(path: str) -> list[str]:
    """Prompts from a text file (one per line), or JSONL/CSV/Parquet with a 'prompt' column."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataFormatError(f"prompts file not found: {p}" + (" (it is a folder)" if p.is_dir() else "") + "; check the path.")
    base = Path(p.stem).suffix if p.suffix == ".gz" else p.suffix
    if base.lower() in (".jsonl", ".json", ".ndjson", ".csv", ".parquet"):
        out = []
        for lineno, row in iter_rows(p):
            text = row.get("prompt")
            if not isinstance(text, str) or not text.strip():
                raise DataFormatError(f"{p}:{lineno}: no 'prompt' text in this row.")
            out.append(text)
        return out
    return [line.rstrip("\r\n") for line in read_text_lines(p) if line.strip()]
