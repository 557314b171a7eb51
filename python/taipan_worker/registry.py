"""The ``@function`` decorator and the registry of decorated functions.

Decorating only records the function; the worker exposes a decorated function only if the
module that defines it (``spec.module``) is on the worker's allow-list (``--modules``).
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, TypeVar, Union, overload

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    module: str
    func: Callable[..., Any]
    session: bool = False
    idempotent: bool = False
    is_async: bool = False
    #: ``"sync"`` for a generator function, ``"async"`` for an async generator: each yielded
    #: value is streamed to the host as a ``chunk``.
    streams: Optional[str] = None
    signature: Optional[inspect.Signature] = field(default=None, compare=False)
    #: ``(least, most)`` positional arguments (``most`` is -1 for ``*args``) such that a call
    #: with only that many positional arguments certainly binds to ``signature``; ``None``
    #: when there is no signature or it has a keyword-only parameter without a default.
    positional_range: Optional[Tuple[int, int]] = field(default=None, compare=False)


_lock = threading.Lock()
_registry: Dict[str, FunctionSpec] = {}


def _signature(func: Callable[..., Any]) -> Optional[inspect.Signature]:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):  # some builtins/C functions have no signature
        return None


def positional_range(signature: Optional[inspect.Signature]) -> Optional[Tuple[int, int]]:
    """How many positional arguments alone bind to ``signature`` (see ``FunctionSpec``)."""
    if signature is None:
        return None
    least = most = 0
    for param in signature.parameters.values():
        kind = param.kind
        if kind is inspect.Parameter.POSITIONAL_ONLY or kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            most += 1
            if param.default is inspect.Parameter.empty:
                least = most
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            most = -1
        elif kind is inspect.Parameter.KEYWORD_ONLY:
            if param.default is inspect.Parameter.empty:
                return None
            # VAR_KEYWORD never prevents binding
    return least, most


def make_spec(func: Callable[..., Any], name: str, module: str, session: bool = False,
              idempotent: bool = False) -> FunctionSpec:
    signature = _signature(func)
    return FunctionSpec(
        name=name,
        module=module,
        func=func,
        session=session,
        idempotent=idempotent,
        is_async=inspect.iscoroutinefunction(func),
        streams="async" if inspect.isasyncgenfunction(func) else "sync" if inspect.isgeneratorfunction(func) else None,
        signature=signature,
        positional_range=positional_range(signature),
    )


def _register(func: Callable[..., Any], name: Optional[str], session: bool, idempotent: bool = False) -> None:
    module = getattr(func, "__module__", None) or "__main__"
    if name is None:
        full = f"{module}:{func.__name__}"
    elif ":" in name:
        full = name
    else:
        full = f"{module}:{name}"
    spec = make_spec(func, full, module, session, idempotent)
    with _lock:
        old = _registry.get(full)
        if old is not None and old.module != module:
            raise ValueError(f"function name {full!r} is already registered by module {old.module!r}")
        _registry[full] = spec  # re-registration from the same module (reload) replaces


@overload
def function(func: F) -> F: ...


@overload
def function(func: None = None, *, name: Optional[str] = None, session: bool = False,
             idempotent: bool = False) -> Callable[[F], F]: ...


def function(
    func: Optional[F] = None, *, name: Optional[str] = None, session: bool = False, idempotent: bool = False
) -> Union[F, Callable[[F], F]]:
    """Expose a function to the Java pool as ``"<module>:<function name>"``.

    Usable bare (``@function``) or with options (``@function(name=..., session=True)``).
    ``name`` replaces the function-name part (or the whole name if it contains ``:``).
    A session-aware function receives its per-session ``dict`` as keyword ``session``.
    ``idempotent=True`` says running it twice is safe: if its worker dies mid-call, the pool
    runs the call again on another worker. The function itself is returned unchanged.
    """

    def decorate(f: F) -> F:
        if not callable(f):
            raise TypeError("@function must decorate a callable")
        _register(f, name, session, idempotent)
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
