"""Loading routers, above the routers: ``loader`` (``load_router``, ``shared_router``, the
bundled checkpoints) and ``upstream_format`` (RouteLLM's published checkpoint formats,
converted on load). The file format itself (``checkpoints.format``) sits below the routers.
This ``__init__`` imports nothing: import the defining modules."""
