"""Prompts from a user's log: JSON Lines / CSV / Parquet (gzip ok) with a ``prompt`` column, an
OpenAI-style ``messages`` column, or a LangSmith runs export (the human turns of each run's
``inputs``). Read lazily, row by row, so a log of any size streams in bounded memory.

A row's prompt is the text a router scores: the ``prompt`` column, or the **last** user /
human turn of its messages (the text the adapters route on by default). Rows without one are
skipped and counted; a file where no row has one is an error naming the columns it has.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.data.readers import iter_rows
from routellm_core.errors import ConfigError, DataFormatError

#: columns whose value may hold the prompt, tried in this order
PROMPT_COLUMNS = ("prompt", "messages", "inputs")
#: rows looked at before deciding that a file has no prompt column at all
_SNIFF_ROWS = 1000


@dataclass
class ReadStats:
    """What a read saw: rows, rows with a prompt, rows skipped (no user text), the column used."""

    rows: int = 0
    prompts: int = 0
    skipped: int = 0
    columns: set[str] = field(default_factory=set)
    used: str | None = None


def message_text(content: Any) -> str:
    """Text of a message content: a string, or a list of parts (``{"type": "text", "text": ...}``
    or strings); images and other parts are left out."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and part.get("type") in ("text", "input_text") and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(p for p in parts if p)
    return ""


def _human_text(message: Any) -> str | None:
    """The text of ``message`` if it is a user/human turn (OpenAI dicts, LangChain dicts,
    LangChain's serialised ``{"lc": 1, "id": [..., "HumanMessage"], "kwargs": {...}}``, or a
    ``[role, text]`` pair), else None."""
    if isinstance(message, (list, tuple)) and len(message) == 2 and isinstance(message[0], str):
        return message_text(message[1]) if message[0] in ("user", "human") else None
    if not isinstance(message, dict):
        return None
    if message.get("lc") == 1 and isinstance(message.get("kwargs"), dict):
        ids = message.get("id") or []
        kind = ids[-1] if isinstance(ids, list) and ids else ""
        inner = message["kwargs"]
        if kind in ("HumanMessage", "HumanMessageChunk") or inner.get("type") == "human":
            return message_text(inner.get("content"))
        return None
    role = message.get("role") or message.get("type")
    if role in ("user", "human"):
        return message_text(message.get("content"))
    return None


def last_human_turn(messages: Any) -> str | None:
    """The last user/human turn's text of a message list (also a LangSmith list of lists)."""
    if not isinstance(messages, list):
        return None
    if messages and all(isinstance(m, list) and not (len(m) == 2 and isinstance(m[0], str)) for m in messages):
        messages = [m for group in messages for m in group]  # LangSmith: one list per generation
    for m in reversed(messages):
        text = _human_text(m)
        if text and text.strip():
            return text
    return None


def _from_inputs(inputs: Any) -> str | None:
    """A LangSmith run's ``inputs``: ``messages`` (chat model runs), else the first text field of
    the usual names (``input``, ``question``, ``query``, ``prompt``), else a ``prompts`` list."""
    if isinstance(inputs, str):
        import json

        try:
            inputs = json.loads(inputs)
        except ValueError:
            return None
    if not isinstance(inputs, dict):
        return None
    if "messages" in inputs:
        return last_human_turn(inputs["messages"])
    for key in ("input", "question", "query", "prompt", "text"):
        value = inputs.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, list):
            text = last_human_turn(value)
            if text:
                return text
    prompts = inputs.get("prompts")
    if isinstance(prompts, list) and prompts and isinstance(prompts[-1], str):
        return prompts[-1]
    return None


def prompt_of_row(row: dict[str, Any], column: str | None = None) -> tuple[str | None, str | None]:
    """``(prompt, column used)`` of one row; ``column`` forces one column."""
    for name in (column,) if column else PROMPT_COLUMNS:
        if name not in row:
            continue
        value = row[name]
        if isinstance(value, str) and name != "inputs":
            if name == "messages":  # a JSON string in a CSV cell
                import json

                try:
                    value = json.loads(value)
                except ValueError:
                    return None, name
                return last_human_turn(value), name
            return (value if value.strip() else None), name
        if name == "inputs":
            return _from_inputs(value), name
        if isinstance(value, list):
            return last_human_turn(value), name
        return None, name
    return None, None


def iter_prompts(path: str | Path, *, column: str | None = None, stats: ReadStats | None = None) -> Iterator[str]:
    """The prompt of every row of a log file, lazily (see the module doc). Raises a one-line
    ``DataFormatError`` for a missing or empty file, or one where no row has a prompt column."""
    for _, text in iter_prompt_rows(path, column=column, stats=stats):
        yield text


def iter_prompt_rows(path: str | Path, *, column: str | None = None,
                     stats: ReadStats | None = None) -> Iterator[tuple[int, str]]:
    """``(line or row number, prompt)`` of every row with a prompt (see ``iter_prompts``)."""
    st = stats if stats is not None else ReadStats()
    p = Path(path).expanduser()
    for lineno, row in iter_rows(p):
        st.rows += 1
        if st.rows <= _SNIFF_ROWS:
            st.columns.update(row)
        text, used = prompt_of_row(row, column)
        if used is None:
            if st.rows >= _SNIFF_ROWS and st.prompts == 0:
                break
            st.skipped += 1
            continue
        st.used = st.used or used
        if text is None:
            st.skipped += 1
            continue
        st.prompts += 1
        yield lineno, text
    if st.rows == 0:
        raise DataFormatError(f"{p}: the log is empty (no rows); give a file with one prompt per row.")
    if st.prompts == 0:
        if st.used is None:
            cols = ", ".join(sorted(st.columns)[:20]) or "none"
            want = repr(column) if column else "'prompt', 'messages' (OpenAI style) or 'inputs' (LangSmith runs export)"
            raise DataFormatError(f"{p}: no prompt column: rows need {want}; the columns are: {cols}.")
        raise DataFormatError(
            f"{p}: no row has user text in its {st.used!r} column ({st.rows} rows); give prompts or user turns."
        )


def read_prompts(path: str | Path, *, column: str | None = None) -> list[str]:
    """Every prompt of a log file, in order (see ``iter_prompts``)."""
    return list(iter_prompts(path, column=column))


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def sample_prompts(prompts: list[str], n: int | None, *, seed: int = 0, strata: int = 5) -> list[str]:
    """Up to ``n`` distinct prompts (duplicates by whitespace and case dropped, first kept),
    stratified by length: the distinct prompts are cut into ``strata`` length bands of equal
    size and each band gives its share of ``n`` (seeded, in log order). ``n=None``: all."""
    if n is not None and n < 1:
        raise ConfigError(f"the sample size must be at least 1, got {n}.")
    seen: set[str] = set()
    distinct = []
    for p in prompts:
        k = _key(p)
        if k and k not in seen:
            seen.add(k)
            distinct.append(p)
    if n is None or n >= len(distinct):
        return distinct
    rng = np.random.default_rng(seed)
    lengths = np.array([len(p) for p in distinct])
    order = np.argsort(lengths, kind="stable")
    bands = np.array_split(order, max(1, min(strata, n)))
    quota = np.floor(np.array([len(b) for b in bands]) * n / len(distinct)).astype(int)
    rest = n - int(quota.sum())
    fractional = np.array([len(b) * n / len(distinct) for b in bands]) - quota
    for i in np.argsort(-fractional, kind="stable")[:rest]:
        quota[i] += 1
    picked: list[int] = []
    for band, k in zip(bands, quota):
        picked.extend(rng.choice(band, size=int(k), replace=False).tolist())
    return [distinct[i] for i in sorted(picked)]


def prompt_id(text: str) -> str:
    """A short stable id of a prompt (sha256 of its UTF-8 text, 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
