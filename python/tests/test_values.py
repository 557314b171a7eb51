"""The one value domain (docs/PROTOCOL.md, "Values"; protocol/value-domain.json), Python side.

A value outside the domain is refused by the sender's encoder with its path, or, arriving in
a frame, fails only the call the frame belongs to: the worker (same process) goes on serving.
"""

from __future__ import annotations

import io
import json
import math
import struct
from pathlib import Path
from typing import Any, List

import msgpack
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from taipan_worker import errors, protocol
from taipan_worker.protocol import ProtocolError, encode_frame, read_frame

from conftest import Worker

T = "taipan_testing.functions:"
SPEC = json.loads((Path(__file__).resolve().parents[2] / "protocol" / "value-domain.json").read_text("utf-8"))
MAX_DEPTH = SPEC["max_depth"]
INT_MIN = SPEC["int_min"]
INT_MAX = SPEC["int_max"]


def nested(depth: int, leaf: Any = 0) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


def raw_call(cid: int, args: bytes, function: bytes = b"\xa4echo") -> bytes:
    """A call frame whose args are the raw MessagePack ``args``."""
    body = (b"\x87\xa1v\x01\xa4type\xa4call\xa2id" + msgpack.packb(cid) + b"\xa8function" + function
            + b"\xa4args" + args + b"\xa7session\xc0\xaatimeout_ms\xc0")
    return struct.pack(">I", len(body)) + body


def same(a: Any, b: Any) -> bool:
    """Equality that tells 1 from True and 1.0, keeps map order, and takes NaN as equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


# ---------------------------------------------------------------- the spec and the code agree


def test_constants_are_the_spec() -> None:
    assert protocol.MAX_DEPTH == SPEC["max_depth"] == 256
    assert protocol.INT_MIN == INT_MIN == -(2**63)
    assert protocol.INT_MAX == INT_MAX == 2**64 - 1
    assert SPEC["map_key_types"] == ["str", "int"]
    assert SPEC["duplicate_keys"] is False and SPEC["ext_types"] is False
    assert SPEC["max_frame_bytes"] == protocol.DEFAULT_MAX_FRAME_BYTES


# ---------------------------------------------------------------- a real worker: bad values in


#: Arguments outside the domain, as raw MessagePack inside an args array, and the path named.
BAD_ARGS = [
    ("bad_utf8", b"\x92\x01\xa2\xff\xfe", "args[1]"),
    ("encoded_surrogate", b"\x91\xa3\xed\xa0\x80", "args[0]"),
    ("list_key", b"\x91\x81\x91\x01\xa1x", "args[0]"),
    ("map_key", b"\x91\x81\x81\xa1a\x01\xa1x", "args[0]"),
    ("bool_key", b"\x91\x81\xc3\xa1x", "args[0]"),
    ("nil_key", b"\x91\x81\xc0\xa1x", "args[0]"),
    ("float_key", b"\x91\x81\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xa1x", "args[0]"),
    ("bin_key", b"\x91\x81\xc4\x01k\xa1x", "args[0]"),
    ("duplicate_key", b"\x91\x82\xa1a\x01\xa1a\x02", "args[0]"),
    ("too_deep", b"\x91" + b"\x91" * (MAX_DEPTH + 1) + b"\xc0", "args[0]"),
    ("far_too_deep", b"\x91" + b"\x91" * 3000 + b"\xc0", "args[0]"),
    ("ext", b"\x91\xd4\x05\x00", "args[0]"),
    ("kwarg_bad_utf8", b"\x81\xa5value\xa2\xff\xfe", 'args["value"]'),
    ("kwarg_duplicate", b"\x82\xa5value\x01\xa5value\x02", 'args: duplicate map key ["value"]'),
    ("kwarg_bool_key", b"\x81\xc3\x01", "args: a map key of type bool"),
]


@pytest.mark.parametrize("kind,args,path", BAD_ARGS, ids=[b[0] for b in BAD_ARGS])
def test_a_call_with_undecodable_args_fails_alone(worker: Worker, kind: str, args: bytes, path: str) -> None:
    beside = worker.call(T + "block", [0.3])  # in flight on a thread while the bad frame arrives
    worker.send_raw(raw_call(1000, args))
    msg = worker.recv_for(1000)
    assert msg["type"] == "error" and msg["kind"] == errors.BAD_VALUE, msg
    assert path in msg["message"], msg["message"]
    assert msg["retryable"] is False
    assert worker.recv_for(beside) == {"v": 1, "type": "result", "id": beside, "value": 0.3}
    assert worker.value("echo", [["still", "here"]]) == ["still", "here"]
    assert worker.proc.poll() is None
    assert worker.value(T + "pid") == worker.hello["pid"]  # the worker itself, below its guardian


def test_an_undecodable_function_name_fails_that_call(worker: Worker) -> None:
    worker.send_raw(raw_call(7, b"\x90", function=b"\xa2\xff\xfe"))
    msg = worker.recv_for(7)
    assert msg["kind"] == errors.BAD_VALUE and "function" in msg["message"], msg
    assert worker.value("ping") == "pong"


def test_an_undecodable_callback_answer_fails_the_callback_not_the_worker(worker: Worker) -> None:
    cid = worker.call(T + "ask_java", ["tool", 1])
    callback = worker.recv_for(cid)
    assert callback["type"] == "callback"
    body = (b"\x86\xa1v\x01\xa4type\xafcallback_result\xa2id" + msgpack.packb(cid) + b"\xabcallback_id"
            + msgpack.packb(callback["callback_id"]) + b"\xa5value\x81\xc3\x01\xa5error\xc0")
    worker.send_raw(struct.pack(">I", len(body)) + body)
    msg = worker.recv_for(cid)
    assert msg["type"] == "error" and msg["kind"] == errors.EXCEPTION, msg
    assert msg["error_type"].endswith("CallbackError") and "value" in msg["message"], msg
    assert worker.value("ping") == "pong"


def test_a_frame_that_is_not_one_map_still_ends_the_connection(worker: Worker) -> None:
    worker.send_raw(struct.pack(">I", 5) + b"\xc1\xc1\xc1\xc1\xc1")
    assert worker.wait() == 3


# ---------------------------------------------------------------- a real worker: bad values out


@pytest.mark.parametrize("kind", ["bool", "float", "none", "bytes", "tuple"])
def test_a_result_key_java_refuses_is_refused_with_its_path(worker: Worker, kind: str) -> None:
    msg = worker.invoke(T + "map_with_key", [kind])
    assert msg["kind"] == errors.UNSERIALIZABLE_RESULT, msg
    assert "value: a map key of type" in msg["message"], msg["message"]
    assert worker.value("ping") == "pong"


def test_depth_is_counted_from_the_value(worker: Worker) -> None:
    at_limit = worker.value(T + "nested", [MAX_DEPTH])
    assert at_limit == nested(MAX_DEPTH)
    # A value Python returned can always be passed back as an argument.
    assert worker.value("echo", [at_limit]) == at_limit
    msg = worker.invoke(T + "nested", [MAX_DEPTH + 1])
    assert msg["kind"] == errors.UNSERIALIZABLE_RESULT and "value[0][0]" in msg["message"], msg
    assert "nested deeper than 256 levels" in msg["message"]
    assert worker.value("ping") == "pong"


def test_a_lone_surrogate_result_names_its_path(worker: Worker) -> None:
    msg = worker.invoke(T + "lone_surrogate")
    assert msg["kind"] == errors.UNSERIALIZABLE_RESULT, msg
    assert "value[1]: string has a lone surrogate U+D800 at index 1" in msg["message"], msg["message"]
    assert worker.value("ping") == "pong"


def test_callback_args_outside_the_domain_raise_in_python(worker: Worker) -> None:
    msg = worker.invoke(T + "ask_java_with_key", ["tool", "bool"])
    assert msg["kind"] == errors.EXCEPTION and msg["error_type"].endswith("CallbackError"), msg
    assert "args: a map key of type bool" in msg["message"], msg["message"]
    assert worker.value("ping") == "pong"


# ---------------------------------------------------------------- properties, from the spec

leaves = st.one_of(
    st.sampled_from([None, True, False, 0, -1, INT_MIN, INT_MAX, 2**63 - 1, 2**63, "", b"", "\x00", "\ufffd",
                     "\U0010ffff", "\U0001f40d", 0.0, -0.0, float("nan"), float("inf"), float("-inf"), 5e-324]),
    st.integers(min_value=INT_MIN, max_value=INT_MAX),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),  # Hypothesis' text never holds a lone surrogate
    st.binary(max_size=12),
)
keys = st.one_of(st.text(max_size=6), st.integers(min_value=INT_MIN, max_value=INT_MAX),
                 st.sampled_from(["", 0, INT_MIN, INT_MAX, "k"]))
in_domain = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=16,
)

#: Parts outside the domain (and what the path's reason says).
out_of_domain = st.one_of(
    st.sampled_from([
        ({True: 1}, "map key of type bool"),
        ({1.5: 1}, "map key of type float"),
        ({None: 1}, "map key of type NoneType"),
        ({b"k": 1}, "map key of type bytes"),
        ({(1, 2): 1}, "map key of type tuple"),
        ("a\ud800b", "lone surrogate"),
        ("\udfff", "lone surrogate"),
        (INT_MAX + 1, "outside"),
        (INT_MIN - 1, "outside"),
        ({1, 2}, "cannot send a set"),
        (nested(MAX_DEPTH + 1), "nested deeper"),
        ({"k": {"\ud800": 1}}, "lone surrogate"),
    ]),
    st.integers(min_value=INT_MAX + 1).map(lambda n: (n, "outside")),
    st.integers(max_value=INT_MIN - 1).map(lambda n: (n, "outside")),
)


@settings(max_examples=150, deadline=None)
@given(in_domain)
@example(nested(MAX_DEPTH))
@example({INT_MIN: [INT_MAX], "": {}})
def test_in_domain_values_round_trip_locally(value: Any) -> None:
    frame = encode_frame({"v": 1, "type": "result", "id": 3, "value": value})
    back = read_frame(io.BytesIO(frame))
    assert back is not None and same(back["value"], value)


@settings(max_examples=100, deadline=None)
@given(st.lists(in_domain, max_size=3), out_of_domain)
def test_out_of_domain_values_are_refused_by_the_encoder_with_their_path(prefix: List[Any], bad: Any) -> None:
    part, reason = bad
    value = prefix + [part]
    with pytest.raises(ValueError) as caught:
        encode_frame({"v": 1, "type": "result", "id": 3, "value": value})
    assert str(caught.value).startswith(f"value[{len(prefix)}]"), caught.value
    assert reason in str(caught.value), caught.value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=in_domain)
@example(value=nested(MAX_DEPTH))
@example(value={INT_MAX: INT_MIN, -1: [b"", "\U0010ffff"]})
def test_in_domain_values_round_trip_through_a_real_worker(worker: Worker, value: Any) -> None:
    back = worker.value("echo", [value])
    assert same(back, value), (back, value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from([b[0] for b in BAD_ARGS]), cid=st.integers(min_value=10_000, max_value=2**63 - 1))
def test_bad_frames_never_cost_the_worker(worker: Worker, kind: str, cid: int) -> None:
    _, args, path = next(b for b in BAD_ARGS if b[0] == kind)
    pid = worker.hello["pid"]
    worker.send_raw(raw_call(cid, args))
    msg = worker.recv_for(cid)
    assert msg["kind"] == errors.BAD_VALUE and path in msg["message"], msg
    assert worker.value("ping") == "pong" and worker.proc.poll() is None and worker.value(T + "pid") == pid


def test_the_decoder_rejects_what_the_encoder_refuses() -> None:
    """Every raw bad argument above is a value error for its call, never a protocol error."""
    for kind, args, path in BAD_ARGS:
        frame = raw_call(5, args)
        try:
            read_frame(io.BytesIO(frame))
        except ProtocolError as exc:
            assert type(exc).__name__ == "BadValue", (kind, exc)
            assert exc.problem.startswith(path), (kind, exc.problem)  # type: ignore[attr-defined]
        else:
            pytest.fail(f"{kind}: decoded")


@pytest.mark.parametrize("extra", [["x"], {"a": [1]}, 7])
def test_a_call_of_seven_keys_without_args_is_decoded(extra: Any) -> None:
    # Found by the frame fuzzer: seven keys where the seventh is not "args" but an unknown one.
    body = msgpack.packb({"v": 1, "type": "call", "id": 1, "function": "f", "rgs": extra,
                          "session": None, "timeout_ms": None}, use_bin_type=True)
    msg = protocol.decode_body(body)
    assert msg.get("args") is None and msg["rgs"] == extra
