"""Validation of the prompts a router scores."""

from __future__ import annotations

from collections.abc import Sequence

from routellm_core.errors import InvalidPromptError


def as_prompt_list(prompts: str | Sequence[str]) -> tuple[list[str], bool]:
    """Return ``(list_of_prompts, was_single)``; raise InvalidPromptError on bad input.

    A prompt must be a non-empty string that is not only whitespace.
    """
    single = isinstance(prompts, str)
    items = [prompts] if single else prompts
    if not single and not isinstance(prompts, Sequence):
        try:
            items = list(prompts)  # type: ignore[arg-type]
        except TypeError:
            raise InvalidPromptError(
                f"prompts must be a string or a list of strings, got {type(prompts).__name__}; "
                "pass the user's text, e.g. router.score('Explain the CAP theorem')."
            ) from None
    out: list[str] = []
    for i, p in enumerate(items):
        where = "prompt" if single else f"prompt #{i}"
        if not isinstance(p, str):
            raise InvalidPromptError(
                f"{where} must be a string, got {type(p).__name__}; "
                "convert chat messages to their text before scoring."
            )
        if not p.strip():
            raise InvalidPromptError(
                f"{where} is empty; a router needs the user's text to score. "
                "Pass a non-empty prompt (or route a fixed model without a router)."
            )
        out.append(p)
    return out, single
