package dev.taipan.protocol;

/**
 * The other side speaks another version of the protocol. Kept apart from other protocol
 * errors because its cure is not a bug fix but installing matching versions, so the pool can
 * say exactly that; {@link #message} is the frame as decoded, for what else it says (a
 * worker's {@code hello} names its package version).
 */
public final class ProtocolVersionException extends ProtocolException {
    private final long theirs;
    private final java.util.Map<String, Object> message;

    ProtocolVersionException(long theirs, java.util.Map<String, Object> message) {
        super("protocol version " + theirs + " is not supported (this side speaks " + Messages.VERSION + ")");
        this.theirs = theirs;
        this.message = message;
    }

    /** The version the other side speaks. */
    public long theirs() {
        return theirs;
    }

    /** The frame that carried it, decoded. */
    public java.util.Map<String, Object> message() {
        return message;
    }
}
