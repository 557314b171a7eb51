"""Taipan wire protocol, version 1 (see docs/PROTOCOL.md).

A frame is a 4-byte unsigned big-endian body length followed by exactly that many bytes
holding one MessagePack map. This module only encodes and decodes; it does no I/O except
for the small blocking helper :func:`read_frame` used by tests and the benchmark floor.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO, Callable, Dict, Optional, Tuple

import msgpack

VERSION = 1
HEADER_SIZE = 4
DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024  # 67,108,864

_HEADER = struct.Struct(">I")
_pack_header = _HEADER.pack
_unpack_header_from = _HEADER.unpack_from

#: Field order of every message type, after the envelope keys ``v``, ``type`` and ``id``.
#: ``has_id`` says whether the message belongs to a call (and so carries ``id``).
MESSAGE_FIELDS: Dict[str, Tuple[str, ...]] = {
    "auth": ("worker_id", "token"),
    "hello": (
        "worker_id",
        "pid",
        "python",
        "implementation",
        "package",
        "slots",
        "max_frame_bytes",
        "functions",
        "capabilities",
    ),
    "call": ("function", "args", "session", "timeout_ms", "chunk_window", "chunk_window_bytes"),
    "result": ("value",),
    "error": ("kind", "error_type", "message", "traceback", "retryable"),
    "cancel": (),
    "heartbeat": ("seq",),
    "session_close": ("session",),
    "chunk": ("seq", "data"),
    "chunk_ack": ("seq",),
    "callback": ("callback_id", "name", "args"),
    "callback_result": ("callback_id", "value", "error"),
}

#: Message types that carry ``id``.
ID_TYPES = frozenset({"call", "result", "error", "cancel", "chunk", "chunk_ack", "callback", "callback_result"})

# Validation schema: field -> (accepted python types, nullable). ``id`` is included here.
_ANY = object()
_INT = (int,)
_STR = (str,)
_SCHEMA: Dict[str, Dict[str, Tuple[Any, bool]]] = {
    "auth": {"worker_id": (_STR, False), "token": (_STR, False)},
    "hello": {
        "worker_id": (_STR, False),
        "pid": (_INT, False),
        "python": (_STR, False),
        "implementation": (_STR, False),
        "package": (_STR, False),
        "slots": (_INT, False),
        "max_frame_bytes": (_INT, False),
        "functions": ((list,), False),
        "capabilities": ((list,), False),
        "idempotent": ((list,), True),
    },
    "call": {
        "id": (_INT, False),
        "function": (_STR, False),
        "args": ((list, dict), True),
        "session": (_STR, True),
        "timeout_ms": (_INT, True),
        "chunk_window": (_INT, True),
        "chunk_window_bytes": (_INT, True),
    },
    "result": {"id": (_INT, False), "value": (_ANY, True)},
    "error": {
        "id": (_INT, True),
        "kind": (_STR, False),
        "error_type": (_STR, False),
        "message": (_STR, False),
        "traceback": (_STR, False),
        "retryable": ((bool,), False),
    },
    "cancel": {"id": (_INT, False)},
    "heartbeat": {"seq": (_INT, False), "overrun": (_INT, True)},
    "session_close": {"session": (_STR, False)},
    "chunk": {"id": (_INT, False), "seq": (_INT, False), "data": (_ANY, True)},
    "chunk_ack": {"id": (_INT, False), "seq": (_INT, False)},
    "callback": {"id": (_INT, False), "callback_id": (_INT, False), "name": (_STR, False), "args": (_ANY, True)},
    "callback_result": {"id": (_INT, False), "callback_id": (_INT, False), "value": (_ANY, True),
                        "error": (_STR, True)},
}

MESSAGE_TYPES = frozenset(MESSAGE_FIELDS)

_MISSING: Any = object()

# _SCHEMA flattened for validate_message: type -> ((key, types or None for any, nullable, bool accepted), ...)
_CHECKS: Dict[str, Tuple[Tuple[str, Any, bool, bool], ...]] = {
    mtype: tuple(
        (key, None if types is _ANY else types, nullable, types is not _ANY and bool in types)
        for key, (types, nullable) in schema.items()
    )
    for mtype, schema in _SCHEMA.items()
}


class ProtocolError(Exception):
    """A malformed frame or message; fatal for the connection."""


class FrameTooLarge(Exception):
    """An encoded frame would exceed the maximum frame size; nothing was sent."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame body of {size} bytes exceeds the maximum frame size of {limit} bytes")
        self.size = size
        self.limit = limit


def _ordered(msg: Dict[str, Any]) -> Dict[str, Any]:
    """Return ``msg`` with keys in wire order: v, type, id, fields, then any extra keys."""
    mtype = msg.get("type")
    out: Dict[str, Any] = {"v": msg.get("v", VERSION), "type": mtype}
    if msg.get("id") is not None:  # an error about the connection (nil id) omits the key
        out["id"] = msg["id"]
    for key in MESSAGE_FIELDS.get(mtype, ()):  # type: ignore[arg-type]
        if key in msg:
            out[key] = msg[key]
    for key, value in msg.items():
        if key not in out and key != "id":
            out[key] = value
    return out


def encode_body(msg: Dict[str, Any]) -> bytes:
    """Encode one message as a MessagePack map (no header).

    Raises ``TypeError``/``OverflowError``/``ValueError`` for values MessagePack cannot hold
    (sets, arbitrary objects, ints outside 64 bits, recursion, lone surrogates...).
    """
    return msgpack.packb(_ordered(msg), use_bin_type=True, use_single_float=False)


def encode_frame(msg: Dict[str, Any], max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> bytes:
    """Encode ``msg`` as a whole frame (header + body).

    Raises :class:`FrameTooLarge` if the body would exceed ``max_frame_bytes``.
    """
    body = encode_body(msg)
    if len(body) > max_frame_bytes:
        raise FrameTooLarge(len(body), max_frame_bytes)
    return _HEADER.pack(len(body)) + body


def new_packer() -> Callable[[Any], bytes]:
    """A reusable MessagePack ``pack`` function with the protocol's settings.

    Faster than ``msgpack.packb`` (no packer per call) but not thread-safe: one per thread.
    It keeps its largest buffer; drop it after packing something big.
    """
    return msgpack.Packer(use_bin_type=True, use_single_float=False).pack


def encode_ordered_frame(
    msg: Dict[str, Any],
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    pack: Optional[Callable[[Any], bytes]] = None,
) -> bytes:
    """Like :func:`encode_frame` for a message the caller built in wire order already.

    ``msg`` must hold ``v``, ``type``, ``id`` (omitted, never nil, when the message does not
    belong to a call) and the type's fields in the documented order; the keys are written
    as given, without the reordering copy :func:`encode_frame` makes. ``pack`` is an
    optional function from :func:`new_packer`.
    """
    body = pack(msg) if pack is not None else msgpack.packb(msg, use_bin_type=True, use_single_float=False)
    size = len(body)
    if size > max_frame_bytes:
        raise FrameTooLarge(size, max_frame_bytes)
    return _pack_header(size) + body


_RESULT_HEAD = b"\x84\xa1v\x01\xa4type\xa6result\xa2id"  # map of 4: v=1, type="result", "id" key
_VALUE_KEY = b"\xa5value"


def encode_result_frame(
    cid: int,
    value: Any,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    pack: Optional[Callable[[Any], bytes]] = None,
) -> bytes:
    """The ``result`` frame for call ``cid``: the bytes of :func:`encode_frame` of
    ``{"v": 1, "type": "result", "id": cid, "value": value}``, built from constant parts and
    two small packs (no message dict). Raises like :func:`encode_ordered_frame`.
    """
    if pack is None:
        pack = _default_pack
    packed_value = pack(value)
    packed_id = pack(cid)
    size = len(_RESULT_HEAD) + len(packed_id) + len(_VALUE_KEY) + len(packed_value)
    if size > max_frame_bytes:
        raise FrameTooLarge(size, max_frame_bytes)
    return b"".join((_pack_header(size), _RESULT_HEAD, packed_id, _VALUE_KEY, packed_value))


def _default_pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True, use_single_float=False)


def check_header(header: bytes, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> int:
    """Validate a 4-byte header and return the body length it declares."""
    if len(header) != HEADER_SIZE:
        raise ProtocolError(f"truncated frame header ({len(header)} of {HEADER_SIZE} bytes)")
    (length,) = _HEADER.unpack(header)
    if length == 0:
        raise ProtocolError("zero-length frame")
    if length > max_frame_bytes:
        raise ProtocolError(
            f"frame header declares {length} bytes, above the maximum frame size of {max_frame_bytes}"
        )
    return length


def _reject_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"MessagePack extension type {code} is not allowed")


def _is_type(value: Any, types: Any) -> bool:
    if types is _ANY:
        return True
    if isinstance(value, bool) and bool not in types:
        return False  # bool is an int subclass; never accept it as an int
    return isinstance(value, types)


def validate_message(msg: Any) -> Dict[str, Any]:
    """Validate the envelope and the fields of a decoded message; return it."""
    if msg.__class__ is dict:
        # Fast path for the commonest message, a well-formed ``call`` (exact types, so no
        # bool passes for an int); anything else takes the general checks below.
        get = msg.get
        v = get("v")
        if get("type") == "call" and v == 1 and v.__class__ is int:
            args = get("args")
            session = get("session")
            timeout_ms = get("timeout_ms")
            if (get("id").__class__ is int and get("function").__class__ is str
                    and (args is None or args.__class__ is list or args.__class__ is dict)
                    and (session is None or session.__class__ is str)
                    and (timeout_ms is None or timeout_ms.__class__ is int)
                    and get("chunk_window") is None and get("chunk_window_bytes") is None):
                return msg
    if not isinstance(msg, dict):
        raise ProtocolError(f"frame body is a {type(msg).__name__}, not a map")
    v = msg.get("v", _MISSING)
    if v.__class__ is not int or v != VERSION:
        if v is _MISSING:
            raise ProtocolError("message has no protocol version 'v'")
        raise ProtocolError(f"unsupported protocol version {v!r} (expected {VERSION})")
    mtype = msg.get("type", _MISSING)
    if mtype.__class__ is not str:
        if mtype is _MISSING:
            raise ProtocolError("message has no 'type'")
        if not isinstance(mtype, str):
            raise ProtocolError(f"message type {mtype!r} is not a string")
    checks = _CHECKS.get(mtype)
    if checks is None:
        raise ProtocolError(f"unknown message type {mtype!r}")
    get = msg.get
    for key, types, nullable, bool_ok in checks:
        value = get(key)
        if value is None:
            if nullable:
                continue
            raise ProtocolError(f"{mtype} message lacks required key {key!r}")
        if types is not None and (
            not isinstance(value, types) or (value.__class__ is bool and not bool_ok)
        ):  # bool is an int subclass; never accept it as an int
            raise ProtocolError(f"{mtype} message has a {type(value).__name__} for {key!r}")
    return msg


def decode_body(body: Any) -> Dict[str, Any]:
    """Decode and validate one frame body (without header).

    ``body`` is any bytes-like object. Raises :class:`ProtocolError` unless it is exactly one
    MessagePack map with ``v == 1``, a known ``type`` and well-typed fields; ext types are
    rejected.
    """
    if not body:
        raise ProtocolError("empty frame body")
    try:
        msg = _unpackb(
            body,
            raw=False,
            strict_map_key=False,
            use_list=True,
            ext_hook=_reject_ext,
            max_ext_len=0,
        )
    except msgpack.ExtraData:
        raise ProtocolError("trailing bytes after the message in the frame body") from None
    except Exception as exc:  # OutOfData, FormatError, ValueError, TypeError (unhashable key)...
        raise ProtocolError(f"invalid MessagePack body: {type(exc).__name__}: {exc}") from None
    return validate_message(msg)


_unpackb = msgpack.unpackb


class FrameParser:
    """Incremental frame reader for a byte stream that arrives in arbitrary chunks.

    :meth:`feed` takes the next chunk and calls ``on_message`` with every message that is
    now complete, in order (a chunk may hold part of a frame, or many frames). Each header
    is checked as soon as its 4 bytes are in, so an oversize or zero length is rejected
    before any of its body is buffered. Errors raise :class:`ProtocolError`; after one the
    parser must not be used again. :meth:`eof` says whether the stream ended cleanly at a
    frame boundary. A message whose handler raises is not delivered twice.
    """

    __slots__ = ("_buf", "_max", "_on_message")

    def __init__(
        self, on_message: Callable[[Dict[str, Any]], None], max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    ) -> None:
        self._buf = bytearray()
        self._max = max_frame_bytes
        self._on_message = on_message

    @property
    def buffered(self) -> int:
        """Bytes received that do not form a whole frame yet."""
        return len(self._buf)

    def feed(self, data: Any) -> None:
        buf = self._buf
        if buf:
            buf += data
            data = buf
        size = len(data)
        pos = 0
        limit = self._max
        on_message = self._on_message
        try:
            while size - pos >= HEADER_SIZE:
                (length,) = _unpack_header_from(data, pos)
                if length == 0 or length > limit:
                    check_header(data[pos : pos + HEADER_SIZE], limit)  # raises with the message
                end = pos + HEADER_SIZE + length
                if end > size:
                    break
                msg = decode_body(data[pos + HEADER_SIZE : end])
                pos = end
                on_message(msg)
        finally:
            # also on errors, so that the frames already delivered are never parsed again
            if data is buf:
                if pos:
                    del buf[:pos]
            elif pos < size:
                buf += data[pos:] if pos else data

    def eof(self) -> None:
        """The stream ended: raise :class:`ProtocolError` if it ended inside a frame."""
        buffered = len(self._buf)
        if not buffered:
            return
        if buffered < HEADER_SIZE:
            raise ProtocolError(f"truncated frame header ({buffered} bytes) before EOF")
        (length,) = _unpack_header_from(self._buf, 0)
        raise ProtocolError(
            f"truncated frame body ({buffered - HEADER_SIZE} of {length} bytes) before EOF"
        )


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    chunks = []
    remaining = n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> Optional[Dict[str, Any]]:
    """Blocking read of one frame from a binary stream.

    Returns ``None`` on a clean EOF at a frame boundary; raises :class:`ProtocolError` for a
    bad header, a truncated frame or an invalid body. The header is checked before the body
    is read.
    """
    header = _read_exactly(stream, HEADER_SIZE)
    if not header:
        return None
    length = check_header(header, max_frame_bytes)
    body = _read_exactly(stream, length)
    if len(body) != length:
        raise ProtocolError(f"truncated frame body ({len(body)} of {length} bytes before EOF)")
    return decode_body(body)


def error_type_name(exc_type: type) -> str:
    """``ValueError`` for builtins, ``module.QualName`` otherwise."""
    module = getattr(exc_type, "__module__", None)
    qualname = getattr(exc_type, "__qualname__", exc_type.__name__)
    if module in (None, "builtins"):
        return qualname
    return f"{module}.{qualname}"
