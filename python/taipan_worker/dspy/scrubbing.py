"""API keys never leave the bridge: every key an LM spec carried is remembered, and removed
(``***``) from whatever message escapes a bridge function."""

from __future__ import annotations

import threading
from typing import Any, Optional

_lock = threading.Lock()
_secrets: "set[str]" = set()


def remember(secret: str) -> None:
    """A value to scrub from now on (an LM's API key)."""
    with _lock:
        _secrets.add(secret)


def scrub(text: str) -> str:
    with _lock:
        secrets = [s for s in _secrets if len(s) >= 4]
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def scrub_exception(exc: BaseException) -> None:
    """Remove any known API key from an exception chain's messages, in place (the type,
    which Java maps, is kept)."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            current.args = tuple(scrub(a) if isinstance(a, str) else a for a in current.args)
            for attr in ("message", "lm_response"):
                value = getattr(current, attr, None)
                if isinstance(value, str):
                    setattr(current, attr, scrub(value))
        except Exception:
            pass
        current = current.__cause__ or current.__context__


class Guard:
    """Scrubs secrets from whatever escapes a bridge function."""

    def __enter__(self) -> "Guard":
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if exc is not None and _secrets:
            scrub_exception(exc)
        return False
