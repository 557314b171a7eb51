"""DSPy module and LM calls as OpenTelemetry spans, through DSPy's callbacks.

Installed by :func:`taipan_worker.tracing.setup` when DSPy is imported and OpenTelemetry is
installed. A module call is an INTERNAL span ``dspy.module <Class>``; an LM call a CLIENT span
``chat <model>`` following the OpenTelemetry GenAI conventions (``gen_ai.operation.name``,
``gen_ai.provider.name``, ``gen_ai.request.model``, ``gen_ai.request.temperature`` /
``max_tokens``, and when the response says so ``gen_ai.response.model``,
``gen_ai.usage.input_tokens`` / ``output_tokens`` and ``taipan.lm.cache_hit``); its duration
is the LM's latency. Prompts and completions are recorded only with ``TAIPAN_TRACE_CONTENT=1``
(``gen_ai.input.messages`` / ``gen_ai.output.messages``); API keys, headers and other LM
settings never are.
"""

from __future__ import annotations

import contextvars
import json
import threading
from typing import Any, Dict, Optional

import dspy
from dspy.utils.callback import BaseCallback

#: The LM span of the LM call running in this context (for the response hook below).
_current_lm_span: contextvars.ContextVar[Any] = contextvars.ContextVar("taipan_lm_span", default=None)
_MAX_CONTENT = 16 * 1024


class SpanCallback(BaseCallback):
    """Starts a span on each module/LM start and ends it on the matching end."""

    def __init__(self, tracing: Any) -> None:
        from opentelemetry import context as otel_context
        from opentelemetry import trace

        self._tracing = tracing
        self._otel_context = otel_context
        self._trace = trace
        self._open: Dict[str, Any] = {}  # call_id -> (span, context token, lm token)
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- modules

    def on_module_start(self, call_id: str, instance: Any, inputs: Dict[str, Any]) -> None:
        name = type(instance).__name__
        span = self._tracing.tracer.start_span(f"dspy.module {name}", attributes={"dspy.module": name})
        self._begin(call_id, span, None)

    def on_module_end(self, call_id: str, outputs: Optional[Any], exception: Optional[Exception] = None) -> None:
        self._end(call_id, exception)

    # ---------------------------------------------------------------- LMs

    def on_lm_start(self, call_id: str, instance: Any, inputs: Dict[str, Any]) -> None:
        model = str(getattr(instance, "model", "") or "")
        provider, _, _ = model.partition("/")
        attrs: Dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": model}
        if provider and "/" in model:
            attrs["gen_ai.provider.name"] = provider
        kwargs = getattr(instance, "kwargs", None) or {}
        for key, attr in (("temperature", "gen_ai.request.temperature"), ("max_tokens", "gen_ai.request.max_tokens")):
            value = kwargs.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                attrs[attr] = value
        if self._tracing.record_content:
            messages = inputs.get("messages") or inputs.get("prompt")
            if messages is not None:
                attrs["gen_ai.input.messages"] = _text(messages)
        span = self._tracing.tracer.start_span(f"chat {model}", kind=self._trace.SpanKind.CLIENT, attributes=attrs)
        self._begin(call_id, span, _current_lm_span.set(span))

    def on_lm_end(self, call_id: str, outputs: Optional[Any], exception: Optional[Exception] = None) -> None:
        with self._lock:
            entry = self._open.get(call_id)
        if entry is not None and outputs is not None and exception is None and self._tracing.record_content:
            entry[0].set_attribute("gen_ai.output.messages", _text(outputs))
        self._end(call_id, exception)

    # ---------------------------------------------------------------- both

    def _begin(self, call_id: str, span: Any, lm_token: Any) -> None:
        token = self._otel_context.attach(self._trace.set_span_in_context(span))
        with self._lock:
            self._open[call_id] = (span, token, lm_token)

    def _end(self, call_id: str, exception: Optional[BaseException]) -> None:
        with self._lock:
            entry = self._open.pop(call_id, None)
        if entry is None:
            return
        span, token, lm_token = entry
        if exception is not None:
            span.record_exception(exception)
            span.set_attribute("error.type", type(exception).__qualname__)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, type(exception).__qualname__))
        span.end()
        try:
            self._otel_context.detach(token)
        except Exception:  # noqa: BLE001 - ended in another context (DSPy's own threads)
            pass
        if lm_token is not None:
            try:
                _current_lm_span.reset(lm_token)
            except Exception:  # noqa: BLE001
                pass


def _text(value: Any) -> str:
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except Exception:  # noqa: BLE001
        text = str(value)
    return text[:_MAX_CONTENT]


def record_response(response: Any) -> None:
    """Usage, response model and cache hit of an LM response, on the current LM span."""
    span = _current_lm_span.get()
    if span is None:
        return
    try:
        cache_hit = bool(getattr(response, "cache_hit", False))
        span.set_attribute("taipan.lm.cache_hit", cache_hit)
        model = getattr(response, "model", None)
        if isinstance(model, str) and model:
            span.set_attribute("gen_ai.response.model", model)
        usage = getattr(response, "usage", None)
        usage = dict(usage) if usage else {}
        for key, attr in (("prompt_tokens", "gen_ai.usage.input_tokens"),
                          ("completion_tokens", "gen_ai.usage.output_tokens")):
            value = usage.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                span.set_attribute(attr, value)
    except Exception:  # noqa: BLE001 - tracing never fails an LM call
        pass


def _hook_responses() -> None:
    """DSPy's callbacks do not see the LM response: read it where DSPy records it."""
    base = getattr(getattr(dspy, "clients", None), "base_lm", None)
    cls = getattr(base, "BaseLM", None)
    original = getattr(cls, "_record_response", None)
    if original is None or getattr(original, "_taipan_traced", False):
        return

    def _record_response(self: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        record_response(response)
        return original(self, response, *args, **kwargs)

    _record_response._taipan_traced = True  # type: ignore[attr-defined]
    cls._record_response = _record_response


def install(tracing: Any) -> SpanCallback:
    """Adds the span callback to DSPy's global callbacks (on the worker's main thread)."""
    callback = SpanCallback(tracing)
    callbacks = [c for c in (dspy.settings.get("callbacks", None) or []) if not isinstance(c, SpanCallback)]
    dspy.configure(callbacks=callbacks + [callback])
    _hook_responses()
    return callback
