"""The routing policy: a router plus the rule that turns its outputs into decisions
(``routing_policy.RoutingPolicy``), and the rules, one per form (``rule``: the interface;
``tiers``: the router's one score cut into tiers, the strong/weak pair being the two-tier case;
``quality``: per-model quality traded against price; ``models``: the N-model settings -> a rule).

This package sits above the routers and the loader (a policy may name its router, which the
loader loads). It imports nothing here: import the defining modules."""
