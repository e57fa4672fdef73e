"""llamaindex_routellm: RouteLLM routing for LlamaIndex.

    from llamaindex_routellm import RoutedLLM, route_on_query
    llm = RoutedLLM(strong=Anthropic(model="claude-sonnet-4-6"), weak=OpenAI(model="gpt-4o-mini"),
                    router="mf", strong_fraction=0.3, route_on=route_on_query)
    Settings.llm = llm
    resp = llm.chat(messages); resp.additional_kwargs["routing"]   # {"model": "weak", ...}

All routing decisions come from ``routellm_core``. Importing this package loads LlamaIndex core
and numpy only; the router and its embedder load when a RoutedLLM is built. Without LlamaIndex
installed the import raises an ImportError naming the extra: ``pip install 'routellm-plugins[llamaindex]'``.
"""

from __future__ import annotations

from routellm_core.errors import missing_extra_error

try:
    from llamaindex_routellm.context import current_prompt_args, current_routing_text, routing_text
    from llamaindex_routellm.events import RoutingDecisionEvent, RoutingFallbackEvent
    from llamaindex_routellm.llm import RoutedLLM
    from llamaindex_routellm.messages import latest_user_text
    from llamaindex_routellm.query_engine import RoutingQueryEngine, route_on_prompt_var, route_on_query
except ImportError as exc:
    raise missing_extra_error(exc, "llamaindex_routellm", "llamaindex", ("llama_index", "pydantic")) from exc

__all__ = [
    "RoutedLLM",
    "RoutingDecisionEvent",
    "RoutingFallbackEvent",
    "RoutingQueryEngine",
    "current_prompt_args",
    "current_routing_text",
    "latest_user_text",
    "route_on_prompt_var",
    "route_on_query",
    "routing_text",
]
