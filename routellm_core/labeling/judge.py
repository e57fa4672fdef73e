"""Judge prompts and the parsing of judge replies (MT-Bench style, Zheng et al. 2023).

Two modes:

- **single** (``SINGLE_TEMPLATE``): the judge grades one answer from 1 to 10 and ends its reply
  with ``Rating: [[N]]``; a pair's winner is the model with the higher grade (a tie when the
  grades differ by no more than ``tie_margin``).
- **pairwise** (``PAIR_TEMPLATE``): the judge sees two answers and ends with ``[[A]]``, ``[[B]]``
  or ``[[C]]`` (a tie). Each pair is judged in both orders (strong first, then weak first) to
  cancel position bias: the winner stands when both orders agree, one order's win against a
  tie counts as that win, and contradicting orders are a tie.

A template is any text with ``{question}`` and ``{answer}`` (single) or ``{question}``,
``{answer_a}``, ``{answer_b}`` (pairwise); the judge's reply must still end with the verdict
format above. A reply with no verdict is *unparsed*: kept with its raw text, counted, reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routellm_core.errors import ConfigError

SINGLE_TEMPLATE = (
    "[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an "
    "AI assistant to the user question displayed below. Your evaluation should consider factors such as the "
    "helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. Begin your "
    "evaluation by providing a short explanation. Be as objective as possible. After providing your "
    "explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "
    "\"[[rating]]\", for example: \"Rating: [[5]]\".\n\n"
    "[Question]\n{question}\n\n[The Start of Assistant's Answer]\n{answer}\n[The End of Assistant's Answer]"
)

PAIR_TEMPLATE = (
    "[Instruction]\nPlease act as an impartial judge and evaluate the quality of the responses provided by two "
    "AI assistants to the user question displayed below. You should choose the assistant that follows the "
    "user's instructions and answers the user's question better. Your evaluation should consider factors such "
    "as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. Begin "
    "your evaluation by comparing the two responses and provide a short explanation. Avoid any position "
    "biases and ensure that the order in which the responses were presented does not influence your decision. "
    "Do not allow the length of the responses to influence your evaluation. Be as objective as possible. After "
    "providing your explanation, output your final verdict by strictly following this format: \"[[A]]\" if "
    "assistant A is better, \"[[B]]\" if assistant B is better, and \"[[C]]\" for a tie.\n\n"
    "[User Question]\n{question}\n\n[The Start of Assistant A's Answer]\n{answer_a}\n"
    "[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{answer_b}\n"
    "[The End of Assistant B's Answer]"
)

_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")
_RATING_LOOSE = re.compile(r"[Rr]ating:\s*\[?\s*(\d+(?:\.\d+)?)")
_VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")

MODES = ("single", "pairwise")


def check_template(template: str, mode: str) -> str:
    """``template`` if it has the fields of ``mode`` (see the module doc); else a ConfigError."""
    if mode not in MODES:
        raise ConfigError(f"judge mode must be one of {', '.join(MODES)}, got {mode!r}.")
    needed = ("{question}", "{answer}") if mode == "single" else ("{question}", "{answer_a}", "{answer_b}")
    missing = [f for f in needed if f not in template]
    if missing:
        raise ConfigError(f"the {mode} judge template lacks {', '.join(missing)}; it needs {', '.join(needed)}.")
    return template


def fill(template: str, **fields: str) -> str:
    """The template with its fields replaced (plain replacement: braces elsewhere are kept)."""
    out = template
    for key, value in fields.items():
        out = out.replace("{" + key + "}", value)
    return out


def parse_rating(reply: str) -> float | None:
    """The 1..10 grade of a single-answer reply (the last ``[[N]]``, else ``Rating: N``), or None."""
    found = _RATING.findall(reply) or _RATING_LOOSE.findall(reply)
    if not found:
        return None
    value = float(found[-1])
    return value if 1.0 <= value <= 10.0 else None


def parse_verdict(reply: str) -> str | None:
    """``"A"``, ``"B"`` or ``"C"`` (tie) from a pairwise reply (the last verdict), or None."""
    found = _VERDICT.findall(reply)
    return found[-1] if found else None


def winner_from_grades(grade_a: float, grade_b: float, tie_margin: float = 0.0) -> str:
    """``model_a``, ``model_b`` or ``tie`` from two grades."""
    if abs(grade_a - grade_b) <= tie_margin:
        return "tie"
    return "model_a" if grade_a > grade_b else "model_b"


def winner_from_both_orders(first: str, second: str) -> str:
    """The battle winner (``model_a`` = the model shown first in the *first* order) from the
    verdicts of both orders: ``first`` judged (a, b) as (A, B), ``second`` judged (b, a) as (A, B)."""
    one = {"A": "model_a", "B": "model_b", "C": "tie"}[first]
    two = {"A": "model_b", "B": "model_a", "C": "tie"}[second]  # swapped back
    if one == two:
        return one
    if "tie" in (one, two):
        return one if two == "tie" else two
    return "tie"


@dataclass(frozen=True)
class JudgeCheck:
    """A canned question with a good and a bad answer: the judge must grade them (a probe run
    once before the labels, so a judge that refuses or ignores the format stops the run early)."""

    question: str = "What is 12 * 12?"
    good: str = "12 * 12 = 144."
    bad: str = "12 * 12 = 124."
