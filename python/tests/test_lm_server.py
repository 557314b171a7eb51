"""The local LM server over raw HTTP (stdlib client): formats, determinism, few-shot,
n, usage, streaming, failure injection, lifetime."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlparse

import pytest

CHAT_SYSTEM = """Your input fields are:
1. `question` (str): a question
Your output fields are:
1. `answer` (int): the number
2. `ok` (bool): 
3. `tags` (list[str]): 
4. `label` (Literal['pos', 'neg']): 
5. `meta` (dict[str, float]): 
6. `note` (str): 
7. `maybe` (Union[int, NoneType]):
All interactions will be structured in the following way, with the appropriate values filled in.

[[ ## question ## ]]
{question}

[[ ## answer ## ]]
{answer}

[[ ## completed ## ]]
In adhering to this structure, your objective is: 
        Answer."""

REQUIREMENTS = ("Respond with the corresponding output fields, starting with the field `[[ ## answer ## ]]` "
                "(must be formatted as a valid Python int), and then ending with the marker for "
                "`[[ ## completed ## ]]`.")


class Server:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "taipan_worker.lm_server", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        assert line.startswith("TAIPAN_LM_SERVER http://127.0.0.1:"), (line, self.proc.stderr.read() if self.proc.stderr else "")
        self.url = line.split()[1]
        parsed = urlparse(self.url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80

    def request(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Tuple[int, Dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def chat(self, body: Dict[str, Any], timeout: float = 10.0) -> Tuple[int, Dict[str, str], Any]:
        status, headers, raw = self.request("POST", "/v1/chat/completions", body, timeout)
        return status, headers, json.loads(raw) if raw and not body.get("stream") else raw

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server("--hold-s", "3")
    try:
        yield s
    finally:
        s.stop()


def chat_body(question: str, model: str = "taipan-local", **extra: Any) -> Dict[str, Any]:
    return {"model": model, "messages": [
        {"role": "system", "content": CHAT_SYSTEM},
        {"role": "user", "content": f"[[ ## question ## ]]\n{question}\n\n{REQUIREMENTS}"}], **extra}


def sections(text: str) -> Dict[str, str]:
    out: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for line in text.splitlines():
        m = re.match(r"^\[\[ ## (\w+) ## \]\]$", line.strip())
        if m:
            current = out.setdefault(m.group(1), [])
        elif current is not None:
            current.append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def test_health_and_models_say_placeholder(server: Server) -> None:
    status, _, raw = server.request("GET", "/health")
    assert status == 200 and json.loads(raw)["status"] == "ok"
    status, _, raw = server.request("GET", "/v1/models")
    models = json.loads(raw)
    assert status == 200
    ids = [m["id"] for m in models["data"]]
    assert "taipan-local" in ids and "taipan-local-fail-429" in ids
    assert "placeholder" in models["note"] and all("placeholder" in m["description"] for m in models["data"])
    assert server.request("GET", "/nope")[0] == 404


def test_chat_format_typed_fields(server: Server) -> None:
    status, _, body = server.chat(chat_body("What is 2+2?"))
    assert status == 200
    content = body["choices"][0]["message"]["content"]
    assert content.rstrip().endswith("[[ ## completed ## ]]")
    found = sections(content)
    assert list(found) == ["answer", "ok", "tags", "label", "meta", "note", "maybe", "completed"]
    assert isinstance(json.loads(found["answer"]), int)
    assert json.loads(found["ok"]) in (True, False)
    tags = json.loads(found["tags"])
    assert isinstance(tags, list) and all(isinstance(t, str) for t in tags)
    assert found["label"] in ("pos", "neg")
    meta = json.loads(found["meta"])
    assert isinstance(meta, dict) and all(isinstance(v, float) for v in meta.values())
    assert "placeholder" in found["note"].lower() and "hash" in found["note"]
    assert isinstance(json.loads(found["maybe"]), int)
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    assert body["usage"]["prompt_tokens"] > 50


def test_deterministic_and_input_dependent(server: Server) -> None:
    a1 = server.chat(chat_body("q-one"))[2]["choices"][0]["message"]["content"]
    a2 = server.chat(chat_body("q-one"))[2]["choices"][0]["message"]["content"]
    b = server.chat(chat_body("q-two"))[2]["choices"][0]["message"]["content"]
    assert a1 == a2
    assert a1 != b


def test_fields_from_the_user_requirements_when_no_system_block(server: Server) -> None:
    body = {"model": "taipan-local", "messages": [
        {"role": "user", "content": "[[ ## question ## ]]\nhi\n\n" + REQUIREMENTS}]}
    content = server.chat(body)[2]["choices"][0]["message"]["content"]
    found = sections(content)
    assert set(found) == {"answer", "completed"} and isinstance(json.loads(found["answer"]), int)


def test_few_shot_demo_with_same_input_is_followed(server: Server) -> None:
    body = chat_body("the demo question")
    demo_user = {"role": "user", "content": "[[ ## question ## ]]\nthe demo question"}
    demo_assistant = {"role": "assistant", "content": "[[ ## answer ## ]]\n42\n\n[[ ## ok ## ]]\nTrue\n\n"
                      "[[ ## note ## ]]\nNot supplied for this particular example. \n\n[[ ## completed ## ]]\n"}
    other_user = {"role": "user", "content": "[[ ## question ## ]]\nanother question"}
    other_assistant = {"role": "assistant", "content": "[[ ## answer ## ]]\n7\n\n[[ ## completed ## ]]\n"}
    body["messages"] = [body["messages"][0], other_user, other_assistant, demo_user, demo_assistant, body["messages"][1]]
    found = sections(server.chat(body)[2]["choices"][0]["message"]["content"])
    assert found["answer"] == "42" and found["ok"] == "True"
    assert "placeholder" in found["note"].lower()     # "not supplied" is generated, not copied
    assert found["label"] in ("pos", "neg")            # fields the demo lacks are generated


def test_json_schema_response_format(server: Server) -> None:
    schema = {"type": "object", "properties": {
        "answer": {"type": "integer"}, "ok": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
        "label": {"type": "string", "enum": ["x", "y", "z"]}, "score": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        "sub": {"$ref": "#/$defs/Sub"}},
        "$defs": {"Sub": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "required": ["answer", "ok", "tags", "label", "score", "sub"]}
    body = chat_body("json please", response_format={"type": "json_schema", "json_schema": {"name": "Out", "schema": schema}})
    obj = json.loads(server.chat(body)[2]["choices"][0]["message"]["content"])
    assert list(obj) == ["answer", "ok", "tags", "label", "score", "sub"]
    assert isinstance(obj["answer"], int) and isinstance(obj["ok"], bool)
    assert obj["label"] in ("x", "y", "z") and isinstance(obj["score"], float)
    assert isinstance(obj["sub"]["name"], str)


def test_json_object_mode_uses_prompt_fields(server: Server) -> None:
    body = chat_body("json object please", response_format={"type": "json_object"})
    obj = json.loads(server.chat(body)[2]["choices"][0]["message"]["content"])
    assert list(obj) == ["answer", "ok", "tags", "label", "meta", "note", "maybe"]
    assert isinstance(obj["answer"], int) and obj["label"] in ("pos", "neg")


def test_n_choices(server: Server) -> None:
    body = server.chat(chat_body("many", n=3))[2]
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    first = body["choices"][0]["message"]["content"]
    assert first == server.chat(chat_body("many"))[2]["choices"][0]["message"]["content"]
    assert len({c["message"]["content"] for c in body["choices"]}) == 3


def test_streaming_sse(server: Server) -> None:
    plain = server.chat(chat_body("stream me"))[2]["choices"][0]["message"]["content"]
    status, headers, raw = server.chat(chat_body("stream me", stream=True, stream_options={"include_usage": True}))
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = [line[len("data: "):] for line in raw.decode().split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    pieces = [c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]]
    assert len([p for p in pieces if p]) > 5
    assert "".join(pieces) == plain
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def test_failure_429_500_malformed(server: Server) -> None:
    status, headers, body = server.chat(chat_body("x", model="taipan-local-fail-429"))
    assert status == 429 and headers["retry-after"] == "1" and body["error"]["code"] == "rate_limit_exceeded"
    status, _, body = server.chat(chat_body("x", model="openai/taipan-local-fail-500"))
    assert status == 500 and body["error"]["type"] == "server_error"
    status, _, body = server.chat(chat_body("x", model="taipan-local-fail-malformed"))
    content = body["choices"][0]["message"]["content"]
    assert status == 200 and "[[ ##" not in content
    with pytest.raises(ValueError):
        json.loads(content)


def test_failure_timeout_holds_longer_than_the_client_waits(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(socket.timeout):
        server.chat(chat_body("x", model="taipan-local-fail-timeout"), timeout=0.5)
    assert time.monotonic() - started >= 0.5
    # the server still answers others meanwhile (threaded)
    assert server.chat(chat_body("still alive"))[0] == 200


def test_bad_requests(server: Server) -> None:
    status, _, raw = server.request("POST", "/v1/chat/completions", None)
    assert status == 200  # an empty body is an empty request: a plain placeholder
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("POST", "/v1/chat/completions", body=b"{not json", headers={"Content-Type": "application/json"})
    assert conn.getresponse().status == 400
    conn.close()
    assert server.request("POST", "/chat/completions", chat_body("alias"))[0] == 200


@pytest.mark.process
def test_latency_is_simulated() -> None:
    s = Server("--latency-ms", "300")
    try:
        started = time.monotonic()
        assert s.chat(chat_body("slow"))[0] == 200
        assert time.monotonic() - started >= 0.3
    finally:
        s.stop()


@pytest.mark.process
def test_exits_when_stdin_closes() -> None:
    s = Server()
    try:
        assert s.request("GET", "/health")[0] == 200
        assert s.proc.stdin is not None
        s.proc.stdin.close()
        assert s.proc.wait(timeout=10) == 0
    finally:
        s.stop()
