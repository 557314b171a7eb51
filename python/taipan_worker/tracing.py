"""Traced calls: a call whose frame carries W3C trace context runs inside it.

Only with ``opentelemetry-api`` and ``opentelemetry-sdk`` installed (the ``otel`` extra);
without them :func:`setup` returns None and the worker ignores the calls' ``traceparent``,
at no cost. With them, each traced call runs in a SERVER span ``taipan.call <function>``,
child of the Java caller's span, and what user code (and the DSPy bridge) starts under it
nests below it, from a task, a thread or an async function alike.

Where the spans go (docs/OBSERVABILITY.md, "Tracing"): if the user configured a
TracerProvider of their own (at import time of their modules, e.g. with an OTLP exporter),
the worker leaves it alone and hands nothing back. Otherwise it installs a TracerProvider
whose only processor keeps each call's finished spans, and the call's ``result`` or
``error`` frame carries them to the JVM (``spans``), which re-emits them through its own
OpenTelemetry: one exporter configuration for both sides.
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import msgpack

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
    belongs to its parent's call, the SERVER span to its own. Spans that end after their call
    answered have nobody to go to and are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: Dict[int, _Bucket] = {}

    def open(self, server_span: Any) -> _Bucket:
        bucket = _Bucket()
        span_id = server_span.get_span_context().span_id
        with self._lock:
            bucket.ids.append(span_id)
            self._owner[span_id] = bucket
        return bucket

    def close(self, bucket: _Bucket) -> List[Any]:
        with self._lock:
            for span_id in bucket.ids:
                self._owner.pop(span_id, None)
        return bucket.spans

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


class CallTrace:
    """One traced call: its SERVER span and the context its code runs in."""

    __slots__ = ("span", "context", "bucket")

    def __init__(self, span: Any, context: contextvars.Context, bucket: Optional[_Bucket]) -> None:
        self.span = span
        self.context = context
        self.bucket = bucket


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

    def begin(self, function: str, traceparent: str, tracestate: Optional[str]) -> CallTrace:
        """Starts the call's SERVER span, child of the caller's span, in a fresh context copy."""
        carrier = {"traceparent": traceparent}
        if tracestate:
            carrier["tracestate"] = tracestate
        parent = self._propagator.extract(carrier)
        span = self.tracer.start_span(
            "taipan.call " + function,
            context=parent,
            kind=self._trace.SpanKind.SERVER,
            attributes={"rpc.system": "taipan", "rpc.method": function},
        )
        bucket = self.collector.open(span) if self.collector is not None else None
        ctx = contextvars.copy_context()
        ctx.run(self._otel_context.attach, self._trace.set_span_in_context(span, parent))
        return CallTrace(span, ctx, bucket)

    def finish(self, trace: CallTrace, frame: bytes, max_frame_bytes: int) -> bytes:
        """Ends the call's SERVER span (an error frame sets its status) and returns ``frame``
        carrying the call's finished spans, when they go back to the host and fit."""
        span = trace.span
        if _is_error(frame):
            try:
                err = msgpack.unpackb(memoryview(frame)[4:], raw=False)
                kind, error_type = err.get("kind", ""), err.get("error_type", "")
                span.set_attribute("error.type", error_type or kind)
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, f"{kind}: {error_type}".rstrip(": ")))
            except Exception:  # noqa: BLE001 - the frame goes out as it is
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))
        bucket = trace.bucket
        if bucket is not None and bucket.dropped:
            span.set_attribute("taipan.spans_dropped", bucket.dropped)
        span.end()
        if bucket is None or self.collector is None:
            return frame
        spans = self.collector.close(bucket)
        if not spans:
            return frame
        return with_spans(frame, [span_to_wire(s) for s in spans], max_frame_bytes)


def _is_error(frame: bytes) -> bool:
    # Every encoder writes ``v`` then ``type`` first: the type's bytes sit near the start.
    return b"\xa4type\xa5error" in frame[:24]


def with_spans(frame: bytes, spans: List[Dict[str, Any]], max_frame_bytes: int) -> bytes:
    """``frame`` (a result or error map of fewer than 15 keys) with a ``spans`` key added; the
    frame unchanged if it would not fit (the spans are then lost, said on stderr)."""
    head = frame[4]
    if not 0x80 <= head < 0x8F:
        return frame
    tail = msgpack.packb("spans") + msgpack.packb(spans, use_bin_type=True, use_single_float=False)
    size = len(frame) - 4 + len(tail)
    if size > max_frame_bytes:
        print(f"taipan worker: {len(spans)} spans of a call dropped: the answer would exceed the maximum "
              f"frame size of {max_frame_bytes} bytes", file=sys.stderr, flush=True)
        return frame
    return b"".join((size.to_bytes(4, "big"), bytes((head + 1,)), frame[5:], tail))


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
    if trace is None:
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

