package dev.taipan.protocol;

import dev.taipan.TaipanException;

/**
 * A frame broke the wire protocol: a bad header, a body that is not one MessagePack map,
 * a wrong version or an unknown message type. Fatal for the connection it arrived on.
 */
public class ProtocolException extends TaipanException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
