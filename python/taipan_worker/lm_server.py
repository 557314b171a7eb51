"""A local, deterministic, OpenAI-compatible LM server for tests and demos.

    python -m taipan_worker.lm_server [--host 127.0.0.1] [--port 0] [--latency-ms N]
                                      [--hold-s 30] [--verbose] [--no-stdin-watch]

EVERY ANSWER IT GIVES IS A PLACEHOLDER. No model is consulted: the server reads which output
fields DSPy asks for and fills each with a value of the right type, derived from a hash of
the request's inputs. It exists so that the real ``dspy.LM`` -> HTTP path (LiteLLM or DSPy's
native engine), the adapters, caching, retries, error mapping and the optimizers can be
exercised without a network or an API key.

When ready it prints one line on stdout, ``TAIPAN_LM_SERVER http://127.0.0.1:<port>/v1``, then
serves until it is killed or its stdin reaches EOF (a parent that dies takes it along; on
Linux it also asks for SIGKILL when its parent dies). Standard library only.

Endpoints: ``POST /v1/chat/completions`` (and ``/chat/completions``), ``GET /v1/models``
(and ``/models``), ``GET /health``.

How it answers (deterministically):

- ChatAdapter prompts: the output fields and their types come from the system message
  ("Your output fields are: 1. `answer` (int): ..."), or failing that from the last user
  message ("Respond with ... `[[ ## answer ## ]]` (must be formatted as a valid Python int)");
  the answer is ``[[ ## field ## ]]`` sections ending with ``[[ ## completed ## ]]``.
- JSONAdapter prompts (a ``response_format`` in the request, or a prompt asking for a JSON
  object): a JSON object; a ``json_schema`` response format is followed exactly.
- Values: ``str`` a short placeholder sentence naming the field and the input hash; ``int``,
  ``float``, ``bool`` from the hash; ``list[T]`` two items; ``dict[str, T]`` one item;
  ``Literal[...]``/enums one allowed value chosen by the hash; ``Optional[T]`` a ``T``;
  fields named ``reasoning``/``rationale`` a placeholder reasoning line.
- Few-shot awareness: when an earlier user/assistant demo pair in the prompt has exactly the
  current inputs, the demo's outputs are answered. Otherwise categorical (``Literal``) fields
  take the labels of the demo sharing the most words with the current inputs (a nearest-
  neighbour guess, so that demos chosen by an optimizer change scores as they would with a
  real model); free-text fields stay placeholders.
- ReAct steps (outputs ``next_tool_name``/``next_tool_args``): every listed tool is used once,
  in order, with arguments of the right JSON types (strings take the first input's text),
  then ``finish``; so Java tools really get called.
- ``n`` > 1 gives n choices (choice 0 is the same as with n = 1); ``usage`` counts are rough
  (characters / 4); ``stream: true`` answers with OpenAI-style SSE chunks and ``data: [DONE]``.
- Anything without recognisable fields gets a plain placeholder sentence.

Failures are injected by model name (the part after any ``provider/`` prefix): a name ending
in ``-fail-429`` gets HTTP 429 with ``Retry-After: 1``; ``-fail-500`` HTTP 500; ``-fail-401``
HTTP 401 (bad API key); ``-fail-context`` HTTP 400 ``context_length_exceeded``;
``-fail-timeout`` holds the request for ``--hold-s`` seconds (30 at most) and then answers
504; ``-fail-malformed`` a 200 whose content has no field markers and is not JSON. Every
other name (``taipan-local`` by convention) answers normally.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from .typegrammar import LITERAL, TypeExpr, parse_prefix

PLACEHOLDER_NOTE = "placeholder answers from the taipan local LM server; no model is consulted"
MAX_HOLD_S = 30.0
MAX_N = 32
MAX_BODY = 64 * 1024 * 1024
NOT_SUPPLIED = "Not supplied for this particular example."
FAILURES = ("429", "500", "401", "context", "timeout", "malformed")

_HEADER = re.compile(r"^\s*\[\[ ## (\w+) ## \]\]\s*$")
_OUTPUT_LINE = re.compile(r"^\d+\. `(\w+)` \((.*)\):(?: |$)")
_REQUIREMENT = re.compile(r"`\[\[ ## (\w+) ## \]\]`(?: \(must be formatted as a valid Python (.+?)\)(?=, then |, and then ))?")
_JSON_REQUIREMENT = re.compile(r"`(\w+)`(?: \(must be formatted as a valid Python (.+?)\)(?=, then |\.$))?")


# ----------------------------------------------------------------------------- types

def parse_type(text: str) -> TypeExpr:
    """Parse e.g. ``list[str]``, ``Literal['a', 'b']``, ``Union[float, NoneType]`` (the shared
    grammar, ``typegrammar``; what follows the type is ignored). Never raises: anything
    unparseable is an unknown name (answered as a string)."""
    try:
        return parse_prefix(text.strip())[0]
    except ValueError:
        return TypeExpr(text.strip() or "str")


def _unit(seed: str, salt: str) -> int:
    return int(hashlib.sha256(f"{seed}|{salt}".encode()).hexdigest()[:12], 16)


def placeholder_text(field: str, seed: str) -> str:
    tag = hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:8]
    if field in ("reasoning", "rationale", "next_thought"):
        return f"Placeholder reasoning (input hash {tag}); the taipan local LM server does not reason."
    return f"Placeholder {field} from the taipan local LM server (derived from input hash {tag})."


def value_for_type(t: TypeExpr, field: str, seed: str) -> Any:
    """A deterministic value of type ``t``."""
    name = t.name
    if name == LITERAL:
        return t.literal
    if name in ("str", "Reasoning", "Any", "object"):
        return placeholder_text(field, seed)
    if name == "int":
        return _unit(seed, field + ":int") % 1000
    if name == "float":
        return round((_unit(seed, field + ":float") % 100000) / 100.0, 2)
    if name == "bool":
        return _unit(seed, field + ":bool") % 2 == 0
    if name in ("NoneType", "None"):
        return None
    if name in ("list", "List", "set", "Set", "frozenset", "Sequence", "tuple", "Tuple"):
        if name in ("tuple", "Tuple") and t.args and not (len(t.args) == 2 and t.args[1].name == "Ellipsis"):
            return [value_for_type(a, field, f"{seed}:{i}") for i, a in enumerate(t.args)]
        item = t.args[0] if t.args else TypeExpr("str")
        return [value_for_type(item, field, f"{seed}:{i}") for i in range(2)]
    if name in ("dict", "Dict", "Mapping"):
        if field == "next_tool_args" or len(t.args) < 2 or t.args[1].name in ("Any", "object"):
            return {}
        return {"key_1": value_for_type(t.args[1], field, seed + ":v")}
    if name == "Literal":
        options = [a.literal for a in t.args if a.name == LITERAL]
        if not options:
            return placeholder_text(field, seed)
        return options[_unit(seed, field + ":lit") % len(options)]
    if name in ("Union", "Optional"):
        arms = [a for a in t.args if a.name not in ("NoneType", "None")]
        return value_for_type(arms[0], field, seed) if arms else None
    return placeholder_text(field, seed)


def value_for_schema(schema: Dict[str, Any], field: str, seed: str, defs: Dict[str, Any]) -> Any:
    """A deterministic value for a JSON schema (the json_schema response format)."""
    if not isinstance(schema, dict):
        return placeholder_text(field, seed)
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).split("/")[-1], {})
        return value_for_schema(target, field, seed, defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema and schema["enum"]:
        options = schema["enum"]
        return options[_unit(seed, field + ":lit") % len(options)]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            arms = [s for s in schema[key] if not (isinstance(s, dict) and s.get("type") == "null")]
            return value_for_schema(arms[0], field, seed, defs) if arms else None
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if kinds else "null"
    if kind == "string":
        return placeholder_text(field, seed)
    if kind == "integer":
        return _unit(seed, field + ":int") % 1000
    if kind == "number":
        return round((_unit(seed, field + ":float") % 100000) / 100.0, 2)
    if kind == "boolean":
        return _unit(seed, field + ":bool") % 2 == 0
    if kind == "null":
        return None
    if kind == "array":
        return [value_for_schema(schema.get("items", {"type": "string"}), field, f"{seed}:{i}", defs) for i in range(2)]
    if kind == "object":
        props = schema.get("properties")
        if props:
            return {k: value_for_schema(v, k, seed, defs) for k, v in props.items()}
        extra = schema.get("additionalProperties")
        if field == "next_tool_args" or not isinstance(extra, dict) or not extra:
            return {}
        return {"key_1": value_for_schema(extra, field, seed + ":v", defs)}
    return placeholder_text(field, seed)


# ----------------------------------------------------------------------------- prompts

def message_text(message: Dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def sections(text: str) -> Tuple[str, Dict[str, str]]:
    """Split ``[[ ## name ## ]]`` sections: (text before the first header, {name: body})."""
    head: List[str] = []
    out: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m:
            current = out.setdefault(m.group(1), [])
            continue
        (head if current is None else current).append(line)
    return "\n".join(head).strip(), {k: "\n".join(v).strip() for k, v in out.items()}


def input_sections(text: str) -> Dict[str, str]:
    """The input sections of a user message, without DSPy's trailing output requirements."""
    for marker in ("\n\nRespond with the corresponding output fields", "\n\nRespond with a JSON object"):
        cut = text.rfind(marker)
        if cut >= 0:
            text = text[:cut]
    _, found = sections(text)
    found.pop("completed", None)
    return found


class Request:
    """What the server understood of one chat completion request."""

    def __init__(self, body: Dict[str, Any]) -> None:
        self.body = body
        self.model = str(body.get("model") or "taipan-local")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            prompt = body.get("prompt")
            messages = [{"role": "user", "content": prompt if isinstance(prompt, str) else ""}]
        self.messages = [m for m in messages if isinstance(m, dict)]
        self.system = "\n".join(message_text(m) for m in self.messages if m.get("role") in ("system", "developer"))
        dialogue = [m for m in self.messages if m.get("role") in ("user", "assistant")]
        self.last_user = message_text(dialogue[-1]) if dialogue and dialogue[-1].get("role") == "user" else ""
        self.demos: List[Tuple[str, str]] = []
        earlier = dialogue[:-1]
        for i in range(len(earlier) - 1):
            if earlier[i].get("role") == "user" and earlier[i + 1].get("role") == "assistant":
                self.demos.append((message_text(earlier[i]), message_text(earlier[i + 1])))
        self.inputs = input_sections(self.last_user)
        canonical = json.dumps(self.inputs, sort_keys=True) if self.inputs else self.last_user
        self.seed = hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()
        rf = body.get("response_format")
        self.response_format = rf if isinstance(rf, dict) else None
        self.json_mode = bool(self.response_format) or "Outputs will be a JSON object" in self.system or (
            "Respond with a JSON object" in self.last_user
        )
        self.schema: Optional[Dict[str, Any]] = None
        if self.response_format and self.response_format.get("type") == "json_schema":
            js = self.response_format.get("json_schema") or {}
            schema = js.get("schema") if isinstance(js, dict) else None
            if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
                self.schema = schema
        self.fields = self._output_fields()

    def _output_fields(self) -> List[Tuple[str, TypeExpr]]:
        if "Your output fields are:" in self.system:
            block = self.system.split("Your output fields are:", 1)[1]
            block = block.split("All interactions will be structured", 1)[0]
            found = [(m.group(1), parse_type(m.group(2))) for m in map(_OUTPUT_LINE.match, block.splitlines()) if m]
            if found:
                return found
        tail = self.last_user
        if "Respond with the corresponding output fields" in tail:
            tail = tail[tail.rfind("Respond with the corresponding output fields"):]
            found = [(n, parse_type(t or "str")) for n, t in _REQUIREMENT.findall(tail) if n != "completed"]
            if found:
                return found
        if "Respond with a JSON object" in tail:
            tail = tail[tail.rfind("Respond with a JSON object"):]
            found = [(n, parse_type(t or "str")) for n, t in _JSON_REQUIREMENT.findall(tail)]
            if found:
                return found
        return []

    # -- answering

    def _demo_outputs(self) -> Dict[str, Any]:
        """The outputs of a demo whose inputs equal the current inputs (raw text per field for
        the chat format, JSON values for the JSON format)."""
        if not self.inputs:
            return {}
        for user, assistant in self.demos:
            if input_sections(user) != self.inputs:
                continue
            if self.json_mode:
                try:
                    parsed = json.loads(assistant)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    return {k: v for k, v in parsed.items() if not (isinstance(v, str) and v.strip() == NOT_SUPPLIED)}
            _, outs = sections(assistant)
            return {k: v for k, v in outs.items() if k != "completed" and v.strip() != NOT_SUPPLIED}
        return {}

    def _nearest_demo_labels(self) -> Dict[str, Any]:
        """For categorical (``Literal``) output fields only: the labels of the demo whose
        inputs share the most words with the current inputs. This makes few-shot demos
        matter the way they do for a real model, so an optimizer's effect shows in scores;
        free-text fields stay placeholders."""
        categorical = {n for n, t in self.fields if t.name == "Literal"}
        if not categorical or not self.inputs or not self.demos:
            return {}
        current = _words(" ".join(str(v) for v in self.inputs.values()))
        best, best_score = None, 0.0
        for user, assistant in self.demos:
            words = _words(" ".join(str(v) for v in input_sections(user).values()))
            union = current | words
            score = len(current & words) / len(union) if union else 0.0
            if score > best_score:
                best, best_score = assistant, score
        if best is None or best_score < 0.2:
            return {}
        if self.json_mode:
            try:
                parsed = json.loads(best)
            except ValueError:
                return {}
            outs = parsed if isinstance(parsed, dict) else {}
        else:
            _, outs = sections(best)
        return {k: v for k, v in outs.items() if k in categorical}

    def _agent_step(self) -> Dict[str, Any]:
        """For a ReAct step (outputs ``next_tool_name`` and ``next_tool_args``): use each
        listed tool once, in order, with arguments of the right JSON types, then ``finish``.
        A placeholder agent, but one that really exercises tools."""
        names = {n for n, _ in self.fields}
        if "next_tool_name" not in names or "next_tool_args" not in names:
            return {}
        tools = [(m.group(1), m.group(2)) for m in _TOOL_LINE.finditer(self.system)]
        trajectory = str(self.inputs.get("trajectory", ""))
        used = set(re.findall(r"\[\[ ## tool_name_\d+ ## \]\]\s*(\w+)", trajectory))
        # The trajectory's own [[ ## tool_name_N ## ]] markers also split it into sections.
        used |= {str(v).strip() for k, v in self.inputs.items() if k.startswith("tool_name_")}
        first_input = next((str(v) for k, v in self.inputs.items()
                            if k != "trajectory" and not re.match(r"(thought|tool_name|tool_args|observation)_\d+$", k)), "")
        for name, args_text in tools:
            if name == "finish" or name in used:
                continue
            try:
                schema = ast.literal_eval(args_text)
            except (ValueError, SyntaxError):
                schema = {}
            args = {a: _json_placeholder(spec, first_input) for a, spec in schema.items()} if isinstance(schema, dict) else {}
            return {"next_thought": f"I will use {name} (placeholder reasoning).", "next_tool_name": name,
                    "next_tool_args": args}
        return {"next_thought": "I have what I need (placeholder reasoning).", "next_tool_name": "finish",
                "next_tool_args": {}}

    def answer(self, index: int) -> str:
        seed = self.seed if index == 0 else f"{self.seed}#{index}"
        demo = self._demo_outputs() or self._nearest_demo_labels()
        agent = self._agent_step()
        if agent:
            demo = {**demo, **{k: v if self.json_mode or isinstance(v, str) else json.dumps(v)
                               for k, v in agent.items()}}
        if self.json_mode:
            if self.schema is not None:
                props = self.schema["properties"]
                defs = self.schema.get("$defs") or self.schema.get("definitions") or {}
                obj = {k: demo[k] if k in demo else value_for_schema(v, k, seed, defs) for k, v in props.items()}
            elif self.fields:
                obj = {n: demo[n] if n in demo else value_for_type(t, n, seed) for n, t in self.fields}
            else:
                obj = {"answer": placeholder_text("answer", seed)}
            return json.dumps(obj, indent=2, ensure_ascii=False)
        if not self.fields:
            return f"```\n{placeholder_text('answer', seed)}\n```"
        parts = []
        for name, t in self.fields:
            if name in demo:
                text = demo[name]
            else:
                value = value_for_type(t, name, seed)
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            parts.append(f"[[ ## {name} ## ]]\n{text}")
        return "\n\n".join(parts) + "\n\n[[ ## completed ## ]]"

    def prompt_chars(self) -> int:
        return sum(len(message_text(m)) for m in self.messages)


_TOOL_LINE = re.compile(r"\(\d+\) (\w+)(?:, whose description is <desc>.*?</desc>\.)? It takes arguments (\{.*?\})\.")


def _json_placeholder(spec: Any, text: str) -> Any:
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return text[:100]


def _words(text: str) -> set:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def failure_of(model: str) -> Optional[str]:
    name = model.rsplit("/", 1)[-1]
    for kind in FAILURES:
        if name.endswith(f"-fail-{kind}"):
            return kind
    return None


def chunks_of(text: str, size: int = 12) -> List[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


# ----------------------------------------------------------------------------- HTTP

class LmServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)):
            return  # the client gave up (e.g. its timeout): normal for -fail-timeout
        super().handle_error(request, client_address)

    def __init__(self, address: Tuple[str, int], latency_ms: int = 0, hold_s: float = MAX_HOLD_S,
                 verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.latency_s = max(latency_ms, 0) / 1000.0
        self.hold_s = min(max(hold_s, 0.0), MAX_HOLD_S)
        self.verbose = verbose
        self.stopping = threading.Event()
        self.requests_served = 0
        self._count_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    def count(self) -> None:
        with self._count_lock:
            self.requests_served += 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without this, Nagle's algorithm holds the
    # body until the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    server: LmServer
    server_version = "taipan-lm-server/0.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            sys.stderr.write("lm_server: " + (format % args) + "\n")

    # -- helpers
    def _send_json(self, status: int, obj: Any, headers: Optional[Dict[str, str]] = None) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str, code: Optional[str] = None,
               headers: Optional[Dict[str, str]] = None) -> None:
        self._send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, headers)

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    # -- verbs
    def do_GET(self) -> None:  # noqa: N802
        path = self._path()
        if path == "/health":
            self._send_json(200, {"status": "ok", "requests": self.server.requests_served, "note": PLACEHOLDER_NOTE})
        elif path in ("/v1/models", "/models"):
            names = ["taipan-local"] + [f"taipan-local-fail-{k}" for k in FAILURES]
            self._send_json(200, {"object": "list", "note": PLACEHOLDER_NOTE, "data": [
                {"id": n, "object": "model", "created": 0, "owned_by": "taipan",
                 "description": PLACEHOLDER_NOTE if n == "taipan-local" else f"{PLACEHOLDER_NOTE}; always fails: {n.rsplit('-', 1)[-1]}"}
                for n in names]})
        else:
            self._error(404, f"no such endpoint: GET {path}", "invalid_request_error", "not_found")

    def do_POST(self) -> None:  # noqa: N802
        path = self._path()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._error(413, "request body too large", "invalid_request_error")
            return
        raw = self.rfile.read(length) if length else b""
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._error(404, f"no such endpoint: POST {path}", "invalid_request_error", "not_found")
            return
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as exc:
            self._error(400, f"invalid JSON body: {exc}", "invalid_request_error")
            return
        self.server.count()
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        model = str(body.get("model") or "taipan-local")
        failure = failure_of(model)
        if failure == "429":
            self._error(429, "Rate limit reached (failure injected by the taipan local LM server).",
                        "rate_limit_error", "rate_limit_exceeded", {"Retry-After": "1"})
            return
        if failure == "500":
            self._error(500, "Internal server error (failure injected by the taipan local LM server).",
                        "server_error", "internal_error")
            return
        if failure == "401":
            self._error(401, "Incorrect API key provided (failure injected by the taipan local LM server).",
                        "invalid_request_error", "invalid_api_key")
            return
        if failure == "context":
            self._error(400, "This model's maximum context length is 8192 tokens. However, your messages resulted "
                        "in 9000 tokens (failure injected by the taipan local LM server).",
                        "invalid_request_error", "context_length_exceeded")
            return
        if failure == "timeout":
            self.server.stopping.wait(self.server.hold_s)
            self.close_connection = True
            self._error(504, "Timed out (failure injected by the taipan local LM server).", "timeout", "timeout")
            return
        request = Request(body)
        try:
            n = int(body.get("n") or 1)
        except (TypeError, ValueError):
            n = 1
        n = min(max(n, 1), MAX_N)
        if failure == "malformed":
            texts = ["This reply is malformed on purpose: no field markers and not JSON "
                     "(failure injected by the taipan local LM server)."] * n
        else:
            texts = [request.answer(i) for i in range(n)]
        prompt_tokens = max(1, request.prompt_chars() // 4)
        completion_tokens = sum(max(1, len(t) // 4) for t in texts)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        cid = "chatcmpl-taipan-" + request.seed[:24]
        created = int(time.time())
        if body.get("stream"):
            self._stream(cid, created, model, texts, usage, bool((body.get("stream_options") or {}).get("include_usage")))
            return
        self._send_json(200, {
            "id": cid, "object": "chat.completion", "created": created, "model": model,
            "system_fingerprint": "taipan-local-placeholder",
            "choices": [{"index": i, "message": {"role": "assistant", "content": t},
                         "logprobs": None, "finish_reason": "stop"} for i, t in enumerate(texts)],
            "usage": usage})

    def _stream(self, cid: str, created: int, model: str, texts: List[str], usage: Dict[str, int],
                include_usage: bool) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

        def event(choices: List[Dict[str, Any]], extra: Optional[Dict[str, Any]] = None) -> None:
            chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                     "system_fingerprint": "taipan-local-placeholder", "choices": choices}
            chunk.update(extra or {})
            self.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n")
            self.wfile.flush()

        for i, text in enumerate(texts):
            event([{"index": i, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}])
            for piece in chunks_of(text):
                event([{"index": i, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}])
            event([{"index": i, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
        if include_usage:
            event([], {"usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


# ----------------------------------------------------------------------------- main

def _set_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass


def _watch_stdin() -> None:
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except Exception:
        pass
    os._exit(0)


def main(argv: Optional[List[str]] = None) -> None:
    _set_parent_death_signal()
    parser = argparse.ArgumentParser(prog="python -m taipan_worker.lm_server",
                                     description="Local OpenAI-compatible LM server with placeholder answers")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: an ephemeral port)")
    parser.add_argument("--latency-ms", type=int, default=0, help="simulated model latency per request")
    parser.add_argument("--hold-s", type=float, default=MAX_HOLD_S,
                        help=f"how long -fail-timeout models hold a request (at most {MAX_HOLD_S:g} s)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    ns = parser.parse_args(argv)
    server = LmServer((ns.host, ns.port), latency_ms=ns.latency_ms, hold_s=ns.hold_s, verbose=ns.verbose)
    if not ns.no_stdin_watch:
        threading.Thread(target=_watch_stdin, name="stdin-watch", daemon=True).start()
    print(f"TAIPAN_LM_SERVER {server.url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()


if __name__ == "__main__":
    main()
