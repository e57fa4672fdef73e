"""The one schema of a ``POST /v1/chat/completions`` body, as pydantic models, and the size
limits checked before it.

Every field is checked for its type and range as OpenAI checks it (``stream`` is a boolean, not
the string ``"false"``; ``max_tokens`` a positive integer; ``temperature`` a number in [0, 2]; a
``tool_choice`` names one of the request's ``tools``; a JSON schema's ``type`` is a JSON Schema
type); an explicit ``null`` is the same as leaving the field out. A bad body becomes an
``APIError`` 400 whose message names the field (``messages[2].content``). Unknown top-level
fields are ignored, as most OpenAI-compatible servers do.

``check_limits`` bounds the work a body can cause (messages, content parts, nesting depth) in
one cheap pass *before* the models validate it, so a hostile body is refused quickly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from langchain_routellm.server.errors import APIError

#: JSON Schema's type names (a schema ``"type"`` must be one of them, or a list of them)
JSON_SCHEMA_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
#: keys of a JSON schema whose values are data, not sub-schemas (not checked for types)
_SCHEMA_DATA_KEYS = frozenset({"enum", "const", "default", "examples", "example", "required"})
#: OpenAI's tool-name rule
_TOOL_NAME = r"^[A-Za-z0-9_-]{1,64}$"
#: largest token count a request may ask for (int32, as OpenAI's API takes)
MAX_TOKENS_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class RequestLimits:
    """What one request body may hold (each also a ``routellm serve`` flag)."""

    max_messages: int = 1000
    max_content_parts: int = 1000
    max_nesting: int = 64


def _bad(message: str, field: str | None = None) -> APIError:
    error = APIError(400, message, code="invalid_request")
    error.param = field
    return error


# ------------------------------------------------------------------------------ limits
def check_limits(body: Any, limits: RequestLimits) -> None:
    """APIError 400 if ``body`` nests deeper than ``max_nesting``, has more than
    ``max_messages`` messages or more than ``max_content_parts`` content parts in all, or holds
    a lone surrogate. One iterative pass that stops at the first excess (no recursion, however
    deep the body)."""
    depth_limit = limits.max_nesting
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > depth_limit:
            raise _bad(
                f"the request nests objects and arrays more than {depth_limit} levels deep; flatten it, "
                "or start the server with a larger --max-nesting."
            )
        if isinstance(node, dict):
            values: Any = node.values()
            _check_text(node.keys())
        else:
            values = node
        _check_text(values)
        stack.extend((v, depth + 1) for v in values if isinstance(v, (dict, list)))
    if not isinstance(body, dict):
        return
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    if len(messages) > limits.max_messages:
        raise _bad(
            f"messages holds {len(messages)} messages, more than this server's limit of {limits.max_messages}; "
            "send fewer, or start the server with a larger --max-messages.",
            "messages",
        )
    parts = sum(len(m["content"]) for m in messages if isinstance(m, dict) and isinstance(m.get("content"), list))
    if parts > limits.max_content_parts:
        raise _bad(
            f"the messages hold {parts} content parts in all, more than this server's limit of "
            f"{limits.max_content_parts}; join text parts, or start the server with a larger --max-content-parts.",
            "messages",
        )


def _check_text(values: Any) -> None:
    """APIError 400 if a string holds a lone surrogate (a JSON ``\\udXXX`` escape without its
    pair): not Unicode text, so no model or tokenizer can take it."""
    for v in values:
        if isinstance(v, str) and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise _bad(
                    f"the request holds text that is not valid Unicode: a lone surrogate {v[exc.start]!r} "
                    f"(an unpaired \\ud800-\\udfff escape) in {v[max(0, exc.start - 20):exc.start]!r}...; "
                    "send UTF-8 text."
                ) from None


def check_json_schema(schema: Any, where: str) -> None:
    """APIError 400 if a JSON schema names a ``type`` JSON Schema does not have."""
    stack: list[tuple[Any, str]] = [(schema, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            kind = node.get("type")
            kinds = kind if isinstance(kind, list) else [kind]
            if "type" in node and not isinstance(kind, dict) and not all(
                isinstance(k, str) and k in JSON_SCHEMA_TYPES for k in kinds
            ):
                raise _bad(
                    f"{path}.type is {kind!r}; a JSON schema type is one of {', '.join(sorted(JSON_SCHEMA_TYPES))}.",
                    path,
                )
            stack.extend(
                (v, f"{path}.{k}") for k, v in node.items() if k not in _SCHEMA_DATA_KEYS and isinstance(v, (dict, list))
            )
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node) if isinstance(v, (dict, list)))


# ------------------------------------------------------------------------------ models
class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class _TextPart(_Part):
    type: Literal["text"]
    text: StrictStr


class _ImageURL(_Part):
    url: StrictStr
    detail: Literal["auto", "low", "high"] | None = None


class _ImagePart(_Part):
    type: Literal["image_url"]
    image_url: _ImageURL | StrictStr


class _InputAudio(_Part):
    data: StrictStr
    format: StrictStr


class _AudioPart(_Part):
    type: Literal["input_audio"]
    input_audio: _InputAudio


class _FileRef(_Part):
    file_data: StrictStr | None = None
    file_id: StrictStr | None = None
    filename: StrictStr | None = None


class _FilePart(_Part):
    type: Literal["file"]
    file: _FileRef


class _RefusalPart(_Part):
    type: Literal["refusal"]
    refusal: StrictStr


_ContentPart = Annotated[
    Union[_TextPart, _ImagePart, _AudioPart, _FilePart, _RefusalPart], Field(discriminator="type")
]


class _ToolCallFunction(_Strict):
    name: StrictStr
    arguments: StrictStr | None = None


class _ToolCall(_Strict):
    id: StrictStr | None = None
    type: Literal["function"] | None = None
    function: _ToolCallFunction


Content = Union[StrictStr, list[_ContentPart], None]


class _Message(_Strict):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Content = None
    name: StrictStr | None = None
    tool_calls: list[_ToolCall] | None = None
    tool_call_id: StrictStr | None = None

    @model_validator(mode="after")
    def _tool_reply(self) -> _Message:
        if self.role == "tool" and self.tool_call_id is None:
            raise ValueError("a message with role 'tool' needs a tool_call_id")
        return self


class _FunctionDef(_Strict):
    name: Annotated[StrictStr, Field(pattern=_TOOL_NAME)]
    description: StrictStr | None = None
    parameters: dict[str, Any] | None = None
    strict: StrictBool | None = None


class _Tool(_Strict):
    type: Literal["function"]
    function: _FunctionDef


class _NamedFunction(_Strict):
    name: StrictStr


class _NamedToolChoice(_Strict):
    type: Literal["function"]
    function: _NamedFunction


class _StreamOptions(_Strict):
    include_usage: StrictBool | None = None


class _JSONSchemaSpec(_Strict):
    name: Annotated[StrictStr, Field(pattern=_TOOL_NAME)]
    description: StrictStr | None = None
    schema_: dict[str, Any] = Field(alias="schema")
    strict: StrictBool | None = None


class _TextFormat(_Strict):
    type: Literal["text"]


class _JSONObjectFormat(_Strict):
    type: Literal["json_object"]


class _JSONSchemaFormat(_Strict):
    type: Literal["json_schema"]
    json_schema: _JSONSchemaSpec


ResponseFormat = Annotated[Union[_TextFormat, _JSONObjectFormat, _JSONSchemaFormat], Field(discriminator="type")]
Number = Union[StrictInt, StrictFloat]
TokenCount = Annotated[StrictInt, Field(ge=1, le=MAX_TOKENS_LIMIT)]


class ChatBody(_Strict):
    """A chat-completions request, every field typed and ranged."""

    model: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    messages: Annotated[list[_Message], Field(min_length=1)]
    stream: StrictBool | None = None
    stream_options: _StreamOptions | None = None
    n: StrictInt | None = None
    temperature: Annotated[Number, Field(ge=0, le=2)] | None = None
    top_p: Annotated[Number, Field(ge=0, le=1)] | None = None
    max_tokens: TokenCount | None = None
    max_completion_tokens: TokenCount | None = None
    stop: StrictStr | Annotated[list[StrictStr], Field(max_length=4)] | None = None
    tools: list[_Tool] | None = None
    tool_choice: Literal["none", "auto", "required"] | _NamedToolChoice | None = None
    response_format: ResponseFormat | None = None

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int | None) -> int | None:
        if n is not None and n != 1:
            raise ValueError("n must be 1: the routing server returns one choice per request")
        return n



def _location(loc: tuple[Any, ...], body: Any) -> str:
    """The path of a pydantic error location in the client's own terms (``messages[2].content``):
    only the parts that step through the body are kept (pydantic adds the names of union
    branches and tags), plus a last field name that is missing."""
    out, node = "", body
    for i, part in enumerate(loc):
        key = "schema" if part == "schema_" else part
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            out, node = out + f"[{key}]", node[key]
        elif isinstance(node, dict) and isinstance(key, str) and key in node:
            out, node = f"{out}.{key}" if out else key, node[key]
        elif i == len(loc) - 1 and isinstance(node, dict) and isinstance(key, str) and key.isidentifier() \
                and not key.startswith("_"):
            out = f"{out}.{key}" if out else key  # a required field that is missing
    return out


def validate_body(body: Any) -> ChatBody:
    """The ChatBody in a decoded JSON body; APIError 400 naming the (first) wrong field."""
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _bad("messages must be a non-empty list.", "messages")
    for i, m in enumerate(messages):
        role = m.get("role") if isinstance(m, dict) else None
        if role not in ("system", "developer", "user", "assistant", "tool"):
            raise _bad(f"messages[{i}].role is {role!r}; use system, developer, user, assistant or tool.",
                       f"messages[{i}].role")
    try:
        chat = ChatBody.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # a union reports one error per branch; the most specific (longest) location helps most
        first = max(errors, key=lambda e: len(e["loc"])) if errors else None
        where = _location(tuple(first["loc"]), body) if first else ""
        message = first["msg"] if first else str(exc)
        message = re.sub(r" or instance of _?\w+", "", message.removeprefix("Value error, "))
        if where == "model":
            message = "model is required: a router name such as router-default or router-mf-0.11593"
        field = where or None
        raise _bad(f"{where}: {message}." if where else f"{message}.", field) from None
    if isinstance(chat.tool_choice, _NamedToolChoice):
        name = chat.tool_choice.function.name
        if name not in {t.function.name for t in chat.tools or ()}:
            raise _bad(f"tool_choice names the tool {name!r}, which is not in tools.", "tool_choice")
    elif chat.tool_choice == "required" and not chat.tools:
        raise _bad('tool_choice "required" needs tools.', "tool_choice")
    for i, tool in enumerate(chat.tools or ()):
        if tool.function.parameters is not None:
            check_json_schema(tool.function.parameters, f"tools[{i}].function.parameters")
    if isinstance(chat.response_format, _JSONSchemaFormat):
        check_json_schema(chat.response_format.json_schema.schema_, "response_format.json_schema.schema")
    return chat
