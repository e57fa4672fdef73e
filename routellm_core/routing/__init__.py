"""Routing: everything about one decision, framework-neutral; what the adapters call.

- ``decision``: ``RoutingDecision``, the rule (strong iff score >= threshold; with N models the
  tier rule ``tier_of``) and the one threshold resolver (``resolve_threshold``);
- ``calibration``: score quantiles -> thresholds (``strong_fraction``, shares, budgets) and the
  per-model quality trade-off;
- ``candidates``: the N models of a policy, their order and expected cost per call;
- ``online``: controllers that move the cut-offs so live traffic keeps its target;
- ``prompts``: which text a call scores (``pick_text``, the ``route_on`` hook) and prompt checks;
- ``metadata``: the routing dict attached to every routed response (``RoutedCall``: one call's
  decision and its dict, built once);
- ``fallback``: the fallback runner (``Attempts``), sync and async, plain and streaming;
- ``capabilities``, ``members``: what a routed set of models can do, and the models an adapter
  routes between.

Everything here sits below ``routers/`` and imports no router; ``RoutingPolicy``, which loads
routers by name, is ``routellm_core.policy`` (see ``docs/architecture.md``). This ``__init__``
imports nothing.
"""
