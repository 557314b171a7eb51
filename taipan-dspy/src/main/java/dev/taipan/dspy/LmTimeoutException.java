package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The LM did not answer in time. Retryable. */
public class LmTimeoutException extends LmException {
    public LmTimeoutException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
