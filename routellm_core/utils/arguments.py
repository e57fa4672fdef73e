"""Unknown keyword arguments refused with the closest valid name (``difflib``), so a typo such as
``strong_fractio=0.3`` fails at once instead of silently routing at the default."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from routellm_core.errors import UnknownArgumentError

F = TypeVar("F", bound=Callable[..., Any])


def closest_name(name: str, valid: Iterable[str]) -> str | None:
    """The valid name most similar to ``name`` (difflib ratio >= 0.6), else None."""
    import difflib  # only on the error path

    matches = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_argument_message(owner: str, name: str, valid: Iterable[str]) -> str:
    """``owner got an unknown argument 'name'; did you mean 'x'?`` (or the list of valid names)."""
    names = sorted(set(valid))
    near = closest_name(name, names)
    fix = f"did you mean {near!r}?" if near else f"it takes: {', '.join(names)}."
    return f"{owner} got an unknown argument {name!r}; {fix}"


def check_keywords(owner: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise UnknownArgumentError for the first name of ``given`` not in ``valid``."""
    allowed = set(valid)
    for name in given:
        if name not in allowed:
            raise UnknownArgumentError(unknown_argument_message(owner, name, allowed))


def keyword_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """The names ``func`` accepts as keywords (``self`` and ``*args``/``**kwargs`` excluded), read
    from its code object (no ``inspect`` import on the import path)."""
    while hasattr(func, "__wrapped__"):  # a strict_keywords (or other functools.wraps) wrapper
        func = func.__wrapped__
    code = func.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return tuple(n for n in names if n != "self")


def strict_keywords(owner: str) -> Callable[[F], F]:
    """Decorator: calls with a keyword ``func`` does not take raise UnknownArgumentError naming
    ``owner`` and the closest valid keyword (instead of Python's bare TypeError)."""

    def wrap(func: F) -> F:
        valid = frozenset(keyword_names(func))

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not valid.issuperset(kwargs):
                check_keywords(owner, kwargs, valid)
            return func(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return wrap
