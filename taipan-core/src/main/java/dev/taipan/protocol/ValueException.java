package dev.taipan.protocol;

/**
 * A value outside the value domain of docs/PROTOCOL.md (invalid UTF-8, a map key that is not
 * str or int, a duplicate key, nesting past the limit, an ext type): its message names the
 * path of the bad part. Inside a frame it fails only the call the frame belongs to (see
 * {@link PartialMessage}); only where no call is involved is it fatal like any protocol error.
 */
public class ValueException extends ProtocolException {
    public ValueException(String message) {
        super(message);
    }
}
