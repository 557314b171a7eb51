"""DSPy module and LM calls as spans (in-process, with the SDK's in-memory exporter)."""

from __future__ import annotations

from typing import Any, Dict

import dspy
import pytest
from dspy.utils.dummies import DummyLM

pytest.importorskip("opentelemetry.sdk.trace")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from taipan_worker import tracing  # noqa: E402
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
    with dspy.context(lm=lm, callbacks=[callback]):
        call = t.begin("dspy:run", TRACEPARENT, None)  # copies the context: inside dspy.context
        result = call.context.run(predict, question="capital of France? my-secret-prompt")
    frame = t.finish(call, b"\x00\x00\x00\x0e\x84\xa1v\x01\xa4type\xa6result\xa2id\x01", 1 << 20)
    assert result.answer == "Paris"
    return {"spans": {s.name: s for s in exporter.get_finished_spans()}, "frame": frame}


def test_a_predictor_and_its_lm_call_nest_under_the_calls_server_span(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _run(False, monkeypatch)["spans"]
    server = spans["taipan.call dspy:run"]
    module = spans["dspy.module Predict"]
    lm = next(s for n, s in spans.items() if n.startswith("chat "))
    assert server.parent.span_id == int("00f067aa0ba902b7", 16)
    assert module.parent.span_id == server.context.span_id
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
