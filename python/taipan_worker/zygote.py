"""The zygote: a warm Python parent that forks workers on request.

``python -m taipan_worker.zygote --socket PATH [pool options]`` imports the runtime and the
pool's modules (DSPy included) once, freezes its heap (``gc.freeze``: the collector then never
writes to those objects, so their pages stay shared with every child), starts no threads and
waits. Each ``fork`` request makes a worker in a few milliseconds that then runs exactly the
code a spawned worker runs (``runtime.main``): it connects to the pool's socket, authenticates
with its own secret and says hello.

Control channel: the zygote's stdin (requests) and stdout (reports) carry frames framed like
the pool protocol (4-byte big-endian length, then one MessagePack map) with their own types:

* JVM → zygote: first and once ``{"type": "env", "env": {name: value}}`` (the pool's secrets,
  set in ``os.environ`` before anything is imported; they are not in the process environment),
  then ``{"type": "fork", "worker_id": str, "token": str}`` per worker
* zygote → JVM: ``ready`` (``pid``, ``imported``, ``failed``, ``threads``, ``ms``) once;
  ``forked`` (``worker_id``, ``pid``) or ``fork_failed`` (``worker_id``, ``error``) per
  request; ``output`` (``pid``, ``stream``, ``lines``) and ``closed`` (``pid``, ``stream``) as
  a worker writes to its stdout/stderr; ``exited`` (``pid``, ``status``: the exit status, or
  128 + the signal number) when a worker ends.

The zygote is the workers' parent, so it reaps them and reports how they ended; the JVM
cannot. EOF on stdin means the pool is gone: the zygote exits, and any worker still alive
gets SIGKILL from its parent-death signal. Anything the imported modules print to stdout
goes to stderr instead: stdout belongs to the control channel.

A module that fails to import here is only noted: the forked worker imports it again and
fails exactly as a spawned worker would (traceback on stderr, exit status 2). If importing
started threads, forking would copy their locks in whatever state they were: the zygote
then reports ``threads`` > 1 and the pool falls back to spawning.
"""

from __future__ import annotations

import sys

from taipan_worker.process import (
    become_subreaper,
    descendants,
    drain_pipe,
    exit_if_parent_is_not,
    exit_status,
    guard_descendants,
    kill_quietly,
    own_process_group,
    parent_pid_argument,
    reap_children,
    set_parent_death_signal,
)

set_parent_death_signal()
exit_if_parent_is_not(parent_pid_argument(sys.argv[1:]))
own_process_group()
guard_descendants()  # from here on we are the guardian's child: see process.py

import gc  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from typing import Any, Dict, List, Optional, Set, Tuple  # noqa: E402

import msgpack  # noqa: E402

from taipan_worker.lines import _MAX_LINE_BYTES, cut_lines, utf8_boundary  # noqa: E402,F401
from taipan_worker.options import (  # noqa: E402
    line_buffered_stdio,
    module_list,
    parse_args,
    read_pipe_frame,
    log_level,
    set_secrets,
)

_HEADER = struct.Struct(">I")
#: Control requests are tiny; anything bigger is a broken channel.
_MAX_REQUEST_BYTES = 1 << 20


class Zygote:
    def __init__(self, ns: Any, control_in: int, control_out: int) -> None:
        self.ns = ns
        self.pid = os.getpid()
        self.modules = module_list(ns)
        self.control_in = control_in
        self.control_out = control_out
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = os.pipe()
        self.buffer = bytearray()
        #: Output pipes of live workers: fd -> (pid, stream name, partial line).
        self.streams: Dict[int, Tuple[int, str, bytearray]] = {}
        #: Live forked workers. Any other child of ours (we are a subreaper) was left behind by
        #: a worker that ended, except those the imports started (``own``).
        self.workers: Set[int] = set()
        self.own: Set[int] = set()
        #: What the pool's ``env`` request asked its workers to log (see taipan_worker.logs).
        self.log_level: Optional[int] = None

    # ---------------------------------------------------------------- start

    def warm_up(self) -> None:
        started = time.perf_counter()
        from taipan_worker import runtime  # noqa: F401  (what every worker runs)

        imported: List[str] = []
        failed: List[str] = []
        for module in self.modules:
            try:
                importlib.import_module(module)
                imported.append(module)
            except BaseException as exc:  # the forked worker reports it in full
                failed.append(module)
                print(f"taipan-zygote: importing {module} failed ({type(exc).__name__}); "
                      "each worker will report it", file=sys.stderr, flush=True)
        gc.collect()
        gc.freeze()
        self.own = set(descendants(self.pid))
        self.send({
            "type": "ready",
            "pid": os.getpid(),
            "imported": imported,
            "failed": failed,
            "threads": threading.active_count(),
            "ms": int((time.perf_counter() - started) * 1000),
        })

    # ---------------------------------------------------------------- loop

    def serve(self) -> None:
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.control_in, selectors.EVENT_READ, "control")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "children")
        while True:
            for key, _ in self.selector.select():
                if key.data == "control":
                    if not self.read_control():
                        return
                elif key.data == "children":
                    self.drain_wakeups()
                    self.reap()
                else:
                    self.read_output(key.fd)

    def read_control(self) -> bool:
        data = os.read(self.control_in, 65536)
        if not data:
            return False  # the pool is gone
        self.buffer += data
        while len(self.buffer) >= 4:
            (length,) = _HEADER.unpack_from(self.buffer)
            if length == 0 or length > _MAX_REQUEST_BYTES:
                raise SystemExit(f"taipan-zygote: bad control frame length {length}")
            if len(self.buffer) < 4 + length:
                break
            request = msgpack.unpackb(bytes(self.buffer[4:4 + length]), raw=False)
            del self.buffer[:4 + length]
            if not isinstance(request, dict) or request.get("type") != "fork":
                raise SystemExit(f"taipan-zygote: unknown control request {request!r:.200}")
            self.fork(str(request["worker_id"]), str(request["token"]))
        return True

    def fork(self, worker_id: str, token: str) -> None:
        try:
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
        except OSError as exc:
            self.send({"type": "fork_failed", "worker_id": worker_id, "error": f"pipe: {exc}"})
            return
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            self.send({"type": "fork_failed", "worker_id": worker_id, "error": f"fork: {exc}"})
            return
        if pid == 0:
            try:
                self.become_worker(worker_id, token, out_w, err_w)
            finally:
                os._exit(70)  # only if becoming the worker itself failed
        self.workers.add(pid)
        os.close(out_w)
        os.close(err_w)
        self.send({"type": "forked", "worker_id": worker_id, "pid": pid})
        for fd, name in ((out_r, "stdout"), (err_r, "stderr")):
            os.set_blocking(fd, False)
            self.streams[fd] = (pid, name, bytearray())
            self.selector.register(fd, selectors.EVENT_READ, name)

    # ---------------------------------------------------------------- in the child

    def become_worker(self, worker_id: str, token: str, out_w: int, err_w: int) -> None:
        try:
            own_process_group()
            set_parent_death_signal()
            exit_if_parent_is_not(self.pid)
            # What the worker's code orphans stays its own while it lives, and comes to us
            # (to be ended) when it ends.
            become_subreaper()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            self.selector.close()
            for fd in [self.control_in, self.control_out, self.wake_r, self.wake_w, *self.streams]:
                os.close(fd)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.close(out_w)
            os.close(err_w)
        except BaseException:
            traceback.print_exc()
            os._exit(70)
        from taipan_worker.runtime import Config, main

        main(Config(
            socket=self.ns.socket,
            worker_id=worker_id,
            slots=self.ns.slots,
            modules=self.modules,
            max_frame_bytes=self.ns.max_frame_bytes,
            pool_name=self.ns.pool_name,
            run_id=self.ns.run_id,
            log_level=self.log_level,
        ), token)

    # ---------------------------------------------------------------- workers' output and exits

    def read_output(self, fd: int) -> None:
        pid, name, partial = self.streams[fd]
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            partial += data
            lines, more = cut_lines(partial)
            if lines:
                message: Dict[str, Any] = {"type": "output", "pid": pid, "stream": name, "lines": lines}
                if any(more):
                    message["more"] = more
                self.send(message)
            return
        if partial:
            self.send({"type": "output", "pid": pid, "stream": name, "lines": [partial.decode("utf-8", "replace")]})
        self.selector.unregister(fd)
        os.close(fd)
        del self.streams[fd]
        self.send({"type": "closed", "pid": pid, "stream": name})

    def drain_wakeups(self) -> None:
        drain_pipe(self.wake_r)

    def reap(self) -> None:
        ended = reap_children()
        for pid, status in ended:
            if pid in self.workers:
                self.workers.discard(pid)
                self.send({"type": "exited", "pid": pid, "status": exit_status(status)})
        reaped = bool(ended)
        if reaped:
            self.end_leftovers()

    def end_leftovers(self) -> None:
        """SIGKILL whatever ended workers left behind: they are our children now. Their own
        orphans come to us in turn, and their exits bring us back here."""
        for pid in descendants(self.pid, keep=self.workers | self.own):
            kill_quietly(pid)

    def send(self, message: Dict[str, Any]) -> None:
        body = msgpack.packb(message, use_bin_type=True)
        data = _HEADER.pack(len(body)) + body
        view = memoryview(data)
        while view:
            written = os.write(self.control_out, view)
            view = view[written:]


def main(argv: Optional[List[str]] = None) -> None:
    line_buffered_stdio()
    ns = parse_args(sys.argv[1:] if argv is None else argv, prog="python -m taipan_worker.zygote", worker=False)
    # The control channel moves off fds 0 and 1, which then point at /dev/null and stderr:
    # a module that prints while being imported cannot corrupt it.
    control_in, control_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout.flush()
    os.dup2(2, 1)
    # The pool's secrets come first, in an "env" request, and are set before anything is
    # imported (modules may read os.environ at import); they are not in this process's
    # environment, and so not in any forked worker's either.
    try:
        first = read_pipe_frame(control_in, _MAX_REQUEST_BYTES)
        if first is None:
            os._exit(0)  # the pool is gone
        if first.get("type") != "env":
            raise ValueError(f"the first request must be 'env', got {first.get('type')!r:.40}")
        set_secrets(first.get("env"))
        level = log_level(first)
    except (OSError, ValueError, msgpack.UnpackException) as exc:
        raise SystemExit(f"taipan-zygote: bad first control request: {exc}") from None
    become_subreaper()  # see Zygote.end_leftovers
    zygote = Zygote(ns, control_in, control_out)
    zygote.log_level = level
    zygote.warm_up()
    try:
        zygote.serve()
    except BrokenPipeError:
        pass  # the pool is gone
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
