package dev.taipan;

/**
 * A value cannot cross the wire: a call argument Java cannot encode as MessagePack, a
 * Python result that is not MessagePack-able, or a result that does not convert to the
 * requested Java type. Nothing was lost: an argument failure happens before sending.
 */
public class SerializationException extends TaipanException {
    public SerializationException(String message) {
        super(message);
    }

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
