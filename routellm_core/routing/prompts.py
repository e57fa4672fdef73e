"""The text a router scores: which text a routed call scores (``pick_text``, ``hook_text``) and
the validation of prompts (``as_prompt_list`` and friends).

Which text: a framework adapter turns its call into messages and gives ``pick_text`` a default
extractor (e.g. "the last human message"); an override (e.g. LlamaIndex's ``routing_text``
block) wins, then the user's ``route_on`` hook, then the default. A hook returns the text to
score, or None / blank text for "use the default".

Validation: a prompt is a non-empty ``str`` of valid Unicode. A list (or tuple, or other ordered sequence)
of prompts is scored as a batch. Anything else is refused with an ``InvalidPromptError`` rather
than iterated: a ``dict`` (a chat message: pass its ``"content"``), ``bytes`` (decode them
first), a set (no order to match scores to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from routellm_core.errors import InvalidPromptError, RouteLLMError, RouteOnError, RoutingError

M = TypeVar("M")


def hook_text(route_on: Callable[[M], Any], messages: M, *, owner: str) -> str | None:
    """What the ``route_on`` hook picks from ``messages``: its text, or None when it returns None
    or blank text (the caller then scores its default text). A hook that raises is a
    RoutingError naming it (cause kept); one that returns neither a str nor None, a
    RouteOnError."""
    name = getattr(route_on, "__name__", repr(route_on))
    try:
        text = route_on(messages)
    except RouteLLMError:
        raise
    except Exception as exc:  # noqa: BLE001 - user code; keep the cause
        raise RoutingError(
            f"{owner}: the route_on hook {name!r} failed: route_on raised {type(exc).__name__}: {exc}"
        ) from exc
    if text is not None and not isinstance(text, str):
        raise RouteOnError(
            f"{owner}: the route_on hook {name!r} must return the text to score, a str or None "
            f"(None: score the default text), got {type(text).__name__}."
        )
    return text if text and text.strip() else None


def pick_text(
    messages: M,
    default: Callable[[M], str],
    *,
    route_on: Callable[[M], Any] | None = None,
    override: str | None = None,
    owner: str = "router",
) -> str:
    """The text one routed call scores: ``override`` if given, else the ``route_on`` hook's text,
    else ``default(messages)``."""
    if override is not None:
        return override
    if route_on is not None:
        text = hook_text(route_on, messages, owner=owner)
        if text is not None:
            return text
    return default(messages)


def as_prompt_list(prompts: str | Sequence[str]) -> tuple[list[str], bool]:
    """Return ``(list_of_prompts, was_single)``; raise InvalidPromptError on bad input."""
    if isinstance(prompts, str):
        return [_check_prompt(prompts, "prompt")], True
    items = _as_items(prompts, "prompts", "router.score(['first prompt', 'second prompt'])")
    return [_check_prompt(p, f"prompt #{i}") for i, p in enumerate(items)], False


def as_single_prompt(prompt: Any, where: str) -> str:
    """``prompt`` checked as one prompt (a str); a list here is a mistake, named in the error."""
    if not isinstance(prompt, str) and isinstance(prompt, (list, tuple)):
        raise InvalidPromptError(
            f"{where} takes one prompt (a str), got a {type(prompt).__name__} of {len(prompt)}; "
            "use the batch method for several prompts."
        )
    items, _ = as_prompt_list(prompt)
    return items[0]


def as_prompt_batch(prompts: Any, where: str) -> list[str]:
    """``prompts`` checked as a batch (a list of str); a single str here is refused, never split
    into characters."""
    if isinstance(prompts, str):
        raise InvalidPromptError(
            f"{where} takes a list of prompts, got one str; wrap it in a list ([prompt]) or use the "
            "single-prompt method."
        )
    items, _ = as_prompt_list(prompts)
    return items


def _as_items(prompts: Any, what: str, example: str) -> list[Any]:
    if isinstance(prompts, (bytes, bytearray, memoryview)):
        raise InvalidPromptError(
            f"{what} must be text, got {type(prompts).__name__}; decode it first, e.g. data.decode('utf-8')."
        )
    if isinstance(prompts, Mapping):
        raise InvalidPromptError(
            f"{what} must be a string or a list of strings, got a {type(prompts).__name__} "
            f"(keys {list(prompts)[:4]}); for a chat message pass its text, e.g. message['content']."
        )
    if isinstance(prompts, (set, frozenset)):
        raise InvalidPromptError(
            f"{what} must be an ordered list, got a {type(prompts).__name__}; scores follow the input "
            "order, so pass a list."
        )
    if isinstance(prompts, Iterable):
        return list(prompts)
    raise InvalidPromptError(
        f"{what} must be a string or a list of strings, got {type(prompts).__name__}; pass the user's "
        f"text, e.g. {example}."
    )


def _check_prompt(p: Any, where: str) -> str:
    if not isinstance(p, str):
        hint = (
            "decode it first, e.g. data.decode('utf-8')"
            if isinstance(p, (bytes, bytearray))
            else "for a chat message pass its text, e.g. message['content']"
            if isinstance(p, Mapping)
            else "convert chat messages to their text before scoring"
        )
        raise InvalidPromptError(f"{where} must be a string, got {type(p).__name__}; {hint}.")
    if not p.strip():
        raise InvalidPromptError(
            f"{where} is empty; a router needs the user's text to score. "
            "Pass a non-empty prompt (or route a fixed model without a router)."
        )
    if not p.isascii():
        try:
            p.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidPromptError(
                f"{where} is not valid Unicode: it holds a lone surrogate {p[exc.start]!r} at position "
                f"{exc.start} (usually bytes decoded with errors='surrogateescape'); decode the input "
                "with errors='replace' or fix its encoding."
            ) from None
    return p
