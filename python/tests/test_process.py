"""Process trees (guardian, subreaper, descendants) and the zygote's bounded output pieces."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from taipan_worker.process import descendants, exit_status
from taipan_worker.zygote import _MAX_LINE_BYTES, cut_lines, utf8_boundary


def test_a_long_line_is_cut_into_marked_pieces_and_never_kept_whole() -> None:
    partial = bytearray(b"x" * (3 * _MAX_LINE_BYTES + 10))
    lines, more = cut_lines(partial)
    assert [len(line) for line in lines] == [_MAX_LINE_BYTES] * 3
    assert more == [True, True, True]
    assert len(partial) == 10, "only less than a piece stays behind"
    partial += b"\nnext\n"
    lines, more = cut_lines(partial)
    assert lines == ["x" * 10, "next"] and more == [False, False]
    assert not partial


def test_pieces_are_cut_before_an_incomplete_character() -> None:
    data = bytearray(b"a" * (_MAX_LINE_BYTES - 1) + "é".encode() + b"b")
    assert utf8_boundary(data, _MAX_LINE_BYTES) == _MAX_LINE_BYTES - 1
    lines, more = cut_lines(data)
    assert lines == ["a" * (_MAX_LINE_BYTES - 1)] and more == [True]
    assert bytes(data) == "éb".encode()


@pytest.mark.process
def test_descendants_include_grandchildren_and_leave_out_kept_subtrees() -> None:
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import subprocess, sys, time
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        print(p.pid, flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(child.stdout.readline())
        found = descendants(os.getpid())
        assert child.pid in found and grandchild in found
        assert found.index(child.pid) < found.index(grandchild), "parents first"
        assert grandchild not in descendants(os.getpid(), keep={child.pid})
    finally:
        child.kill()
        child.wait()
        try:
            os.kill(grandchild, 9)
        except (OSError, UnboundLocalError):
            pass


@pytest.mark.process
def test_the_guardian_ends_what_its_child_left_and_passes_on_its_status() -> None:
    # The guarded child double-forks a daemon (new session), reports its pid, then exits 7.
    script = textwrap.dedent("""
        import os, sys, time
        from taipan_worker.process import guard_descendants
        guard_descendants()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            os._exit(0)
        os.wait()  # the middle process is gone: the daemon has been re-parented
        print(" ".join(map(str, [os.getpid(), os.getppid()])), flush=True)
        sys.stdin.readline()
        os._exit(7)
    """)
    guardian = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)
    worker, parent = map(int, guardian.stdout.readline().split())
    assert parent == guardian.pid
    daemons = [p for p in descendants(guardian.pid) if p != worker]
    assert daemons, "the daemon re-parented to the guardian (a subreaper), not to init"
    guardian.stdin.write("\n")
    guardian.stdin.flush()
    assert guardian.wait(timeout=10) == 7
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in daemons):
        time.sleep(0.01)  # polling interval of a bounded wait
    assert not any(_alive(p) for p in daemons)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] != b"Z"


def test_exit_status_is_the_code_or_128_plus_the_signal() -> None:
    assert exit_status(3 << 8) == 3
    assert exit_status(9) == 137
