"""Taipan worker runtime: run Python functions for a Java process pool."""

from typing import Any

__version__ = "0.1.0"

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
