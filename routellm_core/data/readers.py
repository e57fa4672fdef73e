"""Row readers for data files: JSON Lines, CSV or Parquet, optionally gzip-compressed (``.gz``).
Text is read as UTF-8 (a leading byte-order mark is ignored); a bad row, a non-UTF-8 line, a
broken gzip stream or an unreadable Parquet file is a ``DataFormatError`` naming the file (and
line) and the fix."""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from routellm_core.errors import DataFormatError, install_hint

#: largest CSV field accepted (Python's default, 128 KiB, is smaller than long prompts)
CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


def _base_suffix(path: Path) -> str:
    return Path(path.stem).suffix.lower() if path.suffix == ".gz" else path.suffix.lower()


def source_name(path: str | Path) -> str:
    """A data file's source name: its file name without the data suffixes (``.jsonl.gz`` ...)."""
    name = Path(path).name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json", ".csv", ".parquet"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read_text_lines(path: str | Path, *, line: list[int] | None = None) -> Iterator[str]:
    """The lines (with their line ends) of a UTF-8 text file, gunzipped if it ends in ``.gz``.

    A leading byte-order mark is dropped. Undecodable bytes raise a DataFormatError naming the
    line; ``line[0]``, when given, follows the current line number (for error messages).
    """
    p = Path(path).expanduser()
    where = line if line is not None else [0]
    try:
        with (gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb")) as fh:
            for lineno, raw in enumerate(fh, 1):
                where[0] = lineno
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DataFormatError(
                        f"{p}:{lineno}: not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1}); "
                        "re-save the file as UTF-8."
                    ) from None
                yield text[1:] if lineno == 1 and text.startswith("\ufeff") else text
    except FileNotFoundError:
        raise DataFormatError(f"file not found: {p}; check the path.") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataFormatError(
            f"{p}: not a valid gzip file ({type(exc).__name__}: {exc}); re-compress it with gzip, or "
            "drop the .gz suffix if it is plain text."
        ) from None
    except IsADirectoryError:
        raise DataFormatError(f"{p} is a folder; give a data file.") from None
    except OSError as exc:
        raise DataFormatError(f"{p}: cannot be read ({exc.strerror or exc}); check the file and its permissions.") from None


def iter_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, row)`` from a JSONL, CSV or Parquet file (``.gz`` ok)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataFormatError(f"data file not found: {p}" + (" (it is a folder)" if p.is_dir() else "") + "; check the path.")
    kind = _base_suffix(p)
    if kind in (".jsonl", ".json", ".ndjson"):
        for lineno, line in enumerate(read_text_lines(p), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(f"{p}:{lineno}: not valid JSON ({exc.msg}); each line must be one JSON object.") from None
            if not isinstance(row, dict):
                raise DataFormatError(f"{p}:{lineno}: expected a JSON object, got {type(row).__name__}.")
            yield lineno, row
    elif kind == ".csv":
        if csv.field_size_limit() < CSV_FIELD_LIMIT:
            csv.field_size_limit(CSV_FIELD_LIMIT)
        line = [0]
        reader = csv.DictReader(read_text_lines(p, line=line))
        try:
            for row in reader:
                yield reader.line_num, dict(row)
        except csv.Error as exc:
            raise DataFormatError(f"{p}:{line[0]}: not valid CSV ({exc}); fix the quoting or export it again.") from None
    elif kind == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise DataFormatError(f"reading Parquet needs pyarrow: {install_hint('train')}") from None
        try:
            table = pq.read_table(p)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
            raise DataFormatError(
                f"{p}: not a readable Parquet file ({type(exc).__name__}: {exc}); export it again, or use JSONL/CSV."
            ) from None
        for i, row in enumerate(table.to_pylist()):
            yield i + 1, row
    else:
        raise DataFormatError(f"{p}: unknown file type {kind!r}; use .jsonl, .csv or .parquet (optionally .gz).")
