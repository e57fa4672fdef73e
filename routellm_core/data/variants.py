"""Shortened variants of training prompts, for distillation apart from prompt length.

In the training sources, long prompts are mostly benchmark questions (a high strong-model gain)
and short ones mostly casual chat, so a ridge on text features learns "long means hard" and ranks
a short maths question ("what's 17.5% of 2,360?") below a long role-play setup. A teacher that
reads the text (``pooled_bert``) ranks the short question by its task; its scores on shortened
variants of the training prompts teach the ridge that ranking at every length
(``pooled_ridge``'s ``variant_weight``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: a variant's least length, in characters (shorter ones are fragments), and a last sentence's most
MIN_CHARS, MAX_CHARS = 15, 200
#: the first answer option of a multiple-choice question: "\nA. ...", "\n(A) ...", "\nA) ..."
_FIRST_OPTION = re.compile(r"\n\s*\(?A[.)]\s")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def shortened_variant(prompt: str) -> str | None:
    """A multiple-choice question's stem without its answer options (at least ``MIN_CHARS``
    characters), else the last sentence of a prompt of several sentences (``MIN_CHARS`` to
    ``MAX_CHARS`` characters); None when there is no such shorter text."""
    option = _FIRST_OPTION.search(prompt)
    if option is not None:
        short, most = prompt[: option.start()].strip(), len(prompt) - 1
    else:
        sentences = _SENTENCE_END.split(prompt.strip())
        short, most = (sentences[-1].strip() if len(sentences) > 1 else ""), MAX_CHARS
    return short if MIN_CHARS <= len(short) <= most else None


def shortened_variants(prompts: Iterable[str]) -> list[str]:
    """The distinct shortened variants of ``prompts`` that are not themselves among ``prompts``,
    in first-seen order."""
    prompts = list(prompts)
    seen = set(prompts)
    out: list[str] = []
    for p in prompts:
        short = shortened_variant(p)
        if short is not None and short not in seen:
            seen.add(short)
            out.append(short)
    return out
