"""What the bridge raises about its inputs; Java maps these by name (``taipan_worker.dspy.X``)."""

from __future__ import annotations

# The classes say they are of ``taipan_worker.dspy``, where users and the Java side (which
# matches the error's qualified type name) have always found them.
_PUBLIC_MODULE = "taipan_worker.dspy"


class ProgramNotCached(LookupError):
    """The program ``(id, version)`` is not cached on this worker and no spec was sent."""

    __module__ = _PUBLIC_MODULE


class LmNotCached(LookupError):
    """The LM ``(id, version)`` is not cached on this worker and no spec was sent."""

    __module__ = _PUBLIC_MODULE


class SpecError(ValueError):
    """A spec (signature, program, LM, example, metric, optimizer) is malformed."""

    __module__ = _PUBLIC_MODULE
