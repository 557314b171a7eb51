"""DSPy from Java: the worker side of the ``taipan-dspy`` bridge (see docs/DSPY-BRIDGE.md).

Allow-list this module (``PoolConfig.modules("taipan_worker.dspy")``) and call ``describe``,
``state``, ``run``, ``evaluate`` and ``optimize``. The Java side owns every program and LM configuration;
this module only caches what it has built, per ``(id, version)``, in bounded LRU maps. When a
call names a program or LM that is not cached and carries no spec, it raises
``ProgramNotCached`` / ``LmNotCached`` and the Java side repeats the call with the spec.

Note the name: this module is ``taipan_worker.dspy``; ``import dspy`` below is the real DSPy
library (absolute imports), never this module.

API keys are never logged, returned, or left in an exception message raised from here.
"""

from __future__ import annotations

import os

# LiteLLM otherwise fetches its model cost map from GitHub when it is first imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import inspect  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections import OrderedDict  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from typing import Any, Callable, Dict, List, Literal, Optional, Tuple  # noqa: E402

import dspy  # noqa: E402  (the library: this module's own name is taipan_worker.dspy)

from taipan_worker import function  # noqa: E402

__all__ = [
    "describe", "state", "run", "stream", "evaluate", "optimize",
    "ProgramNotCached", "LmNotCached", "SpecError",
]

PROGRAM_CACHE_SIZE = 256
LM_CACHE_SIZE = 64
MEMORY_CACHE_ENTRIES = int(os.environ.get("TAIPAN_DSPY_MEMORY_CACHE_ENTRIES", "10000"))


class ProgramNotCached(LookupError):
    """The program ``(id, version)`` is not cached on this worker and no spec was sent."""


class LmNotCached(LookupError):
    """The LM ``(id, version)`` is not cached on this worker and no spec was sent."""


class SpecError(ValueError):
    """A spec (signature, program, LM, example, metric, optimizer) is malformed."""


# ----------------------------------------------------------------------------- DSPy setup

def _configure_once() -> None:
    """Configure DSPy once, at import (the worker imports allow-listed modules on its main
    thread). Nothing grows per call: no global/LM/module history, no trace. Response caching
    is per LM (``dspy.LM(cache=...)``); the in-memory response cache is bounded."""
    dspy.configure(disable_history=True, trace=None, max_history_size=0, track_usage=False)
    try:
        dspy.configure_cache(enable_disk_cache=True, enable_memory_cache=True,
                             memory_max_entries=MEMORY_CACHE_ENTRIES)
    except Exception:  # e.g. an unwritable cache directory: DSPy already fell back at import
        pass
    try:
        dspy.disable_litellm_logging()
    except Exception:
        pass
    try:
        # Load LiteLLM now, while the worker starts, not inside its first call (~1.5 s).
        import litellm  # noqa: F401
    except Exception:
        pass


_configure_once()


# ----------------------------------------------------------------------------- LRU caches

class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: "OrderedDict[Tuple[str, int], Any]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Tuple[str, int]) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Tuple[str, int], value: Any) -> Any:
        """Insert unless present; return the cached value (first writer wins)."""
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._items.move_to_end(key)
                return old
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _Built:
    """A built program plus what the bridge needs to know about it."""

    def __init__(self, module: Any, kind: str, outputs: List[str], reasoning: Optional[str]) -> None:
        self.module = module
        self.kind = kind
        self.outputs = outputs          # the output names reported in a Prediction
        self.reasoning = reasoning      # the field reported as "reasoning", if any


_programs = _Lru(PROGRAM_CACHE_SIZE)
_lms = _Lru(LM_CACHE_SIZE)
_secrets_lock = threading.Lock()
_secrets: "set[str]" = set()


# ----------------------------------------------------------------------------- type strings

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
                    r"|(?P<num>-?\d+)|(?P<punct>[\[\],]))")

_SIMPLE = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict, "list": list}


def parse_type(text: str) -> Any:
    """Parse a type string of the closed set (``str``, ``int``, ``float``, ``bool``, ``dict``,
    ``list[T]``, ``dict[str, T]``, ``Literal['a', 'b']``, ``Optional[T]``) without eval."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"a type must be a non-empty string, got {text!r}")
    tokens: List[Tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise SpecError(f"cannot parse type {text!r} at position {pos}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    result, i = _parse_tokens(tokens, 0, text)
    if i != len(tokens):
        raise SpecError(f"unexpected {tokens[i][1]!r} in type {text!r}")
    return result


def _expect(tokens: List[Tuple[str, str]], i: int, value: str, text: str) -> int:
    if i >= len(tokens) or tokens[i] != ("punct", value):
        raise SpecError(f"expected {value!r} in type {text!r}")
    return i + 1


def _parse_tokens(tokens: List[Tuple[str, str]], i: int, text: str) -> Tuple[Any, int]:
    if i >= len(tokens) or tokens[i][0] != "name":
        raise SpecError(f"expected a type name in {text!r}")
    name = tokens[i][1]
    i += 1
    has_args = i < len(tokens) and tokens[i] == ("punct", "[")
    if name in ("str", "int", "float", "bool") or (name in ("dict", "list") and not has_args):
        return _SIMPLE[name], i
    if name == "list":
        i = _expect(tokens, i, "[", text)
        item, i = _parse_tokens(tokens, i, text)
        i = _expect(tokens, i, "]", text)
        return list[item], i  # type: ignore[valid-type]
    if name == "dict":
        i = _expect(tokens, i, "[", text)
        key, i = _parse_tokens(tokens, i, text)
        if key is not str:
            raise SpecError(f"dict keys must be str in type {text!r}")
        i = _expect(tokens, i, ",", text)
        value, i = _parse_tokens(tokens, i, text)
        i = _expect(tokens, i, "]", text)
        return dict[str, value], i  # type: ignore[valid-type]
    if name == "Optional":
        i = _expect(tokens, i, "[", text)
        inner, i = _parse_tokens(tokens, i, text)
        i = _expect(tokens, i, "]", text)
        return Optional[inner], i
    if name == "Literal":
        i = _expect(tokens, i, "[", text)
        values: List[Any] = []
        while True:
            if i >= len(tokens):
                raise SpecError(f"unterminated Literal in type {text!r}")
            kind, raw = tokens[i]
            if kind == "str":
                values.append(_unquote(raw))
            elif kind == "num":
                values.append(int(raw))
            elif kind == "name" and raw in ("True", "False"):
                values.append(raw == "True")
            else:
                raise SpecError(f"Literal values must be strings, ints or booleans in type {text!r}")
            i += 1
            if i < len(tokens) and tokens[i] == ("punct", ","):
                i += 1
                continue
            i = _expect(tokens, i, "]", text)
            break
        return Literal.__getitem__(tuple(values)), i  # type: ignore[attr-defined]
    raise SpecError(f"unknown type name {name!r} in {text!r}; allowed: str, int, float, bool, dict, "
                    f"list[T], dict[str, T], Literal[...], Optional[T]")


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


# ----------------------------------------------------------------------------- specs

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _req(mapping: Any, key: str, what: str) -> Any:
    if not isinstance(mapping, dict) or mapping.get(key) is None:
        raise SpecError(f"{what} needs {key!r}")
    return mapping[key]


def build_signature(spec: Dict[str, Any]) -> Any:
    if not isinstance(spec, dict):
        raise SpecError("a signature spec must be a map")
    fields: Dict[str, Tuple[Any, Any]] = {}
    for side, factory in (("inputs", dspy.InputField), ("outputs", dspy.OutputField)):
        items = spec.get(side) or []
        if not isinstance(items, list) or (side == "outputs" and not items):
            raise SpecError(f"a signature needs a non-empty list of {side}" if side == "outputs"
                            else "signature inputs must be a list")
        for item in items:
            name = _req(item, "name", f"a signature {side[:-1]}")
            if not isinstance(name, str) or not _NAME.match(name):
                raise SpecError(f"field name {name!r} is not an identifier")
            if name in fields:
                raise SpecError(f"field {name!r} appears twice in the signature")
            annotation = parse_type(item.get("type") or "str")
            desc = item.get("desc")
            fields[name] = (annotation, factory(desc=desc) if desc else factory())
    instructions = spec.get("instructions")
    try:
        return dspy.Signature(fields, instructions) if instructions else dspy.Signature(fields)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"invalid signature: {exc}") from exc


class _MultiChain(dspy.Module):
    """M chain-of-thought attempts, then ``dspy.MultiChainComparison`` over them.
    State keys: ``attempts.predict`` and ``compare.predict``."""

    def __init__(self, signature: Any, M: int = 3, temperature: float = 0.7, **config: Any) -> None:  # noqa: N803
        super().__init__()
        self.M = M
        self.attempts = dspy.ChainOfThought(signature, **config)
        self.compare = dspy.MultiChainComparison(signature, M=M, temperature=temperature)

    def forward(self, **kwargs: Any) -> Any:
        first = self.attempts(**kwargs, config={"n": self.M})
        completions = [first.completions[i] for i in range(len(first.completions))]
        while len(completions) < self.M:  # an LM that ignores n: ask again
            completions.append(self.attempts(**kwargs))
        return self.compare(completions=completions[: self.M], **kwargs)


class _Composite(dspy.Module):
    """A pipeline of sub-programs (attributes, so ``named_predictors()`` sees them all)."""

    def __init__(self, steps: List[Tuple[str, Any, Dict[str, str]]], outputs: Dict[str, str]) -> None:
        super().__init__()
        self._taipan_steps = [(name, inputs) for name, _, inputs in steps]
        self._taipan_outputs = dict(outputs)
        for name, module, _ in steps:
            setattr(self, name, module)

    def forward(self, **kwargs: Any) -> Any:
        env: Dict[str, Any] = {}

        def resolve(source: str) -> Any:
            head, field = source.split(".", 1)
            if head == "input":
                if field not in kwargs:
                    raise ValueError(f"the composite program needs input {field!r}")
                return kwargs[field]
            return env[head][field]

        for name, inputs in self._taipan_steps:
            env[name] = getattr(self, name)(**{k: resolve(src) for k, src in inputs.items()})
        return dspy.Prediction(**{k: resolve(src) for k, src in self._taipan_outputs.items()})


_RESERVED = set(dir(dspy.Module)) | {"M", "attempts", "compare", "forward", "aforward", "input"}


def build_program(spec: Dict[str, Any]) -> _Built:
    if not isinstance(spec, dict):
        raise SpecError("a program spec must be a map")
    kind = spec.get("kind")
    config = spec.get("config") or {}
    if not isinstance(config, dict):
        raise SpecError("a program's config must be a map")
    if kind == "composite":
        built = _build_composite(spec)
    else:
        signature = build_signature(_req(spec, "signature", f"a {kind} program"))
        outputs = list(signature.output_fields)
        try:
            if kind == "predict":
                built = _Built(dspy.Predict(signature, **config), kind, outputs, None)
            elif kind == "chain_of_thought":
                built = _Built(dspy.ChainOfThought(signature, **config), kind, outputs, "reasoning")
            elif kind == "multi_chain_comparison":
                cfg = dict(config)
                m = int(cfg.pop("M", 3))
                if m < 1:
                    raise SpecError("multi_chain_comparison needs M >= 1")
                built = _Built(_MultiChain(signature, M=m, **cfg), kind, outputs, "rationale")
            elif kind == "react":
                cfg = dict(config)
                max_iters = int(cfg.pop("max_iters", 5))
                if cfg:
                    raise SpecError(f"unknown react config keys: {sorted(cfg)}")
                tools = [_java_tool(t) for t in (spec.get("tools") or [])]
                built = _Built(dspy.ReAct(signature, tools=tools, max_iters=max_iters), kind, outputs, "reasoning")
            else:
                raise SpecError(f"unknown program kind {kind!r}; allowed: predict, chain_of_thought, "
                                f"multi_chain_comparison, react, composite")
        except TypeError as exc:
            raise SpecError(f"invalid config for a {kind} program: {exc}") from exc
    state = spec.get("state")
    if state:
        if not isinstance(state, dict):
            raise SpecError("a program's state must be a dump_state() map")
        try:
            built.module.load_state(_without_lm(state))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SpecError(f"the state does not fit the program: {type(exc).__name__}: {exc}") from exc
    return built


def _build_composite(spec: Dict[str, Any]) -> _Built:
    steps_spec = spec.get("steps")
    outputs = spec.get("outputs")
    if not isinstance(steps_spec, list) or not steps_spec:
        raise SpecError("a composite program needs a non-empty list of steps")
    if not isinstance(outputs, dict) or not outputs:
        raise SpecError("a composite program needs a non-empty outputs map")
    known: Dict[str, List[str]] = {}
    steps: List[Tuple[str, Any, Dict[str, str]]] = []

    def check_source(source: Any, where: str) -> None:
        if not isinstance(source, str) or "." not in source:
            raise SpecError(f"{where}: a source is 'input.<name>' or '<step>.<output>', got {source!r}")
        head, field = source.split(".", 1)
        if head == "input":
            return
        if head not in known:
            raise SpecError(f"{where}: {source!r} names no earlier step")
        if field not in known[head]:
            raise SpecError(f"{where}: step {head!r} has no output {field!r} (it has {known[head]})")

    for step in steps_spec:
        name = _req(step, "name", "a composite step")
        if not isinstance(name, str) or not _NAME.match(name) or name.startswith("_") or name in _RESERVED:
            raise SpecError(f"step name {name!r} is not allowed (an identifier that is not a dspy.Module attribute)")
        if name in known or name == "input":
            raise SpecError(f"step name {name!r} is used twice")
        sub = build_program(_req(step, "program", f"step {name!r}"))
        inputs = step.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise SpecError(f"step {name!r}: inputs must be a map")
        for key, source in inputs.items():
            check_source(source, f"step {name!r} input {key!r}")
        steps.append((name, sub.module, dict(inputs)))
        known[name] = sub.outputs + ([sub.reasoning] if sub.reasoning else [])
    for key, source in outputs.items():
        check_source(source, f"composite output {key!r}")
    return _Built(_Composite(steps, outputs), "composite", list(outputs), None)


def _without_lm(state: Any) -> Any:
    """Java owns LM configuration: an ``lm`` saved inside a predictor's state is dropped
    (it would override the call's LM), in both directions."""
    if not isinstance(state, dict):
        return state
    if "demos" in state and "lm" in state:  # a bare predictor's flat state
        return {**state, "lm": None}
    out = {}
    for key, value in state.items():
        if isinstance(value, dict) and "lm" in value:
            value = dict(value)
            value["lm"] = None
        out[key] = value
    return out


def _cached(ref: Any, cache: "_Lru", build: Callable[[Any], Any], missing: type, what: str, spec_name: str) -> Any:
    """The object a reference names: from this worker's cache, else built from the spec the
    reference carries; with no spec, ``missing`` tells the Java side to send it."""
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not isinstance(ref.get("version"), int):
        raise SpecError(f"a {what} reference is {{'id': str, 'version': int, 'spec': {spec_name} | nil}}")
    key = (ref["id"], ref["version"])
    found = cache.get(key)
    if found is not None:
        return found
    spec = ref.get("spec")
    if spec is None:
        raise missing(f"{what} {key[0]!r} version {key[1]} is not cached on this worker; send its spec")
    return cache.put(key, build(spec))


def _cached_program(ref: Any) -> _Built:
    return _cached(ref, _programs, build_program, ProgramNotCached, "program", "ProgramSpec")


_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def _java_tool(spec: Any) -> Any:
    """A ReAct tool implemented in Java: calling it calls back the host during the call
    (``callback`` frames, name ``tool:<name>``) from the thread running the call."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].isidentifier():
        raise SpecError("a tool is {'name': identifier, 'description': str, 'args': {name: json type}}")
    name = spec["name"]
    args = spec.get("args") or {}
    if not isinstance(args, dict) or any(t not in _JSON_TYPES for t in args.values()):
        raise SpecError(f"tool {name!r}: args map each name to one of {sorted(_JSON_TYPES)}")

    def call_java_tool(**kwargs: Any) -> Any:
        from taipan_worker import current_call

        return current_call().call_java(f"tool:{name}", kwargs)

    return dspy.Tool(call_java_tool, name=name, desc=str(spec.get("description") or name),
                     args={a: {"type": t} for a, t in args.items()})


def _as_saved(state: Dict[str, Any]) -> Dict[str, Any]:
    """State as ``program.save("x.json")`` writes it: ``dump_state()`` plus the ``metadata``
    that ``program.load`` reads, so Java's saved files load in plain Python DSPy."""
    from dspy.utils.saving import get_dependency_versions

    saved = _without_lm(state)
    saved["metadata"] = {"dependency_versions": get_dependency_versions()}
    return saved


def _cached_lm(ref: Any) -> Any:
    return _cached(ref, _lms, build_lm, LmNotCached, "LM", "LmSpec")


_LM_KEYS = {"model", "api_base", "api_key", "temperature", "max_tokens", "cache", "num_retries", "model_type",
            "timeout", "engine", "answers"}
DUMMY_MODEL = "dspy/dummy"


def build_lm(spec: Dict[str, Any]) -> Any:
    if not isinstance(spec, dict):
        raise SpecError("an LM spec must be a map")
    unknown = set(spec) - _LM_KEYS
    if unknown:
        raise SpecError(f"unknown LM spec keys: {sorted(unknown)}")
    model = spec.get("model")
    if not isinstance(model, str) or not model:
        raise SpecError("an LM spec needs a model string")
    if model == DUMMY_MODEL:
        # DSPy's own DummyLM, for users' tests: answers in order, each a {field: value} map.
        answers = spec.get("answers")
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise SpecError("the dummy LM needs 'answers': a list of {field: value} maps")
        from dspy.utils import DummyLM
        return DummyLM(answers)
    key = spec.get("api_key")
    if key:
        with _secrets_lock:
            _secrets.add(str(key))
    kwargs: Dict[str, Any] = {
        "model_type": spec.get("model_type") or "chat",
        "temperature": spec.get("temperature"),
        "max_tokens": spec.get("max_tokens"),
        "cache": bool(spec.get("cache", True)),
        "num_retries": int(spec.get("num_retries", 3) if spec.get("num_retries") is not None else 3),
    }
    for optional in ("api_base", "api_key", "timeout"):
        if spec.get(optional) is not None:
            kwargs[optional] = spec[optional]
    if spec.get("engine") is not None:
        kwargs["engine"] = spec["engine"]
    try:
        return dspy.LM(model, **kwargs)
    except (TypeError, ValueError) as exc:
        raise SpecError(_scrub(f"invalid LM spec: {exc}")) from None


def _adapter(name: Any) -> Any:
    if name in (None, "chat"):
        return dspy.ChatAdapter()
    if name == "json":
        return dspy.JSONAdapter()
    raise SpecError(f"unknown adapter {name!r}; allowed: 'chat', 'json' or nil")


# ----------------------------------------------------------------------------- values

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


def _prediction(pred: Any, built: _Built) -> Dict[str, Any]:
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
    return {"outputs": outputs, "reasoning": None if reasoning is None else str(reasoning),
            "completions": completions, "usage": usage}


def _examples(items: Any, what: str) -> List[Any]:
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
    from taipan_worker import current_call

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


# ----------------------------------------------------------------------------- secrets

def _scrub(text: str) -> str:
    with _secrets_lock:
        secrets = [s for s in _secrets if len(s) >= 4]
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _scrub_exception(exc: BaseException) -> None:
    """Remove any known API key from an exception chain's messages, in place (the type,
    which Java maps, is kept)."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            current.args = tuple(_scrub(a) if isinstance(a, str) else a for a in current.args)
            for attr in ("message", "lm_response"):
                value = getattr(current, attr, None)
                if isinstance(value, str):
                    setattr(current, attr, _scrub(value))
        except Exception:
            pass
        current = current.__cause__ or current.__context__


class _Guard:
    """Scrubs secrets from whatever escapes a bridge function."""

    def __enter__(self) -> "_Guard":
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if exc is not None and _secrets:
            _scrub_exception(exc)
        return False


def _context(lm: Any, adapter: Any, **extra: Any) -> Any:
    return dspy.context(lm=lm, adapter=adapter, **extra)


# ----------------------------------------------------------------------------- functions

@function
def describe() -> Dict[str, Any]:
    """Versions: ``{"dspy": ..., "python": ...}``."""
    return {"dspy": dspy.__version__, "python": sys.version.split()[0]}


@function
def state(program: Any, lm: Any = None) -> Dict[str, Any]:
    """The built program's ``dump_state()`` (demos, instructions, ...), without any ``lm``."""
    with _Guard():
        built = _cached_program(program)
        return to_wire(_as_saved(built.module.dump_state()))


@function
def run(program: Any, inputs: Any, lm: Any, adapter: Any = None) -> Dict[str, Any]:
    """Run a program once: returns a Prediction map."""
    with _Guard():
        built = _cached_program(program)
        lm_obj = _cached_lm(lm)
        adapter_obj = _adapter(adapter)
        if not isinstance(inputs, dict):
            raise SpecError("inputs must be a map")
        with _context(lm_obj, adapter_obj, track_usage=True):
            pred = built.module(**inputs)
        return _prediction(pred, built)


@function
def stream(program: Any, inputs: Any, lm: Any, adapter: Any = None, fields: Any = None) -> Any:
    """Run a program, streaming output fields as the LM writes them: yields
    ``{"field": name, "chunk": text}`` pieces, then ``{"prediction": Prediction}``."""
    with _Guard():
        built = _cached_program(program)
        lm_obj = _cached_lm(lm)
        adapter_obj = _adapter(adapter)
        if not isinstance(inputs, dict):
            raise SpecError("inputs must be a map")
        names = fields if fields else [f for f in built.outputs]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError("fields must be a list of output field names")
        listeners = [dspy.streaming.StreamListener(signature_field_name=n) for n in names]
        streamed = dspy.streamify(built.module, stream_listeners=listeners, async_streaming=False)
        final = None
        with _context(lm_obj, adapter_obj, track_usage=True):
            for item in streamed(**inputs):
                if isinstance(item, dspy.streaming.StreamResponse):
                    yield {"field": item.signature_field_name, "chunk": item.chunk}
                elif isinstance(item, dspy.Prediction):
                    final = item
        if final is None:
            raise RuntimeError("the program ended without a prediction")
        yield {"prediction": _prediction(final, built)}


def _evaluate(built: _Built, devset: List[Any], metric: Callable[..., float], lm_obj: Any, adapter_obj: Any,
              num_threads: int) -> Dict[str, Any]:
    from taipan_worker.runtime import _thread_call, current_call

    try:
        call = current_call()
    except RuntimeError:  # called directly (tests), not through the worker
        call = None

    def one(example: Any) -> Dict[str, Any]:
        _thread_call.ctx = call  # Java tools and metrics work from these threads too
        try:
            with _context(lm_obj, adapter_obj, track_usage=True):
                pred = built.module(**example.inputs())
            score = float(metric(example, pred))
            return {"prediction": _prediction(pred, built), "score": score, "error": None}
        except Exception as exc:  # one example's failure is its result, as in dspy.Evaluate
            _scrub_exception(exc)
            return {"prediction": None, "score": 0.0, "error": f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"}

    if num_threads <= 1 or len(devset) <= 1:
        results = [one(e) for e in devset]
    else:
        with ThreadPoolExecutor(max_workers=min(num_threads, len(devset)), thread_name_prefix="taipan-dspy-eval") as ex:
            results = list(ex.map(one, devset))
    total = sum(r["score"] for r in results)
    score = round(100.0 * total / len(results), 2) if results else 0.0
    return {"score": score, "results": results}


@function
def evaluate(program: Any, devset: Any, metric: Any, lm: Any, adapter: Any = None,
             num_threads: Any = None) -> Dict[str, Any]:
    """Score a program on a devset: ``{"score": 0-100, "results": [...]}``."""
    with _Guard():
        built = _cached_program(program)
        lm_obj = _cached_lm(lm)
        adapter_obj = _adapter(adapter)
        examples = _examples(devset, "devset")
        metric_fn = build_metric(metric)
        return _evaluate(built, examples, metric_fn, lm_obj, adapter_obj, int(num_threads or 1))


def _split_params(cls: Any, params: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Constructor vs compile() keyword arguments, by their signatures."""
    init_names = set(inspect.signature(cls.__init__).parameters) - {"self"}
    compile_names = set(inspect.signature(cls.compile).parameters) - {"self", "student", "trainset", "valset",
                                                                        "teacher"}
    init_kw, compile_kw = {}, {}
    for key, value in params.items():
        if key in ("metric", "reflection_lm", "prompt_model", "task_model", "teacher_settings"):
            raise SpecError(f"optimizer parameter {key!r} is set by the bridge")
        if key in init_names:
            init_kw[key] = value
        elif key in compile_names:
            compile_kw[key] = value
        else:
            raise SpecError(f"unknown parameter {key!r} for {cls.__name__}")
    return init_kw, compile_kw


_OPTIMIZERS = {
    "labeled_few_shot": "LabeledFewShot",
    "bootstrap_few_shot": "BootstrapFewShot",
    "bootstrap_few_shot_random_search": "BootstrapFewShotWithRandomSearch",
    "mipro_v2": "MIPROv2",
    "gepa": "GEPA",
}


@function
def optimize(optimizer: Any, program: Any, trainset: Any, metric: Any, lm: Any, valset: Any = None,
             adapter: Any = None) -> Dict[str, Any]:
    """Compile a copy of the program: ``{"state": dump_state, "score": valset score | nil}``."""
    with _Guard():
        if not isinstance(optimizer, dict) or optimizer.get("name") not in _OPTIMIZERS:
            raise SpecError(f"an optimizer is {{'name': one of {sorted(_OPTIMIZERS)}, 'params': {{...}}}}")
        name = optimizer["name"]
        params = dict(optimizer.get("params") or {})
        built = _cached_program(program)
        lm_obj = _cached_lm(lm)
        adapter_obj = _adapter(adapter)
        train = _examples(trainset, "trainset")
        val = _examples(valset, "valset") if valset is not None else None
        if not train:
            raise SpecError("optimize needs a non-empty trainset")
        cls = getattr(dspy, _OPTIMIZERS[name])
        init_kw, compile_kw = _split_params(cls, params)
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
        with _context(lm_obj, adapter_obj):
            compiled = cls(**init_kw).compile(student, trainset=train, **compile_kw)
        state = to_wire(_as_saved(compiled.dump_state()))
        score = None
        if val:
            result = _evaluate(_Built(compiled, built.kind, built.outputs, built.reasoning), val, metric_fn
                               or build_metric({"name": "exact_match", "field": built.outputs[0]}),
                               lm_obj, adapter_obj, 1)
            score = result["score"]
        return {"state": state, "score": score}


def _reset_caches() -> None:
    """For tests: forget every built program and LM."""
    _programs.clear()
    _lms.clear()


def _cache_sizes() -> Dict[str, int]:
    return {"programs": len(_programs), "lms": len(_lms)}

