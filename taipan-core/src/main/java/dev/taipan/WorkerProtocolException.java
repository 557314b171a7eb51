package dev.taipan;

/**
 * The worker broke the wire protocol (garbage bytes, an oversize or undecodable frame); it
 * was killed and replaced. The cause is the {@link dev.taipan.protocol.ProtocolException}.
 */
public class WorkerProtocolException extends WorkerLostException {
    public WorkerProtocolException(String message, String workerId, Integer exitCode, Integer signal,
                                   String stderrTail, Throwable cause) {
        super(message, workerId, exitCode, signal, stderrTail, cause);
    }
}
