"""The grammar of a signature field's type, as DSPy renders annotations: ``name`` or
``name[arg, ...]``, where an argument is a type or a literal (``'quoted'``, ``"quoted"``,
``12``, ``-1.5``, ``True``, ``False``). Examples: ``list[str]``, ``dict[str, int]``,
``Literal['a', "b c"]``, ``Optional[list[int]]``, ``typing.Union[float, NoneType]``.

One parser for both readers of the grammar: the DSPy bridge (``taipan_worker.dspy.types``),
which accepts only its closed set of types from Java, and the local LM server, which reads
the types DSPy writes into its prompts and answers with a value of that shape. Parsing
never evaluates anything.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

__all__ = ["TypeExpr", "TypeSyntaxError", "parse", "parse_prefix", "LITERAL"]

#: The ``name`` of a literal argument (its value is in ``TypeExpr.literal``).
LITERAL = "="

_WORD = re.compile(r"[A-Za-z_][\w.]*|-?\d+(?:\.\d+)?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class TypeSyntaxError(ValueError):
    """The text is not a type of this grammar."""


class TypeExpr:
    """A parsed type: ``name`` (the last part of a dotted name: ``typing.List`` is ``List``,
    as written in ``qualified``) with its bracketed ``args``; or a literal argument, whose
    ``name`` is :data:`LITERAL` and whose value is ``literal``."""

    __slots__ = ("name", "args", "literal", "qualified")

    def __init__(self, name: str, args: Optional[List["TypeExpr"]] = None, literal: Any = None,
                 qualified: Optional[str] = None) -> None:
        self.name = name
        self.args = args or []
        self.literal = literal
        self.qualified = qualified if qualified is not None else name

    @property
    def is_literal(self) -> bool:
        return self.name == LITERAL

    def __repr__(self) -> str:
        if self.is_literal:
            return repr(self.literal)
        return self.qualified + (f"[{', '.join(map(repr, self.args))}]" if self.args else "")


def parse(text: str) -> TypeExpr:
    """Parse the whole of ``text`` (surrounding whitespace allowed); raises
    :class:`TypeSyntaxError` if it is not one type of the grammar."""
    if not isinstance(text, str) or not text.strip():
        raise TypeSyntaxError(f"a type must be a non-empty string, got {text!r}")
    expr, pos = _parse(text, 0)
    pos = _skip(text, pos)
    if pos != len(text):
        raise TypeSyntaxError(f"unexpected {text[pos:]!r} in type {text!r}")
    return expr


def parse_prefix(text: str) -> Tuple[TypeExpr, int]:
    """Parse the type at the start of ``text``: ``(type, where it ends)``; what follows is
    left to the caller (the LM server reads types out of prose)."""
    return _parse(text, 0)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _parse(text: str, pos: int) -> Tuple[TypeExpr, int]:
    pos = _skip(text, pos)
    if pos < len(text) and text[pos] in "'\"":
        return _quoted(text, pos)
    m = _WORD.match(text, pos)
    if not m:
        raise TypeSyntaxError(f"expected a type name at position {pos} of {text!r}")
    token = m.group(0)
    pos = m.end()
    if _NUMBER.fullmatch(token):
        return TypeExpr(LITERAL, literal=float(token) if "." in token else int(token)), pos
    args: List[TypeExpr] = []
    pos = _skip(text, pos)
    if pos < len(text) and text[pos] == "[":
        pos += 1
        while True:
            arg, pos = _parse(text, pos)
            args.append(arg)
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise TypeSyntaxError(f"expected ',' or ']' at position {pos} of {text!r}")
    if token in ("True", "False") and not args:
        return TypeExpr(LITERAL, literal=(token == "True")), pos
    return TypeExpr(token.rsplit(".", 1)[-1], args, qualified=token), pos


def _quoted(text: str, pos: int) -> Tuple[TypeExpr, int]:
    """A quoted literal; a backslash keeps the character after it."""
    quote = text[pos]
    end = pos + 1
    out: List[str] = []
    while True:
        if end >= len(text):
            raise TypeSyntaxError(f"unterminated string in type {text!r}")
        ch = text[end]
        if ch == quote:
            return TypeExpr(LITERAL, literal="".join(out)), end + 1
        if ch == "\\":
            end += 1
            if end >= len(text):
                raise TypeSyntaxError(f"unterminated string in type {text!r}")
            ch = text[end]
        out.append(ch)
        end += 1
