"""Traced calls: a call whose frame carries W3C trace context runs inside it.

Only with ``opentelemetry-api`` and ``opentelemetry-sdk`` installed (the ``otel`` extra);
without them :func:`setup` returns None and the worker ignores the calls' ``traceparent``,
at no cost. With them, each traced call runs in a SERVER span ``taipan.call <function>``,
child of the Java caller's span, and what user code (and the DSPy bridge) starts under it
nests below it, from a task, a thread or an async function alike.

Where the spans go (docs/OBSERVABILITY.md, "Tracing"): if the user configured a
TracerProvider of their own (at import time of their modules, e.g. with an OTLP exporter),
the worker leaves it alone, runs each call in an SDK SERVER span of that provider and hands
nothing back. Otherwise the call's ``result`` or ``error`` frame carries the SERVER span as a
compact record (``server_span``: its id, start and end) and the call's other finished spans
(``spans``) to the JVM, which re-creates them through its own OpenTelemetry: one exporter
configuration for both sides.

Why the SERVER span is not an SDK span there: on a short call the SDK's span (start, end,
propagator, conversion) cost more than the call. Here a call's trace is a few fields taken
from its ``traceparent``; one :class:`_CallSpan`, put in the OpenTelemetry context once, is
every call's current span: it finds the running call through Taipan's own call context (the
thread's or the task's, as ``current_call`` does) and builds its ``SpanContext`` only when
user code starts a child span. A call without child spans costs a parse, two clock reads and
a few bytes; an unsampled call (flags without the sampled bit) a parse.
"""

from __future__ import annotations

import contextvars
import os
import random
import re
import struct
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import msgpack

from .context import _call_trace, _task_call, _thread_call

#: At most this many spans of one call go back to the host; the rest are dropped (counted in
#: the SERVER span's ``taipan.spans_dropped``).
MAX_SPANS_PER_CALL = 512
#: Set to ``1`` (a pool environment variable) to record prompts and completions on LM spans.
CONTENT_ENV = "TAIPAN_TRACE_CONTENT"


class _Bucket:
    """The finished spans of one call, and the ids of its spans still open."""

    __slots__ = ("spans", "ids", "dropped")

    def __init__(self) -> None:
        self.spans: List[Any] = []
        self.ids: List[int] = []
        self.dropped = 0


class CallSpans:
    """A SpanProcessor that files each finished span under the call it belongs to: a span
    belongs to its parent's call. A call's SERVER span id is filed (:meth:`adopt`) only when
    someone first asks for its context, i.e. when a child span starts. Spans that end after
    their call answered have nobody to go to and are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: Dict[int, _Bucket] = {}

    def adopt(self, trace: "CallTrace") -> None:
        """Files ``trace``'s SERVER span id, so the spans started under it are its call's."""
        with self._lock:
            if trace.closed or trace.bucket is not None:
                return  # the call answered already (a late child: dropped), or filed twice
            bucket = _Bucket()
            bucket.ids.append(trace.span_id)
            self._owner[trace.span_id] = bucket
            trace.bucket = bucket
            if trace.closed:  # it answered meanwhile, maybe before seeing the bucket: unfile it
                self._owner.pop(trace.span_id, None)

    def close(self, trace: "CallTrace") -> Optional[_Bucket]:
        """The call answered: its bucket (None if no span ever started under it); no more spans go in.

        Without the lock when no span started (the common case): ``closed`` is set before
        ``bucket`` is read, and :meth:`adopt` sets ``bucket`` before it reads ``closed``, so
        of a racing pair at least one sees the other and the bucket is never left filed."""
        trace.closed = True
        bucket = trace.bucket
        if bucket is None:
            return None
        with self._lock:
            for span_id in bucket.ids:
                self._owner.pop(span_id, None)
        return bucket

    # SpanProcessor
    def on_start(self, span: Any, parent_context: Any = None) -> None:
        parent = span.parent
        if parent is None:
            return
        with self._lock:
            bucket = self._owner.get(parent.span_id)
            if bucket is not None:
                span_id = span.context.span_id
                bucket.ids.append(span_id)
                self._owner[span_id] = bucket

    def on_end(self, span: Any) -> None:
        with self._lock:
            bucket = self._owner.get(span.context.span_id)
            if bucket is None:
                return
            if len(bucket.spans) < MAX_SPANS_PER_CALL:
                bucket.spans.append(span)
            else:
                bucket.dropped += 1

    def _on_ending(self, span: Any) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


#: ``version-traceid-spanid-flags`` (W3C Trace Context), lowercase hex; a later version may
#: add fields after a dash.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?\Z", re.DOTALL)
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


#: What the JVM sends: version 00, sampled or not; the common case, matched without groups.
_COMMON = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]").fullmatch


def parse_traceparent(value: Any) -> Optional[Tuple[str, str, int]]:
    """(trace id, parent span id, flags) of a W3C ``traceparent``, or None when it is not a
    valid one (the call then runs untraced): wrong shape or case, version ``ff``, extra fields
    after version ``00``, an all-zero trace or span id."""
    if value.__class__ is not str or len(value) > 512:
        return None
    if _COMMON(value) is not None:
        trace_id, parent_id = value[3:35], value[36:52]
        if trace_id == _ZERO_TRACE or parent_id == _ZERO_SPAN:
            return None
        return trace_id, parent_id, 1 if value[54] == "1" else 0
    m = _TRACEPARENT.match(value)
    if m is None:
        return None
    version, trace_id, parent_id, flags, rest = m.groups()
    if version == "ff" or (rest is not None and version == "00") or trace_id == _ZERO_TRACE or parent_id == _ZERO_SPAN:
        return None
    return trace_id, parent_id, int(flags, 16)


_getrandbits = random.getrandbits
_time_ns = time.time_ns


def _new_span_id() -> int:
    # 63 random bits with bit 32 set: non-zero, fits a signed 64-bit long on the JVM, and
    # always takes the 9-byte uint64 form in MessagePack, so the record below is canonical.
    return _getrandbits(63) | 0x1_0000_0000


class CallTrace:
    """One traced call: what its ``traceparent`` said, and its SERVER span. In the fast path
    (the worker hands spans back) the SERVER span is this record: ``span_id`` and
    ``start_ns`` (``span`` and ``context`` None). With the user's own TracerProvider it is an
    SDK span, ``span``, and the call runs in ``context``."""

    __slots__ = ("trace_id", "parent_id", "flags", "tracestate", "span_id", "start_ns", "attributes",
                 "bucket", "closed", "collector", "_span_context", "span", "context")

    def __init__(self, trace_id: str, parent_id: str, flags: int, tracestate: Optional[str],
                 collector: Optional[CallSpans]) -> None:
        self.trace_id = trace_id
        self.parent_id = parent_id
        self.flags = flags
        self.tracestate = tracestate
        if flags & 1:
            self.span_id = _getrandbits(63) | 0x1_0000_0000  # _new_span_id, inlined: once per call
            self.start_ns = _time_ns()
        else:
            self.span_id = self.start_ns = 0
        #: Attributes user code set on the current span (the SERVER span), if any.
        self.attributes: Optional[Dict[str, Any]] = None
        self.bucket: Optional[_Bucket] = None
        self.closed = False
        self.collector = collector
        self._span_context: Any = None
        self.span: Any = None
        self.context: Optional[contextvars.Context] = None

    @property
    def sampled(self) -> bool:
        return bool(self.flags & 1)

    def span_context(self) -> Any:
        """The SERVER span's SpanContext, built the first time a child span asks for it."""
        sc = self._span_context
        if sc is None:
            from opentelemetry.trace import SpanContext, TraceFlags, TraceState

            if not self.span_id:
                self.span_id = _new_span_id()  # unsampled: an id for the children's parent only
            state = TraceState.from_header([self.tracestate]) if self.tracestate else None
            sc = SpanContext(int(self.trace_id, 16), self.span_id, False, TraceFlags(self.flags & 0xFF), state)
            self._span_context = sc
            if self.flags & 1 and self.collector is not None:
                self.collector.adopt(self)
        return sc


def _current_trace() -> Optional[CallTrace]:
    """The trace of the call running here: a plain call's (its thread's context, and copies of
    it), an async call's (its task's), a helper thread's bound call (``bind_thread``)."""
    trace = _call_trace.get()
    if trace is None:
        ctx = _task_call.get() or getattr(_thread_call, "ctx", None)
        if ctx is None:
            return None
        trace = ctx._call.trace
    return trace if trace is not None and trace.span is None else None


def _call_span_class() -> Any:
    from opentelemetry import trace as otel_trace

    class _CallSpan(otel_trace.Span):
        """The current span of every traced call's code: the running call's SERVER span, found
        through Taipan's call context on each use (so it is installed once, never per call).
        Taipan ends the SERVER span itself; attributes set here go back with it."""

        def get_span_context(self) -> Any:
            trace = _current_trace()
            return trace.span_context() if trace is not None else otel_trace.INVALID_SPAN_CONTEXT

        def is_recording(self) -> bool:
            trace = _current_trace()
            return trace is not None and bool(trace.flags & 1)

        def set_attribute(self, key: str, value: Any) -> None:
            trace = _current_trace()
            if trace is not None and trace.flags & 1 and not trace.closed:
                if trace.attributes is None:
                    trace.attributes = {}
                trace.attributes[str(key)] = _attr_value(value)

        def set_attributes(self, attributes: Any) -> None:
            for key, value in (attributes or {}).items():
                self.set_attribute(key, value)

        def end(self, end_time: Optional[int] = None) -> None:
            pass  # the call's end ends it

        def add_event(self, name: str, attributes: Any = None, timestamp: Optional[int] = None) -> None:
            pass

        def update_name(self, name: str) -> None:
            pass

        def set_status(self, status: Any, description: Optional[str] = None) -> None:
            pass  # the call's outcome sets it

        def record_exception(self, exception: BaseException, attributes: Any = None, timestamp: Optional[int] = None,
                             escaped: bool = False) -> None:
            pass

        def __repr__(self) -> str:
            return "_CallSpan(the running Taipan call's SERVER span)"

    return _CallSpan


#: Whether this context's OpenTelemetry context holds the call span (see Tracing.begin).
_installed: "contextvars.ContextVar[bool]" = contextvars.ContextVar("taipan_call_span_installed", default=False)

_SERVER_SPAN_KEY = msgpack.packb("server_span")
#: The ``server_span`` key and record of a call without attributes, and the new frame head.
_TAIL = struct.Struct(">12sBBQBQBQ")
_HEAD = struct.Struct(">IB")
_TAIL_SIZE = _TAIL.size
_SPANS_KEY = msgpack.packb("spans")
#: ``[span_id, start_ns, end_ns]`` as three uint64s: what msgpack writes for them, as every
#: one is at least 2**32 (see ``_new_span_id``).
_RECORD = struct.Struct(">BBQBQBQ")


def server_span_record(span_id: int, start_ns: int, end_ns: int, attributes: Optional[Dict[str, Any]]) -> bytes:
    """The ``server_span`` value, packed (docs/PROTOCOL.md, "Trace context")."""
    if attributes:
        return msgpack.packb([span_id, start_ns, end_ns, attributes], use_bin_type=True, use_single_float=False)
    return _RECORD.pack(0x93, 0xCF, span_id, 0xCF, start_ns, 0xCF, end_ns)


class Tracing:
    """The worker's tracing, set up once after the user's modules imported."""

    def __init__(self, provider: Any, collector: Optional[CallSpans]) -> None:
        from opentelemetry import context as otel_context
        from opentelemetry import trace
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self._otel_context = otel_context
        self._trace = trace
        self._propagator = TraceContextTextMapPropagator()
        self.tracer = provider.get_tracer("taipan_worker")
        #: None when the user's own TracerProvider exports the spans: nothing goes back.
        self.collector = collector
        self.record_content = os.environ.get(CONTENT_ENV, "") == "1"
        self._call_span = _call_span_class()() if collector is not None else None
        self._span_key = trace._SPAN_KEY  # the key set_span_in_context uses

    def begin(self, function: str, traceparent: str, tracestate: Optional[str]) -> Optional[CallTrace]:
        """The call's trace, or None when ``traceparent`` is not a valid one (then the call
        runs untraced). Called on the thread and in the context the call starts from: its
        task or thread (a copy of that context) sees the call span as the current span."""
        parsed = parse_traceparent(traceparent)
        if parsed is None:
            return None
        if tracestate is not None and (tracestate.__class__ is not str or len(tracestate) > 512):
            tracestate = None
        trace = CallTrace(parsed[0], parsed[1], parsed[2], tracestate or None, self.collector)
        if self._call_span is None:
            self._begin_sdk(trace, function)
        elif not _installed.get():
            # Once per context the calls start from (the loop's): never detached. The flag is a
            # context variable of that same context, so copies of it (tasks, threads) have both.
            self._otel_context.attach(self._trace.set_span_in_context(self._call_span))
            _installed.set(True)
        return trace

    def _begin_sdk(self, trace: CallTrace, function: str) -> None:
        """With the user's own TracerProvider: an SDK SERVER span, which their exporter sends."""
        carrier = {"traceparent": f"00-{trace.trace_id}-{trace.parent_id}-{trace.flags:02x}"}
        if trace.tracestate:
            carrier["tracestate"] = trace.tracestate
        parent = self._propagator.extract(carrier)
        span = self.tracer.start_span(
            "taipan.call " + function,
            context=parent,
            kind=self._trace.SpanKind.SERVER,
            attributes={"rpc.system": "taipan", "rpc.method": function},
        )
        ctx = contextvars.copy_context()
        ctx.run(self._otel_context.attach, self._trace.set_span_in_context(span, parent))
        trace.span = span
        trace.context = ctx

    def finish(self, trace: CallTrace, frame: bytes, max_frame_bytes: int) -> bytes:
        """Ends the call's SERVER span and returns ``frame`` carrying it (``server_span``) and
        the call's finished spans (``spans``), when they go back to the host and fit."""
        if trace.span is not None:
            self._finish_sdk(trace.span, frame)
            return frame
        if not trace.flags & 1:
            trace.closed = True
            return frame
        end_ns = _time_ns()
        collector = self.collector
        assert collector is not None
        bucket = collector.close(trace)
        attributes = trace.attributes
        if bucket is None and attributes is None:
            # The common case (no child span, no attribute): one pack, one join.
            head = frame[4]
            size = len(frame) - 4 + _TAIL_SIZE
            if 0x80 <= head < 0x8F and size <= max_frame_bytes:
                tail = _TAIL.pack(_SERVER_SPAN_KEY, 0x93, 0xCF, trace.span_id, 0xCF, trace.start_ns, 0xCF, end_ns)
                return _HEAD.pack(size, head + 1) + frame[5:] + tail
            return frame
        if bucket is not None and bucket.dropped:
            attributes = dict(attributes or {}, **{"taipan.spans_dropped": bucket.dropped})
        record = server_span_record(trace.span_id, trace.start_ns, end_ns, attributes)
        spans = [span_to_wire(s) for s in bucket.spans] if bucket is not None and bucket.spans else None
        return with_trace(frame, record, spans, max_frame_bytes)

    def _finish_sdk(self, span: Any, frame: bytes) -> None:
        if _is_error(frame):
            try:
                err = msgpack.unpackb(memoryview(frame)[4:], raw=False)
                kind, error_type = err.get("kind", ""), err.get("error_type", "")
                span.set_attribute("error.type", error_type or kind)
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, f"{kind}: {error_type}".rstrip(": ")))
            except Exception:  # noqa: BLE001 - the frame goes out as it is
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))
        span.end()


def _is_error(frame: bytes) -> bool:
    # Every encoder writes ``v`` then ``type`` first: the type's bytes sit near the start.
    return b"\xa4type\xa5error" in frame[:24]


def with_spans(frame: bytes, spans: List[Dict[str, Any]], max_frame_bytes: int) -> bytes:
    """``frame`` (a result or error map of fewer than 15 keys) with a ``spans`` key added; the
    frame unchanged if it would not fit (the spans are then lost, said on stderr)."""
    return with_trace(frame, None, spans, max_frame_bytes)


def with_trace(frame: bytes, record: Optional[bytes], spans: Optional[List[Dict[str, Any]]],
               max_frame_bytes: int) -> bytes:
    """``frame`` (a result or error map) with ``server_span`` (``record``, packed) and
    ``spans`` added, in that order, each if given. Spans that would not fit the maximum frame
    size are dropped (said on stderr), then the record too; the answer itself never is."""
    head = frame[4]
    keys = (record is not None) + (spans is not None)
    if not keys or not 0x80 <= head <= 0x8F - keys:
        return frame
    tail = _SERVER_SPAN_KEY + record if record is not None else b""
    if spans is not None:
        packed = _SPANS_KEY + msgpack.packb(spans, use_bin_type=True, use_single_float=False)
        if len(frame) - 4 + len(tail) + len(packed) > max_frame_bytes:
            print(f"taipan worker: {len(spans)} spans of a call dropped: the answer would exceed the maximum "
                  f"frame size of {max_frame_bytes} bytes", file=sys.stderr, flush=True)
            keys -= 1
        else:
            tail += packed
    size = len(frame) - 4 + len(tail)
    if not tail or size > max_frame_bytes:
        return frame
    return b"".join((size.to_bytes(4, "big"), bytes((head + keys,)), frame[5:], tail))


def _attr_value(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, (str, bool, int, float))]
    return str(value)


def _attributes(attrs: Any) -> Dict[str, Any]:
    return {str(k): _attr_value(v) for k, v in (attrs or {}).items()}


def span_to_wire(span: Any) -> Dict[str, Any]:
    """A finished span as the ``spans`` list holds it (docs/PROTOCOL.md, "Trace context")."""
    ctx = span.context
    parent = span.parent
    status = span.status
    scope = getattr(span, "instrumentation_scope", None)
    return {
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_span_id": format(parent.span_id, "016x") if parent is not None else None,
        "name": span.name,
        "kind": span.kind.name,
        "scope": scope.name if scope is not None else "",
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": status.status_code.name,
        "status_message": status.description,
        "attributes": _attributes(span.attributes),
        "events": [
            {"name": e.name, "time_ns": e.timestamp, "attributes": _attributes(e.attributes)} for e in span.events
        ],
    }


def run_in(trace: Optional[CallTrace], fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in the call's context when it is traced."""
    if trace is None or trace.context is None:
        return fn(*args)
    return trace.context.run(fn, *args)


def setup() -> Optional[Tracing]:
    """The worker's tracing, or None when OpenTelemetry's API and SDK are not installed."""
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
    except ImportError:
        return None
    current = trace.get_tracer_provider()
    if not isinstance(current, trace.ProxyTracerProvider):
        tracing = Tracing(current, None)  # the user's own: their exporter, nothing handed back
    else:
        collector = CallSpans()
        provider = TracerProvider()
        provider.add_span_processor(collector)  # type: ignore[arg-type]
        trace.set_tracer_provider(provider)
        tracing = Tracing(provider, collector)
    _install_dspy(tracing)
    return tracing


def _install_dspy(tracing: Tracing) -> None:
    """DSPy module and LM calls as spans, if DSPy was imported by the user's modules."""
    if "dspy" not in sys.modules:
        return
    try:
        from .dspy.tracing import install
    except Exception:  # noqa: BLE001 - tracing never stops a worker
        return
    install(tracing)

