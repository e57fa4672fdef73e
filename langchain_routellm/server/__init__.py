"""``routellm serve``: an OpenAI-compatible HTTP endpoint that routes every chat completion
between a strong and a weak model, or among N from a config file, with the core ``RoutingPolicy``.

Needs the ``serve`` extra (Starlette, uvicorn, langchain). This package imports nothing, so
``routellm --help`` stays fast; the parts live in their modules:

- ``app.create_app(ServerSettings(...))``: the ASGI app; ``models.ServerSettings``: its settings;
- ``runner.serve(app, host, port)``: uvicorn in the foreground; ``runner.BackgroundServer``: in a
  thread, for notebooks and tests;
- ``cli``: the ``routellm serve`` command; ``model_names``: the ``router-...`` names; ``config``:
  the ``--config`` file; ``passthrough``: the fast path for OpenAI-wire upstreams
  (``upstream_http``: its pooled HTTP/1.1 client); ``openai_format``: the wire format;
  ``errors``: OpenAI-style error bodies.
"""
