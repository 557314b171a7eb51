package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider failed (HTTP 5xx, connection errors). Retryable. */
public class LmServerException extends LmException {
    public LmServerException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
