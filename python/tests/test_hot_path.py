"""The worker's hot path: event loop choice (uvloop or asyncio), inline built-ins, result
frames built from parts, the fast validation of calls, and writes batched per chunk."""

from __future__ import annotations

import asyncio
import importlib.util
import platform
import struct
import sys
from typing import Any, Dict, List

import pytest

from taipan_worker import errors, runtime
from taipan_worker.protocol import (
    DEFAULT_MAX_FRAME_BYTES,
    FrameTooLarge,
    ProtocolError,
    decode_body,
    encode_frame,
    encode_result_frame,
    new_packer,
    validate_message,
)
from taipan_worker.transport import HostProtocol

from conftest import FakeHost

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


# ---------------------------------------------------------------- event loop choice

def test_asyncio_when_asked() -> None:
    name, factory = runtime.event_loop_factory("asyncio")
    assert name == "asyncio"
    loop = factory()
    try:
        assert type(loop).__module__.startswith("asyncio")
    finally:
        loop.close()


@pytest.mark.skipif(
    sys.platform == "win32" or platform.python_implementation() != "CPython",
    reason="uvloop is a worker dependency only on CPython outside Windows (python/pyproject.toml)",
)
def test_auto_and_uvloop_pick_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(runtime.EVENT_LOOP_ENV, raising=False)
    for choice in (None, "auto", "uvloop", " UVLOOP "):
        name, factory = runtime.event_loop_factory(choice)
        assert name == "uvloop", choice
        loop = factory()
        try:
            assert type(loop).__module__.startswith("uvloop")
        finally:
            loop.close()


def test_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # makes "import uvloop" raise ImportError
    assert runtime.event_loop_factory("auto")[0] == "asyncio"
    assert capsys.readouterr().err == ""  # auto says nothing
    assert runtime.event_loop_factory("uvloop")[0] == "asyncio"
    assert "uvloop cannot be imported" in capsys.readouterr().err


def test_a_bad_choice_means_auto(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(runtime.EVENT_LOOP_ENV, "tokio")
    name, _ = runtime.event_loop_factory()
    assert name == ("uvloop" if HAS_UVLOOP else "asyncio")
    assert "is not one of auto, uvloop, asyncio" in capsys.readouterr().err


@pytest.mark.parametrize("choice", ["asyncio", "uvloop"])
def test_the_worker_runs_on_the_chosen_loop(host: FakeHost, choice: str) -> None:
    if choice == "uvloop" and not HAS_UVLOOP:
        pytest.skip("uvloop is not installed")
    worker = host.start(extra_env={"TAIPAN_EVENT_LOOP": choice, "TAIPAN_WORKER_DEBUG": "1"})
    assert worker.value("info")["event_loop"] == choice
    # the same behaviour on both loops: plain, async and suspended calls, deadlines, cancel
    assert worker.value("taipan_testing.functions:add", [2, 3]) == 5
    assert worker.value("taipan_testing.functions:slow_add", [1, 2, 0.01]) == 3
    assert worker.value("sleep", [0.01]) == 0.01
    msg = worker.invoke("sleep", [30], timeout_ms=100)
    assert msg["kind"] == errors.DEADLINE_EXCEEDED, msg
    cid = worker.call("sleep", [30])
    worker.send({"v": 1, "type": "cancel", "id": cid})
    assert worker.recv_for(cid)["kind"] == errors.CANCELLED
    worker.close()
    assert worker.wait() == 0
    assert f"{choice} loop" in worker.stderr.wait_closed()


# ---------------------------------------------------------------- frames

@pytest.mark.parametrize(
    "cid",
    [1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1],
)
@pytest.mark.parametrize(
    "value",
    [None, True, 0, -1, -33, 2**64 - 1, -(2**63), 1.5, "", "é" * 40, b"\x00" * 300, [1, [2, {"k": None}]],
     {"a": 1, "b": [b"x"]}, "x" * 70000],
    ids=lambda v: type(v).__name__ + str(len(v) if hasattr(v, "__len__") else ""),
)
def test_result_frames_from_parts_match_the_general_encoder(cid: int, value: Any) -> None:
    expected = encode_frame({"v": 1, "type": "result", "id": cid, "value": value})
    assert encode_result_frame(cid, value) == expected
    assert encode_result_frame(cid, value, DEFAULT_MAX_FRAME_BYTES, new_packer()) == expected


def test_result_frames_from_parts_check_size_and_values() -> None:
    with pytest.raises(FrameTooLarge):
        encode_result_frame(1, "x" * 2000, 1024)
    with pytest.raises(TypeError):
        encode_result_frame(1, {1, 2})


def _call(**overrides: Any) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"v": 1, "type": "call", "id": 7, "function": "f", "args": [1], "session": None,
                           "timeout_ms": 1000}
    msg.update(overrides)
    return msg


@pytest.mark.parametrize(
    "overrides",
    [{}, {"args": None}, {"args": {"a": 1}}, {"session": "s"}, {"timeout_ms": None}, {"extra": object()}],
)
def test_valid_calls_pass(overrides: Dict[str, Any]) -> None:
    msg = _call(**overrides)
    assert validate_message(msg) is msg


@pytest.mark.parametrize(
    "overrides, needle",
    [
        ({"id": True}, "bool for 'id'"),
        ({"id": None}, "lacks required key 'id'"),
        ({"id": "7"}, "str for 'id'"),
        ({"function": 3}, "int for 'function'"),
        ({"args": (1,)}, "tuple for 'args'"),
        ({"args": "x"}, "str for 'args'"),
        ({"session": 1}, "int for 'session'"),
        ({"timeout_ms": False}, "bool for 'timeout_ms'"),
        ({"timeout_ms": 1.5}, "float for 'timeout_ms'"),
        ({"v": True}, "unsupported protocol version"),
        ({"v": 2}, "unsupported protocol version"),
    ],
)
def test_malformed_calls_fail_with_the_general_messages(overrides: Dict[str, Any], needle: str) -> None:
    with pytest.raises(ProtocolError, match=needle):
        validate_message(_call(**overrides))


def test_decode_body_still_validates_calls() -> None:
    body = encode_frame(_call())[4:]
    assert decode_body(body)["function"] == "f"


# ---------------------------------------------------------------- batching

class _Transport:
    def __init__(self) -> None:
        self.writes: List[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return False


def _frames(data: bytes) -> List[Dict[str, Any]]:
    out = []
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from(">I", data, pos)
        out.append(decode_body(data[pos + 4: pos + 4 + n]))
        pos += 4 + n
    return out


def test_answers_to_one_chunk_go_out_in_one_write_in_order() -> None:
    async def scenario() -> None:
        worker = runtime.Worker(runtime.Config(socket="unused", worker_id="w", slots=2))
        worker.loop = asyncio.get_running_loop()
        worker._import_modules()
        proto = HostProtocol(worker)
        transport = _Transport()
        proto.transport = worker.transport = transport  # type: ignore[assignment]
        calls = b"".join(
            encode_frame({"v": 1, "type": "call", "id": i, "function": "echo", "args": [i], "session": None,
                          "timeout_ms": 1000})
            for i in range(1, 51)
        )
        heartbeat = encode_frame({"v": 1, "type": "heartbeat", "seq": 9})
        proto.data_received(calls + heartbeat)
        assert len(transport.writes) == 1
        replies = _frames(transport.writes[0])
        assert [m["id"] for m in replies[:-1]] == list(range(1, 51))
        assert [m["value"] for m in replies[:-1]] == list(range(1, 51))
        assert replies[-1] == {"v": 1, "type": "heartbeat", "seq": 9}
        # a single frame is written as it is; a chunk without a whole frame writes nothing
        proto.data_received(encode_frame({"v": 1, "type": "call", "id": 99, "function": "ping", "args": None,
                                          "session": None, "timeout_ms": None})[:10])
        assert len(transport.writes) == 1
        assert worker._batch is None
        # writes from outside data_received (threads' results, timers) go out at once
        worker._write(b"x")
        assert transport.writes[-1] == b"x"

    asyncio.run(scenario())


def test_answers_before_a_bad_frame_in_the_same_chunk_still_go_out(host: FakeHost) -> None:
    worker = host.start()
    good = encode_frame({"v": 1, "type": "call", "id": 1, "function": "echo", "args": ["ok"], "session": None,
                         "timeout_ms": None})
    bad = struct.pack(">I", 3) + b"\x93\x01\x02"  # an array, not a map
    worker.send_raw(good + bad)
    assert worker.recv_for(1)["value"] == "ok"
    assert worker.wait() == 3
    assert "protocol error from host" in worker.stderr.wait_closed()


def test_a_functions_strategy_is_chosen_once_at_registration() -> None:
    from taipan_worker import execution
    from taipan_worker.registry import make_spec

    def plain() -> None: ...

    async def coro() -> None: ...

    def gen() -> Any:
        yield 1

    async def agen() -> Any:
        yield 1

    spec = {f.__name__: make_spec(f, f.__name__, "m") for f in (plain, coro, gen, agen)}
    assert execution.choose(spec["plain"]) is execution.start_thread
    assert execution.choose(spec["plain"], inline=True) is execution.run_inline
    assert execution.choose(spec["coro"]) is execution.start_task
    assert execution.choose(spec["coro"], eager=True) is execution.start_eager
    assert execution.choose(spec["gen"], inline=True) is execution.start_thread_stream
    assert execution.choose(spec["agen"], eager=True) is execution.start_async_stream
    worker = runtime.Worker(runtime.Config(socket="unused", worker_id="w", slots=1, modules=["taipan_testing.functions"]))
    worker._import_modules()
    starts = {name: start for name, (_, start) in worker._plans.items()}
    assert starts["echo"] is starts["ping"] is starts["info"] is execution.run_inline
    assert starts["sleep"] is execution.start_eager
    assert starts["taipan_testing.functions:add"] is execution.start_thread
    assert starts["taipan_testing.functions:async_sleep"] is execution.start_task
    assert starts["taipan_testing.functions:count_up"] is execution.start_thread_stream
    assert starts["taipan_testing.functions:count_up_async"] is execution.start_async_stream
    assert set(starts) == set(worker.functions)
    worker.executor.shutdown()
