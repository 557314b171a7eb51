"""What differs between the DSPy versions the bridge supports (the ``dspy`` extra in
pyproject.toml: the oldest and the newest of that range are tested), kept in this one module.

DSPy 3.4 added HTTP engines: ``dspy.LM(engine="auto" | "lm15" | "litellm")``, where ``"auto"``
(the default) prefers DSPy's vendored native engine, lm15. DSPy 3.3 has LiteLLM only and no
``engine`` parameter: ``dspy.LM`` would pass the keyword through to LiteLLM as a request
parameter. Everything else the bridge uses (the ``dspy.utils.exceptions`` LM errors with their
``code``, streaming, the optimizers) is the same from 3.3 on; DSPy 3.2 and older raise
LiteLLM's own exceptions, which is why the range starts at 3.3.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict

import dspy

from .errors import SpecError

# Whether this DSPy's LM takes an engine (3.4+); without one every request goes through LiteLLM.
HAS_ENGINES = "engine" in inspect.signature(dspy.LM.__init__).parameters
ENGINES = ("auto", "litellm", "lm15")


def engine_kwargs(engine: Any) -> Dict[str, Any]:
    """The ``dspy.LM`` keyword for an LM spec's ``engine`` (nil: DSPy's default)."""
    if engine is None:
        return {}
    if HAS_ENGINES:
        return {"engine": engine}  # DSPy checks the name itself
    if engine in ("auto", "litellm"):
        return {}  # LiteLLM is this DSPy's only engine: what both names mean here
    if engine == "lm15":
        raise SpecError(f"engine 'lm15' needs DSPy 3.4 or newer; this worker has DSPy {dspy.__version__},"
                        " whose only engine is LiteLLM ('litellm' or 'auto')")
    raise SpecError(f"invalid LM spec: engine must be one of {', '.join(ENGINES)}, got {engine!r}")
