#!/usr/bin/env python3
"""Generate the Taipan protocol golden vectors (docs/PROTOCOL.md, "Golden vectors").

Deterministic: running it again produces identical files. Needs only ``msgpack``.

    python protocol/vectors/generate.py

Writes ``NAME.bin`` (whole frame: 4-byte big-endian length + MessagePack map) and
``vectors.json`` (list of {"name", "message"}) in this directory, malformed frames in
``bad/`` with ``bad/bad.json`` (list of {"name", "error"}), and in ``call_frames/`` with
``call_frames/call_frames.json`` (list of {"name", "message"}) calls as the pool sends them:
``timeout_ms`` last, written as a uint64 of fixed width whatever its value (any int width is
valid MessagePack; the smallest-encoding rule of the other vectors does not hold there).

JSON conventions in vectors.json: bytes are {"$bin": "<base64>"}; a JSON number with a
'.' or an exponent is a float (encoded float64), any other number is an int; a float JSON
cannot write is {"$float": "NaN" | "Infinity" | "-Infinity"}; a map with a key that is not
a string is {"$map": [[key, value], ...]}.
Every message is written with its keys already in wire order (v, type, id, fields).

Bad frames have an expected ``outcome``: ``connection`` (a protocol error: the connection
ends) or ``value`` (a call's frame with a field outside the value domain: only that call
fails; the entry gives the message ``type``, its ``id``, the bad ``field`` and the ``path``
the decoder's problem starts with).
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
from typing import Any, Dict, List, Tuple

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "bad")
CALL_FRAMES = os.path.join(HERE, "call_frames")

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
DOMAIN = json.load(open(os.path.join(HERE, "..", "value-domain.json"), encoding="utf-8"))
MAX_DEPTH = DOMAIN["max_depth"]


def nested(depth: int, leaf: Any = 0) -> Any:
    """``leaf`` inside ``depth`` lists: a value of depth ``depth``."""
    for _ in range(depth):
        leaf = [leaf]
    return leaf


def pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True, use_single_float=False)


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def to_json(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"$bin": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"$float": "NaN" if value != value else "Infinity" if value > 0 else "-Infinity"}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {"$map": [[to_json(k), to_json(v)] for k, v in value.items()]}
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/myapp/handlers.py", line 12, in score\n'
    "    return 1 / x\n"
    "ZeroDivisionError: division by zero\n"
)


TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
WORKER_SPAN = {
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "b7ad6b7169203331",
    "parent_span_id": "00f067aa0ba902b7", "name": "taipan.call app:score", "kind": "SERVER",
    "scope": "taipan_worker", "start_ns": 1764694800000000000, "end_ns": 1764694800001500000,
    "status": "UNSET", "status_message": None,
    "attributes": {"rpc.system": "taipan", "rpc.method": "app:score", "n": 3, "ratio": 0.5, "ok": True,
                   "tags": ["a", "b"]},
    "events": [{"name": "checkpoint", "time_ns": 1764694800001000000, "attributes": {}}],
}


#: A SERVER span id as a worker makes them: 63 bits, bit 32 set (taipan_worker.tracing).
SERVER_SPAN_ID = 0x2B7AD6B769203331
SERVER_START_NS = 1764694800000000000
SERVER_END_NS = 1764694800001500000


def good_vectors() -> List[Tuple[str, Dict[str, Any]]]:
    v: List[Tuple[str, Dict[str, Any]]] = []
    v.append(("auth", {"v": 1, "type": "auth", "worker_id": "w-1", "token": "s3cr3t-token-0123456789abcdef"}))
    v.append(
        (
            "hello",
            {
                "v": 1,
                "type": "hello",
                "worker_id": "w-1",
                "pid": 12345,
                "python": "3.11.7",
                "implementation": "CPython",
                "package": "0.1.0",
                "slots": 4,
                "max_frame_bytes": 67108864,
                "functions": ["echo", "info", "myapp.handlers:score", "ping", "sleep"],
                "capabilities": ["cancel", "sessions", "heartbeat"],
            },
        )
    )
    v.append(
        (
            "call_array_args",
            {
                "v": 1,
                "type": "call",
                "id": 1,
                "function": "myapp.handlers:score",
                "args": [1, "two", 3.5, True, None],
                "session": None,
                "timeout_ms": None,
            },
        )
    )
    v.append(
        (
            "call_map_args",
            {
                "v": 1,
                "type": "call",
                "id": 2,
                "function": "myapp.handlers:score",
                "args": {"x": 1.5, "name": "ab", "tags": ["a", "b"]},
                "session": None,
                "timeout_ms": None,
            },
        )
    )
    v.append(
        (
            "call_nil_args_session_timeout",
            {
                "v": 1,
                "type": "call",
                "id": 3,
                "function": "taipan_testing.functions:counter",
                "args": None,
                "session": "sess-1",
                "timeout_ms": 5000,
            },
        )
    )
    v.append(
        (
            "call_max_id_empty_args",
            {
                "v": 1,
                "type": "call",
                "id": INT64_MAX,
                "function": "ping",
                "args": [],
                "session": None,
                "timeout_ms": 70000,
            },
        )
    )
    v.append(("result_int", {"v": 1, "type": "result", "id": 1, "value": 42}))
    v.append(("result_nil", {"v": 1, "type": "result", "id": 4, "value": None}))
    v.append(
        (
            "result_nested",
            {
                "v": 1,
                "type": "result",
                "id": 5,
                "value": {
                    "name": "taipan",
                    "scores": [1, 2.5, -3, {"deep": [[], [None, True, False]]}],
                    "meta": {"ok": True, "count": 3, "ratio": 0.25, "nested": {"a": {"b": {"c": "d"}}}},
                    "blob": b"\x00\x01\x02\xfe\xff",
                },
            },
        )
    )
    v.append(
        (
            "result_ints",
            {
                "v": 1,
                "type": "result",
                "id": 6,
                "value": [
                    0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
                    -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649,
                    INT64_MIN, INT64_MAX,
                ],
            },
        )
    )
    v.append(
        (
            "result_floats",
            {
                "v": 1,
                "type": "result",
                "id": 7,
                "value": [0.0, -0.0, 1.5, -2.25, 2.0, 3.141592653589793, 1e300, -1.5e-300, 0.1],
            },
        )
    )
    v.append(("result_bool_nil", {"v": 1, "type": "result", "id": 8, "value": {"t": True, "f": False, "n": None}}))
    v.append(
        (
            "result_bytes",
            {"v": 1, "type": "result", "id": 9, "value": [b"", b"\x00\x01\xff", bytes(range(256))]},
        )
    )
    v.append(
        (
            "result_empty_containers",
            {"v": 1, "type": "result", "id": 10, "value": {"list": [], "map": {}, "str": "", "bin": b""}},
        )
    )
    v.append(
        (
            "result_unicode",
            {
                "v": 1,
                "type": "result",
                "id": 11,
                "value": {"héllo": "wörld ✓", "snake": "🐍", "日本語": "テキスト", "mixed": "a\u00e9\u4e2d\U0001f600z"},
            },
        )
    )
    v.append(("result_str8", {"v": 1, "type": "result", "id": 12, "value": "0123456789" * 4}))
    v.append(("result_str16", {"v": 1, "type": "result", "id": 13, "value": "abcdefghijklmnopqrstuvwxyz0123" * 10}))
    v.append(("result_map_order", {"v": 1, "type": "result", "id": 14, "value": {"z": 1, "a": 2, "m": 3}}))
    v.append(
        (
            "error_exception",
            {
                "v": 1,
                "type": "error",
                "id": 15,
                "kind": "exception",
                "error_type": "ZeroDivisionError",
                "message": "division by zero",
                "traceback": TRACEBACK,
                "retryable": False,
            },
        )
    )
    v.append(
        (
            "error_draining",
            {
                "v": 1,
                "type": "error",
                "id": 16,
                "kind": "draining",
                "error_type": "",
                "message": "the worker is shutting down",
                "traceback": "",
                "retryable": True,
            },
        )
    )
    # One error frame of every other kind (docs/PROTOCOL.md, "Error kinds"), as the worker writes it.
    for cid, kind, error_type, message in (
        (23, "unknown_function", "", "unknown function 'app:nope'; available functions: app:add, app:score"),
        (24, "bad_arguments", "TypeError", "app:add: missing a required argument: 'b'"),
        (25, "deadline_exceeded", "", "the call did not finish within 500 ms"),
        (26, "cancelled", "", "the call was cancelled by the host"),
        (27, "unserializable_result", "taipan_worker.values.ValueDomainError",
         "the result of type set cannot be encoded as MessagePack: value: cannot send a set: use dict, list, tuple, "
         "str, int, float, bool, bytes or None"),
        (28, "bad_value", "", "the call cannot be decoded: args[1]: string is not valid UTF-8"),
        (29, "frame_too_large", "taipan_worker.protocol.FrameTooLarge",
         "frame body of 5029 bytes exceeds the maximum frame size of 1024 bytes"),
    ):
        v.append((f"error_{kind}", {"v": 1, "type": "error", "id": cid, "kind": kind, "error_type": error_type,
                                    "message": message, "traceback": "", "retryable": False}))
    v.append(("cancel", {"v": 1, "type": "cancel", "id": 17}))
    v.append(("heartbeat", {"v": 1, "type": "heartbeat", "seq": 7}))
    v.append(("heartbeat_large_seq", {"v": 1, "type": "heartbeat", "seq": 4294967296}))
    v.append(("session_close", {"v": 1, "type": "session_close", "session": "sess-1"}))
    v.append(
        (
            "log",
            {"v": 1, "type": "log", "level": 40, "logger": "myapp.handlers", "message": "scoring failed for 3 items",
             "exception": TRACEBACK, "thread": "taipan-call_0", "call_id": 42,
             "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
        )
    )
    v.append(
        (
            "log_outside_call",
            {"v": 1, "type": "log", "level": 20, "logger": "root", "message": "loaded the model",
             "exception": None, "thread": "MainThread", "call_id": None, "trace_id": None},
        )
    )
    v.append(("session_open", {"v": 1, "type": "session_open", "session": "sess-2", "snapshots": "after_each_call"}))
    v.append(
        (
            "session_restore",
            {"v": 1, "type": "session_restore", "session": "sess-2", "seq": 7,
             "state": {"n": 41, "tags": ["a", b"\x00"], "last": None}, "snapshots": "on_request"},
        )
    )
    v.append(
        (
            "session_state",
            {"v": 1, "type": "session_state", "id": 21, "session": "sess-2", "seq": 8,
             "state": {"n": 42, "ratio": 0.5}, "error": None, "path": None},
        )
    )
    v.append(
        (
            "session_state_failed",
            {"v": 1, "type": "session_state", "id": 22, "session": "sess-2", "seq": 8, "state": None,
             "error": "session['m'] is a set; snapshots hold only None, bool, int, float, str, bytes, list and "
                      "dict with str keys", "path": "session['m']"},
        )
    )
    v.append(("chunk", {"v": 1, "type": "chunk", "id": 18, "seq": 0, "data": {"token": "Par", "field": "answer"}}))
    v.append(("chunk_ack", {"v": 1, "type": "chunk_ack", "id": 18, "seq": 15}))
    v.append(
        (
            "call_stream_window",
            {"v": 1, "type": "call", "id": 20, "function": "app:tokens", "args": ["a b c"], "session": None,
             "chunk_window": 32, "chunk_window_bytes": 8388608, "timeout_ms": 30000},
        )
    )
    v.append(
        (
            "callback",
            {"v": 1, "type": "callback", "id": 19, "callback_id": 1, "name": "lookup_order",
             "args": {"order_id": "ORD-12345"}},
        )
    )
    v.append(
        (
            "callback_result_value",
            {"v": 1, "type": "callback_result", "id": 19, "callback_id": 1, "value": {"status": "shipped"},
             "error": None},
        )
    )
    v.append(
        (
            "callback_result_error",
            {"v": 1, "type": "callback_result", "id": 19, "callback_id": 2, "value": None,
             "error": "IllegalStateException: no such order"},
        )
    )
    # The value domain's edges (protocol/value-domain.json), inside it: both sides take them.
    v.append(
        (
            "result_domain_edges",
            {
                "v": 1,
                "type": "result",
                "id": 20,
                "value": [
                    INT64_MIN, INT64_MAX, INT64_MAX + 1, UINT64_MAX, "", b"", [], {},
                    "\u0000", "\ufffd", "\uffff", "\U0010ffff", "\U0001f40d",
                    float("nan"), float("inf"), float("-inf"), 5e-324,
                    {1: "int key", -1: "negative", INT64_MIN: "min", UINT64_MAX: "max", "1": "str key"},
                ],
            },
        )
    )
    # A traced call (docs/PROTOCOL.md, "Trace context") and an answer with the worker's spans.
    v.append(
        (
            "call_trace_context",
            {"v": 1, "type": "call", "id": 43, "function": "app:score", "args": [1], "session": None,
             "traceparent": TRACEPARENT, "tracestate": "vendor=abc,other=1", "timeout_ms": 5000},
        )
    )
    v.append(("result_spans", {"v": 1, "type": "result", "id": 43, "value": 2, "spans": [WORKER_SPAN]}))
    v.append(
        (
            "error_spans",
            {"v": 1, "type": "error", "id": 44, "kind": "exception", "error_type": "ValueError",
             "message": "nope", "traceback": "", "retryable": False,
             "spans": [dict(WORKER_SPAN, status="ERROR", status_message="exception: ValueError")]},
        )
    )
    # The same answers as a worker that hands spans back writes them: the SERVER span as a
    # record (id, start, end; attributes only when some were set), the rest in ``spans``.
    v.append(("result_server_span", {"v": 1, "type": "result", "id": 43, "value": 2,
                                     "server_span": [SERVER_SPAN_ID, SERVER_START_NS, SERVER_END_NS]}))
    v.append(
        (
            "error_server_span",
            {"v": 1, "type": "error", "id": 44, "kind": "exception", "error_type": "ValueError",
             "message": "nope", "traceback": "", "retryable": False,
             "server_span": [SERVER_SPAN_ID, SERVER_START_NS, SERVER_END_NS, {"taipan.spans_dropped": 3}],
             "spans": [dict(WORKER_SPAN, name="score.inner", kind="INTERNAL", span_id="a1b2c3d4e5f60718",
                            parent_span_id=format(SERVER_SPAN_ID, "016x"), scope="app")]},
        )
    )
    v.append(("result_depth_limit", {"v": 1, "type": "result", "id": 21, "value": nested(MAX_DEPTH)}))
    v.append(
        (
            "call_arg_depth_limit",
            {
                "v": 1,
                "type": "call",
                "id": 22,
                "function": "echo",
                "args": [nested(MAX_DEPTH)],
                "session": None,
                "timeout_ms": None,
            },
        )
    )
    return v


def raw_message(fields: List[Tuple[str, bytes]]) -> bytes:
    """A map body from (key, already packed value) pairs: for values no encoder writes."""
    out = bytearray()
    n = len(fields)
    out += bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)
    for key, packed in fields:
        out += pack(key) + packed
    return bytes(out)


#: Values outside the domain, as raw MessagePack, with the path a decoder names (below the field).
BAD_VALUES: List[Tuple[str, bytes, str]] = [
    ("bad_utf8", b"\xa2\xff\xfe", ""),
    ("encoded_surrogate", b"\x91\xa3\xed\xa0\x80", "[0]"),
    ("overlong_utf8", b"\x81\xa1k\xa2\xc0\xaf", '["k"]'),
    ("list_key", b"\x81\x91\x01\xa1x", ""),
    ("map_key", b"\x81\x81\xa1a\x01\xa1x", ""),
    ("bool_key", b"\x81\xc3\xa1x", ""),
    ("nil_key", b"\x81\xc0\xa1x", ""),
    ("float_key", b"\x81\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xa1x", ""),
    ("bin_key", b"\x82\xa1a\x01\xc4\x01k\xa1x", ""),
    ("bad_utf8_key", b"\x81\xa2\xff\xfe\x01", ""),
    ("duplicate_key", b"\x92\x01\x82\xa1a\x01\xa1a\x02", "[1]"),
    ("duplicate_int_key", b"\x82\x01\xa1a\x01\xa1b", ""),
    ("too_deep", b"\x91" * (MAX_DEPTH + 1) + b"\xc0", "[0]" * MAX_DEPTH),
    ("far_too_deep", b"\x81\xa1d" + b"\x91" * 5000 + b"\xc0", '["d"]' + "[0]" * (MAX_DEPTH - 1)),
    ("ext", b"\x92\x01\xd4\x05\x00", "[1]"),
    ("ext_timestamp", b"\xd6\xff\x00\x00\x00\x01", ""),
]


def short_path(path: str) -> str:
    """A path as decoders write it: past 24 segments, the first 12, "...(N levels)...", the last 8."""
    root = path.split("[", 1)[0]
    segments = re.findall(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]', path[len(root):])
    n = len(segments)
    if n > 24:
        segments = segments[:12] + [f"...({n - 20} levels)..."] + segments[n - 8:]
    return root + "".join(segments)


def bad_value_vectors() -> List[Tuple[str, str, bytes, Dict[str, Any]]]:
    """Frames of a call with one field outside the value domain: that call fails, nothing else."""
    out: List[Tuple[str, str, bytes, Dict[str, Any]]] = []
    for kind, raw, below in BAD_VALUES:
        body = raw_message([("v", pack(1)), ("type", pack("result")), ("id", pack(30)), ("value", raw)])
        out.append((f"value_{kind}", kind, frame(body), {"type": "result", "id": 30, "field": "value",
                                                          "path": "value" + below}))
    arg = raw_message([("v", pack(1)), ("type", pack("call")), ("id", pack(31)), ("function", pack("echo")),
                       ("args", b"\x92\x01" + BAD_VALUES[0][1]), ("session", pack(None)),
                       ("timeout_ms", pack(None))])
    out.append(("call_arg_bad_utf8", "bad_utf8", frame(arg), {"type": "call", "id": 31, "field": "args",
                                                              "path": "args[1]"}))
    deep = raw_message([("v", pack(1)), ("type", pack("call")), ("id", pack(32)), ("function", pack("echo")),
                        ("args", b"\x91" + b"\x91" * (MAX_DEPTH + 1) + b"\xc0"), ("session", pack(None)),
                        ("timeout_ms", pack(None))])
    out.append(("call_arg_too_deep", "too_deep", frame(deep), {"type": "call", "id": 32, "field": "args",
                                                               "path": "args[0]" + "[0]" * MAX_DEPTH}))
    kwargs = raw_message([("v", pack(1)), ("type", pack("call")), ("id", pack(33)), ("function", pack("echo")),
                          ("args", b"\x81\xa3val\xa3\xed\xbf\xbf"), ("session", pack(None)),
                          ("timeout_ms", pack(None))])
    out.append(("call_kwarg_encoded_surrogate", "encoded_surrogate", frame(kwargs),
                {"type": "call", "id": 33, "field": "args", "path": 'args["val"]'}))
    name = raw_message([("v", pack(1)), ("type", pack("call")), ("id", pack(34)), ("function", b"\xa2\xff\xfe"),
                        ("args", pack([])), ("session", pack(None)), ("timeout_ms", pack(None))])
    out.append(("call_function_bad_utf8", "bad_utf8", frame(name), {"type": "call", "id": 34, "field": "function",
                                                                    "path": "function"}))
    chunk = raw_message([("v", pack(1)), ("type", pack("chunk")), ("id", pack(35)), ("seq", pack(0)),
                         ("data", b"\x81\xc3\xa1x")])
    out.append(("chunk_bool_key", "bool_key", frame(chunk), {"type": "chunk", "id": 35, "field": "data",
                                                             "path": "data"}))
    callback = raw_message([("v", pack(1)), ("type", pack("callback")), ("id", pack(36)), ("callback_id", pack(1)),
                            ("name", pack("tool")), ("args", b"\x81\x91\x01\xa1x")])
    out.append(("callback_list_key", "list_key", frame(callback), {"type": "callback", "id": 36, "field": "args",
                                                                   "path": "args"}))
    answer = raw_message([("v", pack(1)), ("type", pack("callback_result")), ("id", pack(37)),
                          ("callback_id", pack(1)), ("value", b"\x81\xa1k\xa2\xff\xfe"), ("error", pack(None))])
    out.append(("callback_result_bad_utf8", "bad_utf8", frame(answer),
                {"type": "callback_result", "id": 37, "field": "value", "path": 'value["k"]'}))
    return out


def call_frame_vectors() -> List[Tuple[str, Dict[str, Any]]]:
    """Calls as the host's CallFrame writes them: ``timeout_ms`` is last (the builder's order)."""
    return [
        ("call_timeout_one_ms", {"v": 1, "type": "call", "id": 40, "function": "echo", "args": [1, "two"],
                                 "session": None, "timeout_ms": 1}),
        ("call_timeout_session", {"v": 1, "type": "call", "id": 41, "function": "taipan_testing.functions:counter",
                                  "args": None, "session": "sess-1", "timeout_ms": 29_999}),
        ("call_timeout_stream_window", {"v": 1, "type": "call", "id": 42, "function": "app:tokens",
                                        "args": {"text": "a b c"}, "session": None, "chunk_window": 32,
                                        "chunk_window_bytes": 8388608, "timeout_ms": 2**40}),
        ("call_timeout_trace_context", {"v": 1, "type": "call", "id": 45, "function": "echo", "args": ["x"],
                                        "session": None, "traceparent": TRACEPARENT, "timeout_ms": 250}),
        ("call_timeout_stream_trace_context", {"v": 1, "type": "call", "id": 46, "function": "app:tokens",
                                               "args": ["a b"], "session": None, "chunk_window": 8,
                                               "chunk_window_bytes": 65536, "traceparent": TRACEPARENT,
                                               "tracestate": "vendor=abc", "timeout_ms": 1000}),
    ]


def call_frame(message: Dict[str, Any]) -> bytes:
    """``message`` (``timeout_ms`` its last key) with ``timeout_ms`` as 0xcf and 8 bytes."""
    keys = list(message)
    assert keys[-1] == "timeout_ms", keys
    fields = [(key, pack(message[key])) for key in keys[:-1]]
    fields.append(("timeout_ms", b"\xcf" + struct.pack(">Q", message["timeout_ms"])))
    return frame(raw_message(fields))


def bad_vectors() -> List[Tuple[str, str, bytes]]:
    """Malformed frames; the receiver's maximum frame size is the default 64 MiB."""
    hb = {"v": 1, "type": "heartbeat", "seq": 1}
    b: List[Tuple[str, str, bytes]] = []
    b.append(("oversize_header", "oversize_header", struct.pack(">I", 0xFFFFFFF0) + b"\x80"))
    b.append(("oversize_header_limit_plus_one", "oversize_header", struct.pack(">I", 64 * 1024 * 1024 + 1)))
    b.append(("zero_length", "zero_length", struct.pack(">I", 0)))
    b.append(("truncated_header", "truncated_header", b"\x00\x00"))
    b.append(("truncated_body", "truncated_body", struct.pack(">I", 40) + pack(hb)))
    b.append(("not_a_map_array", "not_a_map", frame(pack([1, "heartbeat", 1]))))
    b.append(("not_a_map_int", "not_a_map", frame(pack(1))))
    b.append(("not_a_map_str", "not_a_map", frame(pack("heartbeat"))))
    b.append(("not_a_map_nil", "not_a_map", frame(pack(None))))
    b.append(("wrong_version_2", "wrong_version", frame(pack({"v": 2, "type": "heartbeat", "seq": 1}))))
    b.append(("wrong_version_0", "wrong_version", frame(pack({"v": 0, "type": "heartbeat", "seq": 1}))))
    b.append(("wrong_version_str", "wrong_version", frame(pack({"v": "1", "type": "heartbeat", "seq": 1}))))
    b.append(("wrong_version_missing", "wrong_version", frame(pack({"type": "heartbeat", "seq": 1}))))
    b.append(("unknown_type", "unknown_type", frame(pack({"v": 1, "type": "bogus", "seq": 1}))))
    b.append(("unknown_type_stream", "unknown_type", frame(pack({"v": 1, "type": "stream", "id": 1}))))
    b.append(("missing_type", "missing_type", frame(pack({"v": 1, "id": 1, "seq": 1}))))
    b.append(("type_not_str", "unknown_type", frame(pack({"v": 1, "type": 3, "seq": 1}))))
    b.append(("trailing_bytes", "trailing_bytes", frame(pack(hb) + b"\xc0")))
    b.append(("trailing_map", "trailing_bytes", frame(pack(hb) + pack(hb))))
    # An ext value outside a call (a heartbeat's seq): no call to fail, so the connection ends.
    ext = msgpack.packb({"v": 1, "type": "heartbeat", "seq": msgpack.ExtType(5, b"\x01\x02\x03\x04")})
    b.append(("ext_type", "ext_type", frame(ext)))
    b.append(("invalid_msgpack", "invalid_msgpack", frame(b"\xc1\xc1\xc1\xc1")))
    # map announcing 3 entries but holding 2 inside the declared length
    short = b"\x83" + pack("v") + pack(1) + pack("type") + pack("heartbeat")
    b.append(("truncated_value", "invalid_msgpack", frame(short)))
    bad_utf8 = b"\x83" + pack("v") + pack(1) + pack("type") + pack("heartbeat") + pack("seq") + b"\xa2\xff\xfe"
    b.append(("invalid_utf8", "invalid_msgpack", frame(bad_utf8)))
    # A bad value where the message has no meaning without it, or no call to fail.
    bad_type = b"\x83" + pack("v") + pack(1) + pack("type") + b"\xa2\xff\xfe" + pack("seq") + pack(1)
    b.append(("type_bad_utf8", "invalid_msgpack", frame(bad_type)))
    bad_id = raw_message([("v", pack(1)), ("type", pack("result")), ("id", b"\x81\x91\x01\x01"), ("value", pack(1))])
    b.append(("id_list_key", "invalid_msgpack", frame(bad_id)))
    hb_deep = raw_message([("v", pack(1)), ("type", pack("heartbeat")), ("seq", pack(1)),
                           ("extra", b"\x91" * (MAX_DEPTH + 1) + b"\xc0")])
    b.append(("heartbeat_too_deep_extra", "invalid_msgpack", frame(hb_deep)))
    dup = raw_message([("v", pack(1)), ("type", pack("heartbeat")), ("seq", pack(1)), ("seq", pack(2))])
    b.append(("duplicate_envelope_key", "duplicate_key", frame(dup)))
    return b


def main() -> None:
    for directory in (HERE, BAD, CALL_FRAMES):
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".bin"):
                os.remove(os.path.join(directory, name))

    entries = []
    for name, message in good_vectors():
        with open(os.path.join(HERE, name + ".bin"), "wb") as f:
            f.write(frame(pack(message)))
        entries.append({"name": name, "message": to_json(message)})
    with open(os.path.join(HERE, "vectors.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=2, ensure_ascii=False)
        f.write("\n")

    bad_entries: List[Dict[str, Any]] = []
    for name, error, data in bad_vectors():
        with open(os.path.join(BAD, name + ".bin"), "wb") as f:
            f.write(data)
        bad_entries.append({"name": name, "error": error, "outcome": "connection"})
    for name, error, data, expected in bad_value_vectors():
        with open(os.path.join(BAD, name + ".bin"), "wb") as f:
            f.write(data)
        expected["path"] = short_path(expected["path"])
        bad_entries.append({"name": name, "error": error, "outcome": "value", **expected})
    with open(os.path.join(BAD, "bad.json"), "w", encoding="utf-8") as f:
        json.dump(bad_entries, f, indent=2)
        f.write("\n")

    call_entries = []
    for name, message in call_frame_vectors():
        with open(os.path.join(CALL_FRAMES, name + ".bin"), "wb") as f:
            f.write(call_frame(message))
        call_entries.append({"name": name, "message": to_json(message)})
    with open(os.path.join(CALL_FRAMES, "call_frames.json"), "w", encoding="utf-8") as f:
        json.dump(call_entries, f, indent=2)
        f.write("\n")
    print(f"wrote {len(entries)} vectors, {len(bad_entries)} bad frames and {len(call_entries)} call frames")


if __name__ == "__main__":
    main()
