"""Routing: everything about one decision, framework-neutral; what the adapters call.

- ``decision``: ``RoutingDecision``, the rule (strong iff score >= threshold; with N models the
  tier rule ``tier_of``) and the one threshold resolver (``resolve_threshold``);
- ``calibration``: score quantiles -> thresholds (``strong_fraction``, shares, budgets) and the
  per-model quality trade-off;
- ``candidates``: the N models of a policy, their order and expected cost per call;
- ``online``: controllers that move the cut-offs so live traffic keeps its target;
- ``prompts``: which text a call scores (``pick_text``, the ``route_on`` hook) and prompt checks;
- ``metadata``: the routing dict attached to every routed response;
- ``fallback``: the fallback runner (``Attempts``), sync and async, plain and streaming;
- ``policy``: ``RoutingPolicy`` (router + cut-offs, two models or N), the object that decides
  routed calls.

All but ``policy`` sit below ``routers/`` and import no router; ``policy`` loads routers by name
and so sits above ``checkpoints/`` (see ``docs/architecture.md``). This ``__init__`` imports
nothing, so importing a low module never pulls ``policy`` in.
"""
