"""End-to-end tests: the real worker process against a fake host (see conftest.py)."""

from __future__ import annotations

import os
import platform
import signal
import struct
import textwrap
import time
from typing import Any, Dict

import msgpack
import pytest

import taipan_worker
from taipan_worker import errors, runtime
from taipan_worker.protocol import ProtocolError

from conftest import TOKEN, FakeHost, Worker, environ_of, start_frame

T = "taipan_testing.functions:"


def _parent(pid: int) -> int:
    """A process's parent, from /proc: a spawned worker runs below its guardian (process.py)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    return int(stat[stat.rfind(b")") + 2:].split()[1])


def test_auth_and_hello(worker: Worker) -> None:
    assert list(worker.auth) == ["v", "type", "worker_id", "token"]
    assert worker.auth["worker_id"] == "w-1"
    assert worker.auth["token"] == TOKEN
    hello = worker.hello
    assert list(hello) == ["v", "type", "worker_id", "pid", "python", "implementation", "package", "slots",
                           "max_frame_bytes", "functions", "capabilities", "idempotent"]
    assert hello["worker_id"] == "w-1"
    assert _parent(hello["pid"]) == worker.proc.pid  # the process we started is its guardian
    assert hello["python"] == platform.python_version()
    assert hello["implementation"] == platform.python_implementation()
    assert hello["package"] == taipan_worker.__version__
    assert hello["slots"] == 8
    assert hello["max_frame_bytes"] == 67108864
    functions = hello["functions"]
    assert functions == sorted(functions)
    for name in ("ping", "info", "echo", "sleep", T + "add", T + "counter", T + "block"):
        assert name in functions
    assert set(hello["capabilities"]) >= {"cancel", "sessions", "heartbeat", "stream", "callback"}
    assert hello["idempotent"] == sorted(f for f in hello["functions"] if f.endswith(":block_idempotent"))
    # the token is gone from the worker's environment and never logged
    assert worker.value(T + "env_has", ["TAIPAN_WORKER_TOKEN"]) is False
    assert worker.value(T + "env_has", ["PATH"]) is True
    assert worker.value("ping") == "pong"
    worker.close()
    assert worker.wait() == 0
    stderr = worker.stderr.wait_closed()
    assert TOKEN not in stderr
    # The host logs the lifecycle (stage=ready, exited with status 0): the worker does not repeat it.
    assert "taipan-worker w-1" not in stderr, stderr


def test_lifecycle_lines_with_worker_debug(host: FakeHost) -> None:
    worker = host.start(extra_env={runtime.DEBUG_ENV: "1"})
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait() == 0
    stderr = worker.stderr.wait_closed()
    assert TOKEN not in stderr
    for line in ("taipan-worker w-1: connected", "imported taipan_testing.functions in", "taipan-worker w-1: ready (",
                 "received SIGTERM; draining 0 calls in flight", "drained; exiting"):
        assert line in stderr, stderr


def test_builtins(worker: Worker) -> None:
    assert worker.value("echo", [{"a": [1, 2.5, b"\x00", None]}]) == {"a": [1, 2.5, b"\x00", None]}
    assert worker.value("echo") is None
    assert worker.value("sleep", {"seconds": 0.01}) == 0.01
    info = worker.value("info")
    assert info["worker_id"] == "w-1"
    assert _parent(info["pid"]) == worker.proc.pid
    assert info["modules"] == ["taipan_testing.functions"]
    assert info["functions"] == worker.hello["functions"]
    assert info["sessions"] == 0
    assert info["in_flight"] == 1
    assert info["slots"] == 8
    assert info["rss_bytes"] > 1_000_000
    assert _parent(worker.value(T + "pid")) == worker.proc.pid


def test_heartbeat(worker: Worker) -> None:
    worker.heartbeat(41)
    assert worker.recv() == {"v": 1, "type": "heartbeat", "seq": 41}


def test_fifty_concurrent_calls_out_of_order(worker: Worker) -> None:
    expected: Dict[int, Any] = {}
    order = []
    for i in range(50):
        if i % 2 == 0:
            # async sleeps: earlier calls sleep longer
            cid = worker.call(T + "slow_add", [i, 1000, (50 - i) * 0.01])
            expected[cid] = i + 1000
        else:
            cid = worker.call(T + "block", [(50 - i) * 0.002])
            expected[cid] = (50 - i) * 0.002
        order.append(cid)
    got: Dict[int, Any] = {}
    arrival = []
    for _ in range(50):
        msg = worker.recv()
        assert msg is not None and msg["type"] == "result", msg
        assert msg["id"] not in got
        got[msg["id"]] = msg["value"]
        arrival.append(msg["id"])
    assert got == expected
    assert arrival != order
    # the first call (the longest async sleep) finishes after the last one
    assert arrival.index(order[0]) > arrival.index(order[-2])
    assert worker.value("ping") == "pong"


def test_unknown_function_lists_names(worker: Worker) -> None:
    msg = worker.invoke("nope:missing")
    assert msg["type"] == "error"
    assert msg["kind"] == errors.UNKNOWN_FUNCTION
    assert "nope:missing" in msg["message"]
    assert "ping" in msg["message"] and T + "add" in msg["message"]
    assert msg["retryable"] is False


def test_exception(worker: Worker) -> None:
    msg = worker.invoke(T + "fail", {"message": "kaboom"})
    assert list(msg) == ["v", "type", "id", "kind", "error_type", "message", "traceback", "retryable"]
    assert msg["kind"] == errors.EXCEPTION
    assert msg["error_type"] == "ValueError"
    assert msg["message"] == "kaboom"
    assert "in fail" in msg["traceback"]
    assert "ValueError: kaboom" in msg["traceback"]
    assert msg["retryable"] is False
    msg = worker.invoke(T + "fail", ["m", "KeyError"])
    assert msg["error_type"] == "KeyError"
    assert worker.value(T + "add", [2, 3]) == 5


def test_bad_arguments(worker: Worker) -> None:
    for args in ([1], [1, 2, 3], {"a": 1, "c": 2}, {"x": 1}):
        msg = worker.invoke(T + "add", args)
        assert msg["type"] == "error" and msg["kind"] == errors.BAD_ARGUMENTS, (args, msg)
    assert worker.value(T + "add", {"a": "x", "b": "y"}) == "xy"
    msg = worker.invoke(T + "counter")
    assert msg["kind"] == errors.BAD_ARGUMENTS and "session" in msg["message"]


def test_deadline_async(worker: Worker) -> None:
    start = time.monotonic()
    msg = worker.invoke(T + "async_sleep", [30], timeout_ms=200)
    assert msg["kind"] == errors.DEADLINE_EXCEEDED
    assert 0.15 < time.monotonic() - start < 5
    assert worker.value("ping") == "pong"


def host_call_frame(cid: int, function: str, args: Any, timeout_ms: int) -> bytes:
    """A call as the pool's CallFrame writes it: ``timeout_ms`` last, as 0xcf and 8 bytes."""
    fields = [("v", 1), ("type", "call"), ("id", cid), ("function", function), ("args", args), ("session", None)]
    body = bytes([0x80 | (len(fields) + 1)]) + b"".join(msgpack.packb(k) + msgpack.packb(v) for k, v in fields)
    body += msgpack.packb("timeout_ms") + b"\xcf" + struct.pack(">Q", timeout_ms)
    return struct.pack(">I", len(body)) + body


def test_a_fixed_width_timeout_is_the_calls_deadline(worker: Worker) -> None:
    start = time.monotonic()
    worker.send_raw(host_call_frame(9001, T + "async_sleep", [30], 200))
    msg = worker.recv_for(9001)
    assert msg["kind"] == "deadline_exceeded" and "200 ms" in msg["message"], msg
    assert 0.15 < time.monotonic() - start < 5
    worker.send_raw(host_call_frame(9002, T + "add", [2, 3], 2**40))
    assert worker.recv_for(9002)["value"] == 5


def test_deadline_thread(worker: Worker) -> None:
    start = time.monotonic()
    msg = worker.invoke(T + "block", [30], timeout_ms=200)
    assert msg["kind"] == errors.DEADLINE_EXCEEDED
    assert 0.15 < time.monotonic() - start < 5
    assert worker.value("ping") == "pong"
    assert worker.value(T + "add", [1, 1]) == 2
    # a call that finishes in time is unaffected by its deadline
    assert worker.value(T + "add", [1, 2], timeout_ms=5000) == 3


def test_cancel(worker: Worker) -> None:
    cid = worker.call(T + "async_sleep", [30])
    tid = worker.call(T + "block", [30])
    # heartbeat round trip proves both calls were received before the cancels
    worker.heartbeat(1)
    assert worker.recv()["seq"] == 1
    worker.send({"v": 1, "type": "cancel", "id": cid})
    msg = worker.recv_for(cid)
    assert msg["kind"] == errors.CANCELLED
    worker.send({"v": 1, "type": "cancel", "id": tid})
    msg = worker.recv_for(tid)
    assert msg["kind"] == errors.CANCELLED
    # unknown and finished ids are ignored
    worker.send({"v": 1, "type": "cancel", "id": 999})
    worker.send({"v": 1, "type": "cancel", "id": cid})
    assert worker.value("ping") == "pong"
    assert worker.value("info")["in_flight"] == 1


def test_sessions(worker: Worker) -> None:
    assert worker.value(T + "counter", session="s1") == 1
    assert worker.value(T + "counter", {"by": 5}, session="s1") == 6
    assert worker.value(T + "counter", session="s2") == 1
    assert worker.value(T + "session_put", ["k", [1, 2]], session="s2") is None
    assert worker.value(T + "session_get", ["k"], session="s2") == [1, 2]
    assert worker.value("info")["sessions"] == 2
    worker.send({"v": 1, "type": "session_close", "session": "s1"})
    worker.send({"v": 1, "type": "session_close", "session": "unknown"})
    assert worker.value(T + "counter", session="s1") == 1
    assert worker.value(T + "counter", session="s2") == 2
    msg = worker.invoke(T + "counter", {"session": {}}, session="s2")
    assert msg["kind"] == errors.BAD_ARGUMENTS


def test_frame_too_large(host: FakeHost) -> None:
    worker = host.start(max_frame_bytes=100_000)
    assert worker.hello["max_frame_bytes"] == 100_000
    assert len(worker.value(T + "big_result", [90_000])) == 90_000
    msg = worker.invoke(T + "big_result", [200_000])
    assert msg["type"] == "error" and msg["kind"] == errors.FRAME_TOO_LARGE, msg
    assert msg["retryable"] is False
    assert worker.value("ping") == "pong"


def test_unserializable_result(worker: Worker) -> None:
    msg = worker.invoke(T + "unserializable")
    assert msg["kind"] == errors.UNSERIALIZABLE_RESULT
    assert "set" in msg["message"]
    msg = worker.invoke(T + "add", [2**63, 2**63])
    assert msg["kind"] == errors.UNSERIALIZABLE_RESULT
    assert worker.value(T + "add", [2**63, 2**63 - 1]) == 2**64 - 1
    assert worker.value("ping") == "pong"


def test_stdout_does_not_disturb_protocol(worker: Worker) -> None:
    assert worker.value(T + "print_stdout", ["hello from print"]) is True
    assert worker.value(T + "write_fd1", ["raw on fd 1\n"]) is True
    assert worker.value(T + "write_stderr", ["to stderr"]) is True
    assert worker.value("ping") == "pong"
    worker.stdout.wait_for("hello from print\n")
    worker.stdout.wait_for("raw on fd 1\n")
    worker.stderr.wait_for("to stderr\n")


def test_worker_garbage_is_detected_by_host(worker: Worker) -> None:
    worker.call(T + "garbage", [32])
    with pytest.raises(ProtocolError):
        worker.recv()


def test_worker_oversize_header_is_detected_by_host(worker: Worker) -> None:
    worker.call(T + "oversize_header")
    with pytest.raises(ProtocolError, match="maximum"):
        worker.recv()


@pytest.mark.parametrize(
    "data",
    [
        struct.pack(">I", 5) + b"\xc1\xc1\xc1\xc1\xc1",  # garbage body
        b"\x00\x00\x00\x03\x93\x01\x02\x03",  # an array, not a map
        struct.pack(">I", 0xFFFFFFF0),  # oversize header
        struct.pack(">I", 0),  # zero length
    ],
    ids=["garbage", "not_a_map", "oversize_header", "zero_length"],
)
def test_protocol_error_from_host_exits_3(worker: Worker, data: bytes) -> None:
    worker.send_raw(data)
    assert worker.wait() == 3
    stderr = worker.stderr.wait_closed()
    assert "protocol error from host" in stderr


@pytest.mark.parametrize(
    "msg",
    [
        {"v": 2, "type": "heartbeat", "seq": 1},
        {"v": 1, "type": "bogus"},
        {"v": 1, "type": "result", "id": 1, "value": 1},
    ],
    ids=["wrong_version", "unknown_type", "wrong_direction"],
)
def test_bad_message_from_host_exits_3(worker: Worker, msg: Dict[str, Any]) -> None:
    worker.send_raw(_raw_frame(msg))
    assert worker.wait() == 3
    assert "protocol error from host" in worker.stderr.wait_closed()


def _raw_frame(msg: Dict[str, Any]) -> bytes:
    body = msgpack.packb(msg, use_bin_type=True)
    return struct.pack(">I", len(body)) + body


def test_eof_exits_promptly_with_blocked_thread(worker: Worker) -> None:
    cid = worker.call(T + "block", [60])
    worker.heartbeat(1)
    assert worker.recv()["seq"] == 1
    assert worker.value("info")["in_flight"] == 2
    start = time.monotonic()
    worker.close()
    assert worker.wait(timeout=10) == 0
    assert time.monotonic() - start < 5
    assert cid == 1


def test_sigterm_drains(host: FakeHost) -> None:
    worker = host.start(extra_env={runtime.DEBUG_ENV: "1"})  # to see it drain
    fifo = os.path.join(host.dir, "release.fifo")
    os.mkfifo(fifo)
    cid = worker.call(T + "read_file", [fifo])
    worker.heartbeat(1)
    assert worker.recv()["seq"] == 1  # the call is in flight
    worker.proc.send_signal(signal.SIGTERM)
    worker.stderr.wait_for("draining 1 calls in flight")
    late = worker.call("ping")
    msg = worker.recv_for(late)
    assert msg["kind"] == errors.DRAINING and msg["retryable"] is True
    worker.heartbeat(2)  # the loop is still alive while draining
    assert worker.recv()["seq"] == 2
    assert worker.proc.poll() is None
    with open(fifo, "w") as f:  # release the in-flight call
        f.write("released")
    msg = worker.recv_for(cid)
    assert msg["type"] == "result" and msg["value"] == "released"
    assert worker.wait() == 0
    assert worker.recv() is None


def test_sigterm_idle_exits(worker: Worker) -> None:
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait() == 0


def test_failing_import_exits_2(host: FakeHost) -> None:
    worker = host.start("taipan_testing.functions,no_such_module_xyz", handshake=False)
    auth = worker.recv()
    assert auth is not None and auth["type"] == "auth"
    assert worker.wait() == 2
    assert worker.recv() is None  # no hello
    stderr = worker.stderr.wait_closed()
    assert "Traceback (most recent call last)" in stderr
    assert "ModuleNotFoundError" in stderr and "no_such_module_xyz" in stderr


def test_only_allow_listed_modules_are_exposed(host: FakeHost) -> None:
    pkg = os.path.join(host.dir, "mods")
    os.mkdir(pkg)
    with open(os.path.join(pkg, "tp_hidden.py"), "w") as f:
        f.write(textwrap.dedent("""
            from taipan_worker import function

            @function
            def secret():
                return "hidden"
        """))
    with open(os.path.join(pkg, "tp_allowed.py"), "w") as f:
        f.write(textwrap.dedent("""
            import asyncio
            import tp_hidden
            from taipan_worker import function

            @function
            def visible(x):
                return tp_hidden.secret() + str(x)

            @function(name="renamed")
            async def other():
                await asyncio.sleep(0)
                return "renamed"

            @function(session=True)
            def remember(session, value=None):
                if value is not None:
                    session["v"] = value
                return session.get("v")
        """))
    env = {"PYTHONPATH": pkg + os.pathsep + os.environ.get("PYTHONPATH", "")}
    worker = host.start("tp_allowed", extra_env=env)
    functions = worker.hello["functions"]
    assert "tp_allowed:visible" in functions
    assert "tp_allowed:renamed" in functions
    assert "tp_allowed:remember" in functions
    assert "tp_hidden:secret" not in functions
    assert not any(name.startswith("taipan_testing.functions:") for name in functions)
    assert worker.value("tp_allowed:visible", [1]) == "hidden1"
    assert worker.value("tp_allowed:renamed") == "renamed"
    assert worker.value("tp_allowed:remember", ["x"], session="a") == "x"
    assert worker.value("tp_allowed:remember", session="a") == "x"
    assert worker.invoke("tp_hidden:secret")["kind"] == errors.UNKNOWN_FUNCTION
    assert worker.invoke(T + "add", [1, 2])["kind"] == errors.UNKNOWN_FUNCTION


def test_crash_is_visible_as_exit(worker: Worker) -> None:
    worker.call(T + "crash", [7])
    assert worker.recv() is None
    assert worker.wait() == 7


@pytest.mark.parametrize("stdin", [b"", b"\x00\x00", b"\x00\x00\x00\x03abc", start_frame("", {})])
def test_no_valid_start_frame_exits_2(host: FakeHost, stdin: bytes) -> None:
    import subprocess
    import sys

    # A token in the environment is not taken any more: it would show in /proc/PID/environ.
    proc = subprocess.run(
        [sys.executable, "-m", "taipan_worker", "--socket", host.path, "--worker-id", "w-9"],
        env=dict(os.environ, TAIPAN_WORKER_TOKEN=TOKEN), capture_output=True, timeout=10, input=stdin,
    )
    assert proc.returncode == 2, proc.stderr
    assert b"no valid start frame" in proc.stderr


def test_the_token_and_secrets_come_over_stdin_and_stay_out_of_proc_environ(host: FakeHost) -> None:
    secret = "sk-spawned-secret-7d1e"
    worker = host.start(secrets={"MY_API_KEY": secret, "SHORT": "q"}, extra_env={"PLAIN_ONE": "plain"})
    assert worker.auth["token"] == TOKEN
    assert worker.value(T + "env_get", ["MY_API_KEY"]) == secret
    assert worker.value(T + "env_get", ["SHORT"]) == "q"
    assert worker.value(T + "env_get", ["PLAIN_ONE"]) == "plain"
    block = environ_of(worker.proc.pid)
    assert b"PLAIN_ONE=plain" in block
    assert secret.encode() not in block and b"SHORT=" not in block
    assert TOKEN.encode() not in block


@pytest.mark.process
def test_setenv_leaves_the_environ_block_other_processes_see_untouched() -> None:
    """What the secrets design relies on: os.environ[...] = ... (glibc setenv) builds a new
    environment array and never writes into the block /proc/PID/environ shows."""
    import subprocess
    import sys

    code = textwrap.dedent("""
        import os, sys
        os.environ["ADDED"] = "added-secret-1"
        os.environ["CHANGED"] = "changed-secret-2"
        del os.environ["REMOVED"]
        print(os.environ["ADDED"], os.getenv("CHANGED"), flush=True)
        sys.stdin.readline()
    """)
    env = dict(os.environ, CHANGED="original-value", REMOVED="removed-value")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().split() == [b"added-secret-1", b"changed-secret-2"]
        block = environ_of(proc.pid)
        assert b"added-secret-1" not in block and b"changed-secret-2" not in block
        assert b"CHANGED=original-value" in block
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=10)


@pytest.mark.process
def test_bad_cli_arguments_exit_2() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "taipan_worker", "--worker-id", "x"], capture_output=True,
                          timeout=10, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2


def test_parent_death_kills_worker(host: FakeHost) -> None:
    """PR_SET_PDEATHSIG: when the process that started the worker dies, the worker dies too."""
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux-only")
    launcher = textwrap.dedent(f"""
        import os, subprocess, sys
        p = subprocess.Popen([sys.executable, "-m", "taipan_worker", "--socket", {host.path!r},
                              "--worker-id", "orphan", "--parent-pid", str(os.getpid())],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p.stdin.write({start_frame("t", {})!r})
        p.stdin.close()
        print(p.pid, flush=True)
        sys.stdin.readline()
        os._exit(0)
    """)
    parent = subprocess.Popen([sys.executable, "-c", launcher], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None and parent.stdin is not None
        int(parent.stdout.readline())
        host.sock.settimeout(10)
        conn, _ = host.sock.accept()
        conn.settimeout(10)
        rfile = conn.makefile("rb")
        from taipan_worker.protocol import read_frame

        assert read_frame(rfile)["type"] == "auth"
        assert read_frame(rfile)["type"] == "hello"
        parent.stdin.write(b"\n")
        parent.stdin.flush()
        assert parent.wait(timeout=10) == 0
        # the worker holds the only other end of the connection: EOF means it died
        assert rfile.read(1) == b""
        rfile.close()
        conn.close()
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait()
        for pipe in (parent.stdin, parent.stdout):
            if pipe is not None:
                pipe.close()


# ---------------------------------------------------------------------------- fast path


def test_pipelined_frames_in_one_write(worker: Worker) -> None:
    """Many frames in one chunk, the last one split: every call is answered once, in order."""
    from taipan_worker.protocol import encode_frame

    frames = b"".join(
        encode_frame({"v": 1, "type": "call", "id": 100 + i, "function": "echo", "args": [i], "session": None,
                      "timeout_ms": 60000})
        for i in range(200)
    )
    worker.send_raw(frames[:-5])
    first = [worker.recv() for _ in range(199)]
    assert [(m["id"], m["value"]) for m in first] == [(100 + i, i) for i in range(199)]  # type: ignore[index]
    worker.send_raw(frames[-5:])  # the rest of the split frame
    assert worker.recv_for(299)["value"] == 199
    assert worker.value("info")["in_flight"] == 1


def test_frames_split_byte_by_byte(worker: Worker) -> None:
    from taipan_worker.protocol import encode_frame

    data = b"".join(
        encode_frame({"v": 1, "type": "call", "id": i, "function": fn, "args": args, "session": None,
                      "timeout_ms": 5000})
        for i, (fn, args) in enumerate([("echo", ["a"]), (T + "add", [2, 3]), ("ping", None)], start=1)
    )
    for i in range(len(data)):
        worker.send_raw(data[i : i + 1])
    # Answers come in any order (add runs on a thread, the built-ins at once on the loop).
    replies = {msg["id"]: msg["value"] for msg in (worker.recv() for _ in range(3))}
    assert replies == {1: "a", 2: 5, 3: "pong"}


@pytest.mark.parametrize(
    "data, needle",
    [(b"\x00\x00", "truncated frame header"), (struct.pack(">I", 10) + b"\x81\xa1", "truncated frame body")],
    ids=["header", "body"],
)
def test_eof_inside_a_frame_exits_3(worker: Worker, data: bytes, needle: str) -> None:
    worker.send_raw(data)
    worker.close()
    assert worker.wait() == 3
    assert needle in worker.stderr.wait_closed()


def test_builtin_sleep_suspends_and_honours_deadline_and_cancel(worker: Worker) -> None:
    """The eager built-ins that do suspend continue as tasks: deadline, cancel, errors."""
    start = time.monotonic()
    msg = worker.invoke("sleep", [30], timeout_ms=200)
    assert msg["kind"] == errors.DEADLINE_EXCEEDED
    assert 0.15 < time.monotonic() - start < 5
    cid = worker.call("sleep", [30])
    worker.heartbeat(1)
    assert worker.recv()["seq"] == 1
    assert worker.value("info")["in_flight"] == 2
    worker.send({"v": 1, "type": "cancel", "id": cid})
    assert worker.recv_for(cid)["kind"] == errors.CANCELLED
    assert worker.value("info")["in_flight"] == 1
    assert worker.value("sleep", [0]) == 0
    msg = worker.invoke("sleep", ["x"])  # raises in the first step
    assert msg["kind"] == errors.EXCEPTION and msg["error_type"] == "TypeError"
    msg = worker.invoke("echo", [1, 2])
    assert msg["kind"] == errors.BAD_ARGUMENTS and msg["error_type"] == "TypeError"
    assert worker.value("echo", {"value": [1]}) == [1]


def test_cancel_queued_plain_call_never_answers_twice(host: FakeHost) -> None:
    worker = host.start(slots=1)
    fifo = os.path.join(host.dir, "release.fifo")
    os.mkfifo(fifo)
    held = worker.call(T + "read_file", [fifo])  # holds the only thread
    queued = worker.call(T + "add", [1, 2])
    worker.send({"v": 1, "type": "cancel", "id": queued})
    assert worker.recv_for(queued)["kind"] == errors.CANCELLED
    with open(fifo, "w") as f:
        f.write("go")
    assert worker.recv_for(held)["value"] == "go"
    assert worker.value("ping") == "pong"  # nothing from the cancelled call came in between
    assert worker.value(T + "add", [2, 2]) == 4


def test_bad_arguments_messages_unchanged(worker: Worker) -> None:
    """The fast positional path must not change what a real mismatch reports."""
    msg = worker.invoke(T + "add", [1])
    assert msg["message"] == f"{T}add: missing a required argument: 'b'"
    msg = worker.invoke(T + "add", [1, 2, 3])
    assert msg["message"] == f"{T}add: too many positional arguments"
    msg = worker.invoke(T + "add", None)
    assert msg["message"] == f"{T}add: missing a required argument: 'a'"
    msg = worker.invoke("ping", [1])
    assert msg["kind"] == errors.BAD_ARGUMENTS and msg["message"] == "ping: too many positional arguments"
