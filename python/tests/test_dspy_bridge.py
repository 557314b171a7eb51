"""taipan_worker.dspy against the local LM server, through the real dspy.LM -> HTTP path
(DSPy 3.4's default native engine, and LiteLLM with engine="litellm"; on DSPy 3.3, the oldest
supported, both are LiteLLM: see taipan_worker.dspy.compat)."""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import subprocess
import sys
import urllib.request
import uuid
from typing import Any, Dict, Iterator, List, Optional

import pytest

import dspy
import taipan_worker.dspy as bridge
from packaging.requirements import Requirement
from packaging.version import Version
from taipan_worker.dspy import LmNotCached, ProgramNotCached, SpecError
from taipan_worker.dspy.builders import build_lm
from taipan_worker.dspy.compat import HAS_ENGINES

SECRET = "sk-taipan-test-SECRET-0123456789"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "taipan_worker.lm_server", "--hold-s", "5"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("TAIPAN_LM_SERVER "), line
        yield line.split()[1]
    finally:
        proc.kill()
        proc.wait(timeout=10)
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


def requests_served(url: str) -> int:
    with urllib.request.urlopen(url.rsplit("/v1", 1)[0] + "/health", timeout=5) as resp:
        return int(json.loads(resp.read())["requests"])


def lm_ref(url: str, model: str = "taipan-local", *, cache: bool = False, engine: Optional[str] = None,
           timeout: Optional[float] = None, with_spec: bool = True) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"model": f"openai/{model}", "api_base": url, "api_key": SECRET, "temperature": None,
                            "max_tokens": None, "cache": cache, "num_retries": 0, "model_type": "chat"}
    if engine:
        spec["engine"] = engine
    if timeout is not None:
        spec["timeout"] = timeout
    return {"id": f"lm-{next(_ids)}", "version": 1, "spec": spec if with_spec else None}


def sig(outputs: List[Dict[str, Any]], inputs: Optional[List[Dict[str, Any]]] = None,
        instructions: Optional[str] = "Answer the question.") -> Dict[str, Any]:
    return {"instructions": instructions,
            "inputs": inputs or [{"name": "question", "type": "str", "desc": "a question"}],
            "outputs": outputs}


def prog(kind: str, signature: Optional[Dict[str, Any]] = None, **extra: Any) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"kind": kind, **extra}
    if signature is not None:
        spec["signature"] = signature
    return {"id": f"prog-{next(_ids)}", "version": 1, "spec": spec}


QA = sig([{"name": "answer", "type": "str", "desc": None}])
TYPED = sig([
    {"name": "count", "type": "int", "desc": "a number"},
    {"name": "flag", "type": "bool", "desc": None},
    {"name": "tags", "type": "list[str]", "desc": None},
    {"name": "label", "type": "Literal['pos', 'neg', 'neutral']", "desc": None},
    {"name": "weights", "type": "dict[str, float]", "desc": None},
    {"name": "maybe", "type": "Optional[int]", "desc": None},
    {"name": "note", "type": "str", "desc": None},
])


def check_typed(outputs: Dict[str, Any]) -> None:
    assert isinstance(outputs["count"], int) and not isinstance(outputs["count"], bool)
    assert isinstance(outputs["flag"], bool)
    assert isinstance(outputs["tags"], list) and outputs["tags"] and all(isinstance(t, str) for t in outputs["tags"])
    assert outputs["label"] in ("pos", "neg", "neutral")
    assert isinstance(outputs["weights"], dict) and all(isinstance(v, float) for v in outputs["weights"].values())
    assert isinstance(outputs["maybe"], int)
    assert "placeholder" in outputs["note"].lower()


# ----------------------------------------------------------------------------- basics

@pytest.mark.process
def test_module_name_does_not_shadow_the_library() -> None:
    assert bridge.dspy is dspy
    assert dspy.__name__ == "dspy" and hasattr(dspy, "Predict") and hasattr(dspy, "ChainOfThought")
    assert bridge.__name__ == "taipan_worker.dspy"
    assert not dspy.__file__.startswith(bridge.__file__.rsplit("/", 1)[0])
    out = subprocess.run([sys.executable, "-c", "import taipan_worker.dspy as b, dspy; "
                          "print(b.dspy is dspy, dspy.__name__, b.describe()['dspy'])"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "dspy", dspy.__version__]


def test_describe() -> None:
    d = bridge.describe()
    assert d["dspy"] == dspy.__version__ == importlib.metadata.version("dspy")
    assert d["python"] == sys.version.split()[0]


def test_the_installed_dspy_is_in_the_supported_range() -> None:
    # The range is the dspy extra's requirement; the suite runs on its oldest and newest version.
    declared = [Requirement(r) for r in importlib.metadata.requires("taipan-worker") or []]
    (dspy_req,) = [r for r in declared if r.name == "dspy"]
    assert dspy_req.specifier.contains(dspy.__version__), (dspy.__version__, str(dspy_req.specifier))
    assert HAS_ENGINES == (Version(dspy.__version__) >= Version("3.4"))


def test_engines_this_dspy_has() -> None:
    spec = {"model": "openai/taipan-local", "api_base": "http://127.0.0.1:9/v1", "api_key": SECRET,
            "num_retries": 0, "cache": False}
    assert build_lm({**spec, "engine": "litellm"}).model == "openai/taipan-local"
    assert build_lm({**spec, "engine": "auto"}).model == "openai/taipan-local"
    with pytest.raises(SpecError, match="engine"):
        build_lm({**spec, "engine": "carrier-pigeon"})
    if HAS_ENGINES:
        assert build_lm({**spec, "engine": "lm15"}).model == "openai/taipan-local"
    else:
        # DSPy 3.3: LiteLLM is the only engine; the native one is refused, not silently replaced.
        with pytest.raises(SpecError, match="needs DSPy 3.4"):
            build_lm({**spec, "engine": "lm15"})
        assert "engine" not in build_lm({**spec, "engine": "litellm"}).kwargs


def test_history_and_trace_are_off() -> None:
    assert dspy.settings.disable_history is True
    assert dspy.settings.trace is None


@pytest.mark.parametrize("text,expected", [
    ("str", str), ("int", int), ("float", float), ("bool", bool), ("dict", dict), ("list", list),
    ("list[str]", list[str]), ("dict[str, int]", dict[str, int]), ("list[dict[str, float]]", list[dict[str, float]]),
    ("Optional[int]", Optional[int]), ("Literal['a', \"b c\"]", __import__("typing").Literal["a", "b c"]),
    ("Optional[list[Literal['x', 'y']]]", Optional[list[__import__("typing").Literal["x", "y"]]]),
])
def test_type_parser(text: str, expected: Any) -> None:
    assert bridge.parse_type(text) == expected


@pytest.mark.parametrize("text", ["os.system", "__import__('os')", "list[", "dict[int, str]", "Foo", "int]", "",
                                  "Literal[x]", "list[str] extra", "Literal[1.5]", "str[int]", "typing.List[str]",
                                  "list[str, int]", "Optional[]", "Literal[]"])
def test_type_parser_rejects(text: str) -> None:
    with pytest.raises(SpecError):
        bridge.parse_type(text)


def test_spec_errors() -> None:
    with pytest.raises(SpecError):
        bridge.build_program({"kind": "teleport", "signature": QA})
    with pytest.raises(SpecError):
        bridge.build_program({"kind": "predict", "signature": sig([{"name": "x", "type": "Widget"}])})
    with pytest.raises(SpecError):
        bridge.build_program({"kind": "composite", "steps": [{"name": "forward", "program": {"kind": "predict",
                              "signature": QA}, "inputs": {"question": "input.question"}}], "outputs": {"a": "forward.answer"}})
    with pytest.raises(SpecError):
        bridge.build_program({"kind": "composite", "steps": [{"name": "s1", "program": {"kind": "predict",
                              "signature": QA}, "inputs": {"question": "nope.question"}}], "outputs": {"a": "s1.answer"}})


# ----------------------------------------------------------------------------- module kinds

@pytest.mark.parametrize("kind,config,reasoning", [
    ("predict", {}, False),
    ("chain_of_thought", {}, True),
    ("multi_chain_comparison", {"M": 2}, True),
    ("react", {"max_iters": 3}, True),
])
def test_every_kind_with_typed_outputs(server_url: str, kind: str, config: Dict[str, Any], reasoning: bool) -> None:
    pred = bridge.run(program=prog(kind, TYPED, config=config), inputs={"question": f"kind {kind}"},
                      lm=lm_ref(server_url), adapter=None)
    check_typed(pred["outputs"])
    assert set(pred["outputs"]) == {"count", "flag", "tags", "label", "weights", "maybe", "note"}
    assert (pred["reasoning"] is not None) == reasoning
    if reasoning:
        assert "placeholder reasoning" in pred["reasoning"].lower()
    usage = pred["usage"]["openai/taipan-local"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert pred["completions"] == []
    json.dumps(pred)  # wire-safe


@pytest.mark.parametrize("adapter", ["chat", "json"])
@pytest.mark.parametrize("engine", [None, "litellm"])
def test_adapters_and_engines(server_url: str, adapter: str, engine: Optional[str]) -> None:
    pred = bridge.run(program=prog("chain_of_thought", TYPED), inputs={"question": "adapters"},
                      lm=lm_ref(server_url, engine=engine), adapter=adapter)
    check_typed(pred["outputs"])
    assert pred["reasoning"]


def test_same_inputs_same_outputs_across_adapters(server_url: str) -> None:
    lm = lm_ref(server_url)
    a = bridge.run(program=prog("predict", TYPED), inputs={"question": "same"}, lm=lm, adapter="chat")
    b = bridge.run(program=prog("predict", TYPED), inputs={"question": "same"}, lm=lm, adapter="json")
    assert a["outputs"] == b["outputs"]


def test_n_gives_completions(server_url: str) -> None:
    pred = bridge.run(program=prog("predict", TYPED, config={"n": 3, "temperature": 0.7}),
                      inputs={"question": "several"}, lm=lm_ref(server_url))
    assert len(pred["completions"]) == 3
    for completion in pred["completions"]:
        check_typed(completion)
    assert pred["completions"][0] == pred["outputs"]


def test_composite(server_url: str) -> None:
    spec = {"kind": "composite",
            "steps": [
                {"name": "rewrite", "program": {"kind": "predict", "signature": sig(
                    [{"name": "query", "type": "str"}])}, "inputs": {"question": "input.question"}},
                {"name": "answer", "program": {"kind": "chain_of_thought", "signature": sig(
                    [{"name": "answer", "type": "int"}, {"name": "sure", "type": "bool"}],
                    inputs=[{"name": "query", "type": "str"}, {"name": "question", "type": "str"}])},
                 "inputs": {"query": "rewrite.query", "question": "input.question"}}],
            "outputs": {"answer": "answer.answer", "sure": "answer.sure", "query": "rewrite.query",
                        "why": "answer.reasoning"}}
    ref = {"id": "composite-1", "version": 1, "spec": spec}
    pred = bridge.run(program=ref, inputs={"question": "composite?"}, lm=lm_ref(server_url), adapter="json")
    out = pred["outputs"]
    assert isinstance(out["answer"], int) and isinstance(out["sure"], bool)
    assert "query" in out["query"] and "reasoning" in out["why"].lower()
    module = bridge._programs.get(("composite-1", 1)).module
    assert [name for name, _ in module.named_predictors()] == ["rewrite", "answer.predict"]
    assert set(module.dump_state()) >= {"rewrite", "answer.predict"}


# ----------------------------------------------------------------------------- caching

def test_not_cached_round_trip(server_url: str) -> None:
    lm = lm_ref(server_url)
    ref = prog("predict", QA)
    bare = {"id": ref["id"], "version": 1, "spec": None}
    with pytest.raises(ProgramNotCached) as info:
        bridge.run(program=bare, inputs={"question": "q"}, lm=lm)
    assert f"{type(info.value).__module__}.{type(info.value).__qualname__}" == "taipan_worker.dspy.ProgramNotCached"
    first = bridge.run(program=ref, inputs={"question": "q"}, lm=lm)
    again = bridge.run(program=bare, inputs={"question": "q"}, lm=lm)
    assert first["outputs"] == again["outputs"]
    with pytest.raises(ProgramNotCached):  # another version is another program
        bridge.run(program={"id": ref["id"], "version": 2, "spec": None}, inputs={"question": "q"}, lm=lm)

    bare_lm = {"id": f"lm-{next(_ids)}", "version": 1, "spec": None}
    with pytest.raises(LmNotCached) as info2:
        bridge.run(program=bare, inputs={"question": "q"}, lm=bare_lm)
    assert f"{type(info2.value).__module__}.{type(info2.value).__qualname__}" == "taipan_worker.dspy.LmNotCached"
    bridge.run(program=bare, inputs={"question": "q"}, lm={**bare_lm, "spec": lm["spec"]})
    assert bridge.run(program=bare, inputs={"question": "q"}, lm=bare_lm)["outputs"] == first["outputs"]


def test_lm_cache_flag(server_url: str) -> None:
    question = f"cache me {uuid.uuid4()}"
    cached = lm_ref(server_url, cache=True)
    uncached = lm_ref(server_url, cache=False)
    program = prog("predict", QA)
    before = requests_served(server_url)
    bridge.run(program=program, inputs={"question": question}, lm=cached)
    bridge.run(program=program, inputs={"question": question}, lm=cached)
    assert requests_served(server_url) - before == 1
    before = requests_served(server_url)
    bridge.run(program=program, inputs={"question": question}, lm=uncached)
    bridge.run(program=program, inputs={"question": question}, lm=uncached)
    assert requests_served(server_url) - before == 2


def test_run_metrics_count_lm_calls_cache_hits_and_tokens(server_url: str) -> None:
    question = f"meter me {uuid.uuid4()}"
    cached = lm_ref(server_url, cache=True)
    program = prog("predict", QA)
    first = bridge.run(program=program, inputs={"question": question}, lm=cached)
    model = "openai/taipan-local"
    tokens = first["usage"][model]
    assert tokens["prompt_tokens"] > 0 and tokens["completion_tokens"] > 0
    # The meter counts the tokens DSPy's tracker does; the local model has no price: unpriced, not 0.
    assert first["metrics"] == {"lm": {model: {"calls": 1, "cache_hits": 0, "errors": 0,
                                               "prompt_tokens": tokens["prompt_tokens"],
                                               "completion_tokens": tokens["completion_tokens"],
                                               "cost_usd": 0.0, "unpriced": 1}}, "parse_failures": 0}
    again = bridge.run(program=program, inputs={"question": question}, lm=cached)
    assert again["metrics"]["lm"][model] == {"calls": 1, "cache_hits": 1, "errors": 0, "prompt_tokens": 0,
                                             "completion_tokens": 0, "cost_usd": 0.0, "unpriced": 0}
    assert not again["usage"].get(model)  # a cached answer is not billed


@pytest.mark.parametrize("engine", [None, "litellm"])
def test_run_metrics_price_a_model_litellm_knows(server_url: str, engine: Optional[str]) -> None:
    import litellm

    question = f"price me {uuid.uuid4()}"
    lm = lm_ref(server_url, "gpt-4o-mini", cache=True, engine=engine)
    program = prog("predict", QA)
    first = bridge.run(program=program, inputs={"question": question}, lm=lm)["metrics"]["lm"]["openai/gpt-4o-mini"]
    assert first["calls"] == 1 and first["unpriced"] == 0
    # LiteLLM's own price for those tokens, from its bundled (offline) table.
    prompt_usd, completion_usd = litellm.cost_per_token(model="gpt-4o-mini", prompt_tokens=first["prompt_tokens"],
                                                        completion_tokens=first["completion_tokens"])
    assert first["cost_usd"] > 0
    assert first["cost_usd"] == pytest.approx(prompt_usd + completion_usd, rel=1e-6)
    again = bridge.run(program=program, inputs={"question": question}, lm=lm)["metrics"]["lm"]["openai/gpt-4o-mini"]
    assert again["cache_hits"] == 1 and again["cost_usd"] == 0.0 and again["unpriced"] == 0  # cached: free


def test_a_stream_is_metered_like_a_run(server_url: str) -> None:
    chunks = list(bridge.stream(program=prog("predict", QA), inputs={"question": f"stream {uuid.uuid4()}"},
                                lm=lm_ref(server_url)))
    usage = chunks[-1]["prediction"]["metrics"]["lm"]["openai/taipan-local"]
    assert usage["calls"] == 1 and usage["prompt_tokens"] > 0 and usage["unpriced"] == 1


def test_run_meter_counts_lm_errors_and_parse_failures() -> None:
    meter = bridge.RunMeter()
    class Lm:
        model = "m"

    meter.on_lm_start("c1", Lm(), {})
    meter.on_lm_end("c1", None, RuntimeError("down"))
    meter.on_adapter_parse_end("c2", None, ValueError("bad json"))
    meter.on_adapter_parse_end("c3", {"answer": "ok"}, None)
    assert meter.to_wire() == {"lm": {"m": {"calls": 1, "cache_hits": 0, "errors": 1, "prompt_tokens": 0,
                                            "completion_tokens": 0, "cost_usd": 0.0, "unpriced": 0}},
                               "parse_failures": 1}


def test_a_failed_run_reports_what_it_spent_before_its_error(taipan: Any, server_url: str) -> None:
    reported: List[Any] = []
    lm = lm_ref(server_url, "taipan-local-fail-malformed")
    with pytest.raises(Exception) as info:
        taipan.call_with("taipan_worker.dspy:run", kwargs={"program": prog("predict", QA),
                                                           "inputs": {"question": "q"}, "lm": lm},
                         callbacks={"dspy:usage": reported.append})
    assert info.value.error_type == "dspy.utils.exceptions.AdapterParseError"
    assert len(reported) == 1, reported
    usage = reported[0]["lm"]["openai/taipan-local-fail-malformed"]
    # The ChatAdapter's answer, then its JSON fallback: two LM calls, both unparseable, both billed.
    assert usage["calls"] >= 1 and usage["errors"] == 0 and usage["prompt_tokens"] > 0
    assert reported[0]["parse_failures"] >= 1
    # A failure before any LM call (a bad spec) costs no round trip.
    with pytest.raises(Exception):
        taipan.call_with("taipan_worker.dspy:run", kwargs={"program": prog("predict", QA), "inputs": "not a map",
                                                           "lm": lm}, callbacks={"dspy:usage": reported.append})
    assert len(reported) == 1


def test_a_failed_run_without_the_callback_still_raises_its_own_error(taipan: Any, server_url: str) -> None:
    lm = lm_ref(server_url, "taipan-local-fail-malformed")
    with pytest.raises(Exception) as info:
        taipan.call("taipan_worker.dspy:run", program=prog("predict", QA), inputs={"question": "q"}, lm=lm)
    assert info.value.error_type == "dspy.utils.exceptions.AdapterParseError"


# ----------------------------------------------------------------------------- state

def test_state_from_plain_dspy_loads_through_the_bridge(server_url: str) -> None:
    plain = dspy.ChainOfThought(dspy.Signature("question -> answer: int", "Answer the question."))
    plain.predict.demos = [dspy.Example(question="What is six times seven?", reasoning="6*7", answer=42)]
    state = json.loads(json.dumps(plain.dump_state()))  # as Java would store it
    signature = sig([{"name": "answer", "type": "int"}])
    without = bridge.run(program=prog("chain_of_thought", signature), inputs={"question": "What is six times seven?"},
                         lm=lm_ref(server_url))
    with_state = bridge.run(program=prog("chain_of_thought", signature, state=state),
                            inputs={"question": "What is six times seven?"}, lm=lm_ref(server_url))
    assert bridge.state(program={"id": "unseen", "version": 1, "spec": {"kind": "chain_of_thought",
                        "signature": signature, "state": state}})["predict"]["demos"] == state["predict"]["demos"]
    assert without["outputs"]["answer"] != 42
    assert with_state["outputs"]["answer"] == 42      # the few-shot-aware server follows the demo
    assert with_state["reasoning"] == "6*7"


def test_state_from_the_bridge_loads_into_plain_dspy(server_url: str) -> None:
    train = [{"inputs": {"question": f"q{i}"}, "labels": {"answer": f"a{i}"}} for i in range(3)]
    result = bridge.optimize(optimizer={"name": "labeled_few_shot", "params": {"k": 3}},
                             program=prog("chain_of_thought", QA), trainset=train, valset=None,
                             metric=None, lm=lm_ref(server_url), adapter=None)
    assert result["score"] is None
    state = json.loads(json.dumps(result["state"]))
    plain = dspy.ChainOfThought(dspy.Signature("question -> answer", "Answer the question."))
    plain.load_state(state)
    assert sorted(d["answer"] for d in plain.predict.demos) == ["a0", "a1", "a2"]
    lm = dspy.LM("openai/taipan-local", api_base=server_url, api_key=SECRET, cache=False, num_retries=0)
    with dspy.context(lm=lm):
        assert plain(question="q1").answer == "a1"


# ----------------------------------------------------------------------------- evaluate / optimize

TRAIN = [{"inputs": {"question": f"What is the code word number {i}?"}, "labels": {"answer": f"word-{i}"}}
         for i in range(6)]
EM = {"name": "exact_match", "field": "answer"}


def test_evaluate_both_metrics(server_url: str) -> None:
    lm = lm_ref(server_url)
    program = prog("predict", QA)
    em = bridge.evaluate(program=program, devset=TRAIN, metric=EM, lm=lm, adapter=None, num_threads=3)
    assert em["score"] == 0.0 and len(em["results"]) == len(TRAIN)
    assert all(r["error"] is None and r["score"] == 0.0 and r["prediction"]["outputs"]["answer"] for r in em["results"])
    passage = [{"inputs": e["inputs"], "labels": {"answer": "Taipan local LM server"}} for e in TRAIN[:2]] + \
              [{"inputs": TRAIN[2]["inputs"], "labels": {"answer": "not in there"}}]
    pm = bridge.evaluate(program=program, devset=passage, metric={"name": "passage_match", "field": "answer"},
                         lm=lm, adapter="json", num_threads=1)
    assert [r["score"] for r in pm["results"]] == [1.0, 1.0, 0.0]
    assert pm["score"] == 66.67
    exact = [{"inputs": e["inputs"], "labels": {"answer": r["prediction"]["outputs"]["answer"].upper() + " "}}
             for e, r in zip(TRAIN, em["results"])]
    assert bridge.evaluate(program=program, devset=exact, metric=EM, lm=lm, num_threads=2)["score"] == 100.0


def test_evaluate_reports_the_lm_usage_of_all_its_runs(server_url: str) -> None:
    lm = lm_ref(server_url)
    res = bridge.evaluate(program=prog("predict", QA), devset=TRAIN, metric=EM, lm=lm, num_threads=3)
    usage = res["metrics"]["lm"]["openai/taipan-local"]
    assert usage["calls"] == len(TRAIN) and usage["cache_hits"] == 0 and usage["unpriced"] == len(TRAIN)
    per_run = sum(r["prediction"]["usage"]["openai/taipan-local"]["prompt_tokens"] for r in res["results"])
    assert usage["prompt_tokens"] == per_run > 0
    failing = bridge.evaluate(program=prog("predict", QA), devset=TRAIN[:2], metric=EM,
                              lm=lm_ref(server_url, "taipan-local-fail-500"), num_threads=2)
    assert failing["metrics"]["lm"]["openai/taipan-local-fail-500"]["errors"] == 2


def test_evaluate_reports_per_example_errors(server_url: str) -> None:
    res = bridge.evaluate(program=prog("predict", QA), devset=TRAIN[:2], metric=EM,
                          lm=lm_ref(server_url, "taipan-local-fail-500"), num_threads=2)
    assert res["score"] == 0.0
    assert all(r["prediction"] is None and r["error"].startswith("dspy.utils.exceptions.LMServerError")
               for r in res["results"])
    assert SECRET not in json.dumps(res)


def _demos(state: Dict[str, Any]) -> List[Dict[str, Any]]:
    if "demos" in state:
        return state["demos"]
    return [d for v in state.values() if isinstance(v, dict) for d in v.get("demos", [])]


@pytest.mark.parametrize("optimizer", [
    {"name": "labeled_few_shot", "params": {"k": 6}},
    {"name": "bootstrap_few_shot", "params": {"max_bootstrapped_demos": 2, "max_labeled_demos": 6, "max_rounds": 1}},
    {"name": "bootstrap_few_shot_random_search",
     "params": {"num_candidate_programs": 1, "max_bootstrapped_demos": 1, "max_labeled_demos": 6, "num_threads": 2}},
])
@pytest.mark.parametrize("kind", ["predict", "chain_of_thought"])
def test_few_shot_optimizers_change_demos_and_score(server_url: str, optimizer: Dict[str, Any], kind: str) -> None:
    lm = lm_ref(server_url)
    program = prog(kind, QA)
    before = bridge.evaluate(program=program, devset=TRAIN, metric=EM, lm=lm, num_threads=3)["score"]
    result = bridge.optimize(optimizer=optimizer, program=program, trainset=TRAIN, valset=TRAIN[:4],
                             metric=EM, lm=lm, adapter=None)
    demos = _demos(result["state"])
    assert len(demos) >= 4
    assert {d["answer"] for d in demos} <= {e["labels"]["answer"] for e in TRAIN}
    after_ref = {"id": program["id"], "version": 2, "spec": {**program["spec"], "state": result["state"]}}
    after = bridge.evaluate(program=after_ref, devset=TRAIN, metric=EM, lm=lm, num_threads=3)["score"]
    assert before == 0.0
    assert after >= 4 / 6 * 100 - 0.01
    assert result["score"] == 100.0  # on the valset, whose examples are all demos
    # The whole optimization's LM calls (bootstrapping on its threads, the validation), in aggregate.
    usage = result["metrics"]["lm"]["openai/taipan-local"]
    assert usage["calls"] >= len(TRAIN[:4]) and usage["prompt_tokens"] > 0


def test_mipro_v2_smallest_budget(server_url: str) -> None:
    params = {"auto": None, "num_candidates": 2, "num_trials": 2, "max_bootstrapped_demos": 1,
              "max_labeled_demos": 2, "minibatch": False, "num_threads": 2}
    result = bridge.optimize(optimizer={"name": "mipro_v2", "params": params}, program=prog("chain_of_thought", QA),
                             trainset=TRAIN, valset=TRAIN[:4], metric=EM, lm=lm_ref(server_url), adapter=None)
    assert "predict" in result["state"] and "signature" in result["state"]["predict"]
    assert isinstance(result["score"], float)


def test_gepa_smallest_budget(server_url: str) -> None:
    params = {"max_metric_calls": 8, "reflection_minibatch_size": 2, "num_threads": 2}
    result = bridge.optimize(optimizer={"name": "gepa", "params": params}, program=prog("predict", QA),
                             trainset=TRAIN, valset=TRAIN[:4], metric=EM, lm=lm_ref(server_url), adapter=None)
    assert result["state"]["signature"]["instructions"]
    assert isinstance(result["score"], float)


def test_optimizer_parameter_errors(server_url: str) -> None:
    with pytest.raises(SpecError):
        bridge.optimize(optimizer={"name": "labeled_few_shot", "params": {"kk": 1}}, program=prog("predict", QA),
                        trainset=TRAIN, metric=None, lm=lm_ref(server_url))
    with pytest.raises(SpecError):
        bridge.optimize(optimizer={"name": "simba"}, program=prog("predict", QA), trainset=TRAIN, metric=EM,
                        lm=lm_ref(server_url))


# ----------------------------------------------------------------------------- failures

EXPECTED_ERRORS = {
    # (failure, engine) -> qualified error_type the worker reports
    ("429", None): "dspy.utils.exceptions.LMRateLimitError",
    ("500", None): "dspy.utils.exceptions.LMServerError",
    # DSPy 3.4's native engine reports a timeout as a transport error; 3.3's default is LiteLLM.
    ("timeout", None): "dspy.utils.exceptions.LMTransportError" if HAS_ENGINES else "dspy.utils.exceptions.LMTimeoutError",
    ("malformed", None): "dspy.utils.exceptions.AdapterParseError",
    ("429", "litellm"): "dspy.utils.exceptions.LMRateLimitError",
    ("500", "litellm"): "dspy.utils.exceptions.LMServerError",
    ("timeout", "litellm"): "dspy.utils.exceptions.LMTimeoutError",
    ("malformed", "litellm"): "dspy.utils.exceptions.AdapterParseError",
}


@pytest.mark.parametrize("failure,engine", sorted(EXPECTED_ERRORS, key=lambda k: (k[0], k[1] or "")))
def test_injected_failures_map_to_dspy_exceptions(server_url: str, failure: str, engine: Optional[str]) -> None:
    lm = lm_ref(server_url, f"taipan-local-fail-{failure}", engine=engine, timeout=1.0)
    with pytest.raises(Exception) as info:
        bridge.run(program=prog("predict", QA), inputs={"question": "fail"}, lm=lm)
    exc = info.value
    assert f"{type(exc).__module__}.{type(exc).__qualname__}" == EXPECTED_ERRORS[(failure, engine)]
    expected_code = {"429": "rate_limit", "500": "server", "malformed": "adapter_parse_error",
                     "timeout": "transport" if engine is None and HAS_ENGINES else "timeout"}[failure]
    assert exc.code == expected_code
    chain: Optional[BaseException] = exc
    while chain is not None:
        assert SECRET not in str(chain) and SECRET not in repr(chain.args)
        chain = chain.__cause__ or chain.__context__


# ----------------------------------------------------------------------------- through the worker runtime

def test_through_the_worker_runtime(host: Any, server_url: str) -> None:
    worker = host.start(modules="taipan_worker.dspy")
    assert worker.value("taipan_worker.dspy:describe")["dspy"] == dspy.__version__
    ref = {"id": "rt", "version": 1, "spec": None}
    lm = lm_ref(server_url, with_spec=False)
    msg = worker.invoke("taipan_worker.dspy:run", {"program": ref, "inputs": {"question": "q"}, "lm": lm})
    assert msg["type"] == "error" and msg["error_type"] == "taipan_worker.dspy.ProgramNotCached", msg
    ref["spec"] = {"kind": "predict", "signature": TYPED}
    msg = worker.invoke("taipan_worker.dspy:run", {"program": ref, "inputs": {"question": "q"}, "lm": lm})
    assert msg["type"] == "error" and msg["error_type"] == "taipan_worker.dspy.LmNotCached", msg
    lm_full = {**lm, "spec": lm_ref(server_url)["spec"]}
    pred = worker.value("taipan_worker.dspy:run", {"program": ref, "inputs": {"question": "q"}, "lm": lm_full})
    check_typed(pred["outputs"])
    ref["spec"] = None
    assert worker.value("taipan_worker.dspy:run", {"program": ref, "inputs": {"question": "q"}, "lm": lm}) == pred
    dumped = worker.value("taipan_worker.dspy:state", {"program": ref})
    assert dumped["demos"] == [] and dumped["lm"] is None
    bad = lm_ref(server_url, "taipan-local-fail-429")
    cid = worker.call("taipan_worker.dspy:run", {"program": ref, "inputs": {"question": "q"}, "lm": bad})
    # Before its error, the failed run reports its LM call through the Java callback; a host
    # that has no such callback answers with an error, and the run's own error still follows.
    msg = worker.recv_for(cid)
    assert msg["type"] == "callback" and msg["name"] == "dspy:usage", msg
    assert msg["args"]["lm"]["openai/taipan-local-fail-429"]["errors"] == 1
    worker.send({"v": 1, "type": "callback_result", "id": cid, "callback_id": msg["callback_id"], "value": None,
                 "error": "UnknownCallback: no Java callback named 'dspy:usage'"})
    msg = worker.recv_for(cid)
    assert msg["type"] == "error" and msg["error_type"] == "dspy.utils.exceptions.LMRateLimitError", msg
    assert SECRET not in msg["message"] and SECRET not in msg["traceback"]
    assert SECRET not in worker.stdout.text and SECRET not in worker.stderr.text
