package dev.taipan;

/**
 * The worker broke the wire protocol (garbage bytes, an oversize or undecodable frame); it
 * was killed and replaced. The cause is the {@link dev.taipan.protocol.ProtocolException}.
 */
public class WorkerProtocolException extends WorkerLostException {
    /**
     * A worker that broke the protocol.
     *
     * @param message what happened, for humans
     * @param workerId   the worker
     * @param exitCode   its exit status, or null if unknown
     * @param signal     the signal that killed it, or null
     * @param stderrTail its last stderr lines, or null
     * @param cause      what the pool noticed, or null
     */
    public WorkerProtocolException(String message, String workerId, Integer exitCode, Integer signal,
                                   String stderrTail, Throwable cause) {
        super(message, workerId, exitCode, signal, stderrTail, cause);
    }
}
