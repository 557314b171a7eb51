package dev.taipan;

/**
 * The session's state could not be snapshotted: it holds a value a snapshot cannot carry
 * (see {@link SnapshotPolicy}; {@link #path()} names it, e.g. {@code session['model']}), or it
 * is too large for a frame. The session is still open, on its worker, with its state intact;
 * the pool keeps the previous snapshot ({@link #keptSeq()}), so a restore would go back to it.
 *
 * <p>With {@link SnapshotPolicy#AFTER_EACH_CALL} the call itself ran and finished: its return
 * value is {@link #result()}.
 */
public class SnapshotFailedException extends TaipanException {
    /** The session whose snapshot failed. */
    private final String sessionId;
    /** Where the offending value is, or null. */
    private final String path;
    /** The snapshot the pool still keeps, or 0. */
    private final long keptSeq;
    /** The call's return value, not serialized (it need not be serializable). */
    private final transient Object result;

    /**
     * A snapshot that failed.
     *
     * @param message   what happened, for humans
     * @param sessionId the session
     * @param path      where the offending value is, or null when the state is too large
     * @param keptSeq   the snapshot the pool still keeps, or 0
     * @param result    the call's return value, or null for {@link Session#snapshot()}
     */
    public SnapshotFailedException(String message, String sessionId, String path, long keptSeq, Object result) {
        super(message);
        this.sessionId = sessionId;
        this.path = path;
        this.keptSeq = keptSeq;
        this.result = result;
    }

    /** {@return the session whose snapshot failed} */
    public String sessionId() {
        return sessionId;
    }

    /** {@return where the offending value is ({@code session['a'][0]}), or null when the state is simply too large} */
    public String path() {
        return path;
    }

    /** {@return the snapshot the pool still keeps, or 0 if none was ever taken} */
    public long keptSeq() {
        return keptSeq;
    }

    /** {@return the call's return value (the call succeeded; only its snapshot failed); null for {@link Session#snapshot()}} */
    public Object result() {
        return result;
    }
}
