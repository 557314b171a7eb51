"""The value domain (docs/PROTOCOL.md, "Values"; protocol/value-domain.json): which Python
values cross the wire, and, for one that does not, the path of its bad part.

The encoders in :mod:`taipan_worker.protocol` check every value here before packing it, so
what Java's decoder would refuse is refused here first, with ``args[0]["items"][3]``-style
paths that read the same as the Java side's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

#: The value domain (docs/PROTOCOL.md, "Values"; protocol/value-domain.json): containers nest at
#: most MAX_DEPTH levels, counted from each value's own root; integers lie in [INT_MIN, INT_MAX];
#: map keys are str or int (never bool); strings are Unicode scalar values.
MAX_DEPTH = 256
INT_MIN = -(2**63)
INT_MAX = 2**64 - 1


class ValueDomainError(TypeError, ValueError):
    """A value to send is outside the value domain; the message starts with its path. A
    ``TypeError`` and a ``ValueError``, as msgpack's own refusals were."""


#: Types that are values with no containers inside (their own checks are msgpack's: ints in
#: range, strings without lone surrogates, valid UTF-8 on decode).
_LEAF_TYPES = frozenset({type(None), bool, int, float, str, bytes, bytearray, memoryview})
_KEY_TYPES = frozenset({str, int})

def _walk(value: Any, level: int) -> Optional[bool]:
    """Fast structural check of a value's containers: ``None`` if some container is nested
    past :data:`MAX_DEPTH` or has a key that is not a plain str or int (or anything the fast
    check does not know: :func:`find_problem` decides), else whether it holds any map.
    ``level`` is the level of ``value`` itself if it is a container."""
    maps = False
    stack = [(value, level)]
    pop, push = stack.pop, stack.append
    leaf = _LEAF_TYPES
    while stack:
        v, lvl = pop()
        if lvl > MAX_DEPTH:
            return None
        cls = v.__class__
        if cls is dict:
            maps = True
            if not set(map(type, v)) <= _KEY_TYPES:
                return None
            items: Any = v.values()
        elif cls is list or cls is tuple:
            items = v
        else:
            return None
        if set(map(type, items)) <= leaf:
            continue
        for x in items:
            if x.__class__ not in leaf:
                push((x, lvl + 1))
    return maps


def check_value(value: Any, root: str, level: int = 1) -> None:
    """Raise :class:`ValueDomainError` if ``value`` (named ``root``) cannot be sent: the
    structure is checked here, the scalars by the packer (see :func:`find_problem`)."""
    cls = value.__class__
    if cls in _LEAF_TYPES or ((cls is list or cls is tuple) and set(map(type, value)) <= _LEAF_TYPES):
        return  # a flat list: no container inside, nothing past the limits
    if _walk(value, level) is not None:
        return
    problem = find_problem(value, root, level)
    if problem is not None:
        raise ValueDomainError(problem)


def check_message_values(msg: Dict[str, Any]) -> None:
    """:func:`check_value` for every field of a message about to be encoded (each its own root;
    a call's ``args`` holds the roots)."""
    call = msg.get("type") == "call"
    for key, value in msg.items():
        if value.__class__ not in _LEAF_TYPES:
            check_value(value, key, 0 if call and key == "args" else 1)


def _domain_error(msg: Dict[str, Any], exc: BaseException) -> ValueDomainError:
    """The packer refused a message: name the path of the bad part if a value holds it."""
    for key, value in msg.items():
        level = 0 if key == "args" and msg.get("type") == "call" else 1
        problem = find_problem(value, key, level)
        if problem is not None:
            return ValueDomainError(problem)
    return ValueDomainError(f"{type(exc).__name__}: {exc}")


def segment(key: Any) -> str:
    """The path segment of a map key, as the Java side writes it: ``["name"]`` or ``[3]``."""
    if key.__class__ is not str and not isinstance(key, str):
        return f"[{key}]"
    out = []
    for ch in key[:60]:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or "\ud800" <= ch <= "\udfff":
            out.append(f"\\u{ord(ch):04x}")  # never a lone surrogate in a message
        else:
            out.append(ch)
    return '["' + "".join(out) + ('..."]' if len(key) > 60 else '"]')


def _join(root: str, segments: List[str]) -> str:
    """A path; a very deep one is shortened in the middle, as the Java side does."""
    n = len(segments)
    if n > 24:
        segments = segments[:12] + [f"...({n - 20} levels)..."] + segments[n - 8 :]
    return root + "".join(segments)


def find_problem(value: Any, root: str, level: int = 1) -> Optional[str]:
    """The first part of ``value`` outside the value domain, as ``path: reason``, or None."""
    return _problem(value, root, [], level, set())


def _problem(v: Any, root: str, path: List[str], level: int, on_path: set) -> Optional[str]:
    if v is None or isinstance(v, (bool, float, bytes, bytearray, memoryview)):
        return None
    if isinstance(v, int):
        if INT_MIN <= v <= INT_MAX:
            return None
        return f"{_join(root, path)}: an integer of {v.bit_length()} bits is outside [-2^63, 2^64-1]"
    if isinstance(v, str):
        return _string_problem(v, root, path)
    if isinstance(v, (list, tuple, dict)):
        if id(v) in on_path:
            return f"{_join(root, path)}: the value contains itself (a cycle)"
        if level > MAX_DEPTH:
            return f"{_join(root, path)}: nested deeper than {MAX_DEPTH} levels"
        on_path.add(id(v))
        try:
            if isinstance(v, dict):
                for k, x in v.items():
                    if k.__class__ is bool or not isinstance(k, (str, int)):
                        return (f"{_join(root, path)}: a map key of type {_type_name(k)} cannot be sent: "
                                "map keys are str or int")
                    problem = _problem(k, root, path, 1, on_path)
                    if problem is not None:
                        return problem.replace(": ", ": map key: ", 1)
                    path.append(segment(k))
                    problem = _problem(x, root, path, level + 1, on_path)
                    path.pop()
                    if problem is not None:
                        return problem
            else:
                for i, x in enumerate(v):
                    path.append(f"[{i}]")
                    problem = _problem(x, root, path, level + 1, on_path)
                    path.pop()
                    if problem is not None:
                        return problem
        finally:
            on_path.discard(id(v))
        return None
    return (f"{_join(root, path)}: cannot send a {_type_name(v)}: use dict, list, tuple, str, int, float, bool, "
            "bytes or None")


def _string_problem(s: str, root: str, path: List[str]) -> Optional[str]:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"{_join(root, path)}: string has a lone surrogate U+{ord(s[exc.start]):04X} at index {exc.start}"
    return None


def _type_name(v: Any) -> str:
    cls = type(v)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"
