"""What this worker has built, per ``(id, version)``, in bounded LRU maps. A reference that
names something not cached and carries no spec raises ``ProgramNotCached`` /
``LmNotCached``, and the Java side repeats the call with the spec."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, Tuple

from .builders import Built, build_lm, build_program
from .errors import LmNotCached, ProgramNotCached, SpecError

PROGRAM_CACHE_SIZE = 256
LM_CACHE_SIZE = 64


class Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: "OrderedDict[Tuple[str, int], Any]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Tuple[str, int]) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Tuple[str, int], value: Any) -> Any:
        """Insert unless present; return the cached value (first writer wins)."""
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._items.move_to_end(key)
                return old
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


programs = Lru(PROGRAM_CACHE_SIZE)
lms = Lru(LM_CACHE_SIZE)


def _cached(ref: Any, cache: Lru, build: Callable[[Any], Any], missing: type, what: str, spec_name: str) -> Any:
    """The object a reference names: from this worker's cache, else built from the spec the
    reference carries; with no spec, ``missing`` tells the Java side to send it."""
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not isinstance(ref.get("version"), int):
        raise SpecError(f"a {what} reference is {{'id': str, 'version': int, 'spec': {spec_name} | nil}}")
    key = (ref["id"], ref["version"])
    found = cache.get(key)
    if found is not None:
        return found
    spec = ref.get("spec")
    if spec is None:
        raise missing(f"{what} {key[0]!r} version {key[1]} is not cached on this worker; send its spec")
    return cache.put(key, build(spec))


def cached_program(ref: Any) -> Built:
    return _cached(ref, programs, build_program, ProgramNotCached, "program", "ProgramSpec")


def cached_lm(ref: Any) -> Any:
    return _cached(ref, lms, build_lm, LmNotCached, "LM", "LmSpec")


def reset() -> None:
    """For tests: forget every built program and LM."""
    programs.clear()
    lms.clear()


def sizes() -> Dict[str, int]:
    return {"programs": len(programs), "lms": len(lms)}
