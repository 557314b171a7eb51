package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The prompt does not fit the model's context window. Not retryable as is. */
public class ContextWindowExceededException extends LmException {
    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public ContextWindowExceededException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
