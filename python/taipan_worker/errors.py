"""The ``kind`` of an ``error`` frame: every value the worker sends, named once.

docs/PROTOCOL.md ("Error kinds") says when each is sent; the Java side names the same ones in
``dev.taipan.protocol.ErrorKinds`` and maps them to its exceptions (``pool/RemoteErrors``). Tests on
both sides hold these constants, that table and the golden vectors to one set. Only ``DRAINING`` is
retryable (the call never started).
"""

from __future__ import annotations

#: The function raised.
EXCEPTION = "exception"
#: ``function`` is not registered; the message lists the available names.
UNKNOWN_FUNCTION = "unknown_function"
#: The arguments do not fit the function (wrong names, missing session, ...).
BAD_ARGUMENTS = "bad_arguments"
#: ``timeout_ms`` elapsed before the function finished.
DEADLINE_EXCEEDED = "deadline_exceeded"
#: The host sent ``cancel`` for the call.
CANCELLED = "cancelled"
#: The return value (or a chunk) is outside the value domain.
UNSERIALIZABLE_RESULT = "unserializable_result"
#: The call's frame holds a value outside the value domain; only that call fails.
BAD_VALUE = "bad_value"
#: The encoded result (or a chunk) exceeds the maximum frame size.
FRAME_TOO_LARGE = "frame_too_large"
#: The worker is shutting down and takes no new calls.
DRAINING = "draining"

#: Every kind, in the order docs/PROTOCOL.md lists them.
ALL = (EXCEPTION, UNKNOWN_FUNCTION, BAD_ARGUMENTS, DEADLINE_EXCEEDED, CANCELLED, UNSERIALIZABLE_RESULT, BAD_VALUE,
       FRAME_TOO_LARGE, DRAINING)
