"""An on-disk cache of model and judge replies (SQLite, one row per reply, committed as each
reply arrives), so that a rerun or a run stopped by Ctrl-C, a crash or the cost cap never pays
for the same call twice.

A reply's key is the SHA-256 of (model name, the model's settings, the messages sent): the same
prompt sent to the same model with the same settings is one call, whatever the run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routellm_core.errors import ConfigError


@dataclass(frozen=True)
class Reply:
    """A model's reply: text, token usage (None when the provider reported none), USD cost."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float = 0.0
    cached: bool = False


def reply_key(model: str, settings: dict[str, Any], messages: list[dict[str, str]]) -> str:
    raw = json.dumps([model, settings, messages], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ReplyCache:
    """``get(key)`` / ``put(key, model, reply)`` over a SQLite file (created if missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if self.path.is_dir():
            raise ConfigError(f"cache {self.path} is a folder; give a file name, e.g. labels.cache.sqlite.")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path))
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, model TEXT, text TEXT, "
                "input_tokens INTEGER, output_tokens INTEGER, cost REAL, created REAL)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"cache {self.path} is not a usable SQLite file ({exc}); delete it or give another --cache.") from None

    def get(self, key: str) -> Reply | None:
        row = self._db.execute(
            "SELECT text, input_tokens, output_tokens, cost FROM replies WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return Reply(text=row[0], input_tokens=row[1], output_tokens=row[2], cost=float(row[3] or 0.0), cached=True)

    def put(self, key: str, model: str, reply: Reply) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, model, reply.text, reply.input_tokens, reply.output_tokens, reply.cost, time.time()),
        )
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        self._db.close()
