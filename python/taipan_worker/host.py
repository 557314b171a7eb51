"""A worker host: a long-running process on another machine that starts workers for the pools
that connect to it.

``python -m taipan_worker.host --bind ADDR --port N --modules a,b [limits] (--plain-tcp | TLS)``
imports the runtime and its allow-listed modules once and freezes its heap (it is its own
zygote), then listens for pools. A pool opens one *control connection* per host (see
docs/PROTOCOL.md, "Worker host control channel"), says who it is and how long its lease is,
and asks for workers. **The host decides**: a request for a module outside its allow-list, more
slots than it gives one worker, or a worker beyond its limit is refused with the reason. A
granted worker is forked with a listening TCP socket of its own, bound before the fork; the
host answers with its port, and the pool connects straight to the worker, which authenticates
the pool with the worker's secret (``listen``) before anything else. Its output and its exit
come back on the control connection.

The lease: every frame from the pool renews it (the pool sends heartbeats). When a pool's
control connection ends, or its lease runs out (the JVM died, or it is partitioned away),
the host kills that pool's workers (SIGKILL to each worker's process group): no orphans on
a host either. Each worker belongs to the one control connection that asked for it, so one
pool's workers never serve another (and its token is the pool's alone).

The host is one thread (it forks), one ``selectors`` loop. Exit statuses: 0 on SIGTERM or
SIGINT (its workers are killed first), 2 for a bad command line (plain TCP asked for on an
address that is not loopback, among others).
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import ipaddress
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from typing import Any, Dict, List, Optional, Set

import msgpack

from taipan_worker import __version__
from taipan_worker.lines import cut_lines
from taipan_worker.options import line_buffered_stdio
from taipan_worker.process import (
    become_subreaper,
    descendants,
    drain_pipe,
    exit_if_parent_is_not,
    exit_status,
    kill_quietly,
    own_process_group,
    reap_children,
    set_parent_death_signal,
)

_HEADER = struct.Struct(">I")
#: The first frame (``open``) of a connection not yet known to be a pool: small, and soon.
MAX_FIRST_FRAME_BYTES = 4096
FIRST_FRAME_TIMEOUT_S = 5.0
#: A TLS handshake may take this long (a JVM's first one loads its whole TLS stack); the time
#: for the ``open`` frame starts once it is done.
HANDSHAKE_TIMEOUT_S = 10.0
#: Later control frames (a ``start`` carries the pool's secrets) are still small.
MAX_CONTROL_FRAME_BYTES = 1 << 20
#: At most this many connections may wait to send their ``open``.
MAX_WAITING = 64
#: A pool that reads nothing while this much is queued for it is gone (partitioned, stuck).
MAX_QUEUED_BYTES = 16 << 20
#: The lease a pool may ask for: at least this, and at most the host's ``--max-lease-ms``.
MIN_LEASE_MS = 100
#: How long a forked worker waits for its pool to connect.
DEFAULT_ACCEPT_TIMEOUT_MS = 60_000

REQUEST_TYPES = {"open", "start", "stop", "heartbeat"}


class Refused(Exception):
    """A request the host will not grant; the message says why and goes back to the pool."""


def parse_args(argv: List[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m taipan_worker.host",
                                description="Taipan worker host: starts workers for remote pools")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="TCP port (default 0: any free port, printed)")
    p.add_argument("--port-file", default=None, help="write the port here once listening")
    p.add_argument("--name", default=None, help="the host's name in pools' reports (default: hostname)")
    p.add_argument("--modules", default="", help="comma-separated allow-list: the modules pools may ask for")
    p.add_argument("--max-workers", type=int, default=8, help="workers alive at once, all pools together")
    p.add_argument("--max-slots", type=int, default=16, help="the most slots one worker may have")
    p.add_argument("--max-memory-mb", type=int, default=0, help="address-space limit per worker (0: none)")
    p.add_argument("--max-lease-ms", type=int, default=60_000, help="the longest lease a pool may ask for")
    p.add_argument("--max-frame-bytes", type=int, default=67108864, help="largest frame a worker may take")
    p.add_argument("--plain-tcp", action="store_true",
                   help="no TLS: allowed only when --bind is a loopback address")
    p.add_argument("--tls-cert", default=None, help="TLS 1.3: the host's certificate chain (PEM)")
    p.add_argument("--tls-key", default=None, help="TLS 1.3: its private key (unencrypted PKCS#8 PEM)")
    p.add_argument("--tls-ca", default=None, help="TLS 1.3: the CA certificates that sign the pools' client certificates")
    ns = p.parse_args(argv)
    tls = [ns.tls_cert, ns.tls_key, ns.tls_ca]
    if ns.plain_tcp and any(tls):
        p.error("--plain-tcp and --tls-* exclude each other")
    if not ns.plain_tcp and not all(tls):
        p.error("give --tls-cert, --tls-key and --tls-ca (mutual TLS 1.3), or --plain-tcp on a loopback address")
    if ns.plain_tcp and not _is_loopback(ns.bind):
        p.error(f"--plain-tcp needs a loopback --bind address, not {ns.bind}")
    ns.tls = None
    if not ns.plain_tcp:
        from taipan_worker.tls import TlsError, server_context

        try:
            ns.tls = server_context(ns.tls_cert, ns.tls_key, ns.tls_ca)
        except TlsError as exc:
            p.error(f"TLS: {exc}")
    for name in ("max_workers", "max_slots", "max_lease_ms"):
        if getattr(ns, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    if ns.max_memory_mb < 0 or not 0 <= ns.port <= 65535:
        p.error("--max-memory-mb must be >= 0 and --port within 0..65535")
    if not 1024 <= ns.max_frame_bytes <= 0xFFFFFFFF:
        p.error("--max-frame-bytes must be between 1024 and 4294967295")
    return ns


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


class Control:
    """One control connection: a pool (once it has sent ``open``), its lease and its workers."""

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.inbox = bytearray()
        self.outbox = bytearray()
        #: TLS: the handshake is under way (non-blocking, driven by the loop).
        self.handshaking = False
        self.opened = False
        self.pool = "?"
        self.run_id = ""
        self.env: Dict[str, str] = {}
        self.log_level: Optional[int] = None
        self.lease_s = FIRST_FRAME_TIMEOUT_S
        self.deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
        #: worker id -> pid, for this pool's live workers.
        self.workers: Dict[str, int] = {}

    def describe(self) -> str:
        return f"pool {self.pool} (run {self.run_id}) from {self.peer}" if self.opened else f"connection from {self.peer}"


class Worker:
    def __init__(self, worker_id: str, pid: int, owner: Control) -> None:
        self.worker_id = worker_id
        self.pid = pid
        self.owner: Optional[Control] = owner


class Host:
    def __init__(self, ns: argparse.Namespace) -> None:
        self.ns = ns
        self.name = ns.name or socket.gethostname()
        self.modules = [m.strip() for m in ns.modules.split(",") if m.strip()]
        self.pid = os.getpid()
        self.selector = selectors.DefaultSelector()
        self.controls: Dict[int, Control] = {}
        self.workers: Dict[int, Worker] = {}  # pid -> worker
        self.streams: Dict[int, tuple] = {}  # fd -> (worker, stream name, partial line)
        self.own: Set[int] = set()
        self.stopping = False
        self.wake_r, self.wake_w = os.pipe()
        self.server: Optional[socket.socket] = None

    def log(self, message: str) -> None:
        print(f"taipan-host {self.name}: {message}", file=sys.stderr, flush=True)

    # ---------------------------------------------------------------- start

    def warm_up(self) -> None:
        from taipan_worker import runtime  # noqa: F401  (what every worker runs)

        for module in self.modules:
            try:
                importlib.import_module(module)
            except BaseException as exc:  # noqa: BLE001 - each worker reports it in full
                self.log(f"importing {module} failed ({type(exc).__name__}: {exc}); workers asking for it will fail")
        if threading.active_count() > 1:
            self.log(f"warning: importing the modules started {threading.active_count() - 1} threads; "
                     "forked workers get copies of their locks")
        gc.collect()
        gc.freeze()
        self.own = set(descendants(self.pid))

    def listen(self) -> int:
        family = socket.AF_INET6 if ":" in self.ns.bind else socket.AF_INET
        server = socket.socket(family, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.ns.bind, self.ns.port))
        server.listen(128)
        server.setblocking(False)
        self.server = server
        port = server.getsockname()[1]
        if self.ns.port_file:
            tmp = self.ns.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(f"{port}\n")
            os.replace(tmp, self.ns.port_file)
        how = "plain TCP, loopback" if self.ns.tls is None else "TLS 1.3, client certificates required"
        print(f"taipan-host {self.name} listening on {self.ns.bind}:{port} ({how}), "
              f"modules={','.join(self.modules)} max_workers={self.ns.max_workers}", flush=True)
        return port

    # ---------------------------------------------------------------- loop

    def serve(self) -> None:
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        self.selector.register(self.server, selectors.EVENT_READ, "server")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")
        while not self.stopping:
            timeout = self._next_deadline()
            for key, events in self.selector.select(timeout):
                what = key.data
                if what == "server":
                    self._accept()
                elif what == "wake":
                    self._drain_wakeups()
                    self._reap()
                elif isinstance(what, Control):
                    if events & selectors.EVENT_READ:
                        self._read(what)
                    if events & selectors.EVENT_WRITE and what.sock.fileno() in self.controls:
                        if what.handshaking:
                            self._read(what)
                        else:
                            self._flush(what)
                else:
                    self._read_output(key.fd)
            self._expire_leases()
        for control in list(self.controls.values()):
            self._drop(control, "the host is stopping")
        self._reap()

    def _on_stop(self, *_: Any) -> None:
        self.stopping = True

    def _next_deadline(self) -> Optional[float]:
        if not self.controls:
            return None
        return max(0.0, min(c.deadline for c in self.controls.values()) - time.monotonic())

    def _expire_leases(self) -> None:
        now = time.monotonic()
        for control in list(self.controls.values()):
            if now >= control.deadline:
                if control.opened:
                    self._drop(control, f"its lease of {int(control.lease_s * 1000)} ms expired")
                elif control.handshaking:
                    self._drop(control, f"no TLS handshake within {HANDSHAKE_TIMEOUT_S:.0f} s")
                else:
                    self._drop(control, f"no open request within {FIRST_FRAME_TIMEOUT_S:.0f} s")

    def _accept(self) -> None:
        try:
            sock, peer = self.server.accept()  # type: ignore[union-attr]
        except (BlockingIOError, InterruptedError):
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ns.tls is not None:
            # The handshake runs in the loop (below), so a peer that stalls it stalls no one else;
            # nothing is read from a pool before its certificate is verified.
            sock = self.ns.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        control = Control(sock, f"{peer[0]}:{peer[1]}")
        control.handshaking = self.ns.tls is not None
        if control.handshaking:
            control.deadline = time.monotonic() + HANDSHAKE_TIMEOUT_S
        waiting = [c for c in self.controls.values() if not c.opened]
        if len(waiting) >= MAX_WAITING:
            self._drop(min(waiting, key=lambda c: c.deadline), "too many connections waiting to open")
        self.controls[sock.fileno()] = control
        self.selector.register(sock, selectors.EVENT_READ, control)

    def _handshake(self, control: Control) -> bool:
        """Drives a TLS handshake one step; True once it is done."""
        import ssl

        from taipan_worker.tls import describe_failure

        try:
            control.sock.do_handshake()  # type: ignore[attr-defined]
        except ssl.SSLWantReadError:
            self.selector.modify(control.sock, selectors.EVENT_READ, control)
            return False
        except ssl.SSLWantWriteError:
            self.selector.modify(control.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, control)
            return False
        except (ssl.SSLError, OSError) as exc:
            self._drop(control, f"TLS handshake refused: {describe_failure(exc)}")
            return False
        control.handshaking = False
        control.deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
        self.selector.modify(control.sock, selectors.EVENT_READ, control)
        return True

    def _read(self, control: Control) -> None:
        if control.handshaking and not self._handshake(control):
            return
        import ssl

        chunks = []
        try:
            while True:
                data = control.sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
                # A TLS socket may hold more decrypted bytes than one recv returned.
                if not isinstance(control.sock, ssl.SSLSocket) or not control.sock.pending():
                    break
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            if not chunks:
                return
        except OSError as exc:
            self._drop(control, f"its connection failed ({exc})")
            return
        data = b"".join(chunks)
        if not data:
            self._drop(control, "it closed its control connection")
            return
        control.inbox += data
        if control.opened:
            control.deadline = time.monotonic() + control.lease_s  # any frame renews the lease
        limit = MAX_CONTROL_FRAME_BYTES if control.opened else MAX_FIRST_FRAME_BYTES
        while len(control.inbox) >= 4 and control.sock.fileno() in self.controls:
            (length,) = _HEADER.unpack_from(control.inbox)
            if length == 0 or length > limit:
                self._drop(control, f"it sent a frame of {length} bytes (at most {limit} here)")
                return
            if len(control.inbox) < 4 + length:
                return
            body = bytes(control.inbox[4:4 + length])
            del control.inbox[:4 + length]
            try:
                request = msgpack.unpackb(body, raw=False)
            except (ValueError, msgpack.UnpackException) as exc:
                self._drop(control, f"it sent a frame that is not MessagePack ({type(exc).__name__})")
                return
            self._handle(control, request)
            limit = MAX_CONTROL_FRAME_BYTES if control.opened else MAX_FIRST_FRAME_BYTES

    def _handle(self, control: Control, request: Any) -> None:
        kind = request.get("type") if isinstance(request, dict) else None
        if kind not in REQUEST_TYPES:
            self._fail(control, f"unknown request {kind!r:.40}")
            return
        if not control.opened and kind != "open":
            self._fail(control, f"the first request must be 'open', got {kind!r:.40}")
            return
        try:
            if kind == "open":
                self._open(control, request)
            elif kind == "start":
                self._start(control, request)
            elif kind == "stop":
                self._stop(control, request)
            else:
                self.send(control, {"type": "heartbeat", "seq": request.get("seq")})
        except Refused as exc:
            if kind == "start" and isinstance(request.get("worker_id"), str):
                self.log(f"{control.describe()}: refused worker {request['worker_id']}: {exc}")
                self.send(control, {"type": "refused", "worker_id": request["worker_id"], "error": str(exc)})
            else:
                self._fail(control, str(exc))

    def _fail(self, control: Control, why: str) -> None:
        """A bad request: the pool hears why, then the connection (and its workers) end."""
        self.send(control, {"type": "error", "error": why})
        self._flush(control)
        self._drop(control, f"bad request: {why}")

    # ---------------------------------------------------------------- requests

    def _open(self, control: Control, request: Dict[str, Any]) -> None:
        if control.opened:
            raise Refused("'open' was already sent on this connection")
        pool, run_id, lease_ms = request.get("pool"), request.get("run_id"), request.get("lease_ms")
        env, level = request.get("env", {}), request.get("log_level")
        if not isinstance(pool, str) or not pool or not isinstance(run_id, str):
            raise Refused("'open' needs 'pool' (str) and 'run_id' (str)")
        if not isinstance(lease_ms, int) or isinstance(lease_ms, bool) or lease_ms < MIN_LEASE_MS:
            raise Refused(f"'lease_ms' must be an int of at least {MIN_LEASE_MS}")
        if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
            raise Refused("'env' must map names to strings")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 100):
            raise Refused("'log_level' must be a Python logging level from 0 to 100")
        granted = min(lease_ms, self.ns.max_lease_ms)
        control.opened, control.pool, control.run_id = True, pool, run_id
        control.env, control.log_level = dict(env), level
        control.lease_s = granted / 1000
        control.deadline = time.monotonic() + control.lease_s
        self.log(f"{control.describe()} opened (lease {granted} ms, {len(env)} secret variables)")
        self.send(control, {
            "type": "opened",
            "host": self.name,
            "pid": self.pid,
            "package": __version__,
            "python": sys.version.split()[0],
            "modules": list(self.modules),
            "max_workers": self.ns.max_workers,
            "max_slots": self.ns.max_slots,
            "lease_ms": granted,
        })

    def _start(self, control: Control, request: Dict[str, Any]) -> None:
        worker_id, token = request.get("worker_id"), request.get("token")
        modules, slots = request.get("modules", []), request.get("slots")
        frame = request.get("max_frame_bytes", self.ns.max_frame_bytes)
        accept_ms = request.get("accept_timeout_ms", DEFAULT_ACCEPT_TIMEOUT_MS)
        if not isinstance(worker_id, str) or not worker_id:
            raise Refused("'start' needs 'worker_id' (str)")
        if not isinstance(token, str) or len(token) < 16:
            raise Refused("'start' needs a 'token' of at least 16 characters")
        if worker_id in control.workers:
            raise Refused(f"worker {worker_id} is already running for this pool")
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise Refused("'modules' must be a list of module names")
        banned = [m for m in modules if m not in self.modules]
        if banned:
            raise Refused(f"module {', '.join(banned)} is not allowed on host {self.name} "
                          f"(allowed: {', '.join(self.modules) or 'none'})")
        if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= self.ns.max_slots:
            raise Refused(f"slots must be from 1 to {self.ns.max_slots} on host {self.name}, not {slots!r:.20}")
        if not isinstance(frame, int) or isinstance(frame, bool) or not 1024 <= frame <= self.ns.max_frame_bytes:
            raise Refused(f"max_frame_bytes must be from 1024 to {self.ns.max_frame_bytes}")
        if not isinstance(accept_ms, int) or isinstance(accept_ms, bool) or accept_ms <= 0:
            raise Refused("'accept_timeout_ms' must be a positive int")
        if len(self.workers) >= self.ns.max_workers:
            raise Refused(f"host {self.name} runs its maximum of {self.ns.max_workers} workers")
        family = socket.AF_INET6 if ":" in self.ns.bind else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.bind((self.ns.bind, 0))
            listener.listen(8)
            port = listener.getsockname()[1]
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
        except OSError as exc:
            listener.close()
            raise Refused(f"could not make the worker's socket: {exc}") from None
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            listener.close()
            raise Refused(f"fork failed: {exc}") from None
        if pid == 0:
            try:
                self._become_worker(control, worker_id, token, modules, slots, frame, accept_ms,
                                    listener, out_w, err_w)
            finally:
                os._exit(70)  # only if becoming the worker itself failed
        listener.close()
        os.close(out_w)
        os.close(err_w)
        worker = Worker(worker_id, pid, control)
        self.workers[pid] = worker
        control.workers[worker_id] = pid
        for fd, name in ((out_r, "stdout"), (err_r, "stderr")):
            os.set_blocking(fd, False)
            self.streams[fd] = (worker, name, bytearray())
            self.selector.register(fd, selectors.EVENT_READ, name)
        self.log(f"{control.describe()}: started worker {worker_id} (pid {pid}, port {port}, modules "
                 f"{','.join(modules) or '-'}, {slots} slots)")
        self.send(control, {"type": "started", "worker_id": worker_id, "pid": pid, "port": port})

    def _stop(self, control: Control, request: Dict[str, Any]) -> None:
        worker_id, how = request.get("worker_id"), request.get("signal", "term")
        if how not in ("term", "kill"):
            raise Refused("'signal' must be 'term' or 'kill'")
        pid = control.workers.get(worker_id)  # type: ignore[arg-type]
        if pid is None:
            return  # already gone (its exit report is on its way), or never this pool's
        if how == "term":
            kill_quietly(pid, signal.SIGTERM)
        else:
            self._kill_tree(pid)

    # ---------------------------------------------------------------- in the child

    def _become_worker(self, control: Control, worker_id: str, token: str, modules: List[str], slots: int,
                       frame: int, accept_ms: int, listener: socket.socket, out_w: int, err_w: int) -> None:
        try:
            own_process_group()
            set_parent_death_signal()
            exit_if_parent_is_not(self.pid)
            become_subreaper()
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            self.selector.close()
            keep = {listener.fileno(), out_w, err_w}
            for fd in [self.server.fileno(), self.wake_r, self.wake_w, *self.controls, *self.streams]:  # type: ignore[union-attr]
                if fd not in keep:
                    os.close(fd)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.close(out_w)
            os.close(err_w)
            if self.ns.max_memory_mb:
                limit = self.ns.max_memory_mb << 20
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            for name, value in control.env.items():
                os.environ[name] = value
            listen_fd = listener.detach()
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            os._exit(70)
        from taipan_worker.runtime import Config, main

        main(Config(
            socket="",
            worker_id=worker_id,
            slots=slots,
            modules=modules,
            max_frame_bytes=frame,
            pool_name=control.pool,
            run_id=control.run_id,
            log_level=control.log_level,
            listen_fd=listen_fd,
            accept_timeout_s=accept_ms / 1000,
            listen_tls=self.ns.tls,
        ), token)

    # ---------------------------------------------------------------- workers' output and exits

    def _read_output(self, fd: int) -> None:
        worker, name, partial = self.streams[fd]
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        owner = worker.owner
        if data:
            partial += data
            lines, more = cut_lines(partial)
            if lines and owner is not None:
                message: Dict[str, Any] = {"type": "output", "worker_id": worker.worker_id, "pid": worker.pid,
                                           "stream": name, "lines": lines}
                if any(more):
                    message["more"] = more
                self.send(owner, message)
            return
        if partial and owner is not None:
            self.send(owner, {"type": "output", "worker_id": worker.worker_id, "pid": worker.pid, "stream": name,
                              "lines": [partial.decode("utf-8", "replace")]})
        self.selector.unregister(fd)
        os.close(fd)
        del self.streams[fd]
        if owner is not None:
            self.send(owner, {"type": "closed", "worker_id": worker.worker_id, "pid": worker.pid, "stream": name})

    def _drain_wakeups(self) -> None:
        drain_pipe(self.wake_r)

    def _reap(self) -> None:
        ended = reap_children()
        reaped = bool(ended)
        for pid, status in ended:
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            code = exit_status(status)
            owner = worker.owner
            if owner is not None:
                owner.workers.pop(worker.worker_id, None)
                self.send(owner, {"type": "exited", "worker_id": worker.worker_id, "pid": pid, "status": code})
        if reaped:
            # What ended workers left behind came to us (we are a subreaper): end it.
            for pid in descendants(self.pid, keep=set(self.workers) | self.own):
                kill_quietly(pid)

    def _kill_tree(self, pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        kill_quietly(pid)

    # ---------------------------------------------------------------- control connections

    def send(self, control: Control, message: Dict[str, Any]) -> None:
        if control.sock.fileno() not in self.controls:
            return
        body = msgpack.packb(message, use_bin_type=True)
        control.outbox += _HEADER.pack(len(body)) + body
        if len(control.outbox) > MAX_QUEUED_BYTES:
            self._drop(control, f"it read nothing while {len(control.outbox)} bytes were queued for it")
            return
        self._flush(control)

    def _flush(self, control: Control) -> None:
        import ssl

        fd = control.sock.fileno()
        if fd not in self.controls or control.handshaking:
            return
        try:
            while control.outbox:
                n = control.sock.send(control.outbox)
                del control.outbox[:n]
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                self._drop(control, f"its connection failed ({exc})")
                return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if control.outbox else 0)
        self.selector.modify(control.sock, events, control)

    def _drop(self, control: Control, why: str) -> None:
        """Ends a control connection and every worker of its pool."""
        fd = control.sock.fileno()
        if self.controls.pop(fd, None) is None:
            return
        if control.opened or control.workers:
            self.log(f"{control.describe()}: {why}; killing its {len(control.workers)} workers")
        else:
            self.log(f"{control.describe()} dropped: {why}")
        for worker_id, pid in control.workers.items():
            worker = self.workers.get(pid)
            if worker is not None:
                worker.owner = None
            self._kill_tree(pid)
        control.workers.clear()
        try:
            self.selector.unregister(control.sock)
        except (KeyError, ValueError):
            pass
        control.sock.close()


def main(argv: Optional[List[str]] = None) -> None:
    line_buffered_stdio()
    ns = parse_args(sys.argv[1:] if argv is None else argv)
    become_subreaper()
    host = Host(ns)
    host.warm_up()
    try:
        host.listen()
    except OSError as exc:
        raise SystemExit(f"taipan-host: cannot listen on {ns.bind}:{ns.port}: {exc}") from None
    host.serve()
    host.log("stopped")
    os._exit(0)


if __name__ == "__main__":
    main()
