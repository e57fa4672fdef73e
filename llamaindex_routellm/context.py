"""Context variables that tell a RoutedLLM what to score (safe across threads and async tasks).

- ``routing_text(text)``: inside this block every RoutedLLM call scores ``text`` instead of the
  messages it is given (what ``RoutingQueryEngine`` sets around a query).
- ``current_prompt_args()``: the template variables of the ``predict``/``stream``/
  ``structured_predict`` call in progress on a RoutedLLM (e.g. ``{"query_str": ..., "context_str":
  ...}`` inside a query engine); ``route_on`` hooks read them. RoutedLLM sets them with
  ``predict_scope`` / ``structured_scope``.

Each asyncio task and each ``contextvars``-copying thread sees its own values, so concurrent
queries never see each other's text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, Optional

from llamaindex_routellm.messages import latest_user_text

_ROUTING_TEXT: ContextVar[str | None] = ContextVar("routellm_routing_text", default=None)
_PROMPT_ARGS: ContextVar[Mapping[str, Any] | None] = ContextVar("routellm_prompt_args", default=None)
#: what the default scorer uses instead of the latest user message (set by structured_predict:
#: the prompt as written, without the output-format instructions LlamaIndex appends)
_DEFAULT_TEXT: ContextVar[str | None] = ContextVar("routellm_default_text", default=None)


@contextmanager
def routing_text(text: str | None) -> Iterator[None]:
    """Score ``text`` for every RoutedLLM call made inside the block (``None``: no override)."""
    token = _ROUTING_TEXT.set(text)
    try:
        yield
    finally:
        _ROUTING_TEXT.reset(token)


def current_routing_text() -> str | None:
    """The text set by the innermost ``routing_text`` block, or None."""
    return _ROUTING_TEXT.get()


@contextmanager
def prompt_args_scope(prompt_args: Mapping[str, Any]) -> Iterator[None]:
    """Record the template variables of the prompt being predicted (used by RoutedLLM)."""
    token = _PROMPT_ARGS.set(dict(prompt_args))
    try:
        yield
    finally:
        _PROMPT_ARGS.reset(token)


@contextmanager
def default_text_scope(text: str | None) -> Iterator[None]:
    """Inside the block, score ``text`` where the latest user message would be scored."""
    token = _DEFAULT_TEXT.set(text)
    try:
        yield
    finally:
        _DEFAULT_TEXT.reset(token)


def current_default_text() -> str | None:
    return _DEFAULT_TEXT.get()


def current_prompt_args() -> Mapping[str, Any]:
    """Template variables of the RoutedLLM ``predict``-style call in progress (empty if none)."""
    return _PROMPT_ARGS.get() or {}


def template_vars(prompt: Any, prompt_args: Mapping[str, Any]) -> dict[str, Any]:
    """A prompt's template variables: those bound earlier with ``partial_format`` (synthesizers
    bind ``query_str`` that way) and those given to this call."""
    bound = getattr(prompt, "kwargs", None)
    return {**(bound if isinstance(bound, dict) else {}), **prompt_args}


@contextmanager
def predict_scope(prompt: Any, prompt_args: Mapping[str, Any]) -> Iterator[None]:
    """Inside the block, ``current_prompt_args()`` gives the template variables of ``prompt``."""
    with prompt_args_scope(template_vars(prompt, prompt_args)):
        yield


@contextmanager
def structured_scope(prompt: Any, prompt_args: Mapping[str, Any]) -> Iterator[None]:
    """``predict_scope``, and the default text to score is the latest user text of the prompt as
    written: structured programs append JSON-schema instructions to it, which would otherwise be
    scored too."""
    try:
        template = prompt
        if getattr(prompt, "output_parser", None) is not None:
            template = prompt.model_copy()  # programs attach their output parser: format without it
            template.output_parser = None
        text: Optional[str] = latest_user_text(template.format_messages(**prompt_args))
    except Exception:  # noqa: BLE001 - unusual template: score the messages as sent
        text = None
    with predict_scope(prompt, prompt_args), default_text_scope(text):
        yield


class PromptScopes:
    """The prompt-level calls of a ``RoutedLLM`` (a mixin before ``FunctionCallingLLM``): they
    record the prompt's template variables (e.g. a query engine's ``query_str``) for ``route_on``
    hooks such as ``route_on_query``; routing happens in chat/complete as usual."""

    def predict(self, prompt: Any, **prompt_args: Any) -> str:
        with predict_scope(prompt, prompt_args):
            return super().predict(prompt, **prompt_args)

    async def apredict(self, prompt: Any, **prompt_args: Any) -> str:
        with predict_scope(prompt, prompt_args):
            return await super().apredict(prompt, **prompt_args)

    def stream(self, prompt: Any, **prompt_args: Any) -> Any:
        with predict_scope(prompt, prompt_args):
            return super().stream(prompt, **prompt_args)

    async def astream(self, prompt: Any, **prompt_args: Any) -> Any:
        with predict_scope(prompt, prompt_args):
            return await super().astream(prompt, **prompt_args)

    def structured_predict(
        self, output_cls: Any, prompt: Any, llm_kwargs: Optional[Dict[str, Any]] = None, **prompt_args: Any
    ) -> Any:
        with structured_scope(prompt, prompt_args):
            return super().structured_predict(output_cls, prompt, llm_kwargs=llm_kwargs, **prompt_args)

    async def astructured_predict(
        self, output_cls: Any, prompt: Any, llm_kwargs: Optional[Dict[str, Any]] = None, **prompt_args: Any
    ) -> Any:
        with structured_scope(prompt, prompt_args):
            return await super().astructured_predict(output_cls, prompt, llm_kwargs=llm_kwargs, **prompt_args)
