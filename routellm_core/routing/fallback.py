"""The fallback runner, written once for every adapter: call the chosen model and, with
``fallback_to_other``, the other one when it fails.

``Attempts(model, fallback)`` is one routed call. Its ``call`` / ``acall`` run a function of the
label (``"strong"``/``"weak"``, or a model's name with N models) and ``stream`` / ``astream`` a
stream opener, trying the chosen model first. The rule:

- the other model is tried only when the chosen one raised and ``fallback`` is on; with N models,
  the others in the order given (``Candidates.fallback_order``: nearest tier first), each only
  when the one before it raised;
- never once a stream has yielded an item (streamed text cannot be taken back);
- when the last model fails too, its error is raised chained (``__cause__``) to the chosen
  model's error, so the caller sees both and a request is never lost silently; with three or
  more models tried, the cause is an ``EarlierAttemptsFailed`` group holding every earlier
  model's error in order (an ``ExceptionGroup`` on Python 3.11+). The raised error also carries
  them all as ``earlier_attempt_errors``.

While or after running, ``label`` is the model answering and ``first_error`` the chosen model's
error (None without a fallback): what ``routing_metadata`` reports.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from routellm_core.routing.decision import other_model

T = TypeVar("T")

if sys.version_info >= (3, 11):
    _Group = ExceptionGroup
else:  # pragma: no cover - Python 3.10

    class _Group(Exception):
        def __new__(cls, message: str, exceptions: Sequence[Exception]) -> Any:
            return super().__new__(cls, message, exceptions)

        def __init__(self, message: str, exceptions: Sequence[Exception]) -> None:
            super().__init__(message)
            self.exceptions = tuple(exceptions)


class EarlierAttemptsFailed(_Group):
    """The errors of the models a fallback tried before the last one, in order (``exceptions``;
    ``labels``: the model each came from). Raised as the ``__cause__`` of the last error."""

    def __new__(cls, message: str, exceptions: Sequence[Exception], labels: Sequence[str] = ()) -> Any:
        return super().__new__(cls, message, list(exceptions))

    def __init__(self, message: str, exceptions: Sequence[Exception], labels: Sequence[str] = ()) -> None:
        super().__init__(message, list(exceptions))
        self.labels = tuple(labels)

    def derive(self, excs: Sequence[BaseException]) -> EarlierAttemptsFailed:
        return EarlierAttemptsFailed(str(self), excs, self.labels)


class Attempts:
    """The models one routed call tries, in order, and what is raised when they fail.

    ``on_fallback(label, error)``, if given, is called before the other model is tried (e.g. to
    emit a fallback event).
    """

    def __init__(
        self, model: str, fallback: bool, *, on_fallback: Callable[[str, BaseException], None] | None = None,
        others: Sequence[str] | None = None,
    ) -> None:
        if others is None:
            others = [other_model(model)]  # raises unless model is "strong" or "weak"
        self.labels: list[str] = [model, *others] if fallback else [model]
        self.errors: list[Exception] = []
        self.on_fallback = on_fallback
        #: the model being tried (after a successful run: the one that answered)
        self.label = model

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    @property
    def first_error(self) -> BaseException | None:
        """The chosen model's error once a fallback is under way, else None."""
        return self.errors[0] if self.errors else None

    def next_or_raise(self, exc: Exception, *, started: bool = False) -> None:
        """Record that the model being tried raised ``exc``: returns when another model is left
        to try and nothing was streamed yet, else raises ``exc`` (chained to the first error)."""
        if not started and len(self.errors) + 1 < len(self.labels):
            self.errors.append(exc)
            self.label = self.labels[len(self.errors)]
            if self.on_fallback is not None:
                self.on_fallback(self.label, exc)
            return
        earlier = [e for e in self.errors if e is not exc]
        if earlier:
            try:  # every attempt's error, for whoever reports it (the server, logs)
                setattr(exc, "earlier_attempt_errors", tuple(earlier))  # noqa: B010 - an attribute of any exception
            except AttributeError:  # pragma: no cover - an exception type with __slots__
                pass
        if len(earlier) == 1:
            raise exc from earlier[0]
        if earlier:
            raise exc from EarlierAttemptsFailed(
                f"{len(earlier)} models tried before the last one failed too", earlier, self.labels[: len(earlier)]
            )
        raise exc

    # ------------------------------------------------------------------ runners
    def call(self, fn: Callable[[str], T]) -> T:
        """``fn(label)`` for the chosen model, then the other one if it raised."""
        while True:
            try:
                return fn(self.label)
            except Exception as exc:
                self.next_or_raise(exc)

    async def acall(self, fn: Callable[[str], Awaitable[T]]) -> T:
        while True:
            try:
                return await fn(self.label)
            except Exception as exc:
                self.next_or_raise(exc)

    def stream(self, open_stream: Callable[[str], Iterable[T]]) -> Iterator[T]:
        """The items of ``open_stream(label)``. The chosen model's stream is opened now (an error
        while opening falls back at once); the returned iterator falls back on an error only
        before its first item."""
        return self._iterate(self._open(open_stream), open_stream)

    def _open(self, open_stream: Callable[[str], Iterable[T]]) -> Iterator[T]:
        while True:
            try:
                return iter(open_stream(self.label))
            except Exception as exc:
                self.next_or_raise(exc)

    def _iterate(self, items: Iterator[T], open_stream: Callable[[str], Iterable[T]]) -> Iterator[T]:
        while True:  # until a model yields its first item (or has none)
            try:
                first = next(items)
            except StopIteration:
                return
            except Exception as exc:
                self.next_or_raise(exc)
                items = self._open(open_stream)
                continue
            break
        yield first
        try:
            yield from items  # started: an error now ends the stream
        except Exception as exc:
            self.next_or_raise(exc, started=True)

    async def astream(self, open_stream: Callable[[str], Any]) -> AsyncIterator[T]:
        """Async ``stream``: awaiting it opens the chosen model's stream (falling back at once on
        an error while opening) and gives the async iterator of its items.
        ``open_stream(label)`` returns an async iterable or an awaitable of one."""
        return self._aiterate(await self._aopen(open_stream), open_stream)

    async def _aopen(self, open_stream: Callable[[str], Any]) -> AsyncIterator[T]:
        while True:
            try:
                opened = open_stream(self.label)
                if inspect.isawaitable(opened):
                    opened = await opened
                return opened.__aiter__()
            except Exception as exc:
                self.next_or_raise(exc)

    async def _aiterate(self, items: AsyncIterator[T], open_stream: Callable[[str], Any]) -> AsyncIterator[T]:
        started = False
        while True:
            try:
                item = await items.__anext__()
            except StopAsyncIteration:
                return
            except Exception as exc:
                self.next_or_raise(exc, started=started)
                items = await self._aopen(open_stream)
                continue
            started = True
            yield item
