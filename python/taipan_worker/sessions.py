"""The sessions a worker holds: each one's state (the ``session`` dict its calls receive) and,
for a session opened with snapshots, its mode and the seq of its last snapshot."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .protocol import FrameTooLarge, ProtocolError, encode_frame
from .replies import clean_text
from .snapshots import AFTER_EACH_CALL, MODES, RESTORE_HEADROOM, SNAPSHOT_FUNCTION, find_problem, snapshot_problem


class Sessions:
    """On the loop thread only (a call's thread changes a state's contents, never this table)."""

    __slots__ = ("states", "modes", "seqs")

    def __init__(self) -> None:
        self.states: Dict[str, Dict[str, Any]] = {}
        #: Sessions opened with snapshots: their mode (snapshots.MODES) and last snapshot's seq.
        self.modes: Dict[str, str] = {}
        self.seqs: Dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.states)

    def state(self, sid: str) -> Dict[str, Any]:
        """The session's state, created empty on its first use."""
        return self.states.setdefault(sid, {})

    def close(self, sid: str) -> None:
        self.states.pop(sid, None)
        self.modes.pop(sid, None)
        self.seqs.pop(sid, None)

    def open(self, msg: Dict[str, Any]) -> None:
        """``session_open`` (a new session with snapshots) or ``session_restore`` (a session
        moved here from a dead worker, with its last snapshot)."""
        sid: str = msg["session"]
        mode = msg["snapshots"]
        if mode not in MODES:
            raise ProtocolError(f"{msg['type']}: unknown snapshots mode {mode!r} (expected one of {sorted(MODES)})")
        state = self.state(sid)
        if msg["type"] == "session_restore":
            restored = msg["state"]
            problem = snapshot_problem(restored, "state")
            if problem is not None:
                raise ProtocolError(f"session_restore for {sid!r}: {problem}")
            state.clear()  # the same dict object: nothing of an older state survives
            state.update(restored)
            self.seqs[sid] = msg["seq"]
        else:
            self.seqs.setdefault(sid, 0)
        self.modes[sid] = mode

    def snapshot_after(self, name: str, sid: Optional[str]) -> Optional[str]:
        """The session to snapshot when this session-aware call ends, or None."""
        if sid is not None and (name == SNAPSHOT_FUNCTION or self.modes.get(sid) == AFTER_EACH_CALL):
            return sid
        return None

    def state_frame(self, cid: int, sid: str, max_frame_bytes: int) -> bytes:
        """On the loop: the session's snapshot, or why it cannot be taken (the last one stands).

        Encoded on the loop thread in one ``msgpack`` call, which holds the GIL throughout, so
        a call of the same session running on a thread cannot change the state halfway.
        """
        state = self.states.get(sid, {})
        last = self.seqs.get(sid, 0)
        found = find_problem(state)
        path: Optional[str] = None
        if found is None:
            try:
                frame = encode_frame(
                    {"v": 1, "type": "session_state", "id": cid, "session": sid, "seq": last + 1,
                     "state": state, "error": None, "path": None},
                    max_frame_bytes - RESTORE_HEADROOM,
                )
            except FrameTooLarge as exc:
                error = (f"the session's state does not fit in a frame with room for its restore "
                         f"({RESTORE_HEADROOM} bytes): {exc}")
            except Exception as exc:  # changed by a thread since it was checked
                error = f"the session's state cannot be encoded: {type(exc).__name__}: {exc}"
            else:
                self.seqs[sid] = last + 1
                return frame
        else:
            path, error = found
        return encode_frame(
            {"v": 1, "type": "session_state", "id": cid, "session": sid, "seq": last, "state": None,
             "error": clean_text(error, 4000), "path": None if path is None else clean_text(path, 1000)},
            max_frame_bytes,
        )
