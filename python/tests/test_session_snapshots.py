"""Session snapshots and restores, worker side: the real worker against the fake host."""

from __future__ import annotations

from typing import Any, Dict, Optional

from taipan_worker import errors

from conftest import Worker

T = "taipan_testing.functions:"


def _open(worker: Worker, session: str, snapshots: str) -> None:
    worker.send({"v": 1, "type": "session_open", "session": session, "snapshots": snapshots})


def _state_then_result(worker: Worker, cid: int) -> "tuple[Dict[str, Any], Dict[str, Any]]":
    state = worker.recv_for(cid)
    assert state["type"] == "session_state", state
    result = worker.recv_for(cid)
    assert result["type"] in ("result", "error"), result
    return state, result


def test_hello_announces_snapshots(worker: Worker) -> None:
    assert "snapshots" in worker.hello["capabilities"]
    assert "session_snapshot" in worker.hello["functions"]


def test_after_each_call_sends_the_state_before_the_result(worker: Worker) -> None:
    _open(worker, "s1", "after_each_call")
    state, result = _state_then_result(worker, worker.call(T + "counter", session="s1"))
    assert list(state) == ["v", "type", "id", "session", "seq", "state", "error", "path"]
    assert state["session"] == "s1" and state["seq"] == 1 and state["state"] == {"n": 1}
    assert state["error"] is None
    assert result == {"v": 1, "type": "result", "id": result["id"], "value": 1}
    state, result = _state_then_result(worker, worker.call(T + "counter", {"by": 4}, session="s1"))
    assert state["seq"] == 2 and state["state"] == {"n": 5} and result["value"] == 5
    # A function that is not session-aware cannot change the state: no snapshot after it.
    assert worker.value(T + "pid", session="s1") == worker.hello["pid"]
    # A function that raised may have changed the state: the snapshot follows the worker's state.
    state, result = _state_then_result(worker, worker.call(T + "counter", {"by": "x"}, session="s1"))
    assert state["seq"] == 3 and state["state"] == {"n": 5}
    assert result["type"] == "error" and result["kind"] == errors.EXCEPTION


def test_sessions_without_snapshots_send_no_state(worker: Worker) -> None:
    assert worker.value(T + "counter", session="plain") == 1
    _open(worker, "req", "on_request")
    assert worker.value(T + "counter", session="req") == 1
    assert worker.value(T + "counter", session="req") == 2
    assert worker.value("info")["sessions"] == 2


def test_on_request_snapshot(worker: Worker) -> None:
    _open(worker, "s", "on_request")
    worker.value(T + "session_put", ["k", {"nested": [1, 2.5, b"\x00", None, True]}], session="s")
    state, result = _state_then_result(worker, worker.call("session_snapshot", session="s"))
    assert state["seq"] == 1 and state["error"] is None
    assert state["state"] == {"k": {"nested": [1, 2.5, b"\x00", None, True]}}
    assert result["type"] == "result" and result["value"] is None
    state, _ = _state_then_result(worker, worker.call("session_snapshot", session="s"))
    assert state["seq"] == 2
    msg = worker.invoke("session_snapshot")
    assert msg["type"] == "error" and msg["kind"] == errors.BAD_ARGUMENTS


def _failed_snapshot(worker: Worker, session: str, key: str, kind: str) -> Dict[str, Any]:
    state, result = _state_then_result(
        worker, worker.call(T + "session_put_unserializable", [key, kind], session=session))
    assert result["type"] == "result", result  # the call itself ran and succeeded
    assert state["state"] is None and isinstance(state["error"], str)
    return state


def test_an_unserializable_value_fails_the_snapshot_naming_its_path(worker: Worker) -> None:
    _open(worker, "s", "after_each_call")
    state, _ = _state_then_result(worker, worker.call(T + "counter", session="s"))
    assert state["seq"] == 1
    failed = _failed_snapshot(worker, "s", "bad", "set")
    assert failed["seq"] == 1  # the last good snapshot is still seq 1
    assert "session['bad']" in failed["error"] and "set" in failed["error"], failed["error"]
    # Nested, and types that would not come back as themselves (a tuple comes back a list).
    failed = _failed_snapshot(worker, "s", "bad", "nested_tuple")
    assert "session['bad']['items'][1]" in failed["error"] and "tuple" in failed["error"], failed["error"]
    assert failed["path"] == "session['bad']['items'][1]"
    failed = _failed_snapshot(worker, "s", "bad", "int_key")
    assert "session['bad']" in failed["error"] and "key 7" in failed["error"], failed["error"]
    failed = _failed_snapshot(worker, "s", "bad", "huge_int")
    assert "session['bad']" in failed["error"] and "64 bits" in failed["error"], failed["error"]
    failed = _failed_snapshot(worker, "s", "bad", "cycle")
    assert "session['bad']" in failed["error"] and "itself" in failed["error"], failed["error"]
    # Once the value is gone, snapshots work again, numbered after the last good one.
    state, _ = _state_then_result(worker, worker.call(T + "session_put", ["bad", None], session="s"))
    assert state["error"] is None and state["seq"] == 2 and state["state"] == {"n": 1, "bad": None}


def test_frame_too_large_state_fails_the_snapshot(host: Any) -> None:
    worker = host.start(max_frame_bytes=100_000)
    _open(worker, "s", "on_request")
    worker.value(T + "session_put", ["a", b"x" * 60_000], session="s")
    worker.value(T + "session_put", ["b", b"x" * 60_000], session="s")
    state, result = _state_then_result(worker, worker.call("session_snapshot", session="s"))
    assert state["state"] is None and "maximum frame size" in state["error"], state
    assert state["seq"] == 0 and state["path"] is None and result["type"] == "result"


def test_restore_replaces_the_state_and_continues_the_numbering(worker: Worker) -> None:
    worker.send({"v": 1, "type": "session_restore", "session": "s", "seq": 7,
                 "state": {"n": 41, "tags": ["a"]}, "snapshots": "after_each_call"})
    state, result = _state_then_result(worker, worker.call(T + "counter", session="s"))
    assert result["value"] == 42
    assert state["seq"] == 8 and state["state"] == {"n": 42, "tags": ["a"]}
    assert worker.value("info")["sessions"] == 1
    # A restore onto an existing session replaces its state (nothing of the old one survives).
    worker.send({"v": 1, "type": "session_restore", "session": "s", "seq": 3, "state": {"n": 1},
                 "snapshots": "on_request"})
    assert worker.value(T + "session_get", ["tags"], session="s") is None
    assert worker.value(T + "counter", session="s") == 2  # on_request now: no state frame
    worker.send({"v": 1, "type": "session_close", "session": "s"})
    assert worker.value("info")["sessions"] == 0


def test_bad_session_messages_are_protocol_errors(worker: Worker) -> None:
    worker.send({"v": 1, "type": "session_restore", "session": "s", "seq": 1, "state": {1: "x"},
                 "snapshots": "on_request"})
    assert worker.wait() == 3
    assert "protocol error" in worker.stderr.wait_closed()


def test_unknown_snapshot_mode_is_a_protocol_error(worker: Worker) -> None:
    _open(worker, "s", "sometimes")
    assert worker.wait() == 3
    text: Optional[str] = worker.stderr.wait_closed()
    assert text is not None and "sometimes" in text


def test_a_snapshot_leaves_room_for_its_restore(host: Any) -> None:
    """A snapshot the host keeps must always fit in a ``session_restore``: one that fits in
    its own frame but would not leave that room fails as too large."""
    from taipan_worker.protocol import encode_frame
    from taipan_worker.snapshots import RESTORE_HEADROOM

    limit = 100_000
    worker = host.start(max_frame_bytes=limit)
    _open(worker, "s", "on_request")

    def state_frame_size(blob: int) -> int:
        return len(encode_frame({"v": 1, "type": "session_state", "id": 1000, "session": "s", "seq": 1,
                                 "state": {"blob": b"x" * blob}, "error": None, "path": None}))

    blob = 99_000
    while state_frame_size(blob) < limit - RESTORE_HEADROOM // 2:
        blob += 1
    assert state_frame_size(blob) <= limit  # fits its own frame...
    worker.value(T + "session_put", ["blob", b"x" * blob], session="s")
    state, _ = _state_then_result(worker, worker.call("session_snapshot", session="s"))
    assert state["state"] is None and "restore" in state["error"], state  # ...but not with room to spare
    worker.value(T + "session_put", ["blob", b"x" * (blob - RESTORE_HEADROOM)], session="s")
    state, _ = _state_then_result(worker, worker.call("session_snapshot", session="s"))
    assert state["error"] is None and state["seq"] == 1
