"""Process set-up shared by spawned workers (``__main__``) and the zygote.

Only the standard library, and nothing heavy: these run before the worker imports anything,
so a worker whose parent is already gone exits before doing any work.
"""

from __future__ import annotations

import os
import sys


def set_parent_death_signal() -> None:
    """Linux: get SIGKILL when the parent (thread) dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        SIGKILL = 9
        libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
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
