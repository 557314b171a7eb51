"""What one bridge run asked of its LMs, counted in the worker: LM calls, cache hits and LM
errors per model, and adapter parse failures (a ChatAdapter that fell back to JSON counts one
even when the run then succeeds). Tokens come from DSPy's own usage tracker (``usage``).

A ``RunMeter`` is a DSPy callback added to one run's ``dspy.context``, so it sees only that
run's calls, whatever other threads of the worker run. It travels as the prediction's
``metrics`` field (docs/PROTOCOL.md); a Java side that does not know it ignores it.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Tuple

import dspy
from dspy.utils.callback import BaseCallback


def _tracked(model: str) -> Optional[int]:
    """How many usage entries DSPy's tracker holds for ``model`` now; None without a tracker."""
    tracker = dspy.settings.usage_tracker
    if tracker is None:
        return None
    try:
        return len(tracker.usage_data.get(model, ()))
    except Exception:
        return None


class RunMeter(BaseCallback):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: Dict[str, Tuple[str, Optional[int]]] = {}
        self._models: Dict[str, Dict[str, int]] = {}
        self._parse_failures = 0

    def _model(self, model: str) -> Dict[str, int]:
        m = self._models.get(model)
        if m is None:
            m = self._models[model] = {"calls": 0, "cache_hits": 0, "errors": 0}
        return m

    def on_lm_start(self, call_id: str, instance: Any, inputs: Dict[str, Any]) -> None:
        model = str(getattr(instance, "model", None) or type(instance).__name__)
        with self._lock:
            self._started[call_id] = (model, _tracked(model))

    def on_lm_end(self, call_id: str, outputs: Any, exception: Optional[Exception] = None) -> None:
        with self._lock:
            started = self._started.pop(call_id, None)
            if started is None:
                return
            model, before = started
            m = self._model(model)
            m["calls"] += 1
            if exception is not None:
                m["errors"] += 1
            elif before is not None and _tracked(model) == before:
                # DSPy adds no usage for an answer from its cache: a call that added none was one.
                m["cache_hits"] += 1

    def on_adapter_parse_end(self, call_id: str, outputs: Any, exception: Optional[Exception] = None) -> None:
        if exception is not None:
            with self._lock:
                self._parse_failures += 1

    def to_wire(self) -> Dict[str, Any]:
        with self._lock:
            return {"lm": {k: dict(v) for k, v in self._models.items()}, "parse_failures": self._parse_failures}


def callbacks_with(meter: RunMeter) -> list:
    """The callbacks already configured, and the meter."""
    return [*(dspy.settings.callbacks or []), meter]
