package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider refused the call for rate or quota reasons (HTTP 429). Retryable after a pause. */
public class LmRateLimitException extends LmException {
    public LmRateLimitException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
