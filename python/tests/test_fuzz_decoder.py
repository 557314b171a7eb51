"""Property-based fuzzing of the Python frame decoder (Hypothesis).

Whatever bytes arrive, in whatever chunks, the parser delivers messages or raises
ProtocolError: never another exception, and never buffers past the frame limit. Inputs are
random bytes and mutations of the golden frames (the shared corpus). The number of examples
is small under plain pytest (CI); `TAIPAN_FUZZ_EXAMPLES=200000 pytest python/tests/test_fuzz_decoder.py`
runs a long session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taipan_worker.protocol import FrameParser, ProtocolError, encode_frame

VECTORS = Path(__file__).resolve().parents[2] / "protocol" / "vectors"
CORPUS = [p.read_bytes() for p in sorted(VECTORS.glob("*.bin")) + sorted((VECTORS / "bad").glob("*.bin"))]
EXAMPLES = int(os.environ.get("TAIPAN_FUZZ_EXAMPLES", "3000"))
LIMIT = 64 * 1024


@st.composite
def mutated_frames(draw: Any) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.integers(0, 3))
        if op == 0 and data:  # flip a byte
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        elif op == 1 and data:  # truncate
            del data[draw(st.integers(0, len(data) - 1)):]
        elif op == 2:  # insert bytes
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.binary(max_size=16))
        else:  # duplicate (two frames back to back)
            data += bytes(data)
    return bytes(data)


def _feed(data: bytes, cuts: List[int]) -> List[Dict[str, Any]]:
    messages: List[Dict[str, Any]] = []
    parser = FrameParser(messages.append, LIMIT)
    start = 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        parser.feed(data[start:cut])
        assert parser.buffered <= LIMIT + 4, "the parser must never buffer past the frame limit"
        start = cut
    return messages


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(mutated_frames(), st.binary(max_size=512)), cuts=st.lists(st.integers(0, 4096), max_size=6))
def test_any_bytes_in_any_chunks_give_messages_or_a_protocol_error(data: bytes, cuts: List[int]) -> None:
    try:
        messages = _feed(data, cuts)
    except ProtocolError:
        return
    for m in messages:
        # What the decoder accepts, the encoder can write again.
        encode_frame(m, 1 << 30)
