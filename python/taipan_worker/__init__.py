"""Taipan worker runtime: run Python functions for a Java process pool."""

from typing import Any

from ._version import find as _find_version

__version__ = _find_version()

__all__ = ["__version__", "function", "current_call", "call_java", "CallbackError"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``python -m taipan_worker`` can set the parent-death signal before
    # anything heavy is imported.
    if name == "function":
        from .registry import function

        return function
    if name in ("current_call", "call_java", "CallbackError"):
        from . import context

        return getattr(context, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
