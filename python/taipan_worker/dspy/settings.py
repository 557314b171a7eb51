"""DSPy's global settings, made once when the bridge is imported."""

from __future__ import annotations

import os

import dspy

MEMORY_CACHE_ENTRIES = int(os.environ.get("TAIPAN_DSPY_MEMORY_CACHE_ENTRIES", "10000"))


def configure_once() -> None:
    """Configure DSPy once, at import (the worker imports allow-listed modules on its main
    thread). Nothing grows per call: no global/LM/module history, no trace. Response caching
    is per LM (``dspy.LM(cache=...)``); the in-memory response cache is bounded."""
    dspy.configure(disable_history=True, trace=None, max_history_size=0, track_usage=False)
    try:
        dspy.configure_cache(enable_disk_cache=True, enable_memory_cache=True,
                             memory_max_entries=MEMORY_CACHE_ENTRIES)
    except Exception:  # e.g. an unwritable cache directory: DSPy already fell back at import
        pass
    try:
        dspy.disable_litellm_logging()
    except Exception:
        pass
    try:
        # Load LiteLLM now, while the worker starts, not inside its first call (~1.5 s).
        import litellm  # noqa: F401
    except Exception:
        pass
