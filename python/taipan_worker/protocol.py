"""Taipan wire protocol, version 1 (see docs/PROTOCOL.md).

A frame is a 4-byte unsigned big-endian body length followed by exactly that many bytes
holding one MessagePack map. This module only encodes and decodes; it does no I/O except
for the small blocking helper :func:`read_frame`, for simple hosts such as the tests.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple

import msgpack

from .values import (  # noqa: F401  (the value domain; re-exported: callers know it as protocol's)
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
    ValueDomainError,
    _KEY_TYPES,
    _LEAF_TYPES,
    _domain_error,
    _join,
    _walk,
    check_message_values,
    check_value,
    find_problem,
    segment,
)

VERSION = 1
HEADER_SIZE = 4
DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024  # 67,108,864


_HEADER = struct.Struct(">I")
_pack_header = _HEADER.pack
_unpack_header_from = _HEADER.unpack_from

# Validation and order: one table. For each message type, its fields in wire order after the
# envelope keys ``v`` and ``type`` (``id`` first when the message belongs to a call), each as
# (name, accepted Python types or _ANY, nullable).
_ANY = object()
_INT = (int,)
_STR = (str,)
_LIST = (list,)
_FIELDS: Dict[str, Tuple[Tuple[str, Any, bool], ...]] = {
    "auth": (("worker_id", _STR, False), ("token", _STR, False)),
    "hello": (
        ("worker_id", _STR, False),
        ("pid", _INT, False),
        ("python", _STR, False),
        ("implementation", _STR, False),
        ("package", _STR, False),
        ("slots", _INT, False),
        ("max_frame_bytes", _INT, False),
        ("functions", _LIST, False),
        ("capabilities", _LIST, False),
        ("idempotent", _LIST, True),
    ),
    "call": (
        ("id", _INT, False),
        ("function", _STR, False),
        ("args", (list, dict), True),
        ("session", _STR, True),
        ("chunk_window", _INT, True),
        ("chunk_window_bytes", _INT, True),
        # W3C trace context of the caller (docs/PROTOCOL.md, "Trace context"); traced calls only.
        ("traceparent", _STR, True),
        ("tracestate", _STR, True),
        # Last, so the host can rewrite it in place with the time left at each send (it writes
        # it as a fixed-width uint64; any int width is valid).
        ("timeout_ms", _INT, True),
    ),
    # ``server_span`` (a traced call's SERVER span: [id, start_ns, end_ns, attributes?]) and
    # ``spans`` (its other finished spans): optional, in this order ("Trace context").
    "result": (("id", _INT, False), ("value", _ANY, True), ("server_span", _LIST, True), ("spans", _LIST, True)),
    "error": (
        ("id", _INT, True),
        ("kind", _STR, False),
        ("error_type", _STR, False),
        ("message", _STR, False),
        ("traceback", _STR, False),
        ("retryable", (bool,), False),
        ("server_span", _LIST, True),
        ("spans", _LIST, True),
    ),
    "cancel": (("id", _INT, False),),
    "heartbeat": (("seq", _INT, False), ("overrun", _INT, True)),
    "session_close": (("session", _STR, False),),
    "session_open": (("session", _STR, False), ("snapshots", _STR, False)),
    "session_restore": (
        ("session", _STR, False),
        ("seq", _INT, False),
        ("state", (dict,), False),
        ("snapshots", _STR, False),
    ),
    "session_state": (
        ("id", _INT, False),
        ("session", _STR, False),
        ("seq", _INT, False),
        ("state", (dict,), True),
        ("error", _STR, True),
        ("path", _STR, True),
    ),
    "chunk": (("id", _INT, False), ("seq", _INT, False), ("data", _ANY, True)),
    "chunk_ack": (("id", _INT, False), ("seq", _INT, False)),
    "callback": (("id", _INT, False), ("callback_id", _INT, False), ("name", _STR, False), ("args", _ANY, True)),
    "callback_result": (
        ("id", _INT, False),
        ("callback_id", _INT, False),
        ("value", _ANY, True),
        ("error", _STR, True),
    ),
    # A Python logging record (taipan_worker.logs); sent only to a host that asked for them.
    # Not a call's message: the call it was emitted in is ``call_id``, not ``id``.
    "log": (
        ("level", _INT, False),
        ("logger", _STR, False),
        ("message", _STR, False),
        ("exception", _STR, True),
        ("thread", _STR, True),
        ("call_id", _INT, True),
        ("trace_id", _STR, True),
    ),
}

#: Field order of every message type, after the envelope keys ``v``, ``type`` and ``id``
#: (derived from the one table above).
MESSAGE_FIELDS: Dict[str, Tuple[str, ...]] = {
    mtype: tuple(name for name, _, _ in fields if name != "id") for mtype, fields in _FIELDS.items()
}

#: Message types that carry ``id`` (they belong to a call).
ID_TYPES = frozenset(mtype for mtype, fields in _FIELDS.items() if fields and fields[0][0] == "id")

MESSAGE_TYPES = frozenset(_FIELDS)

_MISSING: Any = object()

# The table as validate_message reads it: type -> ((key, types or None for any, nullable, bool accepted), ...)
_CHECKS: Dict[str, Tuple[Tuple[str, Any, bool, bool], ...]] = {
    mtype: tuple(
        (key, None if types is _ANY else types, nullable, types is not _ANY and bool in types)
        for key, types, nullable in fields
    )
    for mtype, fields in _FIELDS.items()
}


class ProtocolError(Exception):
    """A malformed frame or message; fatal for the connection."""


class BadValue(ProtocolError):
    """A well-framed message of a call with a field outside the value domain.

    Not fatal: the receiver fails that one call. ``message`` holds the envelope and every
    field that decoded (``v``, ``type`` and ``id`` always); ``field`` is the bad one and
    ``problem`` says where and what, e.g. ``args[0]["a"]: string is not valid UTF-8``.
    """

    def __init__(self, message: Dict[str, Any], field: str, problem: str) -> None:
        super().__init__(f"{message.get('type')} message {message.get('id')}: {problem}")
        self.message = message
        self.field = field
        self.problem = problem


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

    Raises :class:`ValueDomainError` (a ``ValueError``) naming the path of a value outside the
    value domain (sets, arbitrary objects, ints outside 64 bits, lone surrogates, bool or
    tuple keys, nesting past :data:`MAX_DEPTH`...).
    """
    msg = _ordered(msg)
    check_message_values(msg)
    try:
        return msgpack.packb(msg, use_bin_type=True, use_single_float=False)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _domain_error(msg, exc) from None


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
    check_message_values(msg)
    try:
        body = pack(msg) if pack is not None else msgpack.packb(msg, use_bin_type=True, use_single_float=False)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _domain_error(msg, exc) from None
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
    if value.__class__ not in _LEAF_TYPES:
        check_value(value, "value")
    try:
        packed_value = pack(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueDomainError(find_problem(value, "value") or f"value: {exc}") from None
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
    except Exception:  # OutOfData, FormatError, bad UTF-8, unhashable key, too deep, ext...
        # msgpack fails the whole body at once: find out, slowly, whether only a value is bad.
        return _decode_leniently(body)
    validate_message(msg)
    # The value domain, at the cost of a look at each field's containers (none for scalars).
    leaf = _LEAF_TYPES
    header = _map_header_count(body)
    if header == 7 and len(msg) == 7 and msg["type"] == "call" and "args" in msg:
        # The hot path: validate_message typed every field of a call but its args (present:
        # seven keys without ``args`` means an unknown key, whose value the general path checks).
        args = msg["args"]
        cls = args.__class__
        if args is None or (cls is list and set(map(type, args)) <= leaf):
            return msg
        if cls is dict and set(map(type, args)) <= _KEY_TYPES and set(map(type, args.values())) <= leaf:
            found: Optional[bool] = True  # flat keyword arguments
        else:
            found = _walk(args, 0)
            if found is None:
                return _decode_leniently(body)
        if found and len(_default_pack(msg)) != len(body):
            return _decode_leniently(body)
        return msg
    maps = False
    for key, value in msg.items():
        if key.__class__ is not str:
            return _decode_leniently(body)  # envelope keys are str (or int: decided there)
        cls = value.__class__
        if cls in leaf or (cls is list and set(map(type, value)) <= leaf):
            continue  # a scalar, or a flat list (a call's usual args): nothing to look into
        found = _walk(value, 0 if key == "args" and msg["type"] == "call" else 1)
        if found is None:
            return _decode_leniently(body)
        maps = maps or found
    # A duplicate key leaves fewer entries than the wire said: the envelope's count is in its
    # header; inside values, only re-encoding (the canonical bytes) tells, and only maps can.
    if len(msg) != header or (maps and len(_default_pack(msg)) != len(body)):
        return _decode_leniently(body)
    return msg


_unpackb = msgpack.unpackb


class FrameParser:
    """Incremental frame reader for a byte stream that arrives in arbitrary chunks.

    :meth:`feed` takes the next chunk and calls ``on_message`` with every message that is
    now complete, in order (a chunk may hold part of a frame, or many frames). Each header
    is checked as soon as its 4 bytes are in, so an oversize or zero length is rejected
    before any of its body is buffered. Errors raise :class:`ProtocolError`; after one the
    parser must not be used again. :meth:`eof` says whether the stream ended cleanly at a
    frame boundary. A message whose handler raises is not delivered twice. A frame of a call
    whose value is outside the value domain goes to ``on_bad_value`` (see :class:`BadValue`).
    """

    __slots__ = ("_buf", "_max", "_on_message", "_on_bad_value")

    def __init__(
        self,
        on_message: Callable[[Dict[str, Any]], None],
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        on_bad_value: Optional[Callable[[BadValue], None]] = None,
    ) -> None:
        self._buf = bytearray()
        self._max = max_frame_bytes
        self._on_message = on_message
        #: Called with a call's frame whose value is outside the domain (the stream goes on);
        #: without it, that raises like any protocol error.
        self._on_bad_value = on_bad_value

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
                try:
                    msg = decode_body(data[pos + HEADER_SIZE : end])
                except BadValue as bad:
                    if self._on_bad_value is None:
                        raise
                    pos = end
                    self._on_bad_value(bad)
                    continue
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


# ---------------------------------------------------------------- scanning a frame the fast decoder refused


def _map_header_count(body: Any) -> int:
    """The entry count in the map header at the start of ``body`` (a valid map)."""
    first = body[0]
    if first <= 0x8F:
        return first & 0x0F
    if first == 0xDE:
        return (body[1] << 8) | body[2]
    return int.from_bytes(bytes(body[1:5]), "big")


# Sizes of the MessagePack formats that are not containers or strings: first byte -> bytes after it.
_FIXED = {0xC0: 0, 0xC2: 0, 0xC3: 0, 0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8,
          0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17}
_LENGTH = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC7: 1, 0xC8: 2, 0xC9: 4}


def _length(b: Any, pos: int, size: int) -> int:
    if pos + size > len(b):
        raise ProtocolError("frame body ends inside a value")
    return int.from_bytes(bytes(b[pos : pos + size]), "big")


def _header(b: Any, pos: int) -> Tuple[str, int, int]:
    """(kind, count or byte length, position after the header) of the object at ``pos``;
    kind is ``map``, ``array``, ``str``, ``bin``, ``ext`` or ``scalar``."""
    if pos >= len(b):
        raise ProtocolError("frame body ends inside a value")
    t = b[pos]
    if t <= 0x7F or t >= 0xE0:
        return "scalar", 0, pos + 1
    if t <= 0x8F:
        return "map", t & 0x0F, pos + 1
    if t <= 0x9F:
        return "array", t & 0x0F, pos + 1
    if t <= 0xBF:
        return "str", t & 0x1F, pos + 1
    if t in _FIXED:
        if 0xD4 <= t <= 0xD8:
            return "ext", _FIXED[t], pos + 1
        return "scalar", _FIXED[t], pos + 1
    if t in _LENGTH:
        size = _LENGTH[t]
        n = _length(b, pos + 1, size)
        kind = "bin" if t <= 0xC6 else "str" if t >= 0xD9 else "ext"
        return kind, n + (1 if kind == "ext" else 0), pos + 1 + size
    if t in (0xDC, 0xDD):
        size = 2 if t == 0xDC else 4
        return "array", _length(b, pos + 1, size), pos + 1 + size
    if t in (0xDE, 0xDF):
        size = 2 if t == 0xDE else 4
        return "map", _length(b, pos + 1, size), pos + 1 + size
    raise ProtocolError(f"invalid MessagePack byte 0x{t:02x}")


def _skip(b: Any, pos: int) -> int:
    """The end of the object at ``pos``, iteratively (any depth); ProtocolError if it is cut."""
    remaining = 1
    end = len(b)
    while remaining:
        remaining -= 1
        kind, n, pos = _header(b, pos)
        if kind == "map":
            remaining += 2 * n
        elif kind == "array":
            remaining += n
        else:
            pos += n
        if pos > end:
            raise ProtocolError("frame body ends inside a value")
    return pos


def _key_type(b: Any, pos: int) -> str:
    kind, _, _ = _header(b, pos)
    t = b[pos]
    if kind == "scalar":
        if t == 0xC0:
            return "nil"
        if t in (0xC2, 0xC3):
            return "bool"
        if t in (0xCA, 0xCB):
            return "float"
        return "int"
    return kind


def _scan(b: Any, pos: int, level: int, root: str, path: List[str], found: List[str]) -> int:
    """Check the object at ``pos`` against the value domain; append the first problem (as
    ``path: reason``) to ``found``; return its end. Recursion stops at the depth limit."""
    if found:
        return _skip(b, pos)
    start = pos
    kind, n, pos = _header(b, pos)
    if kind == "str":
        end = pos + n
        if end > len(b):
            raise ProtocolError("frame body ends inside a value")
        try:
            bytes(b[pos:end]).decode("utf-8")
        except UnicodeDecodeError:
            found.append(f"{_join(root, path)}: string is not valid UTF-8")
        return end
    if kind == "ext":
        found.append(f"{_join(root, path)}: MessagePack extension types are not values of the protocol")
        return _skip(b, start)
    if kind in ("scalar", "bin"):
        return _skip(b, start)
    if level > MAX_DEPTH:
        found.append(f"{_join(root, path)}: nested deeper than {MAX_DEPTH} levels")
        return _skip(b, start)
    if kind == "array":
        for i in range(n):
            path.append(f"[{i}]")
            pos = _scan(b, pos, level + 1, root, path, found)
            path.pop()
        return pos
    seen = set()
    for _ in range(n):
        key_end = _skip(b, pos)
        if found:
            pos = _skip(b, key_end)
            continue
        ktype = _key_type(b, pos)
        if ktype not in ("str", "int"):
            found.append(f"{_join(root, path)}: a map key of type {ktype} is not allowed: map keys are str or int")
            pos = _skip(b, key_end)
            continue
        try:
            key = _unpackb(bytes(b[pos:key_end]), raw=False)
        except UnicodeDecodeError:
            found.append(f"{_join(root, path)}: map key: string is not valid UTF-8")
            pos = _skip(b, key_end)
            continue
        if key in seen:
            found.append(f"{_join(root, path)}: duplicate map key {segment(key)}")
            pos = _skip(b, key_end)
            continue
        seen.add(key)
        path.append(segment(key))
        pos = _scan(b, key_end, level + 1, root, path, found)
        path.pop()
    return pos


def _decode_leniently(body: Any) -> Dict[str, Any]:
    """The slow path, after the fast decode failed or found a value outside the domain: read
    the envelope field by field so that a bad value fails only its call (:class:`BadValue`)
    and only a frame that is not one well-formed MessagePack map is a :class:`ProtocolError`."""
    kind, n, pos = _header(body, 0)
    if kind != "map":
        raise ProtocolError(f"frame body is a {kind} value, not a map")
    msg: Dict[str, Any] = {}
    bad: Optional[Tuple[str, str]] = None
    for _ in range(n):
        key_end = _skip(body, pos)
        if _key_type(body, pos) not in ("str", "int"):
            raise ProtocolError(f"a message key of type {_key_type(body, pos)}: message keys are str or int")
        try:
            key = _unpackb(bytes(body[pos:key_end]), raw=False, strict_map_key=False)
        except Exception as exc:
            raise ProtocolError(f"invalid message key: {type(exc).__name__}: {exc}") from None
        end = _skip(body, key_end)
        found: List[str] = []
        name = key if isinstance(key, str) else str(key)
        level = 0 if name == "args" and msg.get("type") == "call" else 1
        _scan(body, key_end, level, name, [], found)
        if key in msg or (bad is not None and bad[0] == key):
            raise ProtocolError(f"envelope key {key!r} appears twice")
        if found:
            if key in ("v", "type", "id") or not isinstance(key, str):
                raise ProtocolError(f"envelope field {key!r}: {found[0]}")
            if bad is None:
                bad = (key, found[0])
            msg[key] = None
        else:
            try:
                msg[key] = _unpackb(bytes(body[key_end:end]), raw=False, strict_map_key=False, use_list=True)
            except Exception as exc:
                raise ProtocolError(f"invalid MessagePack body: {type(exc).__name__}: {exc}") from None
        pos = end
    if pos != len(body):
        raise ProtocolError("trailing bytes after the message in the frame body")
    if bad is None:
        return validate_message(msg)
    v, mtype, cid = msg.get("v"), msg.get("type"), msg.get("id")
    if v.__class__ is not int or v != VERSION:
        raise ProtocolError(f"unsupported protocol version {v!r} (expected {VERSION})")
    if mtype.__class__ is not str or mtype not in MESSAGE_TYPES:
        raise ProtocolError(f"unknown message type {mtype!r}")
    if mtype not in ID_TYPES or cid.__class__ is not int:
        raise ProtocolError(f"{mtype} message: {bad[1]}")
    raise BadValue(msg, bad[0], bad[1])
