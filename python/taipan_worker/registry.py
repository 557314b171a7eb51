"""The ``@function`` decorator and the registry of decorated functions.

Decorating only records the function; the worker exposes a decorated function only if the
module that defines it (``spec.module``) is on the worker's allow-list (``--modules``).
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, TypeVar, Union, overload

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    module: str
    func: Callable[..., Any]
    session: bool = False
    is_async: bool = False
    signature: Optional[inspect.Signature] = field(default=None, compare=False)


_lock = threading.Lock()
_registry: Dict[str, FunctionSpec] = {}


def _signature(func: Callable[..., Any]) -> Optional[inspect.Signature]:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):  # some builtins/C functions have no signature
        return None


def make_spec(func: Callable[..., Any], name: str, module: str, session: bool = False) -> FunctionSpec:
    return FunctionSpec(
        name=name,
        module=module,
        func=func,
        session=session,
        is_async=inspect.iscoroutinefunction(func),
        signature=_signature(func),
    )


def _register(func: Callable[..., Any], name: Optional[str], session: bool) -> None:
    module = getattr(func, "__module__", None) or "__main__"
    if name is None:
        full = f"{module}:{func.__name__}"
    elif ":" in name:
        full = name
    else:
        full = f"{module}:{name}"
    spec = make_spec(func, full, module, session)
    with _lock:
        old = _registry.get(full)
        if old is not None and old.module != module:
            raise ValueError(f"function name {full!r} is already registered by module {old.module!r}")
        _registry[full] = spec  # re-registration from the same module (reload) replaces


@overload
def function(func: F) -> F: ...


@overload
def function(func: None = None, *, name: Optional[str] = None, session: bool = False) -> Callable[[F], F]: ...


def function(
    func: Optional[F] = None, *, name: Optional[str] = None, session: bool = False
) -> Union[F, Callable[[F], F]]:
    """Expose a function to the Java pool as ``"<module>:<function name>"``.

    Usable bare (``@function``) or with options (``@function(name=..., session=True)``).
    ``name`` replaces the function-name part (or the whole name if it contains ``:``).
    A session-aware function receives its per-session ``dict`` as keyword ``session``.
    The function itself is returned unchanged.
    """

    def decorate(f: F) -> F:
        if not callable(f):
            raise TypeError("@function must decorate a callable")
        _register(f, name, session)
        return f

    if func is not None:
        return decorate(func)
    return decorate


def registered() -> List[FunctionSpec]:
    """Every decorated function seen so far, exposed or not."""
    with _lock:
        return list(_registry.values())


def exposed(modules: Iterable[str]) -> Dict[str, FunctionSpec]:
    """The decorated functions defined in one of the allow-listed ``modules``."""
    allowed = set(modules)
    with _lock:
        return {name: spec for name, spec in _registry.items() if spec.module in allowed}
