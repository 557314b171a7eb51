"""Traced calls in a real worker process: the call's SERVER span (``server_span``: its id and
times) under the host's span, user spans nested under it (plain, thread-pool and async
functions), handed back in ``spans``."""

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
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace
from taipan_worker import function

tracer = trace.get_tracer("tp_traced")
helpers = ThreadPoolExecutor(2)

def _helper(x):
    with tracer.start_as_current_span("pooled.helper"):
        return x - 1

@function
def pooled(x):
    # Work handed to the function's own thread pool, in a copy of its context.
    return helpers.submit(contextvars.copy_context().run, _helper, x).result()

@function
def tagged(x):
    trace.get_current_span().set_attribute("tagged.x", x)
    return x

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


def _traced(worker: Worker, function: str, args: Any, tracestate: Any = None,
            traceparent: Any = TRACEPARENT) -> Dict[str, Any]:
    cid = next(worker._ids)
    msg = {"v": 1, "type": "call", "id": cid, "function": function, "args": args, "session": None,
           "traceparent": traceparent}
    if tracestate is not None:
        msg["tracestate"] = tracestate
    msg["timeout_ms"] = 10_000
    worker.send(msg)
    return worker.recv_for(cid)


def _by_name(spans: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    return {s["name"]: s for s in spans}


def _server(msg: Dict[str, Any]) -> Dict[str, Any]:
    """The ``server_span`` record of an answer, checked, as a dict."""
    record = msg["server_span"]
    assert isinstance(record, list) and len(record) in (3, 4), record
    span_id, start_ns, end_ns = record[:3]
    assert 0 < span_id < 1 << 63 and 0 < start_ns <= end_ns, record
    return {"span_id": format(span_id, "016x"), "start_ns": start_ns, "end_ns": end_ns,
            "attributes": record[3] if len(record) == 4 else {}}


def test_a_plain_function_runs_in_a_server_span_under_the_hosts(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:plain", [21], tracestate="vendor=1")
    assert msg["type"] == "result" and msg["value"] == 42, msg
    spans = _by_name(msg["spans"])
    assert set(spans) == {"plain.inner", "plain.leaf"}
    server = _server(msg)
    assert spans["plain.inner"]["parent_span_id"] == server["span_id"]
    assert spans["plain.leaf"]["parent_span_id"] == spans["plain.inner"]["span_id"]
    assert spans["plain.inner"]["attributes"] == {"x": 21}
    assert {s["trace_id"] for s in spans.values()} == {TRACE_ID}
    for s in spans.values():
        assert server["start_ns"] <= s["start_ns"] <= s["end_ns"] <= server["end_ns"]


def test_a_thread_pool_function_nests_its_helpers_spans_too(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:pooled", [5])
    assert msg["value"] == 4, msg
    (helper,) = msg["spans"]
    assert helper["name"] == "pooled.helper"
    assert helper["parent_span_id"] == _server(msg)["span_id"]
    assert helper["trace_id"] == TRACE_ID


def test_an_async_function_nests_too_and_an_error_carries_the_server_span(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:coro", [1])
    assert msg["value"] == 2
    spans = _by_name(msg["spans"])
    assert spans["coro.inner"]["parent_span_id"] == _server(msg)["span_id"]
    err = _traced(worker, "tp_traced:fails", [])
    assert err["type"] == "error" and err["message"] == "nope" and err["error_type"] == "ValueError"
    spans = _by_name(err["spans"])
    assert spans["fails.inner"]["parent_span_id"] == _server(err)["span_id"]  # the host sets its error status
    assert spans["fails.inner"]["status"] == "ERROR"  # the SDK records the exception leaving it
    assert spans["fails.inner"]["events"][0]["name"] == "exception"


def test_attributes_set_on_the_current_span_go_back_with_the_server_span(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:tagged", [7])
    assert msg["value"] == 7
    assert "spans" not in msg  # no child span: no span work beyond the record
    assert _server(msg)["attributes"] == {"tagged.x": 7}


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
    server_ids = set()
    for cid, m in seen.items():
        names = sorted(s["name"] for s in m["spans"])
        assert names == ["plain.inner", "plain.leaf"], m
        inner = _by_name(m["spans"])["plain.inner"]
        assert inner["attributes"]["x"] * 2 == m["value"]
        assert inner["parent_span_id"] == _server(m)["span_id"]
        server_ids.add(inner["parent_span_id"])
    assert len(server_ids) == len(cids)


def test_an_unsampled_call_hands_back_no_spans(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    for function, args, value in (("tp_traced:plain", [4], 8), ("tp_traced:coro", [4], 5),
                                  ("tp_traced:pooled", [4], 3), ("tp_traced:tagged", [4], 4)):
        msg = _traced(worker, function, args, traceparent=f"00-{TRACE_ID}-{HOST_SPAN}-00")
        assert msg == {"v": 1, "type": "result", "id": msg["id"], "value": value}, msg


@pytest.mark.parametrize("traceparent", [
    "", "garbage", f"00-{TRACE_ID}-{HOST_SPAN}", f"00-{TRACE_ID.upper()}-{HOST_SPAN}-01",
    f"00-{'0' * 32}-{HOST_SPAN}-01", f"00-{TRACE_ID}-{'0' * 16}-01", f"ff-{TRACE_ID}-{HOST_SPAN}-01",
    f"00-{TRACE_ID}-{HOST_SPAN}-01-extra", f" 00-{TRACE_ID}-{HOST_SPAN}-01", f"00-{TRACE_ID}-{HOST_SPAN}-0g",
    f"00-{TRACE_ID[:-1]}x-{HOST_SPAN}-01", f"00_{TRACE_ID}-{HOST_SPAN}-01", f"00-{TRACE_ID}-{HOST_SPAN}-01\n",
])
def test_a_bad_traceparent_is_ignored_and_the_call_runs_untraced(host: FakeHost, traceparent: str) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:plain", [3], traceparent=traceparent)
    assert msg == {"v": 1, "type": "result", "id": msg["id"], "value": 6}, msg


def test_a_later_version_of_traceparent_with_more_fields_is_understood(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    msg = _traced(worker, "tp_traced:plain", [3], traceparent=f"01-{TRACE_ID}-{HOST_SPAN}-01-future")
    assert msg["value"] == 6
    assert _by_name(msg["spans"])["plain.inner"]["parent_span_id"] == _server(msg)["span_id"]


def test_a_users_own_tracer_provider_is_left_alone_and_nothing_is_handed_back(host: FakeHost) -> None:
    worker = _start(host, USER_PROVIDER + MODULE)
    msg = _traced(worker, "tp_traced:plain", [3])
    assert msg["value"] == 6
    assert "spans" not in msg and "server_span" not in msg


def test_builtins_with_trace_context_still_answer(host: FakeHost) -> None:
    worker = _start(host, MODULE)
    cid = next(worker._ids)
    worker.send({"v": 1, "type": "call", "id": cid, "function": "echo", "args": ["hi"], "session": None,
                 "traceparent": TRACEPARENT, "timeout_ms": None})
    msg = worker.recv_for(cid)
    assert msg["value"] == "hi"
    assert "spans" not in msg
    _server(msg)


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
