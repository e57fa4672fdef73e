"""How a ``RoutedChatModel`` decides its calls (``Decider``): the route an agent run already took
(sticky routing), else the policy's decision on the text to score (``route_on``, else the last
human message); batches scored in one router pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig

from langchain_routellm.prompt_text import last_human_text
from langchain_routellm.sticky_routes import StickyRoutes
from routellm_core.errors import RouteLLMError
from routellm_core.policy.routing_policy import RoutingPolicy
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.prompts import pick_text

#: names the adapter in errors of route_on hooks
OWNER = "RoutedChatModel"
#: private ``configurable`` key carrying a batch item's decision to its ``invoke``
BATCH_DECISION = "__routellm_decision"


def batch_configs(
    configs: list[RunnableConfig], decisions: list[Any], return_exceptions: bool
) -> list[RunnableConfig]:
    """Each config carrying its item's decision (or error) to ``invoke``; the first error is
    raised unless ``return_exceptions``."""
    if not return_exceptions:
        for d in decisions:
            if isinstance(d, Exception):
                raise d
    return [
        cast("RunnableConfig", {**c, "configurable": {**c.get("configurable", {}), BATCH_DECISION: d}})
        for c, d in zip(configs, decisions, strict=True)
    ]


class Decider:
    """The policy, the sticky-run memory (None: not sticky) and the ``route_on`` hook of a
    ``RoutedChatModel``, deciding its calls (made per call: a few attribute slots)."""

    __slots__ = ("policy", "route_on", "sticky")

    def __init__(self, policy: RoutingPolicy, sticky: StickyRoutes | None,
                 route_on: Callable[[list[BaseMessage]], str | None] | None) -> None:
        self.policy, self.sticky, self.route_on = policy, sticky, route_on

    def route_or_text(self, messages: Sequence[BaseMessage], config: RunnableConfig | None) -> tuple[Any, Any]:
        """(sticky memory key, the route this run already took or else the text to score)."""
        sticky = self.sticky
        found, key = sticky.lookup(messages, config, self.policy.labels) if sticky is not None else (None, None)
        if found is not None:
            return key, found
        return key, pick_text(list(messages), last_human_text, route_on=self.route_on, owner=OWNER)

    def route_text_or_error(self, messages: Sequence[BaseMessage], config: RunnableConfig | None) -> tuple[Any, Any]:
        """``route_or_text``, with the error in place of the text when there is nothing to score."""
        try:
            return self.route_or_text(messages, config)
        except RouteLLMError as exc:
            return None, exc

    def remember(self, key: Any, decision: RoutingDecision) -> RoutingDecision:
        return decision if key is None or self.sticky is None else self.sticky.remember(key, decision)

    def remember_new_routes(self, pending: list[tuple[Any, Any]], decided: list[Any]) -> list[Any]:
        """Remember the new decisions of sticky runs; raise nothing, return decisions or errors."""
        for (key, item), decision in zip(pending, decided, strict=True):
            if isinstance(item, str) and isinstance(decision, RoutingDecision):
                self.remember(key, decision)
        return decided

    def decide(self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None) -> RoutingDecision:
        key, item = self.route_or_text(messages, config)
        return item if isinstance(item, RoutingDecision) else self.remember(key, self.policy.decide(item))

    async def adecide(self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None) -> RoutingDecision:
        key, item = self.route_or_text(messages, config)
        if isinstance(item, RoutingDecision):
            return item
        return self.remember(key, await self.policy.adecide(item))

    def _to_decide(self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None) -> list[Any]:
        return [self.route_text_or_error(m, c) for m, c in zip(messages_list, configs or [{}] * len(messages_list))]

    def decide_batch(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None = None
    ) -> list[RoutingDecision | Exception]:
        pending = self._to_decide(messages_list, configs)
        return self.remember_new_routes(pending, self.policy.decide_pending([item for _, item in pending]))

    async def adecide_batch(
        self, messages_list: list[list[BaseMessage]], configs: list[RunnableConfig] | None = None
    ) -> list[RoutingDecision | Exception]:
        pending = self._to_decide(messages_list, configs)
        return self.remember_new_routes(pending, await self.policy.adecide_pending([item for _, item in pending]))
