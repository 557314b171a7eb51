"""Process set-up shared by spawned workers (``__main__``) and the zygote.

Only the standard library, and nothing heavy: these run before the worker imports anything,
so a worker whose parent is already gone exits before doing any work.
"""

from __future__ import annotations

import os
import sys


def set_parent_death_signal(sig: int = 9) -> None:
    """Linux: get ``sig`` (SIGKILL by default) when the parent (thread) dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except Exception:
        pass


def exit_if_parent_is_not(expected: "int | None") -> None:
    """If our parent is already someone else, it died before the parent-death signal was set
    (so it will never fire): exit at once."""
    if expected is not None and os.getppid() != expected:
        os._exit(0)


def own_process_group() -> None:
    """Lead a process group of our own: whatever the worker starts can be signalled as one
    group, and a terminal's Ctrl-C reaches the JVM (which shuts the pool down), not us."""
    try:
        os.setpgid(0, 0)
    except (AttributeError, OSError):
        pass


def parent_pid_argument(argv: "list[str]") -> "int | None":
    """The value of ``--parent-pid`` in ``argv``, read before argparse is imported."""
    value = None
    for i, arg in enumerate(argv):
        if arg == "--parent-pid" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--parent-pid="):
            value = arg.split("=", 1)[1]
    try:
        return None if value is None else int(value)
    except ValueError:
        return None  # argparse reports it


# ---------------------------------------------------------------- no process outlives the pool
#
# Linux re-parents an orphan to its nearest living ancestor that is a "child subreaper", or to
# init. Every Taipan process tree is therefore topped by a guardian (see guard_descendants):
# whatever user code forks, double-forks or starts in a new session stays below it, and when
# the process it guards ends, the guardian ends everything left. A zygote and its forked
# workers are subreapers too, so the zygote can tell which orphans belonged to a worker that died.

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Linux: orphaned descendants re-parent to us instead of to init. False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except Exception:
        return False


def children_by_parent() -> "dict[int, list[int]]":
    """Every live process's children, from /proc (Linux; empty elsewhere)."""
    children: "dict[int, list[int]]" = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return children
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(name))
    return children


def descendants(root: int, keep: "set[int] | frozenset[int]" = frozenset()) -> "list[int]":
    """Every live descendant of ``root``, parents before their children, leaving out the
    processes in ``keep`` and everything below them."""
    children = children_by_parent()
    found: "list[int]" = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in keep:
                found.append(child)
                todo.append(child)
    return found


def kill_quietly(pid: int, sig: int = 9) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass  # already gone


def end_all_descendants() -> None:
    """SIGKILL every descendant and reap until no child is left. Only for a subreaper: an
    orphan made by a kill re-parents to us, so the next round finds and ends it."""
    while True:
        for pid in descendants(os.getpid()):
            kill_quietly(pid)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def exit_status(wait_status: int) -> int:
    """A wait status as the JVM reports it: the exit code, or 128 + the signal number."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def reap_children() -> "list[tuple[int, int]]":
    """Every child that has ended, without waiting: (pid, wait status) pairs, in the order the
    kernel gives them; empty when none has ended (or there are no children)."""
    ended: "list[tuple[int, int]]" = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended.append((pid, status))


def drain_pipe(fd: int) -> None:
    """Reads a non-blocking pipe empty (a self-pipe's wake-up bytes carry no data)."""
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def guard_descendants() -> None:
    """Linux: split in two. The child returns and goes on as the worker (or zygote); this
    process stays behind as the tree's guardian and never returns: a subreaper that forwards
    SIGTERM and SIGINT to the child, and when the child ends (however) or its own parent dies,
    kills every process left below it and exits with the child's status.

    Elsewhere (no subreapers) it does nothing. The guardian keeps fd 2 and drops fds 0 and 1,
    so it never holds a pipe end the JVM waits on."""
    if not become_subreaper():
        return
    import signal

    guardian = os.getpid()
    parent = os.getppid()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        set_parent_death_signal()
        exit_if_parent_is_not(guardian)
        return
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)

    def forward(sig: int, _frame: object) -> None:
        kill_quietly(child, sig)

    def parent_gone(_sig: int, _frame: object) -> None:
        for pid in descendants(guardian):
            kill_quietly(pid)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGHUP, parent_gone)
    # Our own parent-death signal becomes SIGHUP: if the JVM is SIGKILLed we still clean up.
    set_parent_death_signal(signal.SIGHUP)
    if os.getppid() != parent:
        parent_gone(signal.SIGHUP, None)  # it died before the signal was set
    status = 0
    while True:
        try:
            pid, wait_status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            status = exit_status(wait_status)
            break
    end_all_descendants()
    os._exit(status)
