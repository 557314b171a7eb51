package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The prompt does not fit the model's context window. Not retryable as is. */
public class ContextWindowExceededException extends LmException {
    public ContextWindowExceededException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
