package dev.taipan;

/**
 * A value cannot cross the wire: a call argument Java cannot encode as MessagePack, a
 * Python result that is not MessagePack-able, or a result that does not convert to the
 * requested Java type. Nothing was lost: an argument failure happens before sending.
 */
public class SerializationException extends TaipanException {
    /**
     * A value that cannot cross.
     *
     * @param message what happened, for humans
     */
    public SerializationException(String message) {
        super(message);
    }

    /**
     * A value that cannot cross.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
