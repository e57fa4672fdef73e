"""A local, deterministic OpenAI- and Anthropic-compatible HTTP server (standard library only)
for tests, the cookbook notebooks and offline demos.

Real SDK clients (``openai``, ``anthropic``, ``langchain_openai.ChatOpenAI``,
``langchain_anthropic.ChatAnthropic``, LlamaIndex's OpenAI/Anthropic LLMs) talk to it over HTTP,
so adapters run end to end without any network access or API key.

Usage::

    from routellm_core.testing import ProviderServer

    with ProviderServer() as srv:
        llm = ChatOpenAI(model="gpt-4o-mini", base_url=srv.openai_base_url, api_key="test")
        claude = ChatAnthropic(model="claude-sonnet-4-6", base_url=srv.anthropic_base_url,
                               api_key="test")
        llm.invoke("hi")
        srv.requests[-1].model          # "gpt-4o-mini": which model answered
        srv.models_called()              # ["gpt-4o-mini"]
        srv.fail_model("gpt-4o-mini")    # every later call to that model gets HTTP 500
        srv.cut_streams("gpt-4o-mini")   # its streams drop the connection after 2 events
        srv.set_reply("judge", lambda text: "Rating: [[7]]")  # scripted text answers (a judge)
        srv.count_requests("judge")      # how many chat/messages calls named that model
        srv.clear_failures(); srv.clear_requests()

Endpoints
    OpenAI:    ``POST /v1/chat/completions`` (JSON or SSE with ``stream_options.include_usage``),
               ``POST /v1/embeddings`` (float or base64), ``GET /v1/models``.
    Anthropic: ``POST /v1/messages`` (JSON or SSE events), ``POST /v1/messages/count_tokens``.

Scripted behaviour (the same for both providers), decided from the request only:
    * a final turn that is a tool result -> text ``"[<model>] The tool returned: <result>"``;
    * tools given and either tool_choice forces a call (OpenAI ``"required"``/named function,
      Anthropic ``{"type": "any"}``/``{"type": "tool"}``) or the last user text names a tool
      (its full name or a word of it, e.g. "weather" for ``get_weather``) or says "tool"
      -> one tool call. Arguments are filled from the JSON schema: integers are the integers of
      the user text in order (``magic_function(3)`` -> ``{"input": 3}``), strings the first
      quoted text of the message (else the message itself), booleans ``true``...;
    * a JSON-schema response format (OpenAI ``response_format``, Anthropic ``output_format`` /
      ``output_config.format``) -> a JSON object that fits the schema;
      OpenAI ``{"type": "json_object"}`` -> an object whose keys are the 'quoted' words of the
      prompt;
    * otherwise text ``"[<model>] Hello! You said: <last user text>"``.
    ``stop`` / ``stop_sequences`` truncate the text. Usage counts whitespace-separated words.

``langchain_openai.OpenAIEmbeddings`` needs ``check_embedding_ctx_length=False`` here (otherwise
it downloads a tiktoken vocabulary first).

Each reply names the model that answered, so routing can be checked from the output as well as
from ``srv.requests``. Clients should be built with ``max_retries=0`` in failure tests; failures
also send ``x-should-retry: false`` so the official SDKs do not retry them anyway.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ProviderServer", "RecordedRequest", "fake_embedding"]

DEFAULT_EMBEDDING_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
KNOWN_MODELS = [
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-3.5-turbo",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "claude-sonnet-4-6",
    "claude-3-5-haiku-latest",
]


@dataclass
class RecordedRequest:
    """One request the server received."""

    provider: str  # "openai" | "anthropic"
    endpoint: str  # "chat" | "messages" | "embeddings" | "models" | "count_tokens"
    path: str
    model: str | None
    stream: bool
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    time: float = 0.0


# ----------------------------------------------------------------------------- helpers
def _words(text: str) -> int:
    return max(1, len(text.split()))


def fake_embedding(text: str, dims: int = 1536) -> list[float]:
    """Deterministic unit vector: a hashed bag of lower-cased words, so texts that share words
    are close in cosine similarity (good enough for tiny retrieval tests)."""
    vec = [0.0] * dims
    tokens = re.findall(r"\w+", text.lower()) or [text]
    for tok in tokens:
        h = hashlib.sha256(tok.encode("utf-8")).digest()
        idx = int.from_bytes(h[:4], "little") % dims
        vec[idx] += 1.0 if h[4] % 2 == 0 else -1.0
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]


def _text_of(content: Any) -> str:
    """Text of an OpenAI or Anthropic message content (string or list of parts/blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                if part.get("type") in ("text", "input_text") and isinstance(part.get("text"), str):
                    parts.append(part["text"])
                elif part.get("type") == "tool_result":
                    parts.append(_text_of(part.get("content")))
    return "\n".join(p for p in parts if p)


def _has_image(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") in ("image_url", "image", "input_image") for p in content
    )


def _sample_from_schema(schema: dict[str, Any], ctx: _ArgContext, defs: dict[str, Any] | None = None) -> Any:
    """A deterministic value that validates against a (simple) JSON schema."""
    defs = defs if defs is not None else {**schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _sample_from_schema(defs.get(name, {}), ctx, defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema and schema[key]:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _sample_from_schema(options[0], ctx, defs)
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    typ = schema.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "string")
    if typ == "object" or (typ is None and "properties" in schema):
        props = schema.get("properties", {})
        return {name: _sample_from_schema(sub, ctx.named(name), defs) for name, sub in props.items()}
    if typ == "array":
        return [_sample_from_schema(schema.get("items", {"type": "string"}), ctx, defs)]
    if typ == "integer":
        return ctx.next_int(schema)
    if typ == "number":
        return float(ctx.next_int(schema))
    if typ == "boolean":
        return True
    return ctx.string()


class _ArgContext:
    """Sources of argument values taken from the last user message."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ints = [int(m) for m in re.findall(r"-?\d+", text)]
        self._i = 0
        quoted = re.findall(r"'([^']+)'|\"([^\"]+)\"", text)
        self.quoted = [a or b for a, b in quoted]
        self.name = ""

    def named(self, name: str) -> _ArgContext:
        self.name = name
        return self

    def next_int(self, schema: dict[str, Any]) -> int:
        if self._i < len(self.ints):
            value = self.ints[self._i]
            self._i += 1
        else:
            value = 3
        lo = schema.get("minimum", schema.get("exclusiveMinimum", None))
        hi = schema.get("maximum", schema.get("exclusiveMaximum", None))
        if lo is not None and value < lo:
            value = int(lo) + 1
        if hi is not None and value > hi:
            value = int(hi) - 1
        return value

    def string(self) -> str:
        if self.quoted:
            return self.quoted[0]
        words = re.findall(r"[A-Z][a-z]+", self.text)
        if self.name and words:
            return words[-1]
        return (self.text.strip() or "value")[:80]


@dataclass
class _Plan:
    """What the scripted model answers: text, or one tool call."""

    text: str | None = None
    tool_name: str | None = None
    tool_args: dict[str, Any] | None = None
    stop_hit: str | None = None


def _plan_reply(
    *,
    model: str,
    last_role: str,
    last_text: str,
    last_user_text: str,
    tools: list[dict[str, Any]],  # normalized: {"name", "description", "parameters"}
    forced: str | bool | None,  # tool name, True (any tool) or None/False
    json_schema: dict[str, Any] | None,
    json_object: bool,
    stop: list[str] | None,
    image: bool,
) -> _Plan:
    if last_role == "tool":
        text = f"[{model}] The tool returned: {last_text.strip() or 'nothing'}"
    elif tools and forced is not False and (forced or _mentions_tool(last_user_text, tools)):
        if isinstance(forced, str):
            tool = next((t for t in tools if t["name"] == forced), tools[0])
        else:
            tool = _mentioned_tool(last_user_text, tools) or tools[0]
        args = _sample_from_schema(tool.get("parameters") or {"type": "object"}, _ArgContext(last_user_text))
        return _Plan(tool_name=tool["name"], tool_args=args if isinstance(args, dict) else {})
    elif json_schema is not None:
        return _Plan(text=json.dumps(_sample_from_schema(json_schema, _ArgContext("")), ensure_ascii=False))
    elif json_object:
        keys = re.findall(r"'(\w+)'", last_user_text) or ["answer"]
        return _Plan(text=json.dumps({k: f"{k} from {model}" for k in keys}))
    else:
        said = last_user_text.strip() or "(nothing)"
        text = f"[{model}] Hello! You said: {said}"
        if image:
            text += " (I see an image.)"
    stop_hit = None
    for s in stop or []:
        if s and s in text:
            cut = text.index(s)
            if cut > 0:
                text, stop_hit = text[:cut], s
    return _Plan(text=text, stop_hit=stop_hit)


def _tool_name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-\s]+", name.lower()) if len(w) > 3 and w not in {"tool", "function"}]


def _mentioned_tool(text: str, tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    low = text.lower()
    for tool in sorted(tools, key=lambda t: -len(t["name"])):  # longest name first
        if tool["name"].lower() in low:
            return tool
    for tool in tools:
        if any(w in low for w in _tool_name_words(tool["name"])):
            return tool
    return None


def _mentions_tool(text: str, tools: list[dict[str, Any]]) -> bool:
    return _mentioned_tool(text, tools) is not None or re.search(r"\btool\b", text.lower()) is not None


def _chunks(text: str, n: int = 4) -> list[str]:
    """Split text into up to ``n`` pieces (on spaces) that concatenate back to it."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    if not pieces:
        return [text]
    size = max(1, -(-len(pieces) // n))
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


# ----------------------------------------------------------------------------- server
class ProviderServer:
    """Background HTTP server on 127.0.0.1 (free port). Use as a context manager or call
    ``start()``/``stop()``.

    Attributes: ``base_url`` (``http://127.0.0.1:PORT``), ``openai_base_url`` (``.../v1``, for
    ``ChatOpenAI(base_url=...)`` / ``OpenAI(base_url=...)``), ``anthropic_base_url`` (root URL,
    for ``ChatAnthropic(base_url=...)`` / ``Anthropic(base_url=...)``), ``requests`` (list of
    ``RecordedRequest``, newest last).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, keep_alive: bool = False) -> None:
        self._host = host
        self._port = port
        self.keep_alive = keep_alive
        self._httpd: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._failures: dict[str, tuple[int, int | None]] = {}  # model -> (status, times left)
        self._delays: dict[str, float] = {}
        self._cuts: dict[str, int] = {}  # model -> SSE events sent before the connection drops
        self._replies: dict[str, Any] = {}  # model -> text, or callable(last user text) -> text

    # -------------------------------------------------------------- lifecycle
    def start(self) -> ProviderServer:
        if self._httpd is not None:
            return self
        handler = type("_Handler", (_Handler,), {"server_state": self})
        self._httpd = _QuietServer((self._host, self._port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="provider-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.base_url

    def environment(self) -> dict[str, str]:
        """The environment variables that point the official clients (``openai``, ``anthropic``,
        LangChain's and LlamaIndex's OpenAI/Anthropic models, ``init_chat_model``) at this server,
        with placeholder keys (the server ignores them)."""
        return {
            "OPENAI_BASE_URL": self.openai_base_url,
            "OPENAI_API_BASE": self.openai_base_url,  # older clients' name for it
            "OPENAI_API_KEY": "sk-offline-not-a-real-key",
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "ANTHROPIC_API_URL": self.anthropic_base_url,  # langchain-anthropic's older name
            "ANTHROPIC_API_KEY": "sk-ant-offline-not-a-real-key",
        }

    # -------------------------------------------------------------- scripting
    def fail_model(self, model: str, status: int = 500, times: int | None = None) -> None:
        """Make calls naming ``model`` fail with HTTP ``status`` (``times`` calls, or always)."""
        with self._lock:
            self._failures[model] = (status, times)

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def set_delay(self, model: str, seconds: float) -> None:
        """Answer calls naming ``model`` after ``seconds`` (for concurrency tests)."""
        with self._lock:
            self._delays[model] = seconds

    def cut_streams(self, model: str, after: int = 2) -> None:
        """Drop the connection of streamed answers naming ``model`` after ``after`` events (a
        provider failing mid-stream)."""
        with self._lock:
            self._cuts[model] = after

    def set_reply(self, model: str, reply: Any) -> None:
        """Answer text calls naming ``model`` with ``reply``: a string, or a function of the last
        user text that returns one (e.g. a judge's grade); tool calls are left as they are."""
        with self._lock:
            self._replies[model] = reply

    def count_requests(self, model: str | None = None) -> int:
        """Chat completions / messages requests received (naming ``model``, when given)."""
        with self._lock:
            return sum(1 for r in self.requests if r.endpoint in ("chat", "messages")
                       and (model is None or r.model == model))

    def _scripted(self, model: str, plan: _Plan, last_user_text: str) -> _Plan:
        with self._lock:
            reply = self._replies.get(model)
        if reply is None or plan.tool_name is not None:
            return plan
        return _Plan(text=reply(last_user_text) if callable(reply) else str(reply))

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._delays.clear()
            self._cuts.clear()
            self._replies.clear()

    def models_called(self, endpoint: str | None = None) -> list[str | None]:
        """Model names of the recorded requests (optionally only one endpoint), in order."""
        with self._lock:
            return [r.model for r in self.requests if endpoint is None or r.endpoint == endpoint]

    # -------------------------------------------------------------- internals
    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def _failure_for(self, model: str | None) -> int | None:
        if model is None:
            return None
        with self._lock:
            entry = self._failures.get(model)
            if entry is None:
                return None
            status, times = entry
            if times is not None:
                if times <= 1:
                    del self._failures[model]
                else:
                    self._failures[model] = (status, times - 1)
            return status

    def _delay_for(self, model: str | None) -> float:
        with self._lock:
            return self._delays.get(model or "", 0.0)

    def _cut_for(self, model: str | None) -> int | None:
        with self._lock:
            return self._cuts.get(model or "")


class _StreamCut(Exception):
    """Raised inside a handler to drop a stream's connection mid-way (see ``cut_streams``)."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # listen backlog: load tests open hundreds of connections at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client hung up: normal when a test closes a stream early
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_state: ProviderServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        return

    # ------------------------------------------------------------------ plumbing
    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._close_after()
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _close_after(self) -> None:
        # One request per connection: async clients cache connection pools across event loops
        # (one loop per test), and a pooled connection from a closed loop fails on reuse.
        # (``keep_alive=True``, for benchmarks, keeps connections open as real providers do.)
        if self.server_state.keep_alive:
            return
        self.send_header("Connection", "close")
        self.close_connection = True

    def _start_sse(self) -> None:
        self._events_left = self.server_state._cut_for(self._model)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._close_after()
        self.end_headers()

    def _sse(self, data: str, event: str | None = None) -> None:
        left = getattr(self, "_events_left", None)
        if left is not None:
            if left <= 0:
                raise _StreamCut
            self._events_left = left - 1
        text = (f"event: {event}\n" if event else "") + f"data: {data}\n\n"
        raw = text.encode("utf-8")
        self.wfile.write(f"{len(raw):X}\r\n".encode("ascii") + raw + b"\r\n")
        self.wfile.flush()

    def _end_sse(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _record(self, provider: str, endpoint: str, body: dict[str, Any]) -> None:
        self._model = body.get("model")
        self.server_state._record(
            RecordedRequest(
                provider=provider,
                endpoint=endpoint,
                path=self.path,
                model=body.get("model"),
                stream=bool(body.get("stream")),
                body=body,
                headers={k.lower(): v for k, v in self.headers.items()},
                time=time.time(),
            )
        )

    def _maybe_fail(self, provider: str, model: str | None) -> bool:
        delay = self.server_state._delay_for(model)
        if delay:
            time.sleep(delay)
        status = self.server_state._failure_for(model)
        if status is None:
            return False
        msg = f"scripted failure for model {model!r}"
        if provider == "openai":
            payload: dict[str, Any] = {"error": {"message": msg, "type": "server_error", "param": None, "code": None}}
        else:
            payload = {"type": "error", "error": {"type": "api_error", "message": msg}}
        self._send_json(status, payload, {"x-should-retry": "false"})
        return True

    # ------------------------------------------------------------------ routing
    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models":
            self._record("openai", "models", {})
            seen = {r.model for r in self.server_state.requests if r.model}
            names = list(dict.fromkeys([*KNOWN_MODELS, *sorted(seen)]))
            self._send_json(
                200,
                {"object": "list", "data": [{"id": n, "object": "model", "created": 0, "owned_by": "test"} for n in names]},
            )
            return
        if path.startswith("/v1/models/"):
            name = path.rsplit("/", 1)[-1]
            self._send_json(200, {"id": name, "object": "model", "created": 0, "owned_by": "test",
                                  "type": "model", "display_name": name, "created_at": "2024-01-01T00:00:00Z"})
            return
        self._send_json(404, {"error": {"message": f"unknown path {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_json()
        try:
            if path == "/v1/chat/completions":
                self._record("openai", "chat", body)
                if not self._maybe_fail("openai", body.get("model")):
                    self._openai_chat(body)
            elif path == "/v1/embeddings":
                self._record("openai", "embeddings", body)
                if not self._maybe_fail("openai", body.get("model")):
                    self._openai_embeddings(body)
            elif path == "/v1/messages":
                self._record("anthropic", "messages", body)
                if not self._maybe_fail("anthropic", body.get("model")):
                    self._anthropic_messages(body)
            elif path == "/v1/messages/count_tokens":
                self._record("anthropic", "count_tokens", body)
                text = " ".join(_text_of(m.get("content")) for m in body.get("messages", []))
                self._send_json(200, {"input_tokens": _words(text)})
            else:
                self._send_json(404, {"error": {"message": f"unknown path {self.path}", "type": "not_found"}})
        except (BrokenPipeError, ConnectionResetError):
            pass
        except _StreamCut:
            self.close_connection = True  # the chunked body is never terminated

    # ------------------------------------------------------------------ OpenAI
    def _openai_chat(self, body: dict[str, Any]) -> None:
        model = body.get("model") or "unknown-model"
        messages = body.get("messages") or []
        if not messages:
            self._send_json(400, {"error": {"message": "messages must be non-empty", "type": "invalid_request_error"}})
            return
        last = messages[-1]
        last_role = "tool" if last.get("role") in ("tool", "function") else last.get("role", "user")
        last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        tools = [
            {"name": t["function"]["name"], "description": t["function"].get("description", ""),
             "parameters": t["function"].get("parameters")}
            for t in body.get("tools") or []
            if t.get("type") == "function" and "function" in t
        ]
        choice = body.get("tool_choice")
        forced: str | bool | None = None
        if choice == "required":
            forced = True
        elif choice == "none":
            forced = False
        elif isinstance(choice, dict):
            forced = (choice.get("function") or {}).get("name") or True
        rf = body.get("response_format") or {}
        json_schema = None
        if rf.get("type") == "json_schema":
            json_schema = (rf.get("json_schema") or {}).get("schema") or {"type": "object"}
        stop = body.get("stop")
        stop = [stop] if isinstance(stop, str) else stop
        plan = _plan_reply(
            model=model,
            last_role=last_role,
            last_text=_text_of(last.get("content")),
            last_user_text=_text_of(last_user.get("content")),
            tools=tools,
            forced=forced,
            json_schema=json_schema,
            json_object=rf.get("type") == "json_object",
            stop=stop,
            image=_has_image(last_user.get("content")),
        )
        plan = self.server_state._scripted(model, plan, _text_of(last_user.get("content")))
        prompt_tokens = _words(" ".join(_text_of(m.get("content")) for m in messages))
        if plan.tool_name is not None:
            arguments = json.dumps(plan.tool_args, ensure_ascii=False)
            completion_tokens = _words(arguments)
            call_id = "call_" + uuid.uuid4().hex[:20]
        else:
            completion_tokens = _words(plan.text or "")
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        }
        finish = "tool_calls" if plan.tool_name else "stop"
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        base = {"id": cid, "created": created, "model": model, "system_fingerprint": "fp_test"}
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": plan.text, "refusal": None}
            if plan.tool_name:
                message["content"] = None
                message["tool_calls"] = [
                    {"id": call_id, "type": "function", "function": {"name": plan.tool_name, "arguments": arguments}}
                ]
            self._send_json(
                200,
                {**base, "object": "chat.completion",
                 "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                 "usage": usage},
            )
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self._start_sse()

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            self._sse(json.dumps({**base, "object": "chat.completion.chunk",
                                  "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                                               "logprobs": None}]}, ensure_ascii=False))

        if plan.tool_name:
            chunk({"role": "assistant", "content": None, "tool_calls": [
                {"index": 0, "id": call_id, "type": "function", "function": {"name": plan.tool_name, "arguments": ""}}]})
            for piece in _chunks(arguments, 3):
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        else:
            chunk({"role": "assistant", "content": "", "refusal": None})
            for piece in _chunks(plan.text or ""):
                chunk({"content": piece})
        chunk({}, finish)
        if include_usage:
            self._sse(json.dumps({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}))
        self._sse("[DONE]")
        self._end_sse()

    def _openai_embeddings(self, body: dict[str, Any]) -> None:
        model = body.get("model") or "text-embedding-3-small"
        raw = body.get("input")
        if isinstance(raw, str):
            inputs: list[Any] = [raw]
        elif isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw):
            inputs = [raw]  # one tokenized input
        else:
            inputs = list(raw or [])
        dims = int(body.get("dimensions") or DEFAULT_EMBEDDING_DIMS.get(model, 1536))
        b64 = body.get("encoding_format") == "base64"
        data = []
        total = 0
        for i, item in enumerate(inputs):
            text = item if isinstance(item, str) else " ".join(f"tok{t}" for t in item)
            total += _words(text)
            vec = fake_embedding(text, dims)
            emb: Any = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode("ascii") if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        self._send_json(200, {"object": "list", "data": data, "model": model,
                              "usage": {"prompt_tokens": total, "total_tokens": total}})

    # ------------------------------------------------------------------ Anthropic
    def _anthropic_messages(self, body: dict[str, Any]) -> None:
        model = body.get("model") or "unknown-model"
        messages = body.get("messages") or []
        if not messages:
            self._send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "messages: at least one message is required"}})
            return
        last = messages[-1]
        content = last.get("content")
        is_tool_result = isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        )
        last_role = "tool" if is_tool_result else last.get("role", "user")
        last_user = next(
            (m for m in reversed(messages) if m.get("role") == "user" and _text_of(
                [b for b in (m.get("content") if isinstance(m.get("content"), list) else [m.get("content")])
                 if not (isinstance(b, dict) and b.get("type") == "tool_result")])),
            last,
        )
        user_content = last_user.get("content")
        if isinstance(user_content, list):
            user_content = [b for b in user_content if not (isinstance(b, dict) and b.get("type") == "tool_result")]
        tools = [
            {"name": t["name"], "description": t.get("description", ""), "parameters": t.get("input_schema")}
            for t in body.get("tools") or []
            if isinstance(t, dict) and "name" in t and "input_schema" in t
        ]
        choice = body.get("tool_choice") or {}
        forced: str | bool | None = None
        if choice.get("type") == "any":
            forced = True
        elif choice.get("type") == "tool":
            forced = choice.get("name") or True
        elif choice.get("type") == "none":
            forced = False
        fmt = body.get("output_format") or (body.get("output_config") or {}).get("format") or {}
        json_schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
        plan = _plan_reply(
            model=model,
            last_role=last_role,
            last_text=_text_of(content),
            last_user_text=_text_of(user_content),
            tools=tools,
            forced=forced,
            json_schema=json_schema,
            json_object=False,
            stop=body.get("stop_sequences"),
            image=_has_image(user_content),
        )
        plan = self.server_state._scripted(model, plan, _text_of(user_content))
        system = body.get("system")
        input_tokens = _words(_text_of(system) + " " + " ".join(_text_of(m.get("content")) for m in messages))
        msg_id = "msg_" + uuid.uuid4().hex[:24]
        if plan.tool_name:
            tool_id = "toolu_" + uuid.uuid4().hex[:22]
            args_json = json.dumps(plan.tool_args, ensure_ascii=False)
            output_tokens = _words(args_json)
            blocks: list[dict[str, Any]] = [
                {"type": "tool_use", "id": tool_id, "name": plan.tool_name, "input": plan.tool_args}
            ]
            stop_reason = "tool_use"
        else:
            output_tokens = _words(plan.text or "")
            blocks = [{"type": "text", "text": plan.text or ""}]
            stop_reason = "stop_sequence" if plan.stop_hit else "end_turn"
        usage = {"input_tokens": input_tokens, "output_tokens": output_tokens,
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        if not body.get("stream"):
            self._send_json(200, {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                                  "content": blocks, "stop_reason": stop_reason, "stop_sequence": plan.stop_hit,
                                  "usage": usage})
            return
        self._start_sse()

        def event(name: str, payload: dict[str, Any]) -> None:
            self._sse(json.dumps({"type": name, **payload}, ensure_ascii=False), event=name)

        event("message_start", {"message": {
            "id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None,
            "usage": {**usage, "output_tokens": 1}}})
        if plan.tool_name:
            event("content_block_start", {"index": 0, "content_block": {
                "type": "tool_use", "id": tool_id, "name": plan.tool_name, "input": {}}})
            for piece in _chunks(args_json, 3):
                event("content_block_delta", {"index": 0, "delta": {"type": "input_json_delta", "partial_json": piece}})
        else:
            event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
            for piece in _chunks(plan.text or ""):
                event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})
        event("content_block_stop", {"index": 0})
        event("message_delta", {"delta": {"stop_reason": stop_reason, "stop_sequence": plan.stop_hit},
                                "usage": usage})  # cumulative, as the API reports it today
        event("message_stop", {})
        self._end_sse()


_SHARED: ProviderServer | None = None
_SHARED_LOCK = threading.Lock()


def shared_server() -> ProviderServer:
    """One process-wide server, started on first use (daemon thread, never stopped).

    For code that cannot take a pytest fixture, e.g. the ``chat_model_params`` property of a
    langchain-tests class. Tests that script failures or delays should undo them
    (``srv.reset()``); the ``provider_server`` fixture does that for you.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ProviderServer().start()
        return _SHARED
