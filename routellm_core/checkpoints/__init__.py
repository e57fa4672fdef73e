"""Checkpoints: the file format (``format``: ``config.json`` + ``model.safetensors``, below the
routers, which save and load themselves with it), the loader (``loading``: ``load_router``,
``shared_router``, bundled checkpoints) and RouteLLM's published formats (``routellm``,
converted on load). ``loading`` and ``routellm`` sit above ``routers/``; this ``__init__``
imports nothing, so ``format`` never pulls them in.
"""
