"""The pytest plugin (``taipan`` fixture, taipan_worker.harness): small test files run by
pytester in this process, each calling a module's ``@function``s through the real protocol
and dispatch, and asserting what Java would see."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

MODULE = textwrap.dedent('''
    import asyncio
    from taipan_worker import call_java, function

    @function
    def add(a, b):
        return a + b

    @function
    def pair(x):
        return (x, {"nested": (1, 2)})

    @function
    def fail(message):
        raise KeyError(message)

    @function
    def unsendable():
        return {"items": [1, {2, 3}]}

    @function
    async def slow(seconds):
        await asyncio.sleep(seconds)
        return seconds

    @function
    def count(n):
        for i in range(n):
            yield i

    @function
    async def count_async(n):
        for i in range(n):
            yield {"i": i}

    @function
    def bad_chunk():
        yield 1
        yield object()

    @function
    def ask_java(x):
        return call_java("double", x) + 1

    def not_exposed():
        return 1
''')


def run(pytester: pytest.Pytester, tests: str, passed: int) -> None:
    pytester.makepyfile(plugmod=MODULE, test_it=textwrap.dedent(tests))
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=passed)


def test_the_entry_point_names_the_plugin() -> None:
    found = [e.value for e in entry_points(group="pytest11") if e.name == "taipan"]
    assert found == ["taipan_worker.pytest_plugin"], "reinstall the package: pip install -e python"


def test_calls_by_name_and_by_function_and_values_as_java_sees_them(pytester: pytest.Pytester) -> None:
    run(pytester, '''
        import plugmod

        def test_by_name(taipan):
            assert taipan.call("plugmod:add", 2, 3) == 5
            assert taipan.call("plugmod:add", a="x", b="y") == "xy"

        def test_by_function_tuples_arrive_as_lists(taipan):
            assert taipan.call(plugmod.pair, b"\\x00") == [b"\\x00", {"nested": [1, 2]}]

        def test_builtins(taipan):
            assert taipan.call("ping") == "pong"
    ''', 3)


def test_errors_are_javas_typed_exceptions(pytester: pytest.Pytester) -> None:
    run(pytester, '''
        import pytest
        import plugmod
        from taipan_worker.harness import (BadArgumentsException, PythonException, SerializationException,
                                           UnknownFunctionException)

        def test_python_exception(taipan):
            with pytest.raises(PythonException) as e:
                taipan.call(plugmod.fail, "nope")
            assert e.value.error_type == "KeyError"
            assert e.value.remote_message == "'nope'"
            assert "in fail" in e.value.traceback and "KeyError: 'nope'" in e.value.traceback
            assert e.value.kind == "exception"

        def test_a_result_that_cannot_cross(taipan):
            with pytest.raises(SerializationException) as e:
                taipan.call("plugmod:unsendable")
            assert e.value.path == 'value["items"][1]', e.value
            assert e.value.kind == "unserializable_result"
            assert "cannot send a set" in str(e.value)

        def test_an_argument_that_cannot_cross(taipan):
            with pytest.raises(SerializationException) as e:
                taipan.call("plugmod:add", {"k": {1}}, 2)
            assert e.value.path == 'args[0]["k"]', e.value

        def test_unknown_and_bad_arguments(taipan):
            with pytest.raises(UnknownFunctionException) as e:
                taipan.call("plugmod:not_exposed")
            assert "plugmod:add" in str(e.value)
            with pytest.raises(BadArgumentsException):
                taipan.call("plugmod:add", 1)

        def test_not_a_function(taipan):
            with pytest.raises(TypeError, match="is not a @function"):
                taipan.call(plugmod.not_exposed)
            with pytest.raises(TypeError, match="not both"):
                taipan.call(plugmod.add, 1, b=2)
    ''', 5)


def test_async_streams_timeouts_and_callbacks(pytester: pytest.Pytester) -> None:
    run(pytester, '''
        import time
        import pytest
        import plugmod
        from taipan_worker.harness import CallTimeoutException, SerializationException

        def test_async(taipan):
            assert taipan.call(plugmod.slow, 0.01) == 0.01

        def test_streams(taipan):
            assert taipan.stream(plugmod.count, 50) == list(range(50))  # past the window of 32: acks flow
            assert taipan.stream("plugmod:count_async", 3) == [{"i": 0}, {"i": 1}, {"i": 2}]
            assert taipan.call(plugmod.count, 3) is None  # as Java's call: the chunks are not its result

        def test_a_chunk_that_cannot_cross(taipan):
            with pytest.raises(SerializationException) as e:
                taipan.stream(plugmod.bad_chunk)
            assert e.value.chunks == [1]
            assert e.value.path == "data", e.value

        def test_timeout(taipan):
            started = time.monotonic()
            with pytest.raises(CallTimeoutException) as e:
                taipan.call_with(plugmod.slow, [30], timeout=0.2)
            assert e.value.kind == "deadline_exceeded"
            assert time.monotonic() - started < 5
            assert taipan.call("ping") == "pong"

        def test_callbacks(taipan):
            assert taipan.call_with(plugmod.ask_java, [20], callbacks={"double": lambda x: 2 * x}) == 41
            from taipan_worker.harness import PythonException
            with pytest.raises(PythonException, match="UnknownCallback"):
                taipan.call(plugmod.ask_java, 1)
    ''', 5)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "TESTING.md"


def test_the_examples_of_docs_testing_run(pytester: pytest.Pytester) -> None:
    """Every ```python block of docs/TESTING.md that starts with '# <file>.py' is that file."""
    blocks = re.findall(r"```python\n# (\w+)\.py\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    files = dict(blocks)
    assert set(files) >= {"my_module", "test_my_module"}, files.keys()
    pytester.makepyfile(**files)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", files["test_my_module"], re.M)))


@pytest.mark.process
def test_the_worker_runtime_never_imports_pytest() -> None:
    code = ("import sys, taipan_worker.runtime, taipan_worker.zygote, taipan_worker.harness, taipan_worker.__main__; "
            "sys.exit(1 if 'pytest' in sys.modules or 'taipan_worker.pytest_plugin' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
