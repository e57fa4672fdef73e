"""Reading preference battles and benchmark ("golden") outcomes.

Battles: Chatbot-Arena style rows ``prompt, model_a, model_b, winner`` with winner one of
``model_a``, ``model_b``, ``tie`` (also ``tie (bothbad)``). Golden rows: ``prompt, scores:
{model: 0..1}``. Files: JSON Lines, CSV or Parquet, optionally gzip-compressed (``.gz``).
Text files are read as UTF-8 (a leading byte-order mark is ignored); a bad row, a non-UTF-8
line, a broken gzip stream or an unreadable Parquet file is reported as a ``DataFormatError``
naming the file (and line) and the fix.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.errors import DataFormatError, install_hint
from routellm_core.validation import check_finite_array, finite_number

WINNER_VALUES = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}
BATTLE_COLUMNS = ("prompt", "model_a", "model_b", "winner")


@dataclass
class Battles:
    """A set of battles. ``outcome[i]`` is 1.0 if model_a won, 0.0 if model_b won, 0.5 for a tie.
    ``weight[i]`` (default 1.0) scales a row's share of the training loss."""

    prompts: list[str]
    model_a: list[str]
    model_b: list[str]
    outcome: np.ndarray
    weight: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.prompts)
        self.outcome = np.asarray(self.outcome, dtype=np.float64)
        if self.weight is None:
            self.weight = np.ones(n, dtype=np.float64)
        self.weight = np.asarray(self.weight, dtype=np.float64)
        if not (len(self.model_a) == len(self.model_b) == len(self.outcome) == len(self.weight) == n):
            raise DataFormatError("Battles columns have different lengths.")
        check_finite_array("battle outcomes", self.outcome, error=DataFormatError)
        check_finite_array(
            "battle weights", self.weight, hint="A weight scales a row's share of the loss: use 1.0.", error=DataFormatError
        )
        if n and (self.outcome.min() < 0.0 or self.outcome.max() > 1.0):
            raise DataFormatError("battle outcomes must lie in [0, 1] (1 = model_a won, 0 = model_b won, 0.5 = tie).")
        if n and self.weight.min() < 0.0:
            raise DataFormatError(
                f"battle weights must be >= 0, got {self.weight.min()!r}; a weight scales a row's share of "
                "the training loss (0 drops the row)."
            )
        same = next((i for i, (a, b) in enumerate(zip(self.model_a, self.model_b)) if a == b), None)
        if same is not None:
            raise DataFormatError(
                f"battle #{same} has model_a and model_b both {self.model_a[same]!r}; a battle needs two "
                "different models (for golden labels: different --strong and --weak names)."
            )

    def __len__(self) -> int:
        return len(self.prompts)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], *, source: str = "<records>") -> Battles:
        """Build from dicts with prompt, model_a, model_b, winner (validated like a file)."""
        return _battles_from_rows(((i + 1, r) for i, r in enumerate(records)), source)

    @classmethod
    def concat(cls, parts: Sequence[Battles]) -> Battles:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls([], [], [], np.zeros(0))
        return cls(
            prompts=[p for b in parts for p in b.prompts],
            model_a=[m for b in parts for m in b.model_a],
            model_b=[m for b in parts for m in b.model_b],
            outcome=np.concatenate([b.outcome for b in parts]),
            weight=np.concatenate([b.weight for b in parts]),
        )

    def subset(self, idx: Sequence[int] | np.ndarray) -> Battles:
        idx = np.asarray(idx, dtype=np.int64)
        return Battles(
            prompts=[self.prompts[i] for i in idx],
            model_a=[self.model_a[i] for i in idx],
            model_b=[self.model_b[i] for i in idx],
            outcome=self.outcome[idx],
            weight=self.weight[idx],
        )

    def models(self) -> list[str]:
        """Every model name, sorted."""
        return sorted(set(self.model_a) | set(self.model_b))

    def unique_prompts(self) -> list[str]:
        return list(dict.fromkeys(self.prompts))

    def default_pair(self) -> tuple[str, str]:
        """(strong, weak): the two most frequent models, the one with the higher win rate first."""
        counts: Counter[str] = Counter(self.model_a) + Counter(self.model_b)
        if len(counts) < 2:
            raise DataFormatError("battles name fewer than two models; a router needs a strong and a weak model.")
        wins: Counter[str] = Counter()
        for a, b, o in zip(self.model_a, self.model_b, self.outcome):
            wins[a] += o
            wins[b] += 1.0 - o
        top = [m for m, _ in counts.most_common(2)]
        top.sort(key=lambda m: wins[m] / counts[m], reverse=True)
        return top[0], top[1]


# ---------------------------------------------------------------------------- files
#: largest CSV field accepted (Python's default, 128 KiB, is smaller than long prompts)
CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


def _base_suffix(path: Path) -> str:
    return Path(path.stem).suffix.lower() if path.suffix == ".gz" else path.suffix.lower()


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


def _battles_from_rows(rows: Iterable[tuple[int, dict[str, Any]]], source: str) -> Battles:
    prompts: list[str] = []
    ma: list[str] = []
    mb: list[str] = []
    out: list[float] = []
    weights: list[float] = []
    for lineno, row in rows:
        where = f"{source}:{lineno}"
        missing = [c for c in BATTLE_COLUMNS if c not in row or row[c] is None]
        if missing:
            raise DataFormatError(
                f"{where}: missing column(s) {', '.join(missing)}; a battle row needs "
                f"{', '.join(BATTLE_COLUMNS)} (winner: model_a, model_b or tie)."
            )
        prompt, a, b, winner = row["prompt"], row["model_a"], row["model_b"], row["winner"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise DataFormatError(f"{where}: prompt is empty or not text.")
        if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
            raise DataFormatError(f"{where}: model_a and model_b must be non-empty model names.")
        if a == b:
            raise DataFormatError(f"{where}: model_a and model_b are both {a!r}; a battle needs two models.")
        w = str(winner).strip().lower()
        if w not in WINNER_VALUES:
            raise DataFormatError(
                f"{where}: unknown winner {winner!r}; use model_a, model_b or tie."
            )
        weight = row.get("weight", 1.0)
        if isinstance(weight, str):
            try:
                weight = float(weight) if weight.strip() else 1.0
            except ValueError:
                raise DataFormatError(f"{where}: weight {weight!r} is not a number.") from None
        weight = 1.0 if weight is None else finite_number(
            f"{where}: weight", weight, minimum=0.0, hint="Use a number >= 0 (default 1.0).", error=DataFormatError
        )
        prompts.append(prompt)
        ma.append(a)
        mb.append(b)
        out.append(WINNER_VALUES[w])
        weights.append(weight)
    return Battles(prompts, ma, mb, np.asarray(out), np.asarray(weights))


def read_battles(paths: str | Path | Sequence[str | Path]) -> Battles:
    """Read battle files (see module doc) into one Battles set."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return Battles.concat([_battles_from_rows(iter_rows(p), str(p)) for p in paths])


@dataclass
class GoldenRow:
    """One benchmark outcome: ``scores[model]`` in [0, 1] (1 = correct)."""

    prompt: str
    scores: dict[str, float]
    id: str = ""
    category: str = ""
    contaminated: bool = False


def read_golden(paths: str | Path | Sequence[str | Path], *, drop_contaminated: bool = True) -> list[GoldenRow]:
    """Read benchmark-outcome files (``prompt``, ``scores: {model: 0..1}``)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    rows: list[GoldenRow] = []
    for p in paths:
        for lineno, row in iter_rows(p):
            where = f"{p}:{lineno}"
            if "prompt" not in row or "scores" not in row:
                raise DataFormatError(f"{where}: a benchmark row needs 'prompt' and 'scores' ({{model: 0..1}}).")
            scores = row["scores"]
            if isinstance(scores, str):
                try:
                    scores = json.loads(scores)
                except json.JSONDecodeError:
                    raise DataFormatError(f"{where}: scores must be a JSON object {{model: 0..1}}.") from None
            if not isinstance(scores, dict) or not scores:
                raise DataFormatError(f"{where}: scores must be a non-empty object {{model: 0..1}}.")
            clean = {
                str(k): finite_number(f"{where}: score of {k!r}", v, minimum=0.0, maximum=1.0,
                                      hint="Scores are benchmark outcomes in [0, 1] (1 = correct).",
                                      error=DataFormatError)
                for k, v in scores.items()
            }
            if not isinstance(row["prompt"], str) or not row["prompt"].strip():
                raise DataFormatError(f"{where}: prompt is empty or not text.")
            contaminated = parse_flag(row.get("contaminated"), f"{where}: contaminated")
            if contaminated and drop_contaminated:
                continue
            rows.append(
                GoldenRow(
                    prompt=row["prompt"],
                    scores=clean,
                    id=str(row.get("id", f"{Path(p).name}:{lineno}")),
                    category=str(row.get("category", "") or ""),
                    contaminated=contaminated,
                )
            )
    return rows


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", ""}


def parse_flag(value: Any, name: str) -> bool:
    """A yes/no column as a bool: JSON/Parquet booleans, 0/1, or the text true/false/yes/no/1/0
    (any case; empty or missing is False). Anything else is a DataFormatError, never ``bool(text)``."""
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
    elif finite_number(name, value, error=DataFormatError) in (0.0, 1.0):
        return bool(value)
    raise DataFormatError(f"{name} must be true or false (or 1/0, yes/no), got {value!r}.")


def _outcome(score_a: float, score_b: float) -> float:
    """Battle outcome of two benchmark scores: 1 if a is higher, 0 if b is, 0.5 if equal."""
    return 1.0 if score_a > score_b else 0.0 if score_a < score_b else 0.5


def golden_to_battles(
    rows: Sequence[GoldenRow], strong: str, weak: str, *, weight: float = 1.0
) -> Battles:
    """The paper's golden-label augmentation: one strong-vs-weak battle per row. The model with
    the higher score wins; equal scores are a tie. Rows lacking either model raise."""
    if strong == weak:
        raise DataFormatError(
            f"--strong and --weak are both {strong!r}; golden labels compare two different models."
        )
    weight = _golden_weight(weight)
    prompts, ma, mb, out = [], [], [], []
    for r in rows:
        if strong not in r.scores or weak not in r.scores:
            raise DataFormatError(
                f"benchmark row {r.id!r} has no score for {strong!r} and/or {weak!r} "
                f"(it has {', '.join(sorted(r.scores))}); pass --strong/--weak names from the file."
            )
        prompts.append(r.prompt)
        ma.append(strong)
        mb.append(weak)
        out.append(_outcome(r.scores[strong], r.scores[weak]))
    return Battles(prompts, ma, mb, np.asarray(out), np.full(len(prompts), float(weight)))


def golden_to_all_pair_battles(rows: Sequence[GoldenRow], *, weight: float = 1.0) -> Battles:
    """Battles between every pair of models scored on each row (multi-model benchmark files)."""
    weight = _golden_weight(weight)
    prompts, ma, mb, out = [], [], [], []
    for r in rows:
        names = sorted(r.scores)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                prompts.append(r.prompt)
                ma.append(a)
                mb.append(b)
                out.append(_outcome(r.scores[a], r.scores[b]))
    return Battles(prompts, ma, mb, np.asarray(out), np.full(len(prompts), float(weight)))


def _golden_weight(weight: Any) -> float:
    return finite_number("golden weight", weight, minimum=0.0, hint="A weight scales the rows' share of the loss: use 1.0.")
