"""Make a RoutedLLM score a query engine's *query*, not the templated prompt around it.

Inside a query engine the LLM sees a prompt like "Context information is below ... <retrieved
chunks> ... Query: <question>", so scoring the whole prompt mostly scores the retrieved text.
Two ready helpers score only the user's question:

- ``route_on_query``: a ``route_on`` hook. ``RoutedLLM(..., route_on=route_on_query)`` scores the
  ``query_str`` template variable of the response synthesizer's ``predict`` calls (every built-in
  synthesizer passes it), and falls back to the latest user message elsewhere (chat, agents).
- ``RoutingQueryEngine(engine)``: wraps any query engine (also custom ones that do not pass
  ``query_str``) and scores the query string for every LLM call made while answering it.

Both use context variables, so concurrent ``aquery`` calls each route on their own query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable, Dict, Optional

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.base.response.schema import RESPONSE_TYPE
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import QueryBundle

from llamaindex_routellm.context import current_prompt_args, routing_text


def route_on_prompt_var(name: str) -> Callable[[Sequence[ChatMessage]], Optional[str]]:
    """A ``route_on`` hook that scores the template variable ``name`` of the prompt being
    predicted (when the call comes from ``predict``/``stream``/``structured_predict``)."""

    def hook(messages: Sequence[ChatMessage]) -> Optional[str]:
        value = current_prompt_args().get(name)
        if isinstance(value, QueryBundle):
            value = value.query_str
        return value if isinstance(value, str) and value.strip() else None

    hook.__name__ = f"route_on_{name}"
    hook.__qualname__ = hook.__name__
    return hook


#: ``route_on`` hook for query engines: score the user's query (``query_str``)
route_on_query = route_on_prompt_var("query_str")
route_on_query.__name__ = route_on_query.__qualname__ = "route_on_query"


class RoutingQueryEngine(BaseQueryEngine):
    """Wraps a query engine so that every RoutedLLM call made while answering a query scores
    the query itself (``query_bundle.query_str``), not the prompt with retrieved context."""

    def __init__(self, query_engine: BaseQueryEngine, callback_manager: Any = None) -> None:
        self._query_engine = query_engine
        super().__init__(callback_manager or getattr(query_engine, "callback_manager", None))

    @property
    def query_engine(self) -> BaseQueryEngine:
        return self._query_engine

    def _get_prompt_modules(self) -> PromptMixinType:
        return {"query_engine": self._query_engine}

    def _get_prompts(self) -> Dict[str, Any]:
        return {}

    def _query(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        with routing_text(query_bundle.query_str):
            return self._query_engine.query(query_bundle)

    async def _aquery(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        with routing_text(query_bundle.query_str):
            return await self._query_engine.aquery(query_bundle)
