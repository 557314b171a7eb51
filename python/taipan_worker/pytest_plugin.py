"""The pytest plugin of ``taipan-worker`` (entry point ``pytest11``: installing the package
is enough): the ``taipan`` fixture, a :class:`~taipan_worker.harness.Harness` per test.

    def test_add(taipan):
        assert taipan.call("my_module:add", 2, 3) == 5

Only pytest imports this module; the worker runtime never does.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .harness import Harness


@pytest.fixture
def taipan() -> Iterator[Harness]:
    """Calls ``@function``s through the real protocol and dispatch, as the Java pool would."""
    harness = Harness()
    try:
        yield harness
    finally:
        harness.close()
