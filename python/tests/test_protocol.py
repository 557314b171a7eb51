"""Framing and golden-vector tests for taipan_worker.protocol."""

from __future__ import annotations

import base64
import io
import json
import math
import struct
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taipan_worker.protocol import (
    DEFAULT_MAX_FRAME_BYTES,
    BadValue,
    FrameParser,
    FrameTooLarge,
    ProtocolError,
    check_header,
    decode_body,
    encode_frame,
    encode_ordered_frame,
    error_type_name,
    new_packer,
    read_frame,
)

VECTORS = Path(__file__).resolve().parents[2] / "protocol" / "vectors"
GOOD = json.loads((VECTORS / "vectors.json").read_text(encoding="utf-8"))
BAD = json.loads((VECTORS / "bad" / "bad.json").read_text(encoding="utf-8"))
CALL_FRAMES = json.loads((VECTORS / "call_frames" / "call_frames.json").read_text(encoding="utf-8"))


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$bin"}:
            return base64.b64decode(value["$bin"])
        if set(value) == {"$float"}:
            return float(value["$float"].lower().replace("infinity", "inf"))
        if set(value) == {"$map"}:
            return {from_json(k): from_json(v) for k, v in value["$map"]}
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def assert_same(actual: Any, expected: Any, path: str = "$") -> None:
    """Equality that also checks types (2 != 2.0, True != 1) and map key order."""
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for k in expected:
            assert_same(actual[k], expected[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: length"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual), path
    elif isinstance(expected, float):
        assert actual == expected and math.copysign(1, actual) == math.copysign(1, expected), path
    else:
        assert actual == expected, path


def test_vector_set_is_complete() -> None:
    types = {entry["message"]["type"] for entry in GOOD}
    assert types == {"auth", "hello", "call", "result", "error", "cancel", "heartbeat", "session_close", "chunk",
                     "chunk_ack", "callback", "callback_result", "session_open", "session_restore",
                     "session_state", "log"}
    assert 15 <= len(GOOD) <= 60
    for entry in GOOD:
        assert (VECTORS / f"{entry['name']}.bin").is_file()


@pytest.mark.parametrize("entry", GOOD, ids=[e["name"] for e in GOOD])
def test_decode_golden(entry: dict) -> None:
    data = (VECTORS / f"{entry['name']}.bin").read_bytes()
    (length,) = struct.unpack(">I", data[:4])
    assert length == len(data) - 4
    assert_same(decode_body(data[4:]), from_json(entry["message"]))
    assert_same(read_frame(io.BytesIO(data)), from_json(entry["message"]))


@pytest.mark.parametrize("entry", GOOD, ids=[e["name"] for e in GOOD])
def test_encode_golden(entry: dict) -> None:
    data = (VECTORS / f"{entry['name']}.bin").read_bytes()
    assert encode_frame(from_json(entry["message"])) == data


@pytest.mark.parametrize("entry", GOOD, ids=[e["name"] for e in GOOD])
def test_encode_golden_reorders_keys(entry: dict) -> None:
    """encode_frame writes v, type, id, fields in the documented order whatever the dict order."""
    data = (VECTORS / f"{entry['name']}.bin").read_bytes()
    message = from_json(entry["message"])
    shuffled = dict(reversed(list(message.items())))
    assert encode_frame(shuffled) == data


@pytest.mark.parametrize("entry", BAD, ids=[e["name"] for e in BAD])
def test_bad_vectors_rejected(entry: dict) -> None:
    data = (VECTORS / "bad" / f"{entry['name']}.bin").read_bytes()
    with pytest.raises(ProtocolError) as caught:
        read_frame(io.BytesIO(data))
    if entry["outcome"] == "connection":
        assert not isinstance(caught.value, BadValue), caught.value
        return
    # A value error: only that call fails; the envelope was recovered.
    bad = caught.value
    assert isinstance(bad, BadValue), bad
    assert bad.message["type"] == entry["type"] and bad.message["id"] == entry["id"]
    assert bad.field == entry["field"]
    assert bad.problem.startswith(entry["path"] + ": "), (bad.problem, entry["path"])


def test_bad_value_vectors_cover_the_domain() -> None:
    outcomes = {e["outcome"] for e in BAD}
    assert outcomes == {"connection", "value"}
    kinds = {e["error"] for e in BAD if e["outcome"] == "value"}
    for needed in ("bad_utf8", "encoded_surrogate", "list_key", "map_key", "bool_key", "nil_key", "float_key",
                   "bin_key", "duplicate_key", "too_deep", "ext"):
        assert needed in kinds
    types = {e["type"] for e in BAD if e["outcome"] == "value"}
    assert types == {"call", "result", "chunk", "callback", "callback_result"}


def test_bad_vector_categories() -> None:
    categories = {e["error"] for e in BAD}
    for needed in (
        "oversize_header",
        "zero_length",
        "truncated_body",
        "not_a_map",
        "wrong_version",
        "unknown_type",
        "trailing_bytes",
        "ext_type",
        "missing_type",
    ):
        assert needed in categories


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requested = 0

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        self.requested += n if n and n > 0 else 0
        return super().read(n)


def test_oversize_header_detected_before_body_is_read() -> None:
    stream = _CountingStream(struct.pack(">I", 1000) + b"\x80" * 1000)
    with pytest.raises(ProtocolError):
        read_frame(stream, max_frame_bytes=999)
    assert stream.requested == 4


def test_check_header() -> None:
    assert check_header(struct.pack(">I", 5)) == 5
    assert check_header(struct.pack(">I", DEFAULT_MAX_FRAME_BYTES)) == DEFAULT_MAX_FRAME_BYTES
    with pytest.raises(ProtocolError):
        check_header(struct.pack(">I", DEFAULT_MAX_FRAME_BYTES + 1))
    with pytest.raises(ProtocolError):
        check_header(struct.pack(">I", 0))
    with pytest.raises(ProtocolError):
        check_header(b"\x00\x01")


def test_clean_eof_returns_none() -> None:
    assert read_frame(io.BytesIO(b"")) is None


def test_encode_frame_too_large() -> None:
    msg = {"v": 1, "type": "result", "id": 1, "value": b"x" * 1000}
    size = len(encode_frame(msg)) - 4
    assert len(encode_frame(msg, max_frame_bytes=size)) == size + 4
    with pytest.raises(FrameTooLarge):
        encode_frame(msg, max_frame_bytes=size - 1)


@pytest.mark.parametrize("value", [{1, 2}, 2**64, -(2**63) - 1, object()])
def test_encode_unserializable(value: Any) -> None:
    with pytest.raises((TypeError, OverflowError, ValueError)):
        encode_frame({"v": 1, "type": "result", "id": 1, "value": value})


def test_uint64_encodes() -> None:
    frame = encode_frame({"v": 1, "type": "result", "id": 1, "value": 2**64 - 1})
    assert decode_body(frame[4:])["value"] == 2**64 - 1


def test_floats_are_float64_and_strings_smallest() -> None:
    body = encode_frame({"v": 1, "type": "result", "id": 1, "value": 1.5})[4:]
    assert b"\xcb" + struct.pack(">d", 1.5) in body
    body = encode_frame({"v": 1, "type": "result", "id": 1, "value": "a" * 31})[4:]
    assert b"\xbf" + b"a" * 31 in body


@pytest.mark.parametrize(
    "msg",
    [
        {"v": True, "type": "heartbeat", "seq": 1},
        {"v": 1, "type": "call", "id": 1, "args": [], "session": None, "timeout_ms": None},
        {"v": 1, "type": "call", "id": "1", "function": "f", "args": []},
        {"v": 1, "type": "call", "id": 1, "function": "f", "args": "x"},
        {"v": 1, "type": "heartbeat"},
        {"v": 1, "type": "heartbeat", "seq": True},
        {"v": 1, "type": "cancel"},
    ],
)
def test_invalid_messages(msg: dict) -> None:
    body = msgpack.packb(msg, use_bin_type=True)
    with pytest.raises(ProtocolError):
        decode_body(body)


def test_optional_nil_fields_may_be_omitted_and_unknown_keys_ignored() -> None:
    body = msgpack.packb({"v": 1, "type": "call", "id": 9, "function": "ping", "extra": [1]}, use_bin_type=True)
    msg = decode_body(body)
    assert msg["function"] == "ping" and msg.get("args") is None


def test_error_type_name() -> None:
    import json.decoder

    assert error_type_name(ValueError) == "ValueError"
    assert error_type_name(json.decoder.JSONDecodeError) == "json.decoder.JSONDecodeError"

    class Local(Exception):
        pass

    assert error_type_name(Local).endswith("test_error_type_name.<locals>.Local")


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_roundtrip_property(value: Any) -> None:
    frame = encode_frame({"value": value, "id": 3, "type": "result"})
    msg = read_frame(io.BytesIO(frame))
    assert msg is not None
    assert list(msg) == ["v", "type", "id", "value"]
    assert_same(msg["value"], value)


def test_error_without_call_omits_id() -> None:
    frame = encode_frame({"v": 1, "type": "error", "id": None, "kind": "exception", "error_type": "",
                          "message": "m", "traceback": "", "retryable": False})
    msg = decode_body(frame[4:])
    assert "id" not in msg and list(msg)[:3] == ["v", "type", "kind"]


# ---------------------------------------------------------------------------- FrameParser

def _parser(max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> "tuple[FrameParser, list]":
    got: list = []
    return FrameParser(got.append, max_frame_bytes), got


_STREAM_MESSAGES = [
    {"v": 1, "type": "call", "id": 1, "function": "echo", "args": [1], "session": None, "timeout_ms": 60000},
    {"v": 1, "type": "heartbeat", "seq": 7},
    {"v": 1, "type": "call", "id": 2, "function": "f", "args": {"x": b"\x00" * 300}, "session": "s",
     "timeout_ms": None},
    {"v": 1, "type": "cancel", "id": 2},
    {"v": 1, "type": "session_close", "session": "s"},
]
_STREAM = b"".join(encode_frame(m) for m in _STREAM_MESSAGES)


def test_parser_one_frame_per_chunk() -> None:
    parser, got = _parser()
    for msg in _STREAM_MESSAGES:
        parser.feed(encode_frame(msg))
        assert got[-1] == msg
    assert got == _STREAM_MESSAGES and parser.buffered == 0
    parser.eof()  # at a frame boundary: a clean end


def test_parser_many_frames_in_one_chunk() -> None:
    parser, got = _parser()
    parser.feed(_STREAM)
    assert got == _STREAM_MESSAGES
    assert parser.buffered == 0
    # and again with a partial frame at the end of the chunk
    parser.feed(_STREAM + _STREAM[:10])
    assert got == _STREAM_MESSAGES * 2
    assert parser.buffered == 10
    parser.feed(_STREAM[10:])
    assert got == _STREAM_MESSAGES * 3 and parser.buffered == 0


def test_parser_split_at_every_byte_boundary() -> None:
    for cut in range(1, len(_STREAM)):
        parser, got = _parser()
        parser.feed(_STREAM[:cut])
        parser.feed(_STREAM[cut:])
        assert got == _STREAM_MESSAGES, cut
        assert parser.buffered == 0


def test_parser_split_at_every_two_byte_boundaries() -> None:
    data = b"".join(encode_frame(m) for m in _STREAM_MESSAGES[:2])
    for i in range(1, len(data)):
        for j in range(i, len(data)):
            parser, got = _parser()
            for chunk in (data[:i], data[i:j], data[j:]):
                parser.feed(chunk)
            assert got == _STREAM_MESSAGES[:2], (i, j)


def test_parser_byte_by_byte() -> None:
    parser, got = _parser()
    for i in range(len(_STREAM)):
        parser.feed(_STREAM[i : i + 1])
        assert parser.buffered == len(_STREAM[: i + 1]) - sum(len(encode_frame(m)) for m in got)
    assert got == _STREAM_MESSAGES
    assert parser.buffered == 0


def test_parser_accepts_bytearray_and_memoryview_chunks() -> None:
    parser, got = _parser()
    parser.feed(bytearray(_STREAM[:5]))
    parser.feed(memoryview(_STREAM)[5:])
    assert got == _STREAM_MESSAGES


def test_parser_oversize_header_rejected_before_body() -> None:
    for limit, length in ((999, 1000), (DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES + 1),
                          (DEFAULT_MAX_FRAME_BYTES, 0xFFFFFFF0)):
        header = struct.pack(">I", length)
        parser, got = _parser(limit)
        parser.feed(header[:2])  # half a header: nothing to judge yet
        assert parser.buffered == 2
        with pytest.raises(ProtocolError, match="maximum frame size"):
            parser.feed(header[2:])  # the header alone, no body byte ever arrives
        assert got == []
    # after a good frame in the same chunk: the good one is delivered, then the error
    parser, got = _parser(999)
    with pytest.raises(ProtocolError, match="maximum frame size"):
        parser.feed(encode_frame(_STREAM_MESSAGES[1]) + struct.pack(">I", 1000))
    assert got == [_STREAM_MESSAGES[1]]


def test_parser_frame_at_the_limit_is_accepted() -> None:
    frame = encode_frame(_STREAM_MESSAGES[2])
    parser, got = _parser(len(frame) - 4)
    parser.feed(frame)
    assert got == [_STREAM_MESSAGES[2]]


def test_parser_zero_length_rejected() -> None:
    parser, got = _parser()
    with pytest.raises(ProtocolError, match="zero-length"):
        parser.feed(struct.pack(">I", 0))


def test_parser_eof_inside_a_frame() -> None:
    frame = encode_frame(_STREAM_MESSAGES[0])
    parser, _ = _parser()
    parser.feed(frame[:3])
    with pytest.raises(ProtocolError, match="truncated frame header"):
        parser.eof()
    parser, _ = _parser()
    parser.feed(frame[:-1])
    with pytest.raises(ProtocolError, match="truncated frame body"):
        parser.eof()


@pytest.mark.parametrize("entry", BAD, ids=[e["name"] for e in BAD])
def test_parser_rejects_bad_vectors(entry: dict) -> None:
    data = (VECTORS / "bad" / f"{entry['name']}.bin").read_bytes()
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        parser, got = _parser()
        with pytest.raises(ProtocolError):
            for chunk in chunks:
                parser.feed(chunk)
            parser.eof()  # truncated vectors fail here
        assert got == []


@pytest.mark.parametrize("entry", GOOD, ids=[e["name"] for e in GOOD])
def test_parser_decodes_golden(entry: dict) -> None:
    data = (VECTORS / f"{entry['name']}.bin").read_bytes()
    parser, got = _parser()
    parser.feed(data[:1])
    parser.feed(data[1:] + data)
    assert len(got) == 2
    for msg in got:
        assert_same(msg, from_json(entry["message"]))


@pytest.mark.parametrize("entry", CALL_FRAMES, ids=[e["name"] for e in CALL_FRAMES])
def test_call_frames_as_the_host_writes_them_decode(entry: dict) -> None:
    """The bytes Java's CallFrame writes (its test checks them against these files): ``timeout_ms``
    last, a fixed-width uint64 whatever its value; the only difference from this side's own
    encoding is that integer's width."""
    data = (VECTORS / "call_frames" / f"{entry['name']}.bin").read_bytes()
    message = from_json(entry["message"])
    assert list(message)[-1] == "timeout_ms"
    assert data[-9:] == b"\xcf" + struct.pack(">Q", message["timeout_ms"])
    assert_same(decode_body(data[4:]), message)
    assert_same(read_frame(io.BytesIO(data)), message)
    parser, got = _parser()
    parser.feed(data)
    assert len(got) == 1
    assert_same(got[0], message)
    own = encode_frame(message)
    assert len(data) - len(own) == 9 - len(msgpack.packb(message["timeout_ms"]))
    assert_same(decode_body(own[4:]), decode_body(data[4:]))


def test_parser_handler_error_does_not_redeliver() -> None:
    seen: list = []

    def handler(msg: dict) -> None:
        seen.append(msg)
        if len(seen) == 1:
            raise ProtocolError("rejected by the handler")

    parser = FrameParser(handler)
    with pytest.raises(ProtocolError, match="handler"):
        parser.feed(_STREAM[:-3])
    assert parser.buffered == len(_STREAM) - 3 - len(encode_frame(_STREAM_MESSAGES[0]))


# ---------------------------------------------------------------------------- ordered encoding

@pytest.mark.parametrize("entry", GOOD, ids=[e["name"] for e in GOOD])
def test_encode_ordered_frame_golden(entry: dict) -> None:
    """Messages already in wire order encode byte for byte like encode_frame, packer or not."""
    data = (VECTORS / f"{entry['name']}.bin").read_bytes()
    message = from_json(entry["message"])
    pack = new_packer()
    assert encode_ordered_frame(message) == data
    assert encode_ordered_frame(message, pack=pack) == data
    assert encode_ordered_frame(message, pack=pack) == data  # the packer is reusable


def test_encode_ordered_frame_limits_and_errors() -> None:
    pack = new_packer()
    msg = {"v": 1, "type": "result", "id": 1, "value": b"x" * 1000}
    size = len(encode_frame(msg)) - 4
    assert encode_ordered_frame(msg, size, pack) == encode_frame(msg)
    with pytest.raises(FrameTooLarge):
        encode_ordered_frame(msg, size - 1, pack)
    with pytest.raises(TypeError):
        encode_ordered_frame({"v": 1, "type": "result", "id": 1, "value": {1, 2}}, pack=pack)
    # a failed pack leaves nothing behind in the packer
    assert encode_ordered_frame(msg, pack=pack) == encode_frame(msg)


# ---------------------------------------------------------------- one table, one list, as documented

PROTOCOL_MD = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"


def _doc_tables() -> dict:
    """Each message's key table in docs/PROTOCOL.md: type -> keys in order."""
    import re

    doc = PROTOCOL_MD.read_text(encoding="utf-8")
    tables = {}
    for m in re.finditer(r"^#{3,4} `(\w+)`[^\n]*\n((?:\|[^\n]*\n)+)", doc, re.M):
        rows = m.group(2).splitlines()[2:]
        tables[m.group(1)] = [k.group(1) for k in (re.match(r"\| `(\w+)`", r) for r in rows) if k]
    return tables


def test_the_field_table_is_the_documented_one() -> None:
    from taipan_worker import protocol

    documented = _doc_tables()
    for mtype, fields in protocol._FIELDS.items():
        assert documented.get(mtype) == [name for name, _, _ in fields], mtype
    assert protocol.MESSAGE_TYPES == frozenset(protocol._FIELDS)
    for mtype, fields in protocol._FIELDS.items():
        assert protocol.MESSAGE_FIELDS[mtype] == tuple(n for n, _, _ in fields if n != "id")
        assert (mtype in protocol.ID_TYPES) == any(n == "id" for n, _, _ in fields)


def _error_kind_rows() -> list:
    """The rows of docs/PROTOCOL.md's "Error kinds" table, each a list of its cells, in order."""
    doc = PROTOCOL_MD.read_text(encoding="utf-8")
    section = doc[doc.index("#### Error kinds"):]
    table = section[section.index("| kind |"):]
    table = table[: table.index("\n\n")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]


def test_error_kinds_are_one_set_in_the_constants_the_table_and_the_vectors() -> None:
    """A new kind cannot be added in one place only: errors.py, PROTOCOL.md and the vectors agree."""
    from taipan_worker import errors

    constants = {value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)}
    assert constants == set(errors.ALL) and len(errors.ALL) == len(constants)
    documented = tuple(row[0].strip("`") for row in _error_kind_rows())
    assert documented == errors.ALL
    in_vectors = {e["message"]["kind"] for e in GOOD if e["message"]["type"] == "error"}
    assert in_vectors == set(errors.ALL)
    for kind in errors.ALL:
        assert any(e["name"] == f"error_{kind}" for e in GOOD), kind


def test_error_vectors_agree_with_the_table_and_the_worker() -> None:
    """Each error vector has the error_type and retryable the table gives, and is the frame the worker writes."""
    from taipan_worker import errors
    from taipan_worker.replies import Replies
    from taipan_worker.tracing import server_span_record, with_spans, with_trace

    error_type_cell = {row[0].strip("`"): row[3] for row in _error_kind_rows()}
    replies = Replies(DEFAULT_MAX_FRAME_BYTES)
    for entry in (e for e in GOOD if e["message"]["type"] == "error"):
        m = from_json(entry["message"])
        cell = error_type_cell[m["kind"]]
        if cell.startswith("`"):  # a literal: `""`, `TypeError`, ...
            literal = cell.strip("`")
            assert m["error_type"] == ("" if literal == '""' else literal), entry["name"]
        else:  # a class named in words ("its class"): some qualified name
            assert m["error_type"], entry["name"]
        assert m["retryable"] is (m["kind"] == errors.DRAINING), entry["name"]
        written = replies.error(m["id"], m["kind"], m["error_type"], m["message"], m["traceback"], m["retryable"])
        if "server_span" in m:  # a traced call's error: the worker adds its SERVER span and spans
            record = server_span_record(*m["server_span"][:3], m["server_span"][3] if len(m["server_span"]) > 3 else None)
            written = with_trace(written, record, m.get("spans"), DEFAULT_MAX_FRAME_BYTES)
        elif "spans" in m:  # as a worker before the record wrote them
            written = with_spans(written, m["spans"], DEFAULT_MAX_FRAME_BYTES)
        assert written == (VECTORS / f"{entry['name']}.bin").read_bytes(), entry["name"]

def test_the_server_span_vector_is_the_frame_the_worker_writes() -> None:
    """A traced call's answer as a worker that hands spans back writes it: the record packed
    by hand is canonical MessagePack, byte for byte what both decoders read."""
    from taipan_worker.replies import Replies
    from taipan_worker.tracing import server_span_record, with_trace

    entry = next(e for e in GOOD if e["name"] == "result_server_span")
    m = from_json(entry["message"])
    written = with_trace(Replies(DEFAULT_MAX_FRAME_BYTES).result(m["id"], m["value"]),
                         server_span_record(*m["server_span"], None), None, DEFAULT_MAX_FRAME_BYTES)
    assert written == (VECTORS / "result_server_span.bin").read_bytes()


def test_the_worker_writes_a_server_span_without_attributes_as_the_general_encoder_does() -> None:
    """The one-pack tail of the common case is the bytes ``with_trace`` writes."""
    from taipan_worker.replies import Replies
    from taipan_worker.tracing import CallTrace, Tracing, server_span_record, with_trace

    pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry.sdk.trace import TracerProvider

    from taipan_worker.tracing import CallSpans

    collector = CallSpans()
    tracing = Tracing(TracerProvider(), collector)
    frame = Replies(DEFAULT_MAX_FRAME_BYTES).result(7, "x")
    trace = CallTrace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1, None, collector)
    written = tracing.finish(trace, frame, DEFAULT_MAX_FRAME_BYTES)
    end_ns = msgpack.unpackb(written[4:])["server_span"][2]
    assert written == with_trace(frame, server_span_record(trace.span_id, trace.start_ns, end_ns, None), None,
                                 DEFAULT_MAX_FRAME_BYTES)
    assert tracing.finish(CallTrace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1, None, collector),
                          frame, len(frame) - 4) == frame  # no room: the answer as it was
