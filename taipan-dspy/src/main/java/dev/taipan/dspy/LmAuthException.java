package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider rejected the credentials (HTTP 401/403). Not retryable: fix the key. */
public class LmAuthException extends LmException {
    public LmAuthException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
