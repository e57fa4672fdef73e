"""What several subcommands share: the threshold options, the training-data options, the
prompt-file reader."""

from __future__ import annotations

import argparse
from pathlib import Path

import json
from typing import Any

from routellm_core.data.readers import iter_rows, read_text_lines
from routellm_core.errors import ConfigError, DataFormatError
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
    """Prompts from a text file (one per line), or JSONL/CSV/Parquet with a 'prompt' column (or
    OpenAI-style 'messages', or a LangSmith runs export's 'inputs': the last user turn)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataFormatError(f"prompts file not found: {p}" + (" (it is a folder)" if p.is_dir() else "") + "; check the path.")
    base = Path(p.stem).suffix if p.suffix == ".gz" else p.suffix
    if base.lower() in (".jsonl", ".json", ".ndjson", ".csv", ".parquet"):
        out = []
        for lineno, row in iter_rows(p):
            text = row.get("prompt")
            if text is None and ("messages" in row or "inputs" in row):
                from routellm_core.labeling.inputs import prompt_of_row

                text, _ = prompt_of_row(row)  # the last user turn (OpenAI messages, LangSmith runs)
            if not isinstance(text, str) or not text.strip():
                raise DataFormatError(f"{p}:{lineno}: no 'prompt' text (or user turn in 'messages') in this row.")
            out.append(text)
        return out
    return [line.rstrip("\r\n") for line in read_text_lines(p) if line.strip()]


def add_training_data_args(p: argparse.ArgumentParser, *, battles_help: str = "preference battle files") -> None:
    """The options that say which files a router is trained on and how (``routellm train`` and
    the training sets of ``routellm eval``)."""
    g = p.add_argument_group("training data")
    g.add_argument("--battles", nargs="+", metavar="FILE", help=battles_help)
    g.add_argument("--golden", nargs="+", metavar="FILE", help="benchmark outcome files (golden labels)")
    g.add_argument("--battles-weight", type=parse_finite, default=1.0, help="loss weight (>= 0) of each preference battle")
    g.add_argument("--golden-weight", type=parse_finite, default=1.0, help="loss weight (>= 0) of each golden battle")
    g.add_argument("--golden-all-pairs", action="store_true",
                   help="turn each golden row into battles between every pair of its scored models (multi-model files)")
    g.add_argument("--golden-tie-advantage", metavar="auto|X", default=None,
                   help="put golden ties (both right or both wrong) on a judge's scale: they lean X (0..1) toward "
                        "the file's stronger model; 'auto' measures X on the --battles files' judge grades")
    g.add_argument("--golden-holdout", type=parse_finite, default=0.0,
                   help="share of golden prompts (0..1) never trained on, chosen by prompt hash")
    g.add_argument("--golden-where", nargs="+", metavar="KEY=VALUE", default=[],
                   help="keep only golden rows whose field KEY equals VALUE (JSON; rows without the field are "
                        "kept), e.g. permissive=true benchmark_overlap=null")
    g.add_argument("--drop-models", nargs="+", metavar="NAME", default=[],
                   help="leave out every battle and score of these models (e.g. runs a data card calls broken)")


def parse_key_values(items: list[str], option: str, example: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` (values read as JSON, else as text)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{option} {item!r}: use KEY=VALUE, e.g. {option} {example}.")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def training_data_from_args(
    args: argparse.Namespace, strong: str | None = None, weak: str | None = None, judged: Any = None
) -> Any:
    """``build_training_data`` with the options of ``add_training_data_args`` (``judged``: battles
    whose judge grades ``--golden-tie-advantage auto`` measures, default the ``--battles`` files)."""
    from routellm_core.data.training_data import build_training_data

    return build_training_data(
        battle_files=args.battles or [],
        golden_files=args.golden or [],
        battles_weight=args.battles_weight,
        golden_weight=args.golden_weight,
        strong=strong,
        weak=weak,
        golden_all_pairs=args.golden_all_pairs,
        golden_holdout=args.golden_holdout,
        golden_where=parse_key_values(args.golden_where, "--golden-where", "permissive=true"),
        drop_models=args.drop_models,
        golden_tie_advantage=args.golden_tie_advantage,
        judged=judged,
    )
