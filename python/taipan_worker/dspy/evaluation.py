"""Scoring a program on a devset, in parallel threads that keep the call's context."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional

import dspy

from ..context import bind_thread, current_call
from .builders import Built
from .meter import RunMeter, callbacks_with
from .scrubbing import scrub_exception
from .wire import prediction


def context(lm: Any, adapter: Any, **extra: Any) -> Any:
    """The DSPy settings of one bridge call: its LM and adapter."""
    return dspy.context(lm=lm, adapter=adapter, **extra)


def evaluate(built: Built, devset: List[Any], metric: Callable[..., float], lm_obj: Any, adapter_obj: Any,
              num_threads: int, meter: Optional[RunMeter] = None) -> Dict[str, Any]:
    """Runs the program on each example (``num_threads`` at once) and scores it; ``meter``, if
    given, counts the LM calls of every run."""
    try:
        call = current_call()
    except RuntimeError:  # called directly (tests), not through the worker
        call = None

    def one(example: Any) -> Dict[str, Any]:
        bind_thread(call)  # Java tools and metrics work from these threads too
        try:
            extra = {"callbacks": callbacks_with(meter)} if meter is not None else {}
            with context(lm_obj, adapter_obj, track_usage=True, **extra):
                pred = built.module(**example.inputs())
            score = float(metric(example, pred))
            return {"prediction": prediction(pred, built), "score": score, "error": None}
        except Exception as exc:  # one example's failure is its result, as in dspy.Evaluate
            scrub_exception(exc)
            return {"prediction": None, "score": 0.0, "error": f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"}

    if num_threads <= 1 or len(devset) <= 1:
        results = [one(e) for e in devset]
    else:
        with ThreadPoolExecutor(max_workers=min(num_threads, len(devset)), thread_name_prefix="taipan-dspy-eval") as ex:
            results = list(ex.map(one, devset))
    total = sum(r["score"] for r in results)
    score = round(100.0 * total / len(results), 2) if results else 0.0
    return {"score": score, "results": results}
