"""Between DSPy's objects and the wire's values: predictions out, examples in."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import dspy

from .builders import Built
from .errors import SpecError


def to_wire(value: Any, depth: int = 0) -> Any:
    """A MessagePack-safe copy: dict (str keys), list, str, int, float, bool, None."""
    if depth > 50:
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, dict):
        return {str(k): to_wire(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_wire(v, depth + 1) for v in value]
    if isinstance(value, dspy.Example):
        return to_wire(value.toDict(), depth + 1)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return to_wire(dump(mode="json"), depth + 1)
        except Exception:
            pass
    value_attr = getattr(value, "value", None)  # enums
    if value_attr is not None and type(value).__class__.__name__ == "EnumMeta":
        return to_wire(value_attr, depth + 1)
    return str(value)


def prediction(pred: Any, built: Built, metrics: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    outputs = {name: to_wire(pred.get(name)) for name in built.outputs}
    reasoning = pred.get(built.reasoning) if built.reasoning else None
    completions: List[Dict[str, Any]] = []
    comps = getattr(pred, "completions", None)
    try:
        count = len(comps) if comps is not None else 0
    except Exception:
        count = 0
    if count > 1:
        for i in range(count):
            item = comps[i]
            completions.append({k: to_wire(item.get(k)) for k in item.keys()})
    usage: Dict[str, Any] = {}
    get_usage = getattr(pred, "get_lm_usage", None)
    if callable(get_usage):
        usage = to_wire(get_usage() or {})
    out = {"outputs": outputs, "reasoning": None if reasoning is None else str(reasoning),
           "completions": completions, "usage": usage}
    if metrics is not None:
        out["metrics"] = metrics  # optional: the run's LM calls (meter.RunMeter)
    return out


def examples(items: Any, what: str) -> List[Any]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise SpecError(f"{what} must be a list of examples")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("inputs"), dict):
            raise SpecError(f"an example is {{'inputs': {{...}}, 'labels': {{...}}}}, got {item!r}")
        labels = item.get("labels") or {}
        if not isinstance(labels, dict):
            raise SpecError("an example's labels must be a map")
        out.append(dspy.Example(**labels, **item["inputs"]).with_inputs(*item["inputs"].keys()))
    return out
