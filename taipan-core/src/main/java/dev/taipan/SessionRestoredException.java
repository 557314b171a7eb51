package dev.taipan;

/**
 * The session's worker died during this call; the session lives on, moved to another worker
 * with its last snapshot, so its state is back to {@link #snapshotSeq()}. The call itself was
 * not retried (it may have run, and what it did to the state after that snapshot is gone):
 * call it again if that is safe. Later calls run normally. The cause says how the worker ended.
 */
public class SessionRestoredException extends TaipanException {
    /** The session that moved. */
    private final String sessionId;
    /** The snapshot its state was restored to. */
    private final long snapshotSeq;

    /**
     * A call interrupted by its session's move.
     *
     * @param message     what happened, for humans
     * @param sessionId   the session
     * @param snapshotSeq the snapshot its state was restored to
     * @param cause       how the worker ended
     */
    public SessionRestoredException(String message, String sessionId, long snapshotSeq, Throwable cause) {
        super(message, cause);
        this.sessionId = sessionId;
        this.snapshotSeq = snapshotSeq;
    }

    /** {@return the session that moved} */
    public String sessionId() {
        return sessionId;
    }

    /** {@return the snapshot the session's state was restored to} */
    public long snapshotSeq() {
        return snapshotSeq;
    }
}
