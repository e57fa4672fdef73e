"""``routellm serve --config routellm.yaml``: N upstream models, the routers, and named routes
that clients select as ``model``.

```yaml
models:                       # strongest first (or ordered by price when every model has one)
  big:
    model: openai:gpt-4o      # provider:model, as init_chat_model names it
    base_url: https://api.openai.com/v1   # optional (default: the provider's variable)
    api_key_env: OPENAI_API_KEY           # optional: the variable that holds its key
    price: [2.50, 10.00]      # USD per 1M input, output tokens
  small:
    model: openai:gpt-4o-mini
    price: [0.15, 0.60]
routers:                      # optional: name -> router spec (default: {default: default})
  default: default
routes:                       # a client sends model="balanced"
  balanced: {share: 0.3}      # 30% of typical prompts to the first (strongest) model
  cheap: {budget: 0.0004, online: {step: 0.05}}   # USD per call, kept on live traffic
  strict: {threshold: 0.5, models: [big, small], router: default, fallback: true}
fallback: false               # the default of every route
```

A route takes one target: ``share`` (of calls to its first model), ``shares``
(``{model: share}``), ``threshold`` (two models) or ``thresholds`` (N - 1 cut-offs), or
``budget`` (expected USD per call; needs prices); ``online`` (``true`` or a mapping) is handed
unchanged to ``RoutingPolicy(online=...)``; ``strategy`` (``tiers``/``quality``/``auto``) and
``tokens`` (``[input, output]``, or ``[prompt, output]`` to price each call by its own prompt)
too. Every error is refused at start with the file and the line (PyYAML's node marks; the file is
read with the safe loader's constructors only).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routellm_core.errors import ConfigError
from routellm_core.routing.candidates import PROMPT_TOKENS

#: largest config file read, in bytes
MAX_CONFIG_BYTES = 1024 * 1024
#: route and model names clients and metrics see: letters, digits, '_', '-', '.', ':' and '/'
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$")
_TOP_KEYS = ("models", "routers", "routes", "fallback")
_MODEL_KEYS = ("model", "base_url", "api_key_env", "price")
_ROUTE_KEYS = ("router", "models", "share", "shares", "threshold", "thresholds", "budget", "online", "strategy",
               "tokens", "fallback")
_TARGETS = ("share", "shares", "threshold", "thresholds", "budget")


@dataclass(frozen=True)
class ModelEntry:
    """One upstream: ``label`` (the name routes and decisions use), ``model``
    (``provider:model``), optional ``base_url`` and ``api_key_env``, ``price`` (USD per 1M
    input and output tokens, or None)."""

    label: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    price: tuple[float, float] | None = None
    line: int = 0


@dataclass(frozen=True)
class RouteEntry:
    """One named route: its ``router`` (a name in ``ServeConfig.routers``, None: the first),
    ``models`` (labels, strongest first), ``options`` (RoutingPolicy's N-model keywords) and
    ``fallback``; ``line``: where it is written, for errors raised when it is built."""

    name: str
    router: str | None
    models: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    fallback: bool = False
    line: int = 0


@dataclass(frozen=True)
class ServeConfig:
    """A checked config file: ``models`` by label (in file order), ``routers`` (``NAME=SPEC``
    as ``--router`` takes them), ``routes`` by name; ``path`` for messages."""

    models: dict[str, ModelEntry]
    routers: tuple[str, ...]
    routes: dict[str, RouteEntry]
    path: str = "<config>"

    def where(self, line: int) -> str:
        return f"{self.path}, line {line}"


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def load_config(path: str | Path) -> ServeConfig:
    """The checked ServeConfig in a YAML file; ConfigError naming the file and the line."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_CONFIG_BYTES + 1]
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read it ({exc.strerror or exc}).") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"--config {path} is larger than {MAX_CONFIG_BYTES} bytes; is it the right file?")
    return parse_config(raw.decode("utf-8", "replace"), str(path))


def parse_config(text: str, path: str = "<config>") -> ServeConfig:
    """The checked ServeConfig in YAML ``text`` (``path`` names it in errors)."""
    try:
        import yaml
    except ImportError:
        raise ConfigError("--config needs PyYAML: pip install pyyaml (it is in the serve extra).") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if context is not None and (mark is None or context.line != mark.line):
            problem += f" ({getattr(exc, 'context', None) or 'in what starts'} on line {context.line + 1})"
        raise ConfigError(f"{path}{at}: not valid YAML: {problem}.") from None
    if root is None:
        raise ConfigError(f"{path}: the file is empty; it needs models: and routes: (see docs/server.md).")
    return _Reader(path).read(root)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, node: Any, message: str) -> ConfigError:
        return ConfigError(f"{self.path}, line {_line(node)}: {message}")

    def value(self, node: Any) -> Any:
        """The plain Python value of a node (safe constructors only)."""
        import yaml

        loader = yaml.SafeLoader("")
        try:
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"cannot read this value: {getattr(exc, 'problem', exc)}.") from None
        finally:
            loader.dispose()

    def mapping(self, node: Any, what: str, keys: tuple[str, ...] | None = None) -> dict[str, tuple[Any, Any]]:
        """``{key: (key node, value node)}`` of a mapping node; unknown keys refused."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping (key: value lines).")
        out: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.fail(key_node, f"{what}: keys must be names, got {key!r}.")
            if key in out:
                raise self.fail(key_node, f"{what}: {key!r} is given twice.")
            if keys is not None and key not in keys:
                raise self.fail(key_node, f"{what}: unknown key {key!r}; the keys are {', '.join(keys)}.")
            out[key] = (key_node, value_node)
        return out

    def name(self, node: Any, what: str) -> str:
        name = self.value(node)
        if not isinstance(name, str) or not NAME.match(name):
            raise self.fail(
                node, f"{what} {name!r} is not a valid name: use letters, digits and _ . - : / (at most 128)."
            )
        return name

    def number(self, node: Any, what: str, *, minimum: float = 0.0, maximum: float | None = None) -> float:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or \
                value < minimum or (maximum is not None and value > maximum):
            upper = f" and <= {maximum:g}" if maximum is not None else ""
            raise self.fail(node, f"{what} must be a number >= {minimum:g}{upper}, got {value!r}.")
        return float(value)

    def text(self, node: Any, what: str) -> str:
        value = self.value(node)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what} must be a non-empty string, got {value!r}.")
        return value

    def flag(self, node: Any, what: str) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            raise self.fail(node, f"{what} must be true or false, got {value!r}.")
        return value

    # ------------------------------------------------------------------ sections
    def read(self, root: Any) -> ServeConfig:
        top = self.mapping(root, "the config file", _TOP_KEYS)
        if "models" not in top:
            raise self.fail(root, "the config file has no models: section; name at least two upstream models.")
        models = self.models(top["models"][1])
        routers = self.routers(top["routers"][1]) if "routers" in top else {"default": ("default", root)}
        fallback = self.flag(top["fallback"][1], "fallback") if "fallback" in top else False
        if "routes" not in top:
            raise self.fail(root, "the config file has no routes: section; name at least one route, e.g. "
                                  "routes: {balanced: {share: 0.3}}.")
        routes = self.routes(top["routes"][1], models, routers, fallback)
        return ServeConfig(
            models=models,
            routers=tuple(f"{name}={spec}" for name, (spec, _) in routers.items()),
            routes=routes,
            path=self.path,
        )

    def models(self, node: Any) -> dict[str, ModelEntry]:
        out: dict[str, ModelEntry] = {}
        for label, (key_node, value_node) in self.mapping(node, "models").items():
            label = self.name(key_node, "model name")
            fields = self.mapping(value_node, f"models.{label}", _MODEL_KEYS)
            if "model" not in fields:
                raise self.fail(value_node, f"models.{label} needs model: provider:model, e.g. openai:gpt-4o-mini.")
            spec = self.text(fields["model"][1], f"models.{label}.model")
            if ":" not in spec:
                raise self.fail(fields["model"][1], f"models.{label}.model {spec!r} needs its provider: "
                                                    f"provider:model, e.g. openai:{spec}.")
            price = None
            if "price" in fields:
                price = self.price(fields["price"][1], f"models.{label}.price")
            out[label] = ModelEntry(
                label=label,
                model=spec,
                base_url=self.text(fields["base_url"][1], f"models.{label}.base_url") if "base_url" in fields else None,
                api_key_env=self.text(fields["api_key_env"][1], f"models.{label}.api_key_env")
                if "api_key_env" in fields else None,
                price=price,
                line=_line(key_node),
            )
        if len(out) < 2:
            raise self.fail(node, f"models: name at least two upstream models to route between, got {len(out)}.")
        return out

    def price(self, node: Any, what: str) -> tuple[float, float]:
        value = self.value(node)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            p = self.number(node, what)
            return (p, p)
        if isinstance(value, list) and len(value) == 2:
            items = node.value
            return (self.number(items[0], f"{what}[0] (input)"), self.number(items[1], f"{what}[1] (output)"))
        raise self.fail(node, f"{what} must be [input, output] USD per 1M tokens, e.g. [0.15, 0.60], got {value!r}.")

    def routers(self, node: Any) -> dict[str, tuple[str, Any]]:
        out = {}
        for name, (key_node, value_node) in self.mapping(node, "routers").items():
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise self.fail(key_node, f"router name {name!r}: use letters, digits and '_'.")
            out[name] = (self.text(value_node, f"routers.{name}"), key_node)
        if not out:
            raise self.fail(node, "routers: name at least one router, e.g. default: default.")
        return out

    def routes(self, node: Any, models: dict[str, ModelEntry], routers: dict[str, Any],
               fallback: bool) -> dict[str, RouteEntry]:
        out: dict[str, RouteEntry] = {}
        entries = self.mapping(node, "routes")
        if not entries:
            raise self.fail(node, "routes: name at least one route, e.g. balanced: {share: 0.3}.")
        for name, (key_node, value_node) in entries.items():
            name = self.name(key_node, "route name")
            if name.startswith("router-"):
                raise self.fail(key_node, f"route name {name!r}: names starting router- are the built-in "
                                          "router-NAME[-NUMBER] names; choose another.")
            fields = self.mapping(value_node, f"routes.{name}", _ROUTE_KEYS)
            where = f"routes.{name}"
            router = None
            if "router" in fields:
                router = self.text(fields["router"][1], f"{where}.router")
                if router not in routers:
                    raise self.fail(fields["router"][1], f"{where}.router {router!r} is not one of the routers: "
                                                         f"{', '.join(routers)}.")
            labels = list(models)
            if "models" in fields:
                labels = self.route_models(fields["models"][1], models, where)
            targets = [k for k in _TARGETS if k in fields]
            if len(targets) > 1:
                raise self.fail(fields[targets[1]][0], f"{where}: give one of share, shares, threshold, thresholds "
                                                        f"or budget, not {' and '.join(targets)}.")
            options: dict[str, Any] = {}
            if "share" in fields:
                options["shares"] = {labels[0]: self.number(fields["share"][1], f"{where}.share", maximum=1.0)}
            if "shares" in fields:
                shares = self.mapping(fields["shares"][1], f"{where}.shares")
                for label, (k, v) in shares.items():
                    if label not in labels:
                        raise self.fail(k, f"{where}.shares names {label!r}, not a model of this route "
                                           f"({', '.join(labels)}).")
                options["shares"] = {label: self.number(v, f"{where}.shares.{label}", maximum=1.0)
                                     for label, (k, v) in shares.items()}
            if "threshold" in fields:
                if len(labels) != 2:
                    raise self.fail(fields["threshold"][0], f"{where}.threshold is for two models; with "
                                                            f"{len(labels)} give thresholds: [N - 1 cut-offs].")
                options["thresholds"] = [self.number(fields["threshold"][1], f"{where}.threshold", maximum=1.0)]
            if "thresholds" in fields:
                value = fields["thresholds"][1]
                items = getattr(value, "value", None)
                if not isinstance(items, list) or len(items) != len(labels) - 1:
                    raise self.fail(value, f"{where}.thresholds must be a list of {len(labels) - 1} cut-offs "
                                           "in [0, 1], strongest model's first.")
                options["thresholds"] = [self.number(v, f"{where}.thresholds[{i}]", maximum=1.0)
                                         for i, v in enumerate(items)]
            if "budget" in fields:
                options["budget"] = self.number(fields["budget"][1], f"{where}.budget")
            prices = {label: models[label].price for label in labels}
            if any(p is not None for p in prices.values()):
                missing = [label for label, p in prices.items() if p is None]
                if missing:
                    raise self.fail(key_node, f"{where}: models {missing} have no price while others do; give "
                                              "every model of a route a price, or none.")
                options["prices"] = prices
            elif "budget" in fields:
                raise self.fail(fields["budget"][0], f"{where}.budget is USD per call: give each of its models a "
                                                     "price: [input, output] (USD per 1M tokens).")
            if "online" in fields:
                online = self.value(fields["online"][1])
                if not isinstance(online, (bool, Mapping)):
                    raise self.fail(fields["online"][1], f"{where}.online must be true/false or a mapping of "
                                                         "settings, e.g. {step: 0.05}.")
                options["online"] = online
            if "strategy" in fields:
                options["strategy"] = self.text(fields["strategy"][1], f"{where}.strategy")
            if "tokens" in fields:
                value = self.value(fields["tokens"][1])
                if not isinstance(value, list) or len(value) != 2:
                    raise self.fail(fields["tokens"][1], f"{where}.tokens must be [input, output] tokens of a "
                                                         "typical call.")
                first, second = fields["tokens"][1].value
                options["tokens"] = (
                    PROMPT_TOKENS if self.value(first) == PROMPT_TOKENS else self.number(first, f"{where}.tokens"),
                    self.number(second, f"{where}.tokens"),
                )
            out[name] = RouteEntry(
                name=name,
                router=router,
                models=tuple(labels),
                options=options,
                fallback=self.flag(fields["fallback"][1], f"{where}.fallback") if "fallback" in fields else fallback,
                line=_line(key_node),
            )
        return out

    def route_models(self, node: Any, models: dict[str, ModelEntry], where: str) -> list[str]:
        import yaml

        if not isinstance(node, yaml.SequenceNode) or len(node.value) < 2:
            raise self.fail(node, f"{where}.models must list at least two of the models: {', '.join(models)}.")
        labels = []
        for item in node.value:
            label = self.value(item)
            if label not in models:
                raise self.fail(item, f"{where}.models names {label!r}, which is not under models: "
                                      f"({', '.join(models)}).")
            if label in labels:
                raise self.fail(item, f"{where}.models names {label!r} twice.")
            labels.append(label)
        return labels


def entry_kwargs(entry: ModelEntry) -> dict[str, Any]:
    """The ``init_chat_model`` keywords of a model entry (base URL, key from its variable)."""
    import os

    kwargs: dict[str, Any] = {}
    if entry.base_url:
        kwargs["base_url"] = entry.base_url
    if entry.api_key_env:
        key = os.environ.get(entry.api_key_env)
        if not key:
            raise ConfigError(
                f"models.{entry.label} (line {entry.line}): api_key_env {entry.api_key_env} is not set in the "
                "environment; export it before starting the server."
            )
        kwargs["api_key"] = key
    return kwargs
