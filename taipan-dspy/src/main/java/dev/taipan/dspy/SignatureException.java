package dev.taipan.dspy;

/** A signature (string form or builder) is invalid. Raised in Java, before any Python runs. */
public class SignatureException extends IllegalArgumentException {
    /**
     * An invalid signature.
     *
     * @param message what is wrong, naming the field or the text
     */
    public SignatureException(String message) {
        super(message);
    }
}
