"""The worker's lifecycle and dispatch: connect, authenticate, import, say hello, then
route every frame from the host (calls, cancels, heartbeats, sessions, callback answers)
until EOF or a drained SIGTERM.

The rest of the runtime lives by concern: ``transport`` (the socket protocol and the
batching of writes), ``execution`` (how each kind of function runs: the strategy is chosen
once, when the worker registers the function, so handling a call is a lookup), ``replies``
(result, error and chunk frames), ``sessions`` (session states and their snapshots),
``context`` (``current_call``, ``call_java``), ``calls`` (a call in flight and its stream
window) and ``loops`` (uvloop or asyncio, ``TAIPAN_EVENT_LOOP``). Those parts never import
this module: what they use of the :class:`Worker` is named in ``ports``, and it has it. A
call's deadline timer is armed only when the call did not finish at once.

On stderr the worker says what the host cannot know: why it failed (an import's traceback,
a protocol error, a lost connection). Its routine lifecycle (connected, imported, ready,
draining, exiting) the host logs itself, with pool, worker id, pid and timings, so those lines
are printed only with ``TAIPAN_WORKER_DEBUG=1`` (running a worker by hand, or debugging one).

Exit statuses: 0 normal (EOF, drained after SIGTERM), 1 could not connect,
2 import failure or bad arguments, 3 protocol error from the host.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import os
import platform
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import Future as ConcurrentFuture
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import __version__, errors, tracing
from .tracing import Tracing
from . import execution
from . import logs
from .calls import Call, Credit
from .context import CallContext, CallbackError, call_java, current_call, _task_call, _thread_call  # noqa: F401
from .execution import Start
from .loops import EVENT_LOOP_ENV, event_loop_factory
from .protocol import (
    DEFAULT_MAX_FRAME_BYTES,
    BadValue,
    ProtocolError,
    encode_frame,
    encode_ordered_frame,
)
from .registry import FunctionSpec, exposed, make_spec
from .replies import Replies
from .sessions import Sessions
from .snapshots import SNAPSHOT_FUNCTION
from .transport import HostProtocol

CAPABILITIES = ["cancel", "sessions", "heartbeat", "stream", "callback", "snapshots", "chunk_ack"]
#: A plain call's thread still running this long after its call ended counts as overrun.
OVERRUN_GRACE_S = 2.0

#: Set to 1 to have the worker print its routine lifecycle too (see the module's doc).
DEBUG_ENV = "TAIPAN_WORKER_DEBUG"

EXIT_OK = 0
EXIT_CONNECT = 1
EXIT_IMPORT = 2
EXIT_PROTOCOL = 3

#: The running worker of this process (the test functions of ``taipan_testing`` reach its
#: connection through it to send broken frames).
_active: Optional["Worker"] = None


@dataclass
class Config:
    socket: str
    worker_id: str
    slots: int = 4
    modules: List[str] = field(default_factory=list)
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    pool_name: Optional[str] = None
    run_id: Optional[str] = None
    #: Forward logging records of this Python level and above to the host (``log`` frames);
    #: None: the host did not ask (an older pool), logging stays as in any Python process.
    log_level: Optional[int] = None
    #: Listen mode (a worker host's worker): the fd of a listening TCP socket the pool connects
    #: to, authenticating itself with the worker's token (see ``listen``); None: connect to
    #: ``socket`` and send ``auth`` as usual.
    listen_fd: Optional[int] = None
    #: Listen mode: how long to wait for the pool to connect and authenticate.
    accept_timeout_s: float = 60.0
    #: Listen mode over TLS: the host's server ``ssl.SSLContext`` (client certificates required).
    listen_tls: Any = None


class _BadArguments(Exception):
    pass


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def hard_exit(code: int) -> "None":
    """Flush stdio and leave at once, even if call threads are still running. Log records
    still queued for the loop are written first (the socket takes them at once unless the
    host is far behind), so what was logged before an exit is not lost."""
    worker = _active
    if worker is not None and worker.logs is not None and worker.loop_thread == threading.get_ident():
        try:
            worker.logs.report()
        except Exception:  # noqa: BLE001 - leaving matters more
            pass
    _flush_stdio()
    os._exit(code)


class Worker:
    """One worker process's state, on its event loop: the functions and their strategies,
    the calls in flight, the sessions; the loop thread is the only one that changes it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.loop_name = "asyncio"  # or "uvloop": set by main()
        self.loop_thread: Optional[int] = None
        self.transport: Optional[asyncio.Transport] = None
        self.protocol: Optional[HostProtocol] = None
        self.replies = Replies(config.max_frame_bytes)
        #: Every function by name with the strategy that starts its calls (``execution``),
        #: chosen once, at registration.
        self._plans: Dict[str, Tuple[FunctionSpec, Start]] = {}
        #: The inline built-ins (ping, info, echo) for positional calls that certainly bind:
        #: name -> (function, least, most positional arguments).
        self._inline_fast: Dict[str, Tuple[Callable[..., Any], int, int]] = {}
        #: While data_received runs: the frames written meanwhile, sent together after it.
        self._batch: Optional[List[bytes]] = None
        self.functions: Dict[str, FunctionSpec] = {}
        self.sessions = Sessions()
        self.inflight: Dict[int, Call] = {}
        self.overrunning: Dict[int, float] = {}  # call id -> loop time it was stopped
        self.draining = False
        self._exiting = False
        self.executor = ThreadPoolExecutor(max_workers=config.slots, thread_name_prefix="taipan-call")
        self.debug_lifecycle = os.environ.get(DEBUG_ENV, "") == "1"
        #: Python logging records to the host, once connected (only if the host asked).
        self.logs: Optional[logs.LogForwarder] = None
        #: OpenTelemetry, when installed (``tracing.setup``, after the imports); else None.
        self.tracing: Optional[Tracing] = None

    # ------------------------------------------------------------------ logging / exit

    def log(self, message: str) -> None:
        # The host may have closed our stderr pipe (it does while shutting down); a log line
        # must never be the reason a worker fails to drain or exit.
        try:
            print(f"taipan-worker {self.config.worker_id}: {message}", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass

    def trace(self, message: str) -> None:
        """A routine lifecycle line. The host logs the same event (stage=ready, pool closing,
        exited with status 0), and an operator reading the log wants it once, from the side
        that knows the pool and the timings; so it is printed only with TAIPAN_WORKER_DEBUG=1."""
        if self.debug_lifecycle:
            self.log(message)

    def _protocol_error(self, exc: BaseException) -> None:
        self.log(f"protocol error from host: {exc}; exiting with status {EXIT_PROTOCOL}")
        hard_exit(EXIT_PROTOCOL)

    def _internal_error(self) -> None:
        self.log("internal error in the worker runtime")
        traceback.print_exc(file=sys.stderr)
        hard_exit(1)

    async def _flush_socket(self, timeout: float) -> None:
        if self.protocol is not None:
            await self.protocol.flush(timeout)

    async def _graceful_exit(self, code: int, timeout: float = 5.0) -> None:
        if self.logs is not None:
            self.logs.report()  # the queued records, and what was dropped
        await self._flush_socket(timeout)
        hard_exit(code)

    def _schedule_exit(self, code: int, reason: str) -> None:
        if self._exiting:
            return
        self._exiting = True
        if code == EXIT_OK:
            self.trace(reason)
        else:
            self.log(reason)
        assert self.loop is not None
        self.loop.create_task(self._graceful_exit(code))

    # ------------------------------------------------------------------ startup

    def _builtins(self) -> Dict[str, FunctionSpec]:
        # Trivial builtins run on the loop, so they answer even when every thread is busy.
        # ping, info and echo are plain functions run inline (no coroutine, no task); sleep
        # is started eagerly and continues in a task.
        def ping() -> str:
            return "pong"

        def info() -> Dict[str, Any]:
            return {
                "worker_id": self.config.worker_id,
                "pid": os.getpid(),
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "package": __version__,
                "slots": self.config.slots,
                "max_frame_bytes": self.config.max_frame_bytes,
                "modules": list(self.config.modules),
                "functions": sorted(self.functions),
                "sessions": len(self.sessions),
                "in_flight": len(self.inflight),
                "rss_bytes": _rss_bytes(),
                "event_loop": self.loop_name,
            }

        def echo(value: Any = None) -> Any:
            return value

        async def sleep(seconds: float) -> float:
            await asyncio.sleep(seconds)
            return seconds

        def session_snapshot(session: Dict[str, Any]) -> None:
            return None  # the snapshot itself goes out just before the result (see _finish)

        specs = {
            name: make_spec(fn, name, "taipan_worker.builtins")
            for name, fn in (("ping", ping), ("info", info), ("echo", echo), ("sleep", sleep))
        }
        specs[SNAPSHOT_FUNCTION] = make_spec(session_snapshot, SNAPSHOT_FUNCTION, "taipan_worker.builtins",
                                             session=True)
        return specs

    def _import_modules(self) -> None:
        for module in self.config.modules:
            started = time.perf_counter()
            try:
                importlib.import_module(module)
            except BaseException:
                self.log(f"failed to import {module}; exiting with status {EXIT_IMPORT}")
                traceback.print_exc(file=sys.stderr)
                hard_exit(EXIT_IMPORT)
            elapsed = (time.perf_counter() - started) * 1000
            self.trace(f"imported {module} in {elapsed:.0f} ms")
        builtins = self._builtins()
        # The built-ins run on the loop, so they answer even while every thread is busy: the
        # plain ones inline, the async one (sleep) started eagerly.
        plans: Dict[str, Tuple[FunctionSpec, Start]] = {
            name: (spec, execution.choose(spec, inline=True, eager=True)) for name, spec in builtins.items()
        }
        self._inline_fast = {
            name: (spec.func, spec.positional_range[0], spec.positional_range[1])
            for name, (spec, start) in plans.items()
            if start is execution.run_inline and spec.positional_range is not None and not spec.session
        }
        self.functions = dict(builtins)
        for name, spec in exposed(self.config.modules).items():
            self.functions[name] = spec
            plans[name] = (spec, execution.choose(spec))
        self._plans = plans

    async def run(self, token: str) -> None:
        global _active
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        if self.config.listen_fd is not None:
            transport, protocol = await self._accept(token)
        else:
            try:
                transport, protocol = await self.loop.create_unix_connection(
                    lambda: HostProtocol(self), self.config.socket
                )
            except OSError as exc:
                self.log(f"cannot connect to {self.config.socket}: {exc}")
                hard_exit(EXIT_CONNECT)
        self.transport, self.protocol = transport, protocol  # type: ignore[assignment]
        _active = self
        early, self._early = getattr(self, "_early", b""), b""
        if early:
            protocol.data_received(early)  # what the pool sent right behind its auth
        if self.config.listen_fd is None:
            self.trace(f"connected to {self.config.socket}")
            self._send({"v": 1, "type": "auth", "worker_id": self.config.worker_id, "token": token})
        del token
        if self.config.log_level is not None:
            # After auth (the host reads nothing else first), before the imports: what modules
            # log while they import arrives too.
            self.logs = logs.install(self, self.config.log_level)
            self.logs.start()
        # Installed before hello so that a SIGTERM right after hello always drains; one that
        # arrives during the imports is handled once the loop runs (nothing is in flight).
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self.loop.add_signal_handler(sig, self._on_terminate, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        self._import_modules()
        try:
            # After the imports: a TracerProvider the user's modules configured is left alone.
            self.tracing = tracing.setup()
        except Exception as exc:  # noqa: BLE001 - tracing never stops a worker
            self.log(f"tracing is off: {type(exc).__name__}: {exc}")
        self._send(
            {
                "v": 1,
                "type": "hello",
                "worker_id": self.config.worker_id,
                "pid": os.getpid(),
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "package": __version__,
                "slots": self.config.slots,
                "max_frame_bytes": self.config.max_frame_bytes,
                "functions": sorted(self.functions),
                "capabilities": list(CAPABILITIES),
                "idempotent": sorted(n for n, f in self.functions.items() if f.idempotent),
            }
        )
        self.trace(f"ready ({len(self.functions)} functions, {self.config.slots} slots, {self.loop_name} loop)")
        # From here on everything happens in the protocol's callbacks; the process exits
        # from them (EOF, protocol error, drained), never by returning from here.
        await self.loop.create_future()

    async def _accept(self, token: str) -> Any:
        """Listen mode: the pool connects to us and authenticates first (``listen``). The wait
        blocks the loop, which has nothing else to do before the pool is there."""
        import socket as _socket

        from .listen import AcceptTimeout, accept_pool

        if self.config.listen_tls is not None:
            return await self._accept_tls(token)
        listener = _socket.socket(fileno=self.config.listen_fd)
        try:
            conn = accept_pool(listener, self.config.worker_id, token,
                               time.monotonic() + self.config.accept_timeout_s, log=self.log)
        except (AcceptTimeout, OSError) as exc:
            self.log(f"{exc}; exiting with status {EXIT_CONNECT}")
            hard_exit(EXIT_CONNECT)
        conn.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self.trace("the pool connected and authenticated")
        return await self.loop.connect_accepted_socket(lambda: HostProtocol(self), conn)  # type: ignore[union-attr]

    async def _accept_tls(self, token: str) -> Any:
        """Listen mode over TLS: asyncio runs each connection's handshake (the pool's client
        certificate is verified before any byte of it is read), an ``AuthGate`` checks its
        ``auth``, and the first connection that passes both is handed to ``HostProtocol``."""
        import socket as _socket
        import ssl

        from .listen import AUTH_TIMEOUT_S, HANDSHAKE_TIMEOUT_S, AuthGate
        from .tls import describe_failure

        loop = self.loop
        assert loop is not None
        listener = _socket.socket(fileno=self.config.listen_fd)
        listener.setblocking(False)
        deadline = loop.time() + self.config.accept_timeout_s
        while True:
            left = deadline - loop.time()
            if left <= 0:
                listener.close()
                self.log(f"no pool connected and authenticated within the deadline; exiting with status {EXIT_CONNECT}")
                hard_exit(EXIT_CONNECT)
            try:
                conn, peer = await asyncio.wait_for(loop.sock_accept(listener), left)
            except asyncio.TimeoutError:
                continue
            gate = AuthGate(self.config.worker_id, token)
            transport = None
            try:
                transport, _ = await asyncio.wait_for(loop.connect_accepted_socket(
                    lambda: gate, conn, ssl=self.config.listen_tls, ssl_handshake_timeout=HANDSHAKE_TIMEOUT_S),
                    HANDSHAKE_TIMEOUT_S + 1)
                why = await asyncio.wait_for(gate.verdict, AUTH_TIMEOUT_S)
            except asyncio.TimeoutError:
                why = f"no auth within {AUTH_TIMEOUT_S:.0f} s"
            except (ssl.SSLError, OSError) as exc:
                why = f"TLS handshake refused: {describe_failure(exc)}"
            if why is None and transport is not None:
                listener.close()
                protocol = HostProtocol(self)
                transport.set_protocol(protocol)
                protocol.connection_made(transport)
                self._early = gate.rest
                self.trace("the pool connected over TLS and authenticated")
                return transport, protocol
            self.log(f"refused a connection from {peer[0]}:{peer[1]}: {why}")
            if transport is not None:
                transport.abort()
            else:
                conn.close()

    # ------------------------------------------------------------------ I/O

    def _send(self, msg: Dict[str, Any]) -> None:
        self._write(encode_frame(msg, self.config.max_frame_bytes))

    def _write(self, frame: bytes) -> None:
        batch = self._batch
        if batch is not None:
            batch.append(frame)  # data_received writes the batch when the chunk is handled
            return
        assert self.transport is not None
        self.transport.write(frame)

    def _on_eof(self) -> None:
        self.trace(f"connection closed by host; exiting ({len(self.inflight)} calls in flight)")
        hard_exit(EXIT_OK)

    def _on_terminate(self, sig: int) -> None:
        if self.draining:
            return
        self.draining = True
        self.trace(f"received {signal.Signals(sig).name}; draining {len(self.inflight)} calls in flight")
        if not self.inflight:
            self._schedule_exit(EXIT_OK, "drained; exiting")

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, msg: Dict[str, Any]) -> None:
        mtype = msg["type"]
        if mtype == "call":
            self._on_call(msg)
        elif mtype == "cancel":
            self._stop_call(msg["id"], errors.CANCELLED, "the call was cancelled by the host")
        elif mtype == "heartbeat":
            reply: Dict[str, Any] = {"v": 1, "type": "heartbeat", "seq": msg["seq"]}
            overrun = self._overrun_threads()
            if overrun:
                reply["overrun"] = overrun
            self._write(encode_ordered_frame(reply, self.config.max_frame_bytes, self.replies.pack))
        elif mtype == "session_close":
            self.sessions.close(msg["session"])
        elif mtype == "session_open" or mtype == "session_restore":
            self.sessions.open(msg)
        elif mtype == "callback_result":
            self._on_callback_result(msg)
        elif mtype == "chunk_ack":
            call = self.inflight.get(msg["id"])
            if call is not None and call.credit is not None:  # else finished or unknown: ignored
                call.credit.ack(msg["seq"])
        else:
            raise ProtocolError(f"unexpected message type {mtype!r} from the host")

    def _on_bad_value(self, bad: BadValue) -> None:
        """A call's frame holds a value outside the value domain: that call alone fails."""
        msg = bad.message
        mtype, cid = msg["type"], msg["id"]
        if mtype == "call":
            if cid <= 0 or cid in self.inflight:
                raise ProtocolError(f"call id {cid} is not positive or already in flight")
            self._write(self.replies.error(cid, errors.BAD_VALUE, "", f"the call cannot be decoded: {bad.problem}"))
        elif mtype == "callback_result":
            call = self.inflight.get(cid)
            future = call.callbacks.pop(msg.get("callback_id"), None) if call and call.callbacks else None
            if future is not None and not future.done():
                future.set_exception(CallbackError(f"the answer of the Java callback cannot be decoded: {bad.problem}"))
        else:
            raise ProtocolError(f"unexpected message type {mtype!r} from the host")

    def _on_call(self, msg: Dict[str, Any]) -> None:
        cid: int = msg["id"]
        if cid <= 0:
            raise ProtocolError(f"call id {cid} is not positive")
        inflight = self.inflight
        if cid in inflight:
            raise ProtocolError(f"call id {cid} is already in flight")
        name: str = msg["function"]
        fast = self._inline_fast.get(name)
        if fast is not None and not self.draining:
            # The no-op path: a trivial built-in with positional arguments that certainly bind.
            raw_args = msg.get("args")
            if raw_args is None:
                count, args = 0, ()
            elif raw_args.__class__ is list:
                count, args = len(raw_args), raw_args
            else:
                count = -1
            func, least, most = fast
            if least <= count and (count <= most or most < 0):
                call = Call(cid, name)
                traceparent = msg.get("traceparent")
                if traceparent is not None:
                    self._trace(call, name, traceparent, msg.get("tracestate"))  # a built-in starts no spans
                inflight[cid] = call
                try:
                    value = func(*args)
                except BaseException as exc:  # noqa: BLE001
                    self._finish(call, self.replies.exception(cid, exc))
                else:
                    self._finish(call, self.replies.loop_result(cid, value))
                return
        if self.draining:
            self._write(self.replies.error(cid, errors.DRAINING, "", "the worker is shutting down", "", True))
            return
        plan = self._plans.get(name)
        if plan is None:
            available = ", ".join(sorted(self.functions))
            self._write(self.replies.error(cid, errors.UNKNOWN_FUNCTION, "",
                                           f"unknown function {name!r}; available functions: {available}"))
            return
        spec, start = plan
        raw_args = msg.get("args")
        fits = spec.positional_range
        kwargs: Optional[Dict[str, Any]] = None
        if fits is not None and not spec.session and (raw_args is None or raw_args.__class__ is list):
            # Fast path: positional arguments whose count certainly binds (what bind() checks).
            count = len(raw_args) if raw_args is not None else 0
            if fits[0] <= count and (count <= fits[1] or fits[1] < 0):
                args: Any = raw_args if raw_args is not None else ()
            else:
                fits = None
        else:
            fits = None
        if fits is None:
            try:
                args, kwargs = self._prepare_arguments(spec, raw_args, msg.get("session"))
            except _BadArguments as exc:
                self._write(self.replies.error(cid, errors.BAD_ARGUMENTS, "TypeError", str(exc)))
                return
        call = Call(cid, name)
        traceparent = msg.get("traceparent")
        if traceparent is not None:
            # Here, in the context the call starts from: its task or thread sees the span.
            trace = self._trace(call, name, traceparent, msg.get("tracestate"))
            if trace is not None and trace.context is not None:  # an SDK span (the user's provider)
                start = functools.partial(trace.context.run, start)
        if spec.session:
            call.snapshot = self.sessions.snapshot_after(name, msg.get("session"))
        if spec.streams:
            window = msg.get("chunk_window")
            if window is not None:
                window_bytes = msg.get("chunk_window_bytes")
                if window < 1 or (window_bytes is not None and window_bytes < 1):
                    raise ProtocolError(f"call {cid}: chunk_window {window} / chunk_window_bytes {window_bytes} "
                                        "must be positive")
                call.credit = Credit(window, window_bytes)
        timeout_ms = msg.get("timeout_ms")
        if timeout_ms is None:
            inflight[cid] = call
            start(self, call, spec, args, kwargs)
            return
        loop = self.loop
        assert loop is not None
        received = loop.time()
        inflight[cid] = call
        if start(self, call, spec, args, kwargs):  # still running: arm its deadline
            call.timer = loop.call_at(received + max(timeout_ms, 0) / 1000.0, self._on_deadline, cid, timeout_ms)

    def _trace(self, call: Call, name: str, traceparent: Any, tracestate: Any) -> Any:
        """Starts ``call``'s trace (``tracing.CallTrace``, None: untraced) and sets its trace id."""
        if self.tracing is None:
            call.trace_id = logs.trace_id(traceparent)
            return None
        call.trace = trace = self.tracing.begin(name, traceparent, tracestate)
        # Untraced for a bad traceparent; its log records still carry what trace id it has.
        call.trace_id = trace.trace_id if trace is not None else logs.trace_id(traceparent)
        return trace

    def _prepare_arguments(
        self, spec: FunctionSpec, raw_args: Any, session_id: Optional[str]
    ) -> Tuple[List[Any], Dict[str, Any]]:
        if raw_args is None:
            args: List[Any] = []
            kwargs: Dict[str, Any] = {}
        elif isinstance(raw_args, list):
            args, kwargs = list(raw_args), {}
        else:
            bad = [k for k in raw_args if not isinstance(k, str)]
            if bad:
                raise _BadArguments(f"keyword argument names must be strings, got {bad[0]!r}")
            args, kwargs = [], dict(raw_args)
        if spec.session:
            if session_id is None:
                raise _BadArguments(f"{spec.name} is session-aware and needs a session, but the call has none")
            if "session" in kwargs:
                raise _BadArguments("'session' is reserved for the session state and cannot be passed as an argument")
            state = self.sessions.state(session_id)
            index = _positional_index(spec, "session")
            if index is not None and len(args) >= index:
                # ``def f(session, x)`` called with args [x]: the host's positional arguments
                # fill the parameters other than ``session``.
                args.insert(index, state)
            else:
                kwargs["session"] = state
        if spec.signature is not None:
            try:
                spec.signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise _BadArguments(f"{spec.name}: {exc}") from None
        return args, kwargs

    # ------------------------------------------------------------------ ending calls

    def _on_callback_result(self, msg: Dict[str, Any]) -> None:
        call = self.inflight.get(msg["id"])
        if call is None or call.callbacks is None:
            return  # the call ended meanwhile: nobody waits for this answer
        future = call.callbacks.pop(msg["callback_id"], None)
        if future is None or future.done():
            return
        if msg.get("error") is not None:
            future.set_exception(CallbackError(msg["error"]))
        else:
            future.set_result(msg.get("value"))

    def _finish(self, call: Call, frame: bytes) -> None:
        cid = call.id
        inflight = self.inflight
        if inflight.get(cid) is not call:
            return  # already ended by cancel / deadline: discard the late result
        del inflight[cid]
        call.stopped = True
        if call.credit is not None:
            call.credit.close()  # a stream waiting for acks stops
        if call.timer is not None:
            call.timer.cancel()
        if call.callbacks:
            for future in call.callbacks.values():
                if not future.done():
                    future.set_exception(CallbackError("the call ended before Java answered"))
            call.callbacks = None
        if call.snapshot is not None:
            self._write(self.sessions.state_frame(cid, call.snapshot, self.config.max_frame_bytes))
        if call.trace is not None and self.tracing is not None:
            frame = self.tracing.finish(call.trace, frame, self.config.max_frame_bytes)
            call.trace = None
        self._write(frame)
        if self.draining and not inflight:
            self._schedule_exit(EXIT_OK, "drained; exiting")

    def _stop_call(self, cid: int, kind: str, message: str) -> None:
        call = self.inflight.get(cid)
        if call is None:
            return  # unknown or finished id: the race is normal
        call.snapshot = None  # a plain call's thread may still be changing the state
        self._finish(call, self.replies.error(cid, kind, "", message))
        if call.task is not None:
            # A task is cancelled for real; a queued plain call never starts; a running plain
            # call's thread cannot be stopped: remember it, heartbeats report it (see below).
            if not call.task.cancel() and isinstance(call.task, ConcurrentFuture) and not call.task.done():
                assert self.loop is not None
                self.overrunning[cid] = self.loop.time()
                call.task.add_done_callback(
                    lambda f, cid=cid: self.loop.call_soon_threadsafe(self.overrunning.pop, cid, None)  # type: ignore
                )

    def _overrun_threads(self) -> int:
        """Threads still running calls that ended (deadline, cancel) more than a grace period
        ago: they hold a slot's thread for good, so the host recycles this worker."""
        if not self.overrunning:
            return 0
        assert self.loop is not None
        now = self.loop.time()
        return sum(1 for stopped in self.overrunning.values() if now - stopped >= OVERRUN_GRACE_S)

    def _on_deadline(self, cid: int, timeout_ms: int) -> None:
        self._stop_call(cid, errors.DEADLINE_EXCEEDED, f"the call did not finish within {timeout_ms} ms")

def _positional_index(spec: FunctionSpec, name: str) -> Optional[int]:
    if spec.signature is None:
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for i, param in enumerate(spec.signature.parameters.values()):
        if param.kind not in positional:
            return None
        if param.name == name:
            return i
    return None


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss if sys.platform == "darwin" else rss * 1024)
    except Exception:
        return 0



def main(config: Config, token: str) -> None:
    """Run the worker with its secret ``token`` (from its start frame or its fork request,
    never the environment); never returns (the process exits with its status)."""
    if not token:
        print(f"taipan-worker {config.worker_id}: no token; exiting with status {EXIT_IMPORT}",
              file=sys.stderr, flush=True)
        hard_exit(EXIT_IMPORT)
    worker = Worker(config)
    try:
        loop_name, new_loop = event_loop_factory()
        worker.loop_name = loop_name
        loop = new_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(worker.run(token))  # type: ignore[arg-type]
    except BaseException:
        worker.log("internal error in the worker runtime")
        traceback.print_exc(file=sys.stderr)
        hard_exit(1)
    hard_exit(EXIT_OK)


__all__ = ["Config", "Worker", "main", "hard_exit", "CallContext", "CallbackError",
           "current_call", "call_java", "event_loop_factory", "EVENT_LOOP_ENV", "DEBUG_ENV"]
