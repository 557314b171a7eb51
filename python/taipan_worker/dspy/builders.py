"""Building DSPy objects from the specs Java sends: signatures, programs (predict,
chain_of_thought, multi_chain_comparison, react with Java tools, composite pipelines), LMs and
adapters. Every malformed spec is a ``SpecError``."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import dspy

from .compat import engine_kwargs
from .errors import SpecError
from .scrubbing import remember, scrub
from .types import parse_type


class Built:
    """A built program plus what the bridge needs to know about it."""

    def __init__(self, module: Any, kind: str, outputs: List[str], reasoning: Optional[str]) -> None:
        self.module = module
        self.kind = kind
        self.outputs = outputs          # the output names reported in a Prediction
        self.reasoning = reasoning      # the field reported as "reasoning", if any


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


def build_program(spec: Dict[str, Any]) -> Built:
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
                built = Built(dspy.Predict(signature, **config), kind, outputs, None)
            elif kind == "chain_of_thought":
                built = Built(dspy.ChainOfThought(signature, **config), kind, outputs, "reasoning")
            elif kind == "multi_chain_comparison":
                cfg = dict(config)
                m = int(cfg.pop("M", 3))
                if m < 1:
                    raise SpecError("multi_chain_comparison needs M >= 1")
                built = Built(_MultiChain(signature, M=m, **cfg), kind, outputs, "rationale")
            elif kind == "react":
                cfg = dict(config)
                max_iters = int(cfg.pop("max_iters", 5))
                if cfg:
                    raise SpecError(f"unknown react config keys: {sorted(cfg)}")
                tools = [java_tool(t) for t in (spec.get("tools") or [])]
                built = Built(dspy.ReAct(signature, tools=tools, max_iters=max_iters), kind, outputs, "reasoning")
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
            built.module.load_state(without_lm(state))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SpecError(f"the state does not fit the program: {type(exc).__name__}: {exc}") from exc
    return built


def _build_composite(spec: Dict[str, Any]) -> Built:
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
    return Built(_Composite(steps, outputs), "composite", list(outputs), None)


def without_lm(state: Any) -> Any:
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


_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def java_tool(spec: Any) -> Any:
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


def as_saved(state: Dict[str, Any]) -> Dict[str, Any]:
    """State as ``program.save("x.json")`` writes it: ``dump_state()`` plus the ``metadata``
    that ``program.load`` reads, so Java's saved files load in plain Python DSPy."""
    from dspy.utils.saving import get_dependency_versions

    saved = without_lm(state)
    saved["metadata"] = {"dependency_versions": get_dependency_versions()}
    return saved


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
        remember(str(key))
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
    kwargs.update(engine_kwargs(spec.get("engine")))
    try:
        return dspy.LM(model, **kwargs)
    except (TypeError, ValueError) as exc:
        raise SpecError(scrub(f"invalid LM spec: {exc}")) from None


def adapter(name: Any) -> Any:
    if name in (None, "chat"):
        return dspy.ChatAdapter()
    if name == "json":
        return dspy.JSONAdapter()
    raise SpecError(f"unknown adapter {name!r}; allowed: 'chat', 'json' or nil")
