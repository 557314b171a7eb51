"""A small fake host (a listening Unix socket plus the real worker as a subprocess), and the
test layers: the markers ``dspy`` and ``process`` (registered in pyproject.toml).

- ``dspy``: every test in a ``test_dspy_*.py`` file; it needs DSPy installed. ``pytest -m "not dspy"``
  runs the rest without DSPy. A file of that layer is not even imported when DSPy is missing: it is
  replaced by one test that fails, so a missing DSPy fails the run (in CI or not) unless the layer was
  left out on purpose with ``-m "not dspy"``, which deselects that test too. Nothing is skipped.
- ``process``: the test starts a child process (a worker, the zygote, the LM server, a Py4J peer).
  Tests that use a fixture in ``PROCESS_FIXTURES`` get it here; others carry it in their file. A test
  without it that starts a process fails (``_processes_only_if_marked``), so ``pytest -m "not process"``
  really runs in this one process.
"""

from __future__ import annotations

import _posixsubprocess  # what multiprocessing spawns with; the guard below covers it too
import contextlib
import importlib.util
import itertools
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import msgpack
import pytest

from taipan_worker.protocol import DEFAULT_MAX_FRAME_BYTES, encode_frame, read_frame

TIMEOUT = 10.0
#: How long a started worker may take to import its modules and send hello.
START_TIMEOUT = 120.0
TOKEN = "tok-3f9a1c0d-SECRET"


class StreamCollector:
    """Reads a pipe on a thread; lets a test wait for a substring (an event, not a sleep)."""

    def __init__(self, pipe: Any) -> None:
        self._pipe = pipe
        self._chunks: List[str] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for line in iter(self._pipe.readline, b""):
            with self._cond:
                self._chunks.append(line.decode("utf-8", "replace"))
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def text(self) -> str:
        with self._cond:
            return "".join(self._chunks)

    def wait_for(self, needle: str, timeout: float = TIMEOUT) -> str:
        with self._cond:
            ok = self._cond.wait_for(lambda: needle in "".join(self._chunks) or self._closed, timeout)
            text = "".join(self._chunks)
        assert ok and needle in text, f"{needle!r} not seen; got:\n{text}"
        return text

    def wait_closed(self, timeout: float = TIMEOUT) -> str:
        with self._cond:
            self._cond.wait_for(lambda: self._closed, timeout)
            return "".join(self._chunks)


class Worker:
    def __init__(self, host: "FakeHost", proc: subprocess.Popen, worker_id: str, max_frame_bytes: int) -> None:
        self.host = host
        self.proc = proc
        self.worker_id = worker_id
        self.max_frame_bytes = max_frame_bytes
        self.stdout = StreamCollector(proc.stdout)
        self.stderr = StreamCollector(proc.stderr)
        self.conn: Optional[socket.socket] = None
        self.rfile: Any = None
        self.auth: Dict[str, Any] = {}
        self.hello: Dict[str, Any] = {}
        #: log frames received before hello (with log_level).
        self.logs: List[Dict[str, Any]] = []
        self._ids = itertools.count(1)

    def accept(self) -> None:
        self.host.sock.settimeout(TIMEOUT)
        conn, _ = self.host.sock.accept()
        conn.settimeout(TIMEOUT)
        self.conn = conn
        self.rfile = conn.makefile("rb")

    # -- frames
    def send(self, msg: Dict[str, Any]) -> None:
        assert self.conn is not None
        self.conn.sendall(encode_frame(msg))

    def send_raw(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)

    def recv(self) -> Optional[Dict[str, Any]]:
        return read_frame(self.rfile, DEFAULT_MAX_FRAME_BYTES)

    def call(self, function: str, args: Any = None, *, session: Optional[str] = None,
             timeout_ms: Optional[int] = None) -> int:
        cid = next(self._ids)
        self.send({"v": 1, "type": "call", "id": cid, "function": function, "args": args,
                   "session": session, "timeout_ms": timeout_ms})
        return cid

    def recv_for(self, cid: int) -> Dict[str, Any]:
        msg = self.recv()
        assert msg is not None, "unexpected EOF"
        assert msg.get("id") == cid, msg
        return msg

    def invoke(self, function: str, args: Any = None, **kw: Any) -> Dict[str, Any]:
        return self.recv_for(self.call(function, args, **kw))

    def value(self, function: str, args: Any = None, **kw: Any) -> Any:
        msg = self.invoke(function, args, **kw)
        assert msg["type"] == "result", msg
        return msg["value"]

    def heartbeat(self, seq: int) -> None:
        self.send({"v": 1, "type": "heartbeat", "seq": seq})

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.rfile.close()
                self.conn.close()
            except OSError:
                pass
            self.conn = None

    def wait(self, timeout: float = TIMEOUT) -> int:
        return self.proc.wait(timeout=timeout)


def start_frame(token: str, secrets: Dict[str, str], log_level: Optional[int] = None) -> bytes:
    """The frame the pool writes to a spawned worker's stdin."""
    start: Dict[str, Any] = {"type": "start", "token": token, "env": secrets}
    if log_level is not None:
        start["log_level"] = log_level
    body = msgpack.packb(start, use_bin_type=True)
    return struct.pack(">I", len(body)) + body


def environ_of(pid: int) -> bytes:
    """The environment block another process sees in /proc/PID/environ."""
    with open(f"/proc/{pid}/environ", "rb") as f:
        return f.read()


class FakeHost:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="tpw-", dir="/tmp")
        os.chmod(self.dir, 0o700)
        self.path = os.path.join(self.dir, "pool.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(8)
        self.workers: List[Worker] = []

    def start(self, modules: str = "taipan_testing.functions", *, slots: int = 8, worker_id: str = "w-1",
              max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES, extra_env: Optional[Dict[str, str]] = None,
              handshake: bool = True, secrets: Optional[Dict[str, str]] = None,
              log_level: Optional[int] = None) -> Worker:
        env = dict(os.environ)
        env.update(extra_env or {})
        cmd = [sys.executable, "-m", "taipan_worker", "--socket", self.path, "--worker-id", worker_id,
               "--slots", str(slots), "--max-frame-bytes", str(max_frame_bytes),
               "--pool-name", "test", "--run-id", "r-1", "--parent-pid", str(os.getpid())]
        if modules:
            cmd += ["--modules", modules]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env)
        # What the pool does: the token and the secrets arrive on stdin, never in the environment.
        assert proc.stdin is not None
        proc.stdin.write(start_frame(TOKEN, secrets or {}, log_level))
        proc.stdin.close()
        worker = Worker(self, proc, worker_id, max_frame_bytes)
        self.workers.append(worker)
        worker.accept()
        if handshake:
            auth = worker.recv()
            assert auth is not None and auth["type"] == "auth", auth
            worker.auth = auth
            # The hello follows the imports: DSPy's take 10-30 s on a loaded 2-core machine.
            assert worker.conn is not None
            worker.conn.settimeout(START_TIMEOUT)
            hello = worker.recv()
            while hello is not None and hello["type"] == "log":  # what the imports logged
                worker.logs.append(hello)
                hello = worker.recv()
            worker.conn.settimeout(TIMEOUT)
            assert hello is not None and hello["type"] == "hello", (hello, worker.stderr.text)
            worker.hello = hello
        return worker

    def cleanup(self) -> None:
        for worker in self.workers:
            worker.close()
            if worker.proc.poll() is None:
                worker.proc.kill()
            try:
                worker.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
            worker.stdout.wait_closed()
            worker.stderr.wait_closed()
            for pipe in (worker.proc.stdout, worker.proc.stderr):
                if pipe is not None:
                    pipe.close()
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def host() -> Iterator[FakeHost]:
    h = FakeHost()
    try:
        yield h
    finally:
        h.cleanup()


@pytest.fixture
def worker(host: FakeHost) -> Worker:
    return host.start()


# ---------------------------------------------------------------------------------------- layers

DSPY_FILES = "test_dspy_*.py"
#: Fixtures that start a process; a test that uses one is in the "process" layer: host (here, and
#: test_zygote's own), server (test_lm_server), server_url (test_dspy_bridge).
PROCESS_FIXTURES = frozenset({"host", "server", "server_url"})


def _needs_dspy(path: Path) -> bool:
    return path.match(DSPY_FILES)


class DspyMissingError(Exception):
    """DSPy cannot be imported; its message says how to install it or leave the layer out."""


class DspyMissing(pytest.File):
    """Stands in for a test_dspy_*.py file when DSPy cannot be imported: one failing test, marked dspy."""

    def collect(self) -> Iterator[pytest.Item]:
        item = DspyMissingItem.from_parent(self, name="dspy_is_installed")
        item.add_marker(pytest.mark.dspy)
        yield item


class DspyMissingItem(pytest.Item):
    def runtest(self) -> None:
        raise DspyMissingError(
            f"{self.path.name} needs DSPy, which this Python ({sys.executable}) cannot import. Install it with "
            "bin/taipan setup (or pip install -e 'python[dspy]', Python 3.10+), or leave the DSPy layer out: "
            "pytest -m \"not dspy\"")

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, DspyMissingError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> Any:
        return self.path, None, f"{self.path.name}: DSPy is installed"


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> Optional[pytest.Collector]:
    if _needs_dspy(module_path) and importlib.util.find_spec("dspy") is None:
        return DspyMissing.from_parent(parent, path=module_path)
    return None


def pytest_itemcollected(item: pytest.Item) -> None:
    # Here, not in pytest_collection_modifyitems: -m selects in that hook, and must see these marks.
    if _needs_dspy(item.path):
        item.add_marker(pytest.mark.dspy)
    if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.process)


def _refuse_process(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("this test starts a process but is not marked process: add @pytest.mark.process "
                         "(pytest -m 'not process' must run without child processes)")


@contextlib.contextmanager
def _processes_only_if_marked(item: pytest.Item) -> Iterator[None]:
    """Keeps the process mark true: an unmarked test cannot fork, spawn or exec a child."""
    if item.get_closest_marker("process") is not None:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess.Popen, "_execute_child", _refuse_process)
        mp.setattr(_posixsubprocess, "fork_exec", _refuse_process)
        for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system"):
            if hasattr(os, name):
                mp.setattr(os, name, _refuse_process)
        yield


# Hooks, not an autouse fixture: a module-scoped fixture (the LM server) is set up before any
# function-scoped one, and must be caught too.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _processes_only_if_marked(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _processes_only_if_marked(item):
        yield
