"""A signature field's type, from its string (the shared grammar, ``taipan_worker.typegrammar``)
to the Python annotation DSPy takes. Only a closed set is accepted from Java: ``str``,
``int``, ``float``, ``bool``, ``dict``, ``list``, ``list[T]``, ``dict[str, T]``,
``Literal['a', 'b']`` (strings, ints, booleans) and ``Optional[T]``; nothing is evaluated."""

from __future__ import annotations

from typing import Any, Literal, Optional

from ..typegrammar import TypeExpr, TypeSyntaxError, parse
from .errors import SpecError

_SIMPLE = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict, "list": list}
_ALLOWED = "str, int, float, bool, dict, list[T], dict[str, T], Literal[...], Optional[T]"


def parse_type(text: str) -> Any:
    """Parse a type string of the closed set (``str``, ``int``, ``float``, ``bool``, ``dict``,
    ``list[T]``, ``dict[str, T]``, ``Literal['a', 'b']``, ``Optional[T]``) without eval."""
    try:
        expr = parse(text)
    except TypeSyntaxError as exc:
        raise SpecError(f"cannot parse type {text!r}: {exc}") from None
    return _annotation(expr, text)


def _annotation(expr: TypeExpr, text: str) -> Any:
    if expr.is_literal:
        raise SpecError(f"expected a type name in {text!r}, got the value {expr.literal!r}")
    name, args = expr.name, expr.args
    if expr.qualified != name:
        raise SpecError(f"unknown type name {expr.qualified!r} in {text!r}; allowed: {_ALLOWED}")
    if not args and name in _SIMPLE:
        return _SIMPLE[name]
    if name == "list" and len(args) == 1:
        return list[_annotation(args[0], text)]  # type: ignore[misc]
    if name == "dict" and len(args) == 2:
        if _annotation(args[0], text) is not str:
            raise SpecError(f"dict keys must be str in type {text!r}")
        return dict[str, _annotation(args[1], text)]  # type: ignore[misc]
    if name == "Optional" and len(args) == 1:
        return Optional[_annotation(args[0], text)]
    if name == "Literal" and args:
        values = []
        for arg in args:
            value = arg.literal
            if not arg.is_literal or not isinstance(value, (str, int)):  # bool is an int
                raise SpecError(f"Literal values must be strings, ints or booleans in type {text!r}")
            values.append(value)
        return Literal.__getitem__(tuple(values))  # type: ignore[attr-defined]
    if name in _SIMPLE or name in ("Optional", "Literal"):
        raise SpecError(f"wrong arguments for {name!r} in type {text!r}; allowed: {_ALLOWED}")
    raise SpecError(f"unknown type name {name!r} in {text!r}; allowed: {_ALLOWED}")
