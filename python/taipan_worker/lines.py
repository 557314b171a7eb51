"""Output lines of a worker, cut for the control channel: a zygote's and a worker host's
``output`` reports carry whole lines of at most ``MAX_LINE_BYTES`` bytes, so that no line is
ever held whole however long it is."""

from __future__ import annotations

from typing import List, Tuple

#: A worker's output line longer than this is sent in pieces.
MAX_LINE_BYTES = 8192
_MAX_LINE_BYTES = MAX_LINE_BYTES


def cut_lines(partial: bytearray) -> Tuple[List[str], List[bool]]:
    """Takes every whole line out of ``partial``, and cuts a line longer than
    ``_MAX_LINE_BYTES`` into pieces of at most that size (before an incomplete UTF-8
    character), so that no line is ever held whole. Returns the lines and, for each, whether
    it is a piece whose line goes on. What stays in ``partial`` is shorter than a piece."""
    lines: List[str] = []
    more: List[bool] = []
    while True:
        cut = partial.find(b"\n", 0, _MAX_LINE_BYTES + 1)
        if cut >= 0:
            lines.append(partial[:cut].decode("utf-8", "replace"))
            more.append(False)
            del partial[:cut + 1]
            continue
        if len(partial) < _MAX_LINE_BYTES:
            return lines, more
        cut = utf8_boundary(partial, _MAX_LINE_BYTES)
        lines.append(partial[:cut].decode("utf-8", "replace"))
        more.append(True)
        del partial[:cut]


def utf8_boundary(data: bytearray, n: int) -> int:
    """The end of the last complete UTF-8 character among the first ``n`` bytes."""
    i = n
    while i > 0 and n - i < 3 and data[i - 1] & 0xC0 == 0x80:
        i -= 1
    if i > 0:
        lead = data[i - 1]
        size = 4 if lead >= 0xF0 else 3 if lead >= 0xE0 else 2 if lead >= 0xC0 else 1
        if size > 1 and i - 1 + size > n and i - 1 > 0:
            return i - 1
    return n
