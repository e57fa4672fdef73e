"""Outputs shown in the docs are checked against what the code really returns.

Two conventions, so a shown value cannot drift from the code:

- In a ```python block, ``EXPR  # -> SHOWN`` (or ``NAME = EXPR  # -> SHOWN``, or
  ``print(EXPR)  # -> SHOWN``) shows what ``repr(EXPR)`` (``str`` for ``print``) is. ``...`` in SHOWN
  matches anything; a number in SHOWN matches the real number rounded to the digits shown.
- A line ``<!-- output of: COMMAND -->`` followed by a ```text block shows the exact output of the
  shell command COMMAND.
"""

from __future__ import annotations

import ast
import re

SHOWN = re.compile(r"^(?P<indent>\s*)(?P<code>\S.*?)\s+# -> (?P<shown>.*?)\s*$")
NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
COMMAND_OUTPUT = re.compile(r"<!-- output of: (?P<cmd>.+?) -->\s*\n```text\n(?P<text>.*?)```", re.S)


def instrument(code: str, where: str) -> str:
    """``code`` with every ``# -> SHOWN`` line turned into a call of ``__shown__``."""
    out = []
    for lineno, line in enumerate(code.splitlines(), 1):
        m = SHOWN.match(line)
        if m is None:
            out.append(line)
            continue
        indent, stmt, shown = m["indent"], m["code"], m["shown"]
        node = ast.parse(stmt).body[0]
        label = repr(f"{where}, line {lineno}")
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            out.append(f"{indent}{stmt}; __shown__(repr({name}), {shown!r}, {label})")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "print":
            inner = ast.get_source_segment(stmt, node.value.args[0])
            out.append(f"{indent}{stmt}; __shown__(str({inner}), {shown!r}, {label})")
        elif isinstance(node, ast.Expr):
            out.append(f"{indent}__shown__(repr({stmt}), {shown!r}, {label})")
        else:
            raise ValueError(f"{where}, line {lineno}: '# ->' follows an expression, an assignment or print(...)")
    return "\n".join(out) + "\n"


def _squash(text: str) -> str:
    """Layout-only whitespace removed (numpy pads array items: ``[0.5548362 , 0.6]``)."""
    return re.sub(r"\s+([,\])}])", r"\1", re.sub(r"\s+", " ", text.strip()))


def matches(actual: str, shown: str) -> bool:
    """True if ``actual`` is ``shown``, with ``...`` matching anything and each number in
    ``shown`` equal to the actual number rounded to the digits shown (whitespace that is only
    layout is ignored)."""
    actual, shown = _squash(actual), _squash(shown)
    parts = re.split(f"(\\.\\.\\.|{NUMBER})", shown)
    pattern, numbers = "", []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pattern += re.escape(part)
        elif part == "...":
            pattern += ".*?"
        else:
            pattern += f"({NUMBER})"
            numbers.append(part)
    m = re.fullmatch(pattern, actual, re.S)
    if m is None:
        return False
    for got, want in zip(m.groups(), numbers):
        decimals = len(want.split(".")[1]) if "." in want and "e" not in want else None
        if decimals is None:
            if float(got) != float(want):
                return False
        elif round(float(got), decimals) != float(want):
            return False
    return True


def check(actual: str, shown: str, where: str) -> None:
    assert matches(actual, shown), f"{where}: the docs show {shown!r}, the code gives {actual!r}"
