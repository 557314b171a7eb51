package dev.taipan;

/**
 * A value cannot cross the wire: a call argument Java cannot encode as MessagePack, a
 * Python result that is not MessagePack-able, or a result that does not convert to the
 * requested Java type. Nothing was lost: an argument failure happens before sending.
 */
public class SerializationException extends TaipanException {
    /**
     * Thrown before sending for an argument that cannot be encoded, or after for a result that cannot be decoded or converted.
     *
     * @param message what happened, for humans
     */
    public SerializationException(String message) {
        super(message);
    }

    /**
     * Thrown before sending for an argument that cannot be encoded, or after for a result that cannot be decoded or converted.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
