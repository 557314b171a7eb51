"""What one bridge call asked of its LMs, counted in the worker: per model the LM calls, cache
hits, LM errors, tokens billed and their cost in USD; and adapter parse failures (a
ChatAdapter that fell back to JSON counts one even when the run then succeeds).

A ``RunMeter`` is a DSPy callback added to one bridge call's ``dspy.context`` (a run, a
stream, or a whole evaluation or optimization), so it sees only that call's LM calls, whatever
other threads of the worker run. DSPy's callbacks do not see the LM's response, so
:func:`install` also wraps the place where DSPy finishes an LM call with its response (DSPy
3.4+: ``dspy.clients.execution.finalize``, whose result carries usage, cost and cache hit; DSPy
3.3: ``BaseLM._process_lm_response``, with LiteLLM's ``response_cost`` in the response's hidden
params). The cost is LiteLLM's (or DSPy's own price table's) from its bundled, offline price
table (``LITELLM_LOCAL_MODEL_COST_MAP``, set by the package): a model it has no price for is
counted in ``unpriced``, never as 0. A cached answer bills no tokens and costs nothing.

It travels as the prediction's ``metrics`` field (docs/DSPY-BRIDGE.md), as the ``metrics`` of an
evaluation's or optimization's result, and for a call that fails after LM calls through the
Java callback ``dspy:usage`` (:func:`report_failure`); a Java side that does not know a key
ignores it.
"""

from __future__ import annotations

import contextvars
import math
import threading
from typing import Any, Dict, Optional, Tuple

import dspy
from dspy.utils.callback import BaseCallback

#: The meter and DSPy call id of the LM call running in this context (set by on_lm_start), so
#: the response hook knows whose call a response is.
_current: contextvars.ContextVar[Optional[Tuple["RunMeter", str]]] = contextvars.ContextVar(
    "taipan_run_meter_call", default=None)

#: Whether the response hook is in place (then the meter counts tokens and cost itself).
_hooked = False


def _tracked(model: str) -> Optional[int]:
    """How many usage entries DSPy's tracker holds for ``model`` now; None without a tracker."""
    tracker = dspy.settings.usage_tracker
    if tracker is None:
        return None
    try:
        return len(tracker.usage_data.get(model, ()))
    except Exception:
        return None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _cost(value: Any) -> Optional[float]:
    """A usable cost in USD, or None (unknown: absent, not a number, negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


class RunMeter(BaseCallback):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: Dict[str, Tuple[str, Optional[int], Any]] = {}
        self._responses: Dict[str, Tuple[bool, Dict[str, Any], Optional[float]]] = {}
        self._models: Dict[str, Dict[str, Any]] = {}
        self._parse_failures = 0

    def _model(self, model: str) -> Dict[str, Any]:
        m = self._models.get(model)
        if m is None:
            m = self._models[model] = {"calls": 0, "cache_hits": 0, "errors": 0, "prompt_tokens": 0,
                                       "completion_tokens": 0, "cost_usd": 0.0, "unpriced": 0}
        return m

    def on_lm_start(self, call_id: str, instance: Any, inputs: Dict[str, Any]) -> None:
        model = str(getattr(instance, "model", None) or type(instance).__name__)
        token = _current.set((self, call_id))
        with self._lock:
            self._started[call_id] = (model, _tracked(model), token)

    def responded(self, call_id: str, cache_hit: bool, usage: Any, cost: Any) -> None:
        """The response of LM call ``call_id`` (from the hook, before ``on_lm_end``)."""
        try:
            usage = dict(usage) if usage else {}
        except Exception:
            usage = {}
        with self._lock:
            if call_id in self._started:
                self._responses[call_id] = (bool(cache_hit), usage, _cost(cost))

    def on_lm_end(self, call_id: str, outputs: Any, exception: Optional[Exception] = None) -> None:
        with self._lock:
            started = self._started.pop(call_id, None)
            response = self._responses.pop(call_id, None)
            if started is None:
                return
            model, before, token = started
            m = self._model(model)
            m["calls"] += 1
            if exception is not None:
                m["errors"] += 1  # no answer: nothing billed that DSPy tells us of
            elif response is not None:
                cache_hit, usage, cost = response
                if cache_hit:
                    m["cache_hits"] += 1  # billed nothing, costs nothing
                else:
                    m["prompt_tokens"] += _count(usage.get("prompt_tokens"))
                    m["completion_tokens"] += _count(usage.get("completion_tokens"))
                    if cost is None:
                        m["unpriced"] += 1
                    else:
                        m["cost_usd"] += cost
            else:
                # No response seen (a DSPy whose LM path the hook does not know): DSPy adds no
                # usage for an answer from its cache, so a call that added none was one.
                if before is not None and _tracked(model) == before:
                    m["cache_hits"] += 1
                else:
                    m["unpriced"] += 1
        try:
            _current.reset(token)
        except Exception:  # noqa: BLE001 - ended in another context (DSPy's own threads)
            pass

    def on_adapter_parse_end(self, call_id: str, outputs: Any, exception: Optional[Exception] = None) -> None:
        if exception is not None:
            with self._lock:
                self._parse_failures += 1

    def used_lms(self) -> bool:
        """Whether anything was counted (an LM call or a parse failure)."""
        with self._lock:
            return bool(self._models) or self._parse_failures > 0

    def to_wire(self) -> Dict[str, Any]:
        """``{"lm": {model: counts}, "parse_failures": n}``; tokens only when the hook counted
        them (else the prediction's ``usage`` has them)."""
        with self._lock:
            lm = {}
            for name, counts in self._models.items():
                c = dict(counts)
                if not _hooked:
                    del c["prompt_tokens"], c["completion_tokens"]
                lm[name] = c
            return {"lm": lm, "parse_failures": self._parse_failures}


def _observe(cache_hit: Any, usage: Any, cost: Any) -> None:
    current = _current.get()
    if current is not None:
        meter, call_id = current
        meter.responded(call_id, bool(cache_hit), usage, cost)


def install() -> bool:
    """Wraps where this DSPy finishes an LM call with its response (once); False if it has
    no such place (then calls are still counted, tokens come from DSPy's usage tracker and
    every billed call is ``unpriced``)."""
    global _hooked
    if _hooked:
        return True
    try:
        from dspy.clients import execution
    except ImportError:
        execution = None
    finalize = getattr(execution, "finalize", None)
    if finalize is not None:  # DSPy 3.4+: every LM call (both engines) ends here

        def _finalize(lm: Any, call: Any, result: Any) -> Any:
            try:
                _observe(getattr(result, "cache_hit", False), getattr(result, "usage", None),
                         getattr(result, "cost", None))
            except Exception:  # noqa: BLE001 - metering never fails an LM call
                pass
            return finalize(lm, call, result)

        execution.finalize = _finalize  # type: ignore[union-attr]
        _hooked = True
        return True
    cls = getattr(getattr(getattr(dspy, "clients", None), "base_lm", None), "BaseLM", None)
    original = getattr(cls, "_process_lm_response", None)
    if original is None:
        return False

    def _process_lm_response(self: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            hidden = getattr(response, "_hidden_params", None) or {}
            _observe(getattr(response, "cache_hit", False), getattr(response, "usage", None),
                     hidden.get("response_cost") if isinstance(hidden, dict) else None)
        except Exception:  # noqa: BLE001
            pass
        return original(self, response, *args, **kwargs)

    cls._process_lm_response = _process_lm_response  # type: ignore[union-attr]
    _hooked = True
    return True


def callbacks_with(meter: RunMeter) -> list:
    """The callbacks already configured, and the meter."""
    return [*(dspy.settings.callbacks or []), meter]


#: The Java callback a failing call reports its usage to (taipan-dspy registers it on every
#: bridge call it makes).
USAGE_CALLBACK = "dspy:usage"


def report_failure(meter: RunMeter) -> None:
    """Tells the Java side what a failing call spent, through :data:`USAGE_CALLBACK`, before
    the call's error leaves; only when it counted something (one round trip, on failures only).
    Never raises: the call's own error is what the caller must see, and a host that did not
    register the callback (a direct test, another client) just answers with an error."""
    if not meter.used_lms():
        return
    try:
        from ..context import call_java

        call_java(USAGE_CALLBACK, meter.to_wire())
    except Exception:  # noqa: BLE001 - not in a call, on the event loop, no such callback, a closed host
        pass
