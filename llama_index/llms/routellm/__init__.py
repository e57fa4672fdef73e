"""``from llama_index.llms.routellm import RoutedLLM``: LlamaIndex's naming convention for an LLM
integration, the same classes as ``llamaindex_routellm``.

``llama_index`` and ``llama_index.llms`` are namespace packages (no ``__init__.py``): this
distribution adds only the ``routellm`` folder to them, beside ``llama_index.core`` and the other
``llama-index-llms-*`` integrations.
"""

from llamaindex_routellm import (
    RoutedLLM,
    RoutingDecisionEvent,
    RoutingFallbackEvent,
    RoutingQueryEngine,
    route_on_prompt_var,
    route_on_query,
    routing_text,
)

__all__ = [
    "RoutedLLM",
    "RoutingDecisionEvent",
    "RoutingFallbackEvent",
    "RoutingQueryEngine",
    "route_on_prompt_var",
    "route_on_query",
    "routing_text",
]
