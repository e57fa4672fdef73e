"""Training and benchmark data: preference battles (``Battles``, ``read_battles``), benchmark
outcomes (``GoldenRow``, ``read_golden``, ``golden_to_battles``) and the file readers behind them
(JSON Lines, CSV, Parquet, gzip; errors name the file and line)."""

from routellm_core.data.battles import BATTLE_COLUMNS, WINNER_VALUES, Battles, read_battles
from routellm_core.data.golden import (
    GoldenRow,
    golden_to_all_pair_battles,
    golden_to_battles,
    parse_flag,
    read_golden,
)
from routellm_core.data.readers import iter_rows, read_text_lines

__all__ = [
    "BATTLE_COLUMNS",
    "WINNER_VALUES",
    "Battles",
    "GoldenRow",
    "golden_to_all_pair_battles",
    "golden_to_battles",
    "iter_rows",
    "parse_flag",
    "read_battles",
    "read_golden",
    "read_text_lines",
]
