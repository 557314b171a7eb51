"""Session snapshots: which session states can be snapshotted, and why one cannot.

A snapshot is the session's ``dict`` sent to the host as protocol values, so that the host
can restore it on another worker if this one dies. Only values that come back *as
themselves* are allowed: ``None``, ``bool``, ``int`` (within 64 bits), ``float``, ``str``,
``bytes``, ``list`` and ``dict`` with ``str`` keys. A tuple, set, bytearray or any other
object is refused with the path of the offending value rather than being silently changed
(a tuple would come back as a list).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from .values import INT_MAX, INT_MIN

#: Values of ``session_open.snapshots`` / ``session_restore.snapshots``.
AFTER_EACH_CALL = "after_each_call"
ON_REQUEST = "on_request"
MODES = frozenset({AFTER_EACH_CALL, ON_REQUEST})

#: The built-in, session-aware function the host calls for an on-request snapshot.
SNAPSHOT_FUNCTION = "session_snapshot"

#: Bytes of the maximum frame size a ``session_state`` frame leaves unused, so that the
#: ``session_restore`` carrying the same state (a slightly larger envelope) always fits: a
#: snapshot the host keeps can always be restored.
RESTORE_HEADROOM = 64

_SCALARS = (str, bytes, float)
_ALLOWED = "None, bool, int, float, str, bytes, list and dict with str keys"


def _describe(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def snapshot_problem(state: Any, root: str = "session") -> Optional[str]:
    """``None`` if ``state`` holds only snapshot values, else a sentence naming the first bad one."""
    found = find_problem(state, root)
    return None if found is None else found[1]


def find_problem(state: Any, root: str = "session") -> Optional[Tuple[str, str]]:
    """``None`` if ``state`` holds only snapshot values, else ``(path, sentence)`` for the first bad one.

    Walks the value iteratively (no recursion limit) and refuses a container that contains
    itself.
    """
    # (value, path, ids of the containers above it)
    stack: List[Tuple[Any, str, Tuple[int, ...]]] = [(state, root, ())]
    while stack:
        value, path, above = stack.pop()
        if value is None or value is True or value is False or value.__class__ in _SCALARS:
            continue
        cls = value.__class__
        if cls is int:
            if not INT_MIN <= value <= INT_MAX:
                return path, f"{path} is an int outside 64 bits ({value}); snapshots hold only {_ALLOWED}"
            continue
        if cls is dict or cls is list:
            if id(value) in above:
                return path, f"{path} contains itself; snapshots hold only trees of {_ALLOWED}"
            inner = above + (id(value),)
            if cls is list:
                for i in range(len(value) - 1, -1, -1):
                    stack.append((value[i], f"{path}[{i}]", inner))
            else:
                for key, item in reversed(list(value.items())):
                    if key.__class__ is not str:
                        return path, (f"{path} has key {key!r}, a {_describe(key)}: snapshot dicts need str keys; "
                                f"snapshots hold only {_ALLOWED}")
                    stack.append((item, f"{path}[{key!r}]", inner))
            continue
        hint = " (it would come back as a list)" if isinstance(value, tuple) else ""
        return path, f"{path} is a {_describe(value)}{hint}; snapshots hold only {_ALLOWED}"
    return None


__all__ = ["AFTER_EACH_CALL", "ON_REQUEST", "MODES", "RESTORE_HEADROOM", "SNAPSHOT_FUNCTION", "find_problem", "snapshot_problem"]
