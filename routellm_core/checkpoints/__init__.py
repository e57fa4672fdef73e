"""Checkpoints: the file format (``format``: ``config.json`` + ``model.safetensors``), below the
routers, which save and load themselves with it. Loading a router by name, folder or hub id,
and RouteLLM's formats, live in ``routellm_core.loading``, above the routers.
"""
