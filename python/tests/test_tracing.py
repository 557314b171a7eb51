"""Traced calls in a real worker process: the call's SERVER span under the host's span, user
spans nested under it (plain, thread-pool and async functions), handed back in ``spans``."""

from __future__ import annotations

import os
import textwrap
from typing import Any, Dict, List

import pytest

from conftest import FakeHost, Worker

pytest.importorskip("opentelemetry.sdk.trace")

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
HOST_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{HOST_SPAN}-01"

MODULE = '''
import asyncio
from opentelemetry import trace
from taipan_worker import function

tracer = trace.get_tracer("tp_traced")

@function
def plain(x):
    with tracer.start_as_current_span("plain.inner") as span:
        span.set_attribute("x", x)
        with tracer.start_as_current_span("plain.leaf"):
            return x * 2

@function
async def coro(x):
    with tracer.start_as_current_span("coro.inner"):
        await asyncio.sleep(0.01)
        return x + 1

@function
def fails():
    with tracer.start_as_current_span("fails.inner"):
        raise ValueError("nope")
'''

USER_PROVIDER = '''
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
trace.set_tracer_provider(TracerProvider())
'''


def _start(host: FakeHost, source: str) -> Worker:
    pkg = os.path.join(host.dir, "mods")
    os.makedirs(pkg, exist_ok=True)
    with open(os.path.join(pkg, "tp_traced.py"), "w") as f:
        f.write(textwrap.dedent(source))
    return host.start("tp_traced", extra_env={"PYTHONPATH": pkg + os.pathsep + os.environ.get("PYTHONPATH", "")})


def _traced(worker: Worker, function: str, args: Any, tracestate: Any = None) -> Dict[str, Any]:
    cid = next(worker._ids)
    msg = {"v": 1, "type": "call", "id": cid, "function": function, "args": args, "session": None,
           "traceparent": TRACEPARENT}
    if tracestate is not None:
        msg["tracestate"] = tracestate
    msg["timeout_ms"] = 10_000
    worker.send(msg)
    return worker.recv_for(cid)


def _by_name(spans: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    return {s["name"]: s for s in spans}


def test_a_plain_function_runs_in_a_server_span_under_the_hosts(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:plain", [21], tracestate="vendor=1")
    assert msg["type"] == "result" and msg["value"] == 42, msg
    spans = _by_name(msg["spans"])
    assert set(spans) == {"taipan.call tp_traced:plain", "plain.inner", "plain.leaf"}
    server = spans["taipan.call tp_traced:plain"]
    assert server["kind"] == "SERVER"
    assert server["parent_span_id"] == HOST_SPAN
    assert server["attributes"]["rpc.system"] == "taipan"
    assert spans["plain.inner"]["parent_span_id"] == server["span_id"]
    assert spans["plain.leaf"]["parent_span_id"] == spans["plain.inner"]["span_id"]
    assert spans["plain.inner"]["attributes"] == {"x": 21}
    assert {s["trace_id"] for s in spans.values()} == {TRACE_ID}
    for s in spans.values():
        assert 0 < s["start_ns"] <= s["end_ns"]


def test_an_async_function_nests_too_and_an_error_marks_the_server_span(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:coro", [1])
    assert msg["value"] == 2
    spans = _by_name(msg["spans"])
    assert spans["coro.inner"]["parent_span_id"] == spans["taipan.call tp_traced:coro"]["span_id"]
    err = _traced(worker, "tp_traced:fails", [])
    assert err["type"] == "error" and err["message"] == "nope"
    spans = _by_name(err["spans"])
    server = spans["taipan.call tp_traced:fails"]
    assert server["status"] == "ERROR" and server["attributes"]["error.type"] == "ValueError"
    assert spans["fails.inner"]["status"] == "ERROR"  # the SDK records the exception leaving it
    assert spans["fails.inner"]["events"][0]["name"] == "exception"


def test_calls_without_trace_context_carry_no_spans(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = worker.invoke("tp_traced:plain", [2])
    assert msg == {"v": 1, "type": "result", "id": msg["id"], "value": 4}
    # Concurrent traced calls keep their spans apart.
    cids = []
    for x in range(5):
        cid = next(worker._ids)
        worker.send({"v": 1, "type": "call", "id": cid, "function": "tp_traced:plain", "args": [x],
                     "session": None, "traceparent": TRACEPARENT, "timeout_ms": None})
        cids.append(cid)
    seen = {}
    for _ in cids:
        m = worker.recv()
        assert m is not None
        seen[m["id"]] = m
    for cid, m in seen.items():
        names = sorted(s["name"] for s in m["spans"])
        assert names == ["plain.inner", "plain.leaf", "taipan.call tp_traced:plain"], m
        inner = _by_name(m["spans"])["plain.inner"]
        assert inner["attributes"]["x"] * 2 == m["value"]


def test_a_users_own_tracer_provider_is_left_alone_and_nothing_is_handed_back(host: FakeHost) -> None:
    worker = _start(host, USER_PROVIDER + MODULE)
    msg = _traced(worker, "tp_traced:plain", [3])
    assert msg["value"] == 6
    assert "spans" not in msg


def test_builtins_with_trace_context_still_answer(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    cid = next(worker._ids)
    worker.send({"v": 1, "type": "call", "id": cid, "function": "echo", "args": ["hi"], "session": None,
                 "traceparent": TRACEPARENT, "timeout_ms": None})
    msg = worker.recv_for(cid)
    assert msg["value"] == "hi"
    assert [s["name"] for s in msg["spans"]] == ["taipan.call echo"]


def test_without_opentelemetry_the_worker_ignores_trace_context(host: FakeHost) -> None:
    shadow = os.path.join(host.dir, "no_otel", "opentelemetry")
    os.makedirs(shadow)
    with open(os.path.join(shadow, "__init__.py"), "w") as f:
        f.write("raise ImportError('opentelemetry is not installed here')\n")
    env = {"PYTHONPATH": os.path.dirname(shadow) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    worker = host.start(extra_env=env)
    cid = next(worker._ids)
    worker.send({"v": 1, "type": "call", "id": cid, "function": "taipan_testing.functions:add", "args": [2, 3],
                 "session": None, "traceparent": TRACEPARENT, "tracestate": "a=b", "timeout_ms": 5000})
    assert worker.recv_for(cid) == {"v": 1, "type": "result", "id": cid, "value": 5}
