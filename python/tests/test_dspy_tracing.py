"""DSPy module and LM calls as spans (in-process, with the SDK's in-memory exporter)."""

from __future__ import annotations

import contextvars
from typing import Any, Dict

import msgpack

import dspy
import pytest
from dspy.utils.dummies import DummyLM

pytest.importorskip("opentelemetry.sdk.trace")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from taipan_worker import tracing  # noqa: E402
from taipan_worker.calls import Call  # noqa: E402
from taipan_worker.context import _call_trace  # noqa: E402
from taipan_worker.protocol import encode_frame  # noqa: E402
from taipan_worker.dspy import tracing as dspy_tracing  # noqa: E402

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _run(record_content: bool, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    collector = tracing.CallSpans()
    provider.add_span_processor(collector)  # type: ignore[arg-type]
    if record_content:
        monkeypatch.setenv(tracing.CONTENT_ENV, "1")
    t = tracing.Tracing(provider, collector)
    callback = dspy_tracing.SpanCallback(t)
    lm = DummyLM([{"answer": "Paris"}])
    predict = dspy.Predict("question -> answer")
    call = Call(1, "dspy:run")

    def run() -> Any:  # as the worker runs a plain call: its trace known to the thread's context
        call.trace = t.begin("dspy:run", TRACEPARENT, None)
        _call_trace.set(call.trace)
        return predict(question="capital of France? my-secret-prompt")

    with dspy.context(lm=lm, callbacks=[callback]):
        result = contextvars.copy_context().run(run)
    frame = t.finish(call.trace, encode_frame({"v": 1, "type": "result", "id": 1, "value": None}, 1 << 20), 1 << 20)
    assert result.answer == "Paris"
    return {"spans": {s.name: s for s in exporter.get_finished_spans()}, "frame": frame, "trace": call.trace}


def test_a_predictor_and_its_lm_call_nest_under_the_calls_server_span(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _run(False, monkeypatch)
    spans = run["spans"]
    assert "taipan.call dspy:run" not in spans  # the SERVER span is a record, not an SDK span
    module = spans["dspy.module Predict"]
    lm = next(s for n, s in spans.items() if n.startswith("chat "))
    assert module.parent.span_id == run["trace"].span_id
    assert module.context.trace_id == int("4bf92f3577b34da6a3ce929d0e0e4736", 16)
    frame = msgpack.unpackb(run["frame"][4:])
    assert frame["server_span"][0] == run["trace"].span_id
    assert sorted(s["name"] for s in frame["spans"]) == sorted(spans)
    assert lm.parent.span_id == module.context.span_id
    assert lm.kind.name == "CLIENT"
    assert lm.attributes["gen_ai.operation.name"] == "chat"
    assert "gen_ai.request.model" in lm.attributes
    # Never the prompt or completion unless asked for.
    for s in spans.values():
        for value in s.attributes.values():
            assert "my-secret-prompt" not in str(value) and "Paris" not in str(value)


def test_content_only_when_turned_on(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _run(True, monkeypatch)["spans"]
    lm = next(s for n, s in spans.items() if n.startswith("chat "))
    assert "my-secret-prompt" in lm.attributes["gen_ai.input.messages"]
    assert "Paris" in lm.attributes["gen_ai.output.messages"]


def test_the_response_hook_records_usage_and_cache_hits() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    span = provider.get_tracer("t").start_span("chat m")
    token = dspy_tracing._current_lm_span.set(span)

    class Response:
        model = "openai/gpt-test"
        usage = {"prompt_tokens": 11, "completion_tokens": 7}
        cache_hit = True

    dspy_tracing.record_response(Response())
    dspy_tracing._current_lm_span.reset(token)
    span.end()
    (done,) = exporter.get_finished_spans()
    assert done.attributes["gen_ai.usage.input_tokens"] == 11
    assert done.attributes["gen_ai.usage.output_tokens"] == 7
    assert done.attributes["taipan.lm.cache_hit"] is True
    assert done.attributes["gen_ai.response.model"] == "openai/gpt-test"
