#!/usr/bin/env python3
"""Generate the Taipan protocol golden vectors (docs/PROTOCOL.md, "Golden vectors").

Deterministic: running it again produces identical files. Needs only ``msgpack``.

    python protocol/vectors/generate.py

Writes ``NAME.bin`` (whole frame: 4-byte big-endian length + MessagePack map) and
``vectors.json`` (list of {"name", "message"}) in this directory, and malformed frames in
``bad/`` with ``bad/bad.json`` (list of {"name", "error"}).

JSON conventions in vectors.json: bytes are {"$bin": "<base64>"}; a JSON number with a
'.' or an exponent is a float (encoded float64), any other number is an int.
Every message is written with its keys already in wire order (v, type, id, fields).
"""

from __future__ import annotations

import base64
import json
import os
import struct
from typing import Any, Dict, List, Tuple

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "bad")

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True, use_single_float=False)


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def to_json(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"$bin": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
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
                "function": "taipan_worker.testing:counter",
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
    v.append(("cancel", {"v": 1, "type": "cancel", "id": 17}))
    v.append(("heartbeat", {"v": 1, "type": "heartbeat", "seq": 7}))
    v.append(("heartbeat_large_seq", {"v": 1, "type": "heartbeat", "seq": 4294967296}))
    v.append(("session_close", {"v": 1, "type": "session_close", "session": "sess-1"}))
    v.append(("chunk", {"v": 1, "type": "chunk", "id": 18, "seq": 0, "data": {"token": "Par", "field": "answer"}}))
    v.append(("chunk_ack", {"v": 1, "type": "chunk_ack", "id": 18, "seq": 15}))
    v.append(
        (
            "call_stream_window",
            {"v": 1, "type": "call", "id": 20, "function": "app:tokens", "args": ["a b c"], "session": None,
             "timeout_ms": 30000, "chunk_window": 32, "chunk_window_bytes": 8388608},
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
    return v


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
    ext = msgpack.packb({"v": 1, "type": "result", "id": 1, "value": msgpack.ExtType(5, b"\x01\x02\x03\x04")})
    b.append(("ext_type", "ext_type", frame(ext)))
    # timestamp extension (type -1), fixext4 with seconds = 1
    ts = b"\x84" + pack("v") + pack(1) + pack("type") + pack("result") + pack("id") + pack(1) + pack("value") + b"\xd6\xff\x00\x00\x00\x01"
    b.append(("ext_timestamp", "ext_type", frame(ts)))
    b.append(("invalid_msgpack", "invalid_msgpack", frame(b"\xc1\xc1\xc1\xc1")))
    # map announcing 3 entries but holding 2 inside the declared length
    short = b"\x83" + pack("v") + pack(1) + pack("type") + pack("heartbeat")
    b.append(("truncated_value", "invalid_msgpack", frame(short)))
    bad_utf8 = b"\x83" + pack("v") + pack(1) + pack("type") + pack("heartbeat") + pack("seq") + b"\xa2\xff\xfe"
    b.append(("invalid_utf8", "invalid_msgpack", frame(bad_utf8)))
    return b


def main() -> None:
    os.makedirs(BAD, exist_ok=True)
    for name in os.listdir(HERE):
        if name.endswith(".bin"):
            os.remove(os.path.join(HERE, name))
    for name in os.listdir(BAD):
        if name.endswith(".bin"):
            os.remove(os.path.join(BAD, name))

    entries = []
    for name, message in good_vectors():
        with open(os.path.join(HERE, name + ".bin"), "wb") as f:
            f.write(frame(pack(message)))
        entries.append({"name": name, "message": to_json(message)})
    with open(os.path.join(HERE, "vectors.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=2, ensure_ascii=False)
        f.write("\n")

    bad_entries = []
    for name, error, data in bad_vectors():
        with open(os.path.join(BAD, name + ".bin"), "wb") as f:
            f.write(data)
        bad_entries.append({"name": name, "error": error})
    with open(os.path.join(BAD, "bad.json"), "w", encoding="utf-8") as f:
        json.dump(bad_entries, f, indent=2)
        f.write("\n")
    print(f"wrote {len(entries)} vectors and {len(bad_entries)} bad frames")


if __name__ == "__main__":
    main()
