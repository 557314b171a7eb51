"""The signature-type grammar both the DSPy bridge and the local LM server read."""

from __future__ import annotations

import pytest

from taipan_worker import lm_server
from taipan_worker.typegrammar import LITERAL, TypeExpr, TypeSyntaxError, parse, parse_prefix


def test_names_arguments_and_literals() -> None:
    t = parse(" dict[str, list[Literal['a', \"b \\\" c\", -3, 1.5, True]]] ")
    assert (t.name, [a.name for a in t.args]) == ("dict", ["str", "list"])
    literals = t.args[1].args[0]
    assert literals.name == "Literal"
    assert all(a.is_literal and a.name == LITERAL for a in literals.args)
    assert [a.literal for a in literals.args] == ["a", 'b " c', -3, 1.5, True]


def test_a_dotted_name_keeps_its_last_part_and_the_whole() -> None:
    t = parse("typing.Union[float, NoneType]")
    assert (t.name, t.qualified, [a.name for a in t.args]) == ("Union", "typing.Union", ["float", "NoneType"])
    assert repr(t) == "typing.Union[float, NoneType]"


@pytest.mark.parametrize("text", ["", "   ", "list[", "list[]", "int]", "list[str] extra", "'open", "__import__('os')",
                                  "Literal['a' 'b']", "[str]"])
def test_rejects_what_is_not_one_type(text: str) -> None:
    with pytest.raises(TypeSyntaxError):
        parse(text)


def test_a_prefix_leaves_what_follows() -> None:
    t, end = parse_prefix("list[int] (must be formatted as a valid Python list[int])")
    assert t.name == "list" and t.args[0].name == "int" and end == len("list[int]")


def test_the_lm_server_reads_the_same_grammar_and_never_fails() -> None:
    t = lm_server.parse_type("Optional[list[Literal['x', 'y']]] and then")
    assert isinstance(t, TypeExpr)
    assert (t.name, t.args[0].name, [a.literal for a in t.args[0].args[0].args]) == ("Optional", "list", ["x", "y"])
    assert lm_server.parse_type("list[").name == "list["  # unparseable: an unknown name, answered as text
    assert lm_server.parse_type("").name == "str"
