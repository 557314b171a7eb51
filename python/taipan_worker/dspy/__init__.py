"""DSPy from Java: the worker side of the ``taipan-dspy`` bridge (see docs/DSPY-BRIDGE.md).

Allow-list this module (``PoolConfig.modules("taipan_worker.dspy")``) and call ``describe``,
``state``, ``run``, ``stream``, ``evaluate`` and ``optimize``, defined here. The Java side owns
every program and LM configuration; this worker only caches what it has built, per
``(id, version)``, in bounded LRU maps. When a call names a program or LM that is not cached
and carries no spec, it raises ``ProgramNotCached`` / ``LmNotCached`` and the Java side
repeats the call with the spec.

The package by concern: ``errors`` (what it raises), ``settings`` (DSPy configured once),
``types`` (type strings, on the shared ``taipan_worker.typegrammar``), ``builders``
(signatures, programs, LMs, adapters), ``caches``, ``wire`` (predictions and examples to and
from wire values), ``metrics``, ``evaluation``, ``optimizers`` and ``scrubbing``.

Note the name: this package is ``taipan_worker.dspy``; ``import dspy`` in it is the real DSPy
library (absolute imports), never this package.

API keys are never logged, returned, or left in an exception message raised from here.
"""

from __future__ import annotations

import os

# LiteLLM otherwise fetches its model cost map from GitHub when it is first imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any, Dict, Iterator, Tuple  # noqa: E402

import dspy  # noqa: E402  (the library: this package's own name is taipan_worker.dspy)

from taipan_worker import function  # noqa: E402

from .settings import MEMORY_CACHE_ENTRIES, configure_once  # noqa: E402

configure_once()

from .builders import DUMMY_MODEL, Built, as_saved, build_lm, build_program, build_signature  # noqa: E402
from .builders import adapter as make_adapter  # noqa: E402
from .caches import LM_CACHE_SIZE, PROGRAM_CACHE_SIZE, cached_lm, cached_program  # noqa: E402
from .caches import lms as _lms  # noqa: E402
from .caches import programs as _programs  # noqa: E402
from .caches import reset as _reset_caches  # noqa: E402
from .caches import sizes as _cache_sizes  # noqa: E402
from .errors import LmNotCached, ProgramNotCached, SpecError  # noqa: E402
from .evaluation import context, evaluate as evaluate_on  # noqa: E402
from .meter import RunMeter, callbacks_with, report_failure  # noqa: E402
from .meter import install as _install_meter  # noqa: E402
from .streams import drive  # noqa: E402
from .metrics import build_metric  # noqa: E402
from .optimizers import OPTIMIZERS, split_params  # noqa: E402
from .scrubbing import Guard  # noqa: E402
from .types import parse_type  # noqa: E402
from .wire import examples as to_examples, prediction, to_wire  # noqa: E402

__all__ = [
    "describe", "state", "run", "stream", "evaluate", "optimize",
    "ProgramNotCached", "LmNotCached", "SpecError",
]

# Importable from here as before: parse_type, build_signature, build_program, build_lm,
# build_metric, to_wire, DUMMY_MODEL, the cache sizes, and for tests _programs, _lms,
# _reset_caches and _cache_sizes.
_install_meter()  # the LM response hook: tokens and cost per LM call (meter.py)

_REEXPORTED = (parse_type, build_signature, build_program, build_lm, build_metric, to_wire, DUMMY_MODEL,
               PROGRAM_CACHE_SIZE, LM_CACHE_SIZE, MEMORY_CACHE_ENTRIES, _programs, _lms, _reset_caches, _cache_sizes)


# ----------------------------------------------------------------------------- functions


def _prepared(program: Any, inputs: Any, lm: Any, adapter: Any) -> Tuple[Any, Any, Any]:
    """The cached program and LM and a fresh adapter for one run of ``inputs`` (a map)."""
    built = cached_program(program)
    lm_obj = cached_lm(lm)
    adapter_obj = make_adapter(adapter)
    if not isinstance(inputs, dict):
        raise SpecError("inputs must be a map")
    return built, lm_obj, adapter_obj


@function
def describe() -> Dict[str, Any]:
    """Versions: ``{"dspy": ..., "python": ...}``."""
    return {"dspy": dspy.__version__, "python": sys.version.split()[0]}


@function
def state(program: Any, lm: Any = None) -> Dict[str, Any]:
    """The built program's ``dump_state()`` (demos, instructions, ...), without any ``lm``."""
    with Guard():
        built = cached_program(program)
        return to_wire(as_saved(built.module.dump_state()))


@contextmanager
def _metered() -> Iterator[RunMeter]:
    """A fresh meter for one bridge call; if the call fails after LM calls, what it spent goes
    to the Java side (the ``dspy:usage`` callback) before the error does."""
    meter = RunMeter()
    try:
        yield meter
    except Exception:
        report_failure(meter)
        raise


@function
def run(program: Any, inputs: Any, lm: Any, adapter: Any = None) -> Dict[str, Any]:
    """Run a program once: returns a Prediction map."""
    with Guard():
        built, lm_obj, adapter_obj = _prepared(program, inputs, lm, adapter)
        with _metered() as meter:
            with context(lm_obj, adapter_obj, track_usage=True, callbacks=callbacks_with(meter)):
                pred = built.module(**inputs)
        return prediction(pred, built, meter.to_wire())


@function
def stream(program: Any, inputs: Any, lm: Any, adapter: Any = None, fields: Any = None) -> Any:
    """Run a program, streaming output fields as the LM writes them: yields
    ``{"field": name, "chunk": text}`` pieces, then ``{"prediction": Prediction}``."""
    with Guard():
        built, lm_obj, adapter_obj = _prepared(program, inputs, lm, adapter)
        names = fields if fields else [f for f in built.outputs]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError("fields must be a list of output field names")
        listeners = [dspy.streaming.StreamListener(signature_field_name=n) for n in names]
        final = None
        with _metered() as meter:
            with context(lm_obj, adapter_obj, track_usage=True, callbacks=callbacks_with(meter)):
                # streamify takes the callbacks in force when it is called: the meter's, here.
                streamed = dspy.streamify(built.module, stream_listeners=listeners, async_streaming=True)
                for item in drive(streamed(**inputs)):
                    if isinstance(item, dspy.streaming.StreamResponse):
                        yield {"field": item.signature_field_name, "chunk": item.chunk}
                    elif isinstance(item, dspy.Prediction):
                        final = item
            if final is None:
                raise RuntimeError("the program ended without a prediction")
        yield {"prediction": prediction(final, built, meter.to_wire())}


@function
def evaluate(program: Any, devset: Any, metric: Any, lm: Any, adapter: Any = None,
             num_threads: Any = None) -> Dict[str, Any]:
    """Score a program on a devset: ``{"score": 0-100, "results": [...], "metrics": the LM
    usage of all its runs}``."""
    with Guard():
        built = cached_program(program)
        lm_obj = cached_lm(lm)
        adapter_obj = make_adapter(adapter)
        examples = to_examples(devset, "devset")
        metric_fn = build_metric(metric)
        with _metered() as meter:
            result = evaluate_on(built, examples, metric_fn, lm_obj, adapter_obj, int(num_threads or 1), meter)
        result["metrics"] = meter.to_wire()
        return result


@function
def optimize(optimizer: Any, program: Any, trainset: Any, metric: Any, lm: Any, valset: Any = None,
             adapter: Any = None) -> Dict[str, Any]:
    """Compile a copy of the program: ``{"state": dump_state, "score": valset score | nil,
    "metrics": the LM usage of the whole optimization, its validation included}``."""
    with Guard():
        if not isinstance(optimizer, dict) or optimizer.get("name") not in OPTIMIZERS:
            raise SpecError(f"an optimizer is {{'name': one of {sorted(OPTIMIZERS)}, 'params': {{...}}}}")
        name = optimizer["name"]
        params = dict(optimizer.get("params") or {})
        built = cached_program(program)
        lm_obj = cached_lm(lm)
        adapter_obj = make_adapter(adapter)
        train = to_examples(trainset, "trainset")
        val = to_examples(valset, "valset") if valset is not None else None
        if not train:
            raise SpecError("optimize needs a non-empty trainset")
        cls = getattr(dspy, OPTIMIZERS[name])
        init_kw, compile_kw = split_params(cls, params)
        metric_fn = build_metric(metric) if metric is not None else None
        if name != "labeled_few_shot":
            if metric_fn is None:
                raise SpecError(f"{name} needs a metric")
            init_kw["metric"] = metric_fn
        if name == "mipro_v2":
            init_kw.setdefault("prompt_model", lm_obj)
            init_kw.setdefault("task_model", lm_obj)
            init_kw.setdefault("verbose", False)
            if "auto" not in init_kw and "num_trials" not in compile_kw:
                init_kw["auto"] = "light"
        if name == "gepa":
            init_kw.setdefault("reflection_lm", lm_obj)
        if name in ("bootstrap_few_shot_random_search", "mipro_v2", "gepa") and val is not None:
            compile_kw["valset"] = val
        student = built.module.deepcopy()
        with _metered() as meter:
            with context(lm_obj, adapter_obj, callbacks=callbacks_with(meter)):
                compiled = cls(**init_kw).compile(student, trainset=train, **compile_kw)
            state = to_wire(as_saved(compiled.dump_state()))
            score = None
            if val:
                result = evaluate_on(Built(compiled, built.kind, built.outputs, built.reasoning), val, metric_fn
                                     or build_metric({"name": "exact_match", "field": built.outputs[0]}),
                                     lm_obj, adapter_obj, 1, meter)
                score = result["score"]
        return {"state": state, "score": score, "metrics": meter.to_wire()}
