"""Metrics from their specs: DSPy's own exact and passage match on a named field, or a
metric written in Java that is called back for each score."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict

from ..context import current_call
from .errors import SpecError
from .wire import to_wire


def _field_value(obj: Any, field: str) -> Any:
    try:
        return obj.get(field) if hasattr(obj, "get") else getattr(obj, field, None)
    except Exception:
        return None


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def build_metric(spec: Any) -> Callable[..., float]:
    """``exact_match`` / ``passage_match`` on a named field, with DSPy's normalisation
    (``dspy.evaluate.metrics``: SQuAD-style EM; DPR-normalised answer-in-passage)."""
    if not isinstance(spec, dict):
        raise SpecError("a metric is {'name': 'exact_match' | 'passage_match', 'field': str}")
    name = spec.get("name")
    if name == "java":
        return _java_metric(spec)
    field = spec.get("field") or "answer"
    from dspy.evaluate import metrics as m

    if name == "exact_match":
        def match(gold: Any, predicted: Any) -> bool:
            answers = [_as_text(g) for g in gold] if isinstance(gold, list) else [_as_text(gold)]
            return bool(m.EM(_as_text(predicted), answers))
    elif name == "passage_match":
        def match(gold: Any, predicted: Any) -> bool:
            answers = [_as_text(g) for g in gold] if isinstance(gold, list) else [_as_text(gold)]
            passages = [_as_text(p) for p in predicted] if isinstance(predicted, list) else [_as_text(predicted)]
            return bool(m._passage_match(passages, answers))
    else:
        raise SpecError(f"unknown metric {name!r}; allowed: exact_match, passage_match")

    def metric(example: Any, pred: Any, trace: Any = None, pred_name: Any = None, pred_trace: Any = None) -> float:
        gold = _field_value(example, field)
        predicted = _field_value(pred, field)
        if gold is None or predicted is None:
            return 0.0
        return 1.0 if match(gold, predicted) else 0.0

    metric.__name__ = f"{name}_{field}"
    return metric


def _java_metric(spec: Dict[str, Any]) -> Callable[..., float]:
    """A metric written in Java: each score is a callback to the host (``metric:<name>``).
    The call's handle is taken now, so optimizers may score from their own threads."""
    callback = spec.get("callback")
    if not isinstance(callback, str):
        raise SpecError("a Java metric is {'name': 'java', 'callback': str}")
    ctx = current_call()

    def metric(example: Any, pred: Any, trace: Any = None, pred_name: Any = None, pred_trace: Any = None) -> float:
        labels = {k: to_wire(v) for k, v in example.labels().items()} if hasattr(example, "labels") else {}
        inputs = {k: to_wire(v) for k, v in example.inputs().items()} if hasattr(example, "inputs") else {}
        outputs = {k: to_wire(v) for k, v in pred.items()} if hasattr(pred, "items") else {}
        score = ctx.call_java(callback, {"inputs": inputs, "labels": labels, "outputs": outputs})
        return float(score)

    metric.__name__ = callback
    return metric
