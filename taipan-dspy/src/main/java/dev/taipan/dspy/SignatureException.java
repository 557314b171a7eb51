package dev.taipan.dspy;

/** A signature (string form or builder) is invalid. Raised in Java, before any Python runs. */
public class SignatureException extends IllegalArgumentException {
    public SignatureException(String message) {
        super(message);
    }
}
