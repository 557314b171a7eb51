"""The frames that end or feed a call: ``result``, ``error``, ``chunk``.

Every encoding failure of a result becomes the call's own error frame here, so a call
always ends with one frame the host can read. On the loop thread, results are packed with
one reusable packer (:meth:`Replies.loop_result`); threads use :meth:`Replies.result`.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, Optional

from . import errors
from .protocol import FrameTooLarge, encode_frame, encode_ordered_frame, encode_result_frame, error_type_name, new_packer

#: An error's message and traceback are cut to this many characters (then shorter, until the
#: frame fits).
MAX_ERROR_TEXT = 64 * 1024
#: The loop thread's reusable packer is replaced after a body this big (it keeps its buffer).
PACKER_KEEP_BYTES = 1024 * 1024


class UnsendableChunk(Exception):
    """A yielded value cannot be sent; ``frame`` is the error that ends the call."""

    def __init__(self, frame: bytes) -> None:
        super().__init__("unsendable chunk")
        self.frame = frame


def clean_text(text: str, limit: int) -> str:
    """Make text encodable (no lone surrogates) and at most ``limit`` characters."""
    if len(text) > limit:
        text = text[:limit] + f"... [truncated, {len(text) - limit} more characters]"
    return text.encode("utf-8", "replace").decode("utf-8")


class Replies:
    """Encodes one worker's reply frames within its maximum frame size."""

    __slots__ = ("max_frame_bytes", "pack")

    def __init__(self, max_frame_bytes: int) -> None:
        self.max_frame_bytes = max_frame_bytes
        #: The loop thread's packer (never used from another thread).
        self.pack: Callable[[Any], bytes] = new_packer()

    def loop_result(self, cid: int, value: Any) -> bytes:
        """:meth:`result` on the loop thread, with the loop's reusable packer."""
        try:
            frame = encode_result_frame(cid, value, self.max_frame_bytes, self.pack)
        except Exception:  # too large or unserializable: result() makes the error frame
            return self.result(cid, value, self.pack)
        if len(frame) > PACKER_KEEP_BYTES:
            self.pack = new_packer()  # do not keep a big buffer around
        return frame

    def result(self, cid: int, value: Any, pack: Optional[Callable[[Any], bytes]] = None) -> bytes:
        """The ``result`` frame of ``value``, or the error frame saying why it cannot be sent."""
        try:
            return encode_result_frame(cid, value, self.max_frame_bytes, pack)
        except FrameTooLarge as exc:
            if pack is not None and pack is self.pack:
                self.pack = new_packer()  # it grew to hold the oversize body
            return self.error(cid, errors.FRAME_TOO_LARGE, error_type_name(FrameTooLarge), str(exc))
        except Exception as exc:  # TypeError, OverflowError, ValueError from msgpack
            return self.error(
                cid,
                errors.UNSERIALIZABLE_RESULT,
                error_type_name(type(exc)),
                f"the result of type {type(value).__name__} cannot be encoded as MessagePack: {exc}",
            )

    def chunk(self, cid: int, seq: int, item: Any, pack: Optional[Callable[[Any], bytes]] = None) -> bytes:
        """A stream's ``chunk`` frame; raises :class:`UnsendableChunk` holding the call's error."""
        try:
            return encode_ordered_frame(
                {"v": 1, "type": "chunk", "id": cid, "seq": seq, "data": item}, self.max_frame_bytes, pack
            )
        except FrameTooLarge as exc:
            raise UnsendableChunk(
                self.error(cid, errors.FRAME_TOO_LARGE, error_type_name(FrameTooLarge), f"chunk {seq}: {exc}")
            ) from None
        except Exception as exc:  # TypeError, OverflowError, ValueError from msgpack
            raise UnsendableChunk(
                self.error(
                    cid, errors.UNSERIALIZABLE_RESULT, error_type_name(type(exc)),
                    f"chunk {seq} of type {type(item).__name__} cannot be encoded as MessagePack: {exc}",
                )
            ) from None

    def exception(self, cid: int, exc: BaseException) -> bytes:
        """The ``exception`` error of a function that raised ``exc``, with its traceback."""
        try:
            message = str(exc)
        except Exception:
            message = f"<unprintable {type(exc).__name__}>"
        try:
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        except Exception:
            tb = ""
        return self.error(cid, errors.EXCEPTION, error_type_name(type(exc)), message, tb)

    def error(self, cid: Optional[int], kind: str, error_type: str, message: str, tb: str = "",
              retryable: bool = False) -> bytes:
        """An ``error`` frame; message and traceback are cut until it fits in a frame."""
        limit = MAX_ERROR_TEXT
        while True:
            msg = {
                "v": 1,
                "type": "error",
                "id": cid,
                "kind": kind,
                "error_type": clean_text(error_type, 1000),
                "message": clean_text(message, limit),
                "traceback": clean_text(tb, limit),
                "retryable": retryable,
            }
            try:
                return encode_frame(msg, self.max_frame_bytes)
            except FrameTooLarge:
                if limit == 0:
                    raise
                limit = limit // 4 if limit > 64 else 0
